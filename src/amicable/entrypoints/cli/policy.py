"""CLI commands of the policy area: ``amicable policy validate FILE [--json]``.

``validate`` is pure (no database): it reads a policy file and prints every problem with its
location. Storing, showing and diffing policy versions and ``amicable offers`` need the database
and are wired by the integrator from :mod:`amicable.policy` (``load_policy``, ``diff_policies``,
``offers_report``, ``parse_offer``, ``check_report``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from amicable.entrypoints.cli._common import err_console, fail, print_json
from amicable.policy.load import validate_text

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


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(policy_app)
