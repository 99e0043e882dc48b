"""CLI commands of the compliance area: ``amicable compliance check | explain | packs``.

``check`` is the stable dry-run contract: a scenario (JSON, on stdin or ``--file``) in, the decision
``{"allowed", "violations": [{"rule", "message", "citation"}], "earliest_allowed_at"}`` out. Exit codes
follow ``_common``: 0 allowed, 1 blocked, 2 a scenario that could not be read (the message names the
field path).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from amicable.compliance import all_packs, decide, find_rule, parse_scenario
from amicable.entrypoints.cli._common import fail, handle_errors, print_json

__all__ = ["register"]

compliance_app = typer.Typer(
    help="Dry-run the compliance engine: check a proposed contact, explain rules, list packs.",
    no_args_is_help=True,
)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON only.")]


@compliance_app.command("check")
def check(
    as_json: JsonFlag = False,
    file: Annotated[
        Path | None, typer.Option("--file", "-f", help="Scenario file (default: stdin).")
    ] = None,
    pack: Annotated[
        list[str] | None,
        typer.Option("--pack", help="Apply these packs instead of the selected ones (repeatable)."),
    ] = None,
) -> None:
    """Decide one proposed contact described by a scenario (JSON on stdin)."""
    raw = file.read_text(encoding="utf-8") if file is not None else sys.stdin.read()
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        fail(f"scenario is not valid JSON: {exc}")
    with handle_errors():
        context, proposed = parse_scenario(data)
        decision = decide(context, proposed, packs=pack or None)
    if as_json:
        print_json(decision)
    else:
        at = decision.earliest_allowed_at
        verdict = "ALLOWED" if decision.allowed else "BLOCKED"
        typer.echo(f"{verdict}  (packs: {', '.join(decision.packs)})")
        for v in decision.violations:
            typer.echo(f"  - {v.rule}: {v.message}\n      ({v.citation})")
        if not decision.allowed:
            when = "never within the horizon" if at is None else at.strftime("%Y-%m-%dT%H:%M:%SZ")
            typer.echo(f"earliest allowed: {when}")
    raise typer.Exit(0 if decision.allowed else 1)


@compliance_app.command("explain")
def explain(
    rule_id: Annotated[str, typer.Argument(help="A rule id, e.g. regf.call_frequency")],
    as_json: JsonFlag = False,
) -> None:
    """Show what a rule checks, its parameters, its pack and the citation it implements."""
    with handle_errors():
        found = find_rule(rule_id)
    if found is None:
        known = sorted(r.id for p in all_packs() for r in p.rules)
        fail(f"unknown rule {rule_id!r}; known rules: {', '.join(known)}")
    pack, rule = found
    doc: dict[str, Any] = {
        "rule": rule.id,
        "pack": pack.id,
        "kind": rule.kind,
        "title": rule.title,
        "citation": rule.citation,
        "channels": sorted(rule.channels),
        "params": dict(rule.raw_params),
    }
    if as_json:
        print_json(doc)
        return
    typer.echo(
        f"{rule.id}  ({pack.id}, kind {rule.kind})\n  {rule.title}\n  citation: {rule.citation}"
    )
    typer.echo(f"  channels: {', '.join(doc['channels'])}")
    for key, value in doc["params"].items():
        typer.echo(f"  {key}: {value}")


@compliance_app.command("packs")
def packs(as_json: JsonFlag = False) -> None:
    """List the shipped packs, when each applies and its rules."""
    with handle_errors():
        shipped = all_packs()
    if as_json:
        print_json({"packs": [p.to_json() for p in shipped]})
        return
    for p in shipped:
        typer.echo(f"{p.id}: {p.title}")
        for r in p.rules:
            typer.echo(f"    {r.id:38} {r.kind}")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(compliance_app, name="compliance")
