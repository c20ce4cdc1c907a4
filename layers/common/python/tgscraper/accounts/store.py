"""Account bindings and access tokens on the `accounts` ItemTable.

Layout (a username is validated, so it holds no '#'):
- binding: pk `user#<username>`, sk `binding`: `tg_user_id` (the Telegram account the
  username belongs to since its first login) and `bound_at`.
- token:   pk `user#<username>`, sk `tok#<token id>`: `id`, `label`, `created_at`,
  `digest` (the listing; never the token itself).
- lookup:  pk `tok#<digest>`, sk `token`: `username`, `id`. `digest` is the SHA-256 hex
  of the whole bearer token, so a request's token is found with one GetItem (the Lambda
  authorizer reads exactly this item) and the store never holds anything that would
  let a reader present the token.

A token is `tgs_` + 43 URL-safe characters (32 random bytes, 256 bits). Lookup is by
digest, and the digest read back is compared with `hmac.compare_digest`, so neither
the store's key search nor our comparison leaks a prefix through timing.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from tgscraper.identity import validate_username
from tgscraper.storage.ports import ConditionFailed, ItemTable, now

TOKEN_PREFIX = "tgs_"
MAX_TOKENS = 20
"""Tokens one username may hold at once (creating more is a 409)."""
_BINDING_SK = "binding"
_TOKEN_SK = "token"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def user_pk(username: str) -> str:
    return f"user#{validate_username(username)}"


def lookup_pk(digest: str) -> str:
    return f"tok#{digest}"


@dataclass(frozen=True)
class TokenInfo:
    id: str
    username: str
    label: str
    created_at: int


@dataclass(frozen=True)
class IssuedToken:
    info: TokenInfo
    token: str
    """The bearer token itself: shown once, never stored."""


class AccountStore:
    def __init__(self, table: ItemTable) -> None:
        self._table = table

    # -- binding ------------------------------------------------------------------------
    def bound_user_id(self, username: str) -> int | None:
        item = self._table.get(user_pk(username), _BINDING_SK)
        return None if item is None else int(item["tg_user_id"])

    def bind(self, username: str, tg_user_id: int, *, replace: bool = False) -> None:
        """Bind a username to a Telegram account. Without `replace`, an existing binding
        to another account raises ConditionFailed (the same account is a no-op)."""
        item = {"pk": user_pk(username), "sk": _BINDING_SK, "tg_user_id": tg_user_id}
        item["bound_at"] = now()
        if replace:
            self._table.put(item)
            return
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            if self.bound_user_id(username) != tg_user_id:
                raise

    # -- tokens -------------------------------------------------------------------------
    def issue(self, username: str, label: str = "") -> IssuedToken:
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        digest = token_digest(token)
        info = TokenInfo(secrets.token_hex(8), username, label, now())
        self._table.put(
            {"pk": lookup_pk(digest), "sk": _TOKEN_SK, "username": username, "id": info.id},
            if_absent=True,
        )
        self._table.put(
            {
                "pk": user_pk(username),
                "sk": f"tok#{info.id}",
                "id": info.id,
                "label": label,
                "created_at": info.created_at,
                "digest": digest,
            }
        )
        return IssuedToken(info, token)

    def resolve(self, token: str) -> TokenInfo | None:
        """The token's owner, or None for an unknown, revoked or malformed token."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
            return None
        digest = token_digest(token)
        item = self._table.get(lookup_pk(digest), _TOKEN_SK)
        if item is None:
            return None
        listed = self._table.get(user_pk(str(item["username"])), f"tok#{item['id']}")
        # Both halves must agree: a revoke deletes the listing first.
        if listed is None or not hmac.compare_digest(str(listed["digest"]), digest):
            return None
        return _info(listed, str(item["username"]))

    def tokens(self, username: str) -> list[TokenInfo]:
        rows = self._table.query(user_pk(username), sk_from="tok#", sk_to="tok#~")
        return [_info(row, username) for row in rows]

    def revoke(self, username: str, token_id: str) -> bool:
        """Revoke one of the username's tokens; False when it has no such token."""
        listed = self._table.get(user_pk(username), f"tok#{token_id}")
        if listed is None:
            return False
        self._table.delete(user_pk(username), f"tok#{token_id}")
        self._table.delete(lookup_pk(str(listed["digest"])), _TOKEN_SK)
        return True

    def forget(self, username: str) -> None:
        """Drop every token and the binding: the username is free again."""
        for info in self.tokens(username):
            self.revoke(username, info.id)
        self._table.delete(user_pk(username), _BINDING_SK)


def _info(row: dict[str, object], username: str) -> TokenInfo:
    created = row["created_at"]
    assert isinstance(created, int)
    return TokenInfo(str(row["id"]), username, str(row.get("label") or ""), created)
