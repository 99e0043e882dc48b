"""CLI commands of the nlu area: ``amicable nlu parse | eval | train``.

``parse --jsonl`` is the stable contract: one debtor message per stdin line in, one JSON object
per line out — ``{"intents": [{"name", "confidence"}…] (most likely first), "entities":
{"amount": {"value", "currency"}|null, "per", "date", "installments", "percent", "fraction",
"channel"}, "lang"}``. A blank input line still gets its output line (``other``), so outputs stay
aligned with inputs. ``eval`` measures a backend on a shipped labelled split: ``--split test`` (the
held-out split, the default and the figures of record) or ``--split dev`` (the tuning split).
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Annotated

import typer

from amicable.domain.errors import InvalidInput
from amicable.domain.money import currency as to_currency
from amicable.entrypoints.cli._common import fail, handle_errors, print_json

__all__ = ["register"]

nlu_app = typer.Typer(
    help="Understand debtor messages (intents, amounts, dates…); measure the NLU.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]
BackendOption = Annotated[
    str,
    typer.Option("--backend", help="embedded (default, offline) | embeddings | llm"),
]


def _today(raw: str | None) -> date:
    if raw is None:
        # The one wall-clock read: the CLI is an entry point; the engines take ``today``.
        return date.today()  # noqa: DTZ011 - a business date in the operator's own calendar
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, got {raw!r}")


@nlu_app.command("parse")
def parse(
    lang: Annotated[str, typer.Option("--lang", help="en | fr | es | auto")] = "auto",
    today: Annotated[
        str | None, typer.Option("--today", help="Reference date YYYY-MM-DD (default: today).")
    ] = None,
    currency: Annotated[
        str, typer.Option("--currency", help="Account currency for amounts without one.")
    ] = "USD",
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One JSON object per input line (the contract).")
    ] = False,
    backend: BackendOption = "embedded",
) -> None:
    """Read one message per stdin line and print what it says."""
    from amicable.negotiation.nlu import LANGS, make_understanding

    if lang not in (*LANGS, "auto"):
        fail(f"--lang must be one of en, fr, es, auto; got {lang!r}")
    reference = _today(today)
    with handle_errors():
        code = to_currency(currency.upper()).code
        understanding = make_understanding(backend)
    hint = None if lang == "auto" else lang
    for line in sys.stdin:
        text = line.rstrip("\r\n")
        with handle_errors():
            result = understanding.parse(text, lang=hint, today=reference, currency=code)
        if jsonl:
            print_json(result.to_json())
        else:
            ents = {k: v for k, v in result.entities.to_json().items() if v is not None}
            names = ", ".join(f"{i.name} {i.confidence:.2f}" for i in result.intents)
            typer.echo(f"[{result.lang}] {names}  {ents if ents else ''}".rstrip())


@nlu_app.command("eval")
def evaluate_command(
    as_json: JsonFlag = False,
    backend: BackendOption = "embedded",
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also list every missed line.")
    ] = False,
    split: Annotated[
        str, typer.Option("--split", help="test (held-out, default) | dev (the tuning split)")
    ] = "test",
) -> None:
    """Accuracy, macro-F1, entity accuracy and safety recall on a labelled split."""
    from amicable.negotiation.nlu import make_understanding
    from amicable.negotiation.nlu.evaluate import TARGETS, evaluate

    if split not in ("dev", "test"):
        fail(f"--split must be dev or test; got {split!r}")
    with handle_errors():
        understanding = make_understanding(backend)
        reports, misses = evaluate(understanding, split=split)
    if as_json:
        doc: dict[str, object] = {
            "backend": backend,
            "split": split,
            "targets": TARGETS,
            "languages": {k: v.to_json() for k, v in reports.items()},
        }
        if verbose:
            doc["misses"] = [
                {"lang": m.lang, "text": m.text, "gold": list(m.gold), "predicted": list(m.predicted), "kind": m.kind, "detail": m.detail}
                for m in misses
            ]  # fmt: skip
        print_json(doc)
        return
    typer.echo(f"backend: {backend}  split: {split}")
    typer.echo(f"{'lang':<5}{'n':>5}{'accuracy':>10}{'macro-F1':>10}{'entities':>10}")
    for key, rep in reports.items():
        typer.echo(
            f"{key:<5}{rep.n:>5}{rep.accuracy:>10.4f}{rep.macro_f1:>10.4f}{rep.entity_accuracy:>10.4f}"
        )
    typer.echo("recall of safety-critical intents (all languages):")
    overall = reports["all"]
    for name, value in overall.recall.items():
        shown = "n/a" if value is None else f"{value:.4f}"
        typer.echo(f"  {name:<15}{shown:>8}  (support {overall.support[name]})")
    if verbose:
        for m in misses:
            typer.echo(
                f"  [{m.lang}] {m.kind}: {m.text!r} gold={m.gold} got={m.predicted} {m.detail}"
            )


@nlu_app.command("train")
def train() -> None:
    """Retrain the embedded model on the shipped corpus and rewrite its weights file."""
    from amicable.negotiation.nlu.model import build

    try:
        path = build()
    except InvalidInput as exc:
        fail(str(exc))
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(nlu_app, name="nlu")
