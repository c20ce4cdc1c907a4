"""Dependencies shared by every router, as `Annotated` aliases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from tgscraper.container import Container
from tgscraper.errors import Unauthorized
from tgscraper.identity import is_valid_username

USERNAME_HEADER = "X-Telegram-Username"


async def get_container(request: Request) -> Container:
    # async: FastAPI runs a sync dependency in its thread pool, and that hop (waiting for
    # the GIL while the event loop streams) cost /health tens of ms under an SSE stream.
    container: Container = request.app.state.container
    return container


ContainerDep = Annotated[Container, Depends(get_container)]


def get_identity(
    container: ContainerDep,
    x_telegram_username: Annotated[
        str | None,
        Header(
            alias=USERNAME_HEADER,
            description="The account name chosen at login; its session must exist.",
        ),
    ] = None,
) -> str:
    """The validated username the request acts as (401 otherwise); its session may be
    gone (logout is idempotent). The pattern is checked before any storage access so no
    value can reach a key or path."""
    del container
    if x_telegram_username is None or not x_telegram_username.strip():
        raise Unauthorized(f"Missing {USERNAME_HEADER} header")
    username = x_telegram_username.strip()
    if not is_valid_username(username):
        raise Unauthorized(
            f"Invalid {USERNAME_HEADER} header: use 1-64 characters from A-Z, a-z, 0-9, "
            "'_', '.', '-', not starting with '.' or '-'"
        )
    return username


IdentityDep = Annotated[str, Depends(get_identity)]


def get_username(container: ContainerDep, username: IdentityDep) -> str:
    """The validated, logged-in username of the request (401 otherwise)."""
    if not container.stores.sessions.exists(username):
        raise Unauthorized(
            f"No Telegram session for '{username}': log in first (POST /api/v3/auth/qr)"
        )
    return username


UsernameDep = Annotated[str, Depends(get_username)]
