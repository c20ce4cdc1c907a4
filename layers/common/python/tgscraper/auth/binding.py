"""Who may log in as a username, and to which Telegram account it belongs.

A username is bound to the Telegram user id of its first login (AccountStore). A later
login of that username by another Telegram account is an account change:

- AUTH_MODE=token: refused (the login ends with status "error"), unless the operator
  started it (operator key): then, as in header mode,
- AUTH_MODE=header, or operator: allowed, and the username's caches, media and tokens are
  wiped before the new login is saved, so nothing of the old account is ever served to
  the new one.

In token mode `force=true` (replace the current session) needs one of that username's
own access tokens, or the operator key. Usernames from before bindings existed
(migration) are bound at their next login or token to the account their stored session
names (its "self" entity row), so their caches are kept when it is the same account.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from tgscraper.accounts.session_owner import session_account_id
from tgscraper.accounts.store import AccountStore
from tgscraper.config import AuthMode
from tgscraper.errors import Forbidden
from tgscraper.storage.ports import ConditionFailed
from tgscraper.storage.sessions import SessionStore

log = logging.getLogger("tgscraper.auth")


class AccountMismatch(Exception):
    """The login is another Telegram account than the one the username belongs to."""


@dataclass(frozen=True)
class Requester:
    """Who started a login: the username of a valid token they hold, and operator key."""

    username: str | None = None
    operator: bool = False


class AccountGuard:
    def __init__(
        self,
        accounts: AccountStore,
        sessions: SessionStore,
        mode: AuthMode,
        wipe: Callable[[str], None],
    ) -> None:
        self._accounts = accounts
        self._sessions = sessions
        self._mode = mode
        self._wipe = wipe

    def may_rebind(self, username: str, *, force: bool, requester: Requester) -> bool:
        """Check a login start; True when it may move the username to another account."""
        if self._mode == "header" or requester.operator:
            return True
        if force and requester.username != username:
            raise Forbidden(
                f"force=true replaces the session of '{username}': send one of its access "
                "tokens (Authorization: Bearer) or the operator key (X-API-Key)"
            )
        return False

    def admit(self, username: str, tg_user_id: int, *, rebind: bool) -> None:
        """Bind the username to the account that just logged in, or refuse it.

        Raises AccountMismatch when another account owns the username and `rebind` is
        False. Runs before the new session is saved (the old one is still readable)."""
        bound = self._accounts.bound_user_id(username)
        if bound is None:
            bound = session_account_id(self._sessions, username)  # migration
        if bound is None or bound == tg_user_id:
            try:
                self._accounts.bind(username, tg_user_id)  # the same account: a no-op
                return
            except ConditionFailed:
                pass  # a concurrent first login bound it to another account meanwhile
        if not rebind:
            raise AccountMismatch(username)
        log.warning("username %s moves to another Telegram account: its data is wiped", username)
        self._wipe(username)
        self._accounts.forget(username)
        self._accounts.bind(username, tg_user_id, replace=True)

    def hand_out(self, username: str) -> str | None:
        """The access token a successful login shows once (token mode only)."""
        if self._mode != "token":
            return None
        return self._accounts.issue(username, "login").token
