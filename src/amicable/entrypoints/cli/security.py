"""CLI commands of people and machines: ``amicable users create`` and ``amicable tokens
create | list | revoke``.

``tokens create`` prints the token's secret once (with ``--json``: ``{"id", "org", "role",
"label", "prefix", "token"}``); only its SHA-256 is stored, so a lost token is revoked and
replaced, never recovered. ``users create --password-stdin`` reads the password from stdin (never
from an argument, which would land in the shell history).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from amicable.adapters.db.repositories_api import SqlTokenDirectory
from amicable.bootstrap import bootstrap
from amicable.domain.errors import NotFound
from amicable.entrypoints.cli._common import handle_errors, print_json, state
from amicable.service import security

__all__ = ["register"]

users_app = typer.Typer(
    help="Users of an organisation (roles; console passwords).", no_args_is_help=True
)
tokens_app = typer.Typer(help="API tokens (shown once, stored hashed).", no_args_is_help=True)

OrgOpt = Annotated[str, typer.Option("--org", help="organisation (tenant) name")]
RoleOpt = Annotated[
    str,
    typer.Option("--role", help="admin | policy_owner | collector | compliance_auditor | viewer"),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print one JSON object on stdout")]
DbOpt = Annotated[str | None, typer.Option("--database-url", help="SQLAlchemy URL")]


@users_app.command("create")
def users_create(
    ctx: typer.Context,
    org: OrgOpt,
    email: Annotated[str, typer.Option("--email", help="the user's email address")],
    role: RoleOpt,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read a console password from stdin")
    ] = False,
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Create a user with a role (and, with --password-stdin, a console password)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            user = security.create_user(app.uow(org), email, role, password=password, actor="cli")
        finally:
            app.close()
    if json:
        print_json(
            {"id": user.id, "org": org, "email": user.email, "role": user.role,
             "has_password": user.has_password}
        )  # fmt: skip
    else:
        typer.echo(f"user {user.email} ({user.role}) created in {org}")


@tokens_app.command("create")
def tokens_create(
    ctx: typer.Context,
    org: OrgOpt,
    role: RoleOpt,
    label: Annotated[str, typer.Option("--label", help="what the token is for")] = "",
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Create an API token and print it once."""
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            new = security.create_token(app.uow(org), role, label=label, actor="cli")
        finally:
            app.close()
    t = new.token
    if json:
        print_json(
            {"id": t.id, "org": t.org_name, "role": t.role, "label": t.label,
             "prefix": t.prefix, "token": new.secret}
        )  # fmt: skip
    else:
        typer.echo(new.secret)
        typer.echo(f"token {t.id} ({t.role}) for {t.org_name}: shown once, store it now", err=True)


@tokens_app.command("list")
def tokens_list(
    ctx: typer.Context, org: OrgOpt, json: JsonOpt = False, database_url: DbOpt = None
) -> None:
    """List an organisation's tokens (never their secrets)."""
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            with app.uow(org) as uow:
                rows = uow.security.tokens()
        finally:
            app.close()
    docs = [
        {"id": t.id, "role": t.role, "label": t.label, "prefix": t.prefix,
         "created_at": t.created_at.isoformat(),
         "last_used_at": None if t.last_used_at is None else t.last_used_at.isoformat(),
         "revoked": t.revoked_at is not None}
        for t in rows
    ]  # fmt: skip
    if json:
        print_json({"org": org, "tokens": docs})
    else:
        for d in docs:
            state_word = "revoked" if d["revoked"] else "active"
            typer.echo(f"{d['id']}\t{d['prefix']}…\t{d['role']}\t{state_word}\t{d['label']}")


@tokens_app.command("revoke")
def tokens_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(help="the token's id")],
    json: JsonOpt = False,
    database_url: DbOpt = None,
) -> None:
    """Revoke a token by id (idempotent)."""
    with handle_errors():
        app = bootstrap(database_url or state(ctx).database_url)
        try:
            app.ensure_schema()
            with app.engine.connect() as conn:
                found = SqlTokenDirectory(conn).by_id(token_id)
            if found is None:
                raise NotFound(f"token {token_id} does not exist")
            row = security.revoke_token(app.uow(found.org_name), token_id, actor="cli")
        finally:
            app.close()
    if json:
        print_json({"id": row.id, "org": row.org_name, "revoked": row.revoked_at is not None})
    else:
        typer.echo(f"token {row.id} of {row.org_name} revoked")


def register(app: typer.Typer) -> None:
    """Add this area's commands to the root app."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
