"""An account's own access tokens: list, create (shown once), revoke."""

from __future__ import annotations

import logging
import re

from tgscraper.accounts.session_owner import session_account_id
from tgscraper.accounts.store import MAX_TOKENS, AccountStore, IssuedToken, TokenInfo
from tgscraper.errors import BadRequest, Conflict, NotFound
from tgscraper.storage.sessions import SessionStore

log = logging.getLogger("tgscraper.accounts")

MAX_LABEL = 64
_TOKEN_ID = re.compile(r"[0-9a-f]{16}")


class TokenService:
    def __init__(self, accounts: AccountStore, sessions: SessionStore) -> None:
        self._accounts = accounts
        self._sessions = sessions

    def list(self, username: str) -> list[TokenInfo]:
        return sorted(self._accounts.tokens(username), key=lambda t: (t.created_at, t.id))

    def create(self, username: str, label: str) -> IssuedToken:
        label = label.strip()
        if len(label) > MAX_LABEL or not label.isprintable():
            raise BadRequest(
                f"Invalid body field 'label': at most {MAX_LABEL} printable characters"
            )
        if len(self._accounts.tokens(username)) >= MAX_TOKENS:
            raise Conflict(f"'{username}' already has {MAX_TOKENS} tokens: revoke one first")
        if self._accounts.bound_user_id(username) is None:
            # A username from before bindings (migration): bind it to its session's account.
            account = session_account_id(self._sessions, username)
            if account is not None:
                self._accounts.bind(username, account)
        issued = self._accounts.issue(username, label)
        log.info("access token %s created for %s", issued.info.id, username)
        return issued

    def revoke(self, username: str, token_id: str) -> None:
        if not _TOKEN_ID.fullmatch(token_id) or not self._accounts.revoke(username, token_id):
            raise NotFound(f"'{username}' has no access token '{token_id}'")
        log.info("access token %s of %s revoked", token_id, username)
