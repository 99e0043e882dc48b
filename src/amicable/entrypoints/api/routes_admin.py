"""Routes of the caller's organisation, its users and API tokens (``/v1/org``, ``/v1/users``,
``/v1/tokens``), and the public health check. Thin: input -> service -> response."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from amicable.entrypoints.api.deps import AmicableApp, CurrentPrincipal, RateLimited, Uow, guard
from amicable.entrypoints.api.schemas import (
    OrgPublic,
    Page,
    TokenCreate,
    TokenCreated,
    TokenPublic,
    UserCreate,
    UserPublic,
)
from amicable.service import security
from amicable.service.api_ports import TokenRow, UserRow

__all__ = ["router"]

router = APIRouter()

Id = Annotated[int, Path(ge=1, le=2**62)]


def _user(u: UserRow) -> UserPublic:
    return UserPublic(
        id=u.id,
        email=u.email,
        role=u.role,
        has_password=u.has_password,
        created_at=u.created_at,
        disabled_at=u.disabled_at,
    )


def _token(t: TokenRow) -> TokenPublic:
    return TokenPublic(
        id=t.id,
        role=t.role,
        label=t.label,
        prefix=t.prefix,
        created_at=t.created_at,
        last_used_at=t.last_used_at,
        revoked_at=t.revoked_at,
    )


@router.get("/health", tags=["system"])
def health(_limited: RateLimited, app: AmicableApp) -> dict[str, str]:
    """Liveness: the process answers and the database schema is reachable (no auth)."""
    app.ensure_schema()
    return {"status": "ok"}


@router.get("/org", tags=["organisation"], **guard("org.read"))
async def current_org(who: CurrentPrincipal) -> OrgPublic:
    """The organisation the token belongs to (every other route acts only inside it). No I/O: a
    coroutine, so it never crosses into the thread pool."""
    return OrgPublic(id=who.org_id, name=who.org_name)


@router.get("/users", tags=["security"], **guard("users.read"))
def list_users(uow: Uow) -> Page[UserPublic]:
    with uow:
        rows = uow.security.users()
    return Page[UserPublic](data=[_user(u) for u in rows], count=len(rows))


@router.post(
    "/users", status_code=status.HTTP_201_CREATED, tags=["security"], **guard("users.create")
)
def create_user(body: UserCreate, uow: Uow, who: CurrentPrincipal) -> UserPublic:
    user = security.create_user(uow, body.email, body.role, password=body.password, actor=who.actor)
    return _user(user)


@router.get("/users/{user_id}", tags=["security"], **guard("users.read"))
def show_user(user_id: Id, uow: Uow) -> UserPublic:
    with uow:
        return _user(uow.security.user(user_id))


@router.get("/tokens", tags=["security"], **guard("tokens.read"))
def list_tokens(uow: Uow) -> Page[TokenPublic]:
    with uow:
        rows = uow.security.tokens()
    return Page[TokenPublic](data=[_token(t) for t in rows], count=len(rows))


@router.post(
    "/tokens", status_code=status.HTTP_201_CREATED, tags=["security"], **guard("tokens.create")
)
def create_token(body: TokenCreate, uow: Uow, who: CurrentPrincipal) -> TokenCreated:
    """Create a token; the response carries its secret, which is never shown again."""
    new = security.create_token(uow, body.role, label=body.label, actor=who.actor)
    return TokenCreated(**_token(new.token).model_dump(), token=new.secret)


@router.delete("/tokens/{token_id}", tags=["security"], **guard("tokens.revoke"))
def revoke_token(token_id: Id, uow: Uow, who: CurrentPrincipal, request: Request) -> TokenPublic:
    revoked = security.revoke_token(uow, token_id, actor=who.actor)
    request.app.state.token_cache.clear()  # the revoked token stops working at once here
    return _token(revoked)
