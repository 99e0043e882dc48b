"""CLI commands of the policy area.

* ``amicable policy validate FILE [--json]`` — pure: every problem of a file with its location.
* ``amicable policy apply FILE`` — store a new version (never an invalid one; the previous stays).
* ``amicable policy show [--version N]``, ``amicable policy list``, ``amicable policy diff A B``.
* ``amicable policy whatif FILE [--as-of] [--top N] [--json]`` — the overdue portfolio under a
  proposed policy vs the one in force (expected recovery, agreements, escalations); writes nothing.
* ``amicable offers ACCOUNT [--as-of] [--json]`` — segment, action, offer space, recommended offer,
  concession ladder and the reasons, under the policy in force.
* ``amicable offers check ACCOUNT --offer JSON_OR_FILE [--json]`` — the policy gate on one offer.
"""

from __future__ import annotations

import json as jsonlib
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from amicable.domain.errors import InvalidInput, InvalidPolicy
from amicable.entrypoints.cli._common import err_console, fail, print_json
from amicable.entrypoints.cli._db import AsOfOpt, DbOpt, JsonOpt, OrgOpt, as_of_date, open_app
from amicable.policy.load import validate_text
from amicable.service import policies, whatif

__all__ = ["register"]

policy_app = typer.Typer(
    name="policy", help="The finance-owned policy table.", no_args_is_help=True
)


@policy_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="Policy YAML file to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON only.")] = False,
) -> None:
    """List every problem of a policy file with its location; exit 1 if there is any."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")
    problems = validate_text(text)
    if as_json:
        print_json({"valid": not problems, "problems": [p.to_json() for p in problems]})
    elif problems:
        for problem in problems:
            err_console.print(f"{file}: {problem}", highlight=False, markup=False)
        err_console.print(f"{len(problems)} problem(s)", highlight=False)
    else:
        typer.echo(f"{file}: valid")
    if problems:
        raise typer.Exit(1)


out = Console(highlight=False)


def _read(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file}: {exc}")


@policy_app.command("apply")
def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Policy YAML file to store as the new version.")],
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Validate a policy file and store it as the organisation's newest version."""
    text = _read(file)
    with open_app(ctx, database_url) as app:
        try:
            stored = policies.apply_policy(app.uow(org), text)
        except InvalidPolicy as exc:
            for problem in exc.problems:
                err_console.print(f"{file}: {problem}", highlight=False, markup=False)
            fail(str(exc), code=1)
    if as_json:
        print_json(_version_json(stored.stored, stored.version_id))
    else:
        out.print(f"applied {file} as version {stored.stored.version} ({stored.version_id})")


def _version_json(v: Any, version_id: str | None = None) -> dict[str, Any]:
    return {
        "version": v.version,
        "label": v.label,
        "id": version_id or f"{v.label}#{v.version}",
        "checksum": v.checksum,
        "created_at": v.created_at.isoformat(),
    }


