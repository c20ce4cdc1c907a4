"""Who is calling: a bearer access token, the operator key, or nobody in particular.

`AUTH_MODE=token` (docs/accounts.md) names the account by `Authorization: Bearer <token>`;
the operator key (`API_KEY`, sent as `X-API-Key`) may act for any username. On Lambda
the API key is checked by the authorizer, which says so in its context
(`requestContext.authorizer.lambda.operator`): a client cannot forge that part of the
event, while any header it sends reaches us unchanged.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from tgscraper.accounts.store import AccountStore, TokenInfo
from tgscraper.config import Settings
from tgscraper.errors import Unauthorized
from tgscraper.storage.ports import ItemTable

BEARER_HELP = (
    "send 'Authorization: Bearer <access token>' (a login hands one out; more from "
    "POST /api/v3/auth/tokens)"
)


@dataclass(frozen=True)
class Caller:
    token: TokenInfo | None
    """The valid access token the request carries, if any."""
    operator: bool
    """The request holds the operator key."""

    @property
    def username(self) -> str | None:
        return self.token.username if self.token is not None else None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer` header; None when there is no header."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized(f"Invalid Authorization header: {BEARER_HELP}")
    return token.strip()


def is_operator(request: Request, settings: Settings) -> bool:
    given = request.headers.get("x-api-key")
    if settings.api_key and given:
        return hmac.compare_digest(given.encode(), settings.api_key.encode())
    event: dict[str, Any] = request.scope.get("aws.event") or {}
    authorizer = (event.get("requestContext") or {}).get("authorizer") or {}
    return (authorizer.get("lambda") or {}).get("operator") in (True, "true")


def identify(
    request: Request, settings: Settings, accounts: ItemTable, authorization: str | None
) -> Caller:
    """The caller; an Authorization header that is present must hold a valid token."""
    token = bearer_token(authorization)
    info = None
    if token is not None:
        info = AccountStore(accounts).resolve(token)
        if info is None:
            raise Unauthorized("Invalid or revoked access token: log in again or " + BEARER_HELP)
    return Caller(info, is_operator(request, settings))
