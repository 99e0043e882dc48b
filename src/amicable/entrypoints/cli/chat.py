"""CLI command of the negotiation area: ``amicable chat ACCOUNT``.

``--jsonl`` is the stable contract. Without ``--inbound`` the agent opens and its opening is the
first output line; then, for each stdin line ``{"text": "…"}``, exactly one output line::

    {"reply": str|null, "state": str, "intents": [str, …], "offer": OFFER|null,
     "agreement": OFFER|null, "escalation": {"reason": str, "summary": str}|null, "ended": bool}

with OFFER the policy engine's wire shape. A malformed input line stops the command with an error
on stderr naming the line number and exit code 2; nothing is persisted for that line (earlier
turns stay committed, as they would on any channel). Every turn goes through the same use cases
as any channel (:mod:`amicable.service.conversations`), so the conversation, messages, offers,
agreement, promise and escalation are persisted exactly as they would be for an SMS.

Without ``--jsonl`` the command is an interactive terminal chat (Rich) for a person to try the
agent; ``/quit`` or end of input leaves it.

A phrasing model is optional: ``--llm-base-url``/``--llm-model`` (or ``AMICABLE_LLM_BASE_URL`` /
``AMICABLE_LLM_MODEL``, ``AMICABLE_LLM_API_KEY``); its text is used only under the guardrails.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.prompt import Prompt

from amicable.domain.errors import InvalidInput
from amicable.entrypoints.cli._common import fail, handle_errors, print_json
from amicable.entrypoints.cli._db import DbOpt, OrgOpt, open_app

__all__ = ["parse_line", "register"]

CHANNELS = ("sms", "email", "chat", "whatsapp")
LANGS = ("en", "fr", "es")
#: Longest debtor message accepted on one line (a guard against pasted files, not a channel rule).
MAX_TEXT = 4000


def parse_line(raw: str, number: int) -> str:
    """The debtor's text of input line ``number``; ``InvalidInput`` naming the line otherwise."""
    where = f"input line {number}"
    try:
        data: Any = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f'{where} is not JSON ({exc.msg}); expected {{"text": "…"}}') from None
    if not isinstance(data, dict) or set(data) != {"text"}:
        raise InvalidInput(f'{where} must be a JSON object with exactly one key "text"')
    text = data["text"]
    if not isinstance(text, str):
        raise InvalidInput(f'{where}: "text" must be a string, got {type(text).__name__}')
    if not text.strip():
        raise InvalidInput(f'{where}: "text" is empty')
    if len(text) > MAX_TEXT:
        raise InvalidInput(f'{where}: "text" is longer than {MAX_TEXT} characters')
    return text


def _today(raw: str | None) -> date | None:
    if raw is None:
        return None  # the unit of work's clock decides
    try:
        return date.fromisoformat(raw)
    except ValueError:
        fail(f"--today must be YYYY-MM-DD, got {raw!r}")


def chat(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="Customer id, or the exact name of a customer.")],
    channel: Annotated[
        str, typer.Option("--channel", help="sms | email | chat | whatsapp")
    ] = "sms",
    today: Annotated[
        str | None, typer.Option("--today", help="Business date YYYY-MM-DD (default: today, UTC).")
    ] = None,
    inbound: Annotated[
        bool, typer.Option("--inbound", help="The debtor writes first (the agent does not open).")
    ] = False,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="One JSON object per line in and out (the contract).")
    ] = False,
    lang: Annotated[
        str | None, typer.Option("--lang", help="en | fr | es (default: the account's language).")
    ] = None,
    tone: Annotated[str, typer.Option("--tone", help="friendly | neutral | firm")] = "neutral",
    llm_base_url: Annotated[
        str | None,
        typer.Option(
            "--llm-base-url", help="OpenAI-compatible base URL for phrasing (optional; env too)."
        ),
    ] = None,
    llm_model: Annotated[
        str | None, typer.Option("--llm-model", help="Model name for phrasing (optional).")
    ] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
) -> None:
    """Talk with the negotiation agent about one account (``--jsonl``: the machine contract)."""
    from amicable.negotiation.llm import LLMSettings, make_phraser
    from amicable.negotiation.states import DialogueConfig
    from amicable.service.conversations import handle_inbound, start_conversation

    if channel not in CHANNELS:
        fail(f"--channel must be one of {', '.join(CHANNELS)}; got {channel!r}")
    if lang is not None and lang not in LANGS:
        fail(f"--lang must be one of {', '.join(LANGS)}; got {lang!r}")
    day = _today(today)
    with handle_errors():
        config = DialogueConfig(tone=tone)
        phraser = make_phraser(LLMSettings.from_env(base_url=llm_base_url, model=llm_model))
    console = Console(highlight=False)
    try:
        with open_app(ctx, database_url) as app:
            opening = start_conversation(
                app.uow(org), account, channel, today=day, lang=lang, inbound=inbound,
                config=config, phraser=phraser,
            )  # fmt: skip
            if jsonl:
                if not inbound:
                    print_json(opening.to_json())
            else:
                console.print(f"[dim]chat with {account} on {channel} — type /quit to leave[/]")
                _show(console, opening.to_json())
            ended = opening.ended and not inbound
            number = 0
            while True:
                if jsonl:
                    raw = sys.stdin.readline()
                    if not raw:
                        break
                    number += 1
                    text = parse_line(raw.rstrip("\r\n"), number)
                else:
                    if ended:
                        console.print("[dim]the conversation has ended[/]")
                        break
                    try:
                        text = Prompt.ask("[bold cyan]you[/]", console=console)
                    except (EOFError, KeyboardInterrupt):
                        break
                    if text.strip() in ("/quit", "/exit"):
                        break
                    if not text.strip():
                        continue
                turn = handle_inbound(
                    app.uow(org), account, channel, text, today=day, config=config,
                    phraser=phraser,
                )  # fmt: skip
                ended = turn.ended
                if jsonl:
                    print_json(turn.to_json())
                else:
                    _show(console, turn.to_json())
    finally:
        close = getattr(phraser, "close", None)
        if close is not None:
            close()


def _show(console: Console, line: dict[str, Any]) -> None:
    """One agent turn for a person: the reply, then the state and any offer or hand-over."""
    reply = line["reply"]
    if reply is None:
        console.print("[bold green]agent[/] [dim](no reply)[/]")
    else:
        console.print(f"[bold green]agent[/] {reply}")
    notes = [f"state={line['state']}"]
    if line["intents"]:
        notes.append("intents=" + ",".join(line["intents"]))
    if line["offer"] is not None:
        o = line["offer"]
        notes.append(f"offer={o['kind']} {o['total']} {o['currency']}")
    if line["agreement"] is not None:
        notes.append("agreement recorded")
    if line["escalation"] is not None:
        notes.append(f"escalated: {line['escalation']['reason']}")
    console.print(f"[dim]  {' · '.join(notes)}[/]")


def register(app: typer.Typer) -> None:
    """Add this area's command to the root app."""
    app.command("chat")(chat)