@policy_app.command("list")
def list_cmd(
    ctx: typer.Context,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """List the stored policy versions."""
    with open_app(ctx, database_url) as app:
        versions = policies.list_versions(app.uow(org))
    if as_json:
        print_json({"versions": [_version_json(v) for v in versions]})
    else:
        for v in versions:
            out.print(
                f"{v.version:>4}  {v.label:<16} {v.created_at:%Y-%m-%d %H:%M} {v.checksum[:19]}"
            )


@policy_app.command("show")
def show(
    ctx: typer.Context,
    version: Annotated[int | None, typer.Option("--version", help="version number")] = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print a stored version (default: the one in force)."""
    with open_app(ctx, database_url) as app:
        stored = policies.show_version(app.uow(org), version)
    if as_json:
        print_json({**_version_json(stored.stored, stored.version_id), "yaml": stored.stored.yaml})
    else:
        typer.echo(stored.stored.yaml, nl=False)


@policy_app.command("diff")
def diff(
    ctx: typer.Context,
    a: Annotated[int, typer.Argument(help="older version number")],
    b: Annotated[int, typer.Argument(help="newer version number")],
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """What changed between two stored versions, one line per changed setting."""
    with open_app(ctx, database_url) as app:
        changes = policies.diff_versions(app.uow(org), a, b)
    if as_json:
        print_json({"from": a, "to": b, "changes": changes})
    else:
        for line in changes or ["(no differences)"]:
            out.print(line, markup=False)


@policy_app.command("whatif")
def whatif_cmd(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="Proposed policy YAML file (not stored).")],
    as_of: AsOfOpt = None,
    top: Annotated[
        int, typer.Option("--top", min=0, help="changed accounts listed, largest balance first")
    ] = whatif.TOP,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Replay the overdue portfolio under a proposed policy and the one in force; nothing is
    written. Exit 1 (nothing compared) when the file does not validate."""
    text = _read(file)
    try:
        proposed = whatif.proposed_policy(text, source=str(file))
    except InvalidPolicy as exc:
        if as_json:
            print_json(
                {
                    "valid": False,
                    "file": str(file),
                    "problems": whatif.located_problems(text, validate_text(text)),
                }
            )
        else:
            for problem in exc.problems:  # one unwrapped line each: file: line N: path: what
                typer.echo(getattr(problem, "message", problem), err=True)
            typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    with open_app(ctx, database_url) as app:
        day = as_of_date(app, as_of)
        result = whatif.what_if(app.uow(org), proposed, as_of=day, top=top)
    if as_json:
        print_json(result)
    else:
        _print_whatif(result)


def _print_whatif(r: dict[str, Any]) -> None:
    def money(m: dict[str, str]) -> str:
        return ", ".join(f"{v} {c}" for c, v in m.items()) or "0"

    def line(name: str, t: dict[str, Any], sign: str = "") -> str:
        agreements = f"{t['agreements']:{sign}}"
        escalations = f"{t['escalations']:{sign}}"
        return (
            f"{name}: expected recovery {money(t['expected_recovery'])}; "
            f"agreements {agreements}; escalations {escalations}"
        )

    echo = typer.echo
    echo(f"as of {r['as_of']}: {r['accounts']} overdue accounts; P(pays) from {r['probabilities']}")
    echo(line(f"current  {r['current']['policy']}", r["current"]))
    echo(line(f"proposed {r['proposed']['policy']}", r["proposed"]))
    echo(line("difference", r["difference"], "+"))
    for seg in r["by_segment"]:
        accounts = f"{seg['current']['accounts']} -> {seg['proposed']['accounts']} accounts"
        echo(line(f"  segment {seg['segment']} ({accounts})", seg["difference"], "+"))
    echo(f"{r['changed_accounts']} account(s) change; largest balances first:")
    for c in r["changed"]:
        echo(f"  {c['account']} {c['balance']} {c['currency']}: " + "; ".join(c["why"]))


def _offer_arg(value: str) -> object:
    text = value
    if not value.lstrip().startswith("{"):
        text = _read(Path(value))
    try:
        return jsonlib.loads(text)  # numbers stay numbers: the parser refuses them for money
    except jsonlib.JSONDecodeError as exc:
        raise InvalidInput(f"--offer is not valid JSON: {exc}") from None


def offers(
    ctx: typer.Context,
    account: Annotated[str, typer.Argument(help="account (external id or exact name), or 'check'")],
    check_account: Annotated[
        str | None, typer.Argument(help="with 'check': the account whose offer is checked")
    ] = None,
    offer: Annotated[
        str | None, typer.Option("--offer", help="with 'check': offer JSON, or a file holding it")
    ] = None,
    as_of: AsOfOpt = None,
    org: OrgOpt = "default",
    database_url: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The account's offer space, recommended offer and concession ladder under the policy in
    force; ``amicable offers check ACCOUNT --offer JSON`` runs the policy gate on one offer."""
    checking = account == "check" and check_account is not None
    if checking and offer is None:
        fail("offers check needs --offer JSON_OR_FILE")
    if not checking and (offer is not None or check_account is not None):
        fail("use: amicable offers check ACCOUNT --offer JSON_OR_FILE")
    with open_app(ctx, database_url) as app:
        day = as_of_date(app, as_of)
        if checking and check_account is not None and offer is not None:
            result = policies.check_offer(app.uow(org), check_account, _offer_arg(offer), day)
        else:
            result = policies.offers_for(app.uow(org), account, day)
    if isinstance(result, policies.NothingOwed):
        if as_json:
            print_json(result.to_json())
        else:
            out.print(f"{result.external_id}: nothing is owed as of {result.as_of}")
        return
    if as_json:
        print_json(result)
    elif checking:
        _print_check(result)
    else:
        _print_offers(result)
    if checking and result.get("outcome") == "refused":
        raise typer.Exit(1)


def _offer_line(o: dict[str, Any]) -> str:
    pays = ", ".join(f"{p['amount']} on {p['due_date']}" for p in o["installments"])
    flag = "  [needs approval]" if o["requires_approval"] else ""
    return f"{o['kind']:<10} {o['total']} {o['currency']}: {pays}{flag}"


def _print_offers(r: dict[str, Any]) -> None:
    out.print(
        f"policy {r['policy_version']} · segment [bold]{r['segment']}[/] · action {r['action']}"
    )
    if r["recommended"] is not None:
        out.print("recommended: " + _offer_line(r["recommended"]), markup=False)
    for i, step in enumerate(r["ladder"], 1):
        out.print(f"  ladder {i}: " + _offer_line(step), markup=False)
    for reason in r["reasons"]:
        out.print(f"  · {reason['message']}", markup=False)


def _print_check(r: dict[str, Any]) -> None:
    out.print(f"policy {r['policy_version']} · segment {r['segment']}: {r.get('outcome')}")
    for v in r.get("violations", []):
        out.print(f"  ✗ {v.get('message')}", markup=False)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(policy_app)
    app.command("offers")(offers)
