"""QR login state on the `qr` ItemTable: everything a poll needs, nothing in memory.

One item per flow: pk="qr#<token>", sk="state", holding the temporary auth key the flow
logs in with, its DC, the status and the deadline. Every change is a compare-and-set
on `version`, so two polls landing on two processes at once cannot both win, and a
cancel that lands mid-poll makes the poll's final write fail instead of being undone.

A second item (sk="lock") with a short expiry marks a poll that is talking to Telegram
right now: a concurrent poll of the same token answers from the stored state instead
of driving the same temporary key from a second place.

The item outlives the flow's deadline by `RETAIN_SECONDS` (the TTL attribute), so a
late poll still reads "expired" instead of 404; the auth key is wiped as soon as the
flow ends, whatever the outcome. A flow nobody polls after its deadline (abandoned, or
approved on the phone but never polled) is ended by `expire_overdue`, which the embedded
sweep runs at each deadline; in AWS the item's TTL removes it.
"""

from __future__ import annotations

import contextlib
import re
import secrets
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from tgscraper.storage.ports import ConditionFailed, ItemTable, now

Status = Literal["pending", "password_required", "success", "expired", "error"]
ACTIVE: tuple[Status, ...] = ("pending", "password_required")

TOKEN_PATTERN = r"^[A-Za-z0-9_-]{32}$"
_TOKEN_RE = re.compile(TOKEN_PATTERN)
RETAIN_SECONDS = 3600
"""How long a finished flow's status stays readable after its deadline."""
LOCK_SECONDS = 20
"""A poll's Telegram round trip is bounded well below this; a crashed poll frees it."""

PK_PREFIX = "qr#"
STATE_SK = "state"
_STATE_SK = STATE_SK
_LOCK_SK = "lock"


def new_token() -> str:
    """Our own opaque id for a flow (never Telegram's login token): 32 URL-safe chars."""
    return secrets.token_urlsafe(24)


def is_valid_token(token: str) -> bool:
    return bool(_TOKEN_RE.fullmatch(token))


@dataclass(frozen=True)
class QrState:
    token: str
    username: str
    force: bool
    status: Status
    deadline: int
    """Epoch seconds after which the flow is expired."""
    dc_id: int
    server_address: str
    port: int
    auth_key: bytes | None
    """The temporary key the flow logs in with; becomes the account's key on success."""
    qr_url: str | None = None
    qr_expires: int | None = None
    """When Telegram's login token inside qr_url expires (epoch seconds)."""
    error: str | None = None
    password_attempts: int = 0
    version: int = 0
    rebind: bool | None = True
    """May the login move the username to another Telegram account (tgscraper.auth.binding).
    None in flows stored before bindings existed: treated as False."""

    @property
    def active(self) -> bool:
        return self.status in ACTIVE

    def evolve(self, **changes: Any) -> QrState:
        return replace(self, **changes)

    def finished(self, status: Status, error: str | None = None) -> QrState:
        """The flow's final state: no QR, no key kept."""
        return replace(
            self, status=status, error=error, qr_url=None, qr_expires=None, auth_key=None
        )


def _pk(token: str) -> str:
    return f"{PK_PREFIX}{token}"


def _state(token: str, item: dict[str, Any]) -> QrState:
    fields: dict[str, Any] = {k: item.get(k) for k in QrState.__dataclass_fields__}
    fields["token"] = token
    return QrState(**fields)


class QrStore:
    def __init__(self, table: ItemTable) -> None:
        self._table = table

    def create(self, state: QrState) -> None:
        self._table.put(self._item(state), if_absent=True)

    def get(self, token: str) -> QrState | None:
        if not is_valid_token(token):
            return None  # never reaches the store: it cannot exist
        item = self._table.get(_pk(token), _STATE_SK)
        return None if item is None else _state(token, item)

    def update(self, state: QrState) -> QrState:
        """Write `state` if the stored version is still `state.version`; bumps it.

        Raises ConditionFailed when someone else changed or deleted the flow meanwhile.
        """
        new = replace(state, version=state.version + 1)
        self._table.put(self._item(new), expect={"version": state.version})
        return new

    def delete(self, token: str) -> None:
        self._table.delete_many([(_pk(token), _STATE_SK), (_pk(token), _LOCK_SK)])

    def expire_overdue(self, items: Iterable[dict[str, Any]], at: int) -> tuple[int, int | None]:
        """End every active flow among `items` (state items) whose deadline has passed:
        status "expired", temporary key wiped. Returns how many were ended and the
        earliest deadline of those still active (None if none)."""
        ended, upcoming = 0, None
        for item in items:
            token = str(item["pk"])[len(PK_PREFIX) :]
            state = _state(token, item)
            if not state.active and state.auth_key is None:
                continue
            if state.active and state.deadline > at:
                upcoming = state.deadline if upcoming is None else min(upcoming, state.deadline)
                continue
            # A poll that changed it meanwhile wins; the next sweep looks again.
            with contextlib.suppress(ConditionFailed):
                self.update(
                    state.finished("expired") if state.active else state.evolve(auth_key=None)
                )
                ended += 1
        return ended, upcoming

    def try_lock(self, token: str) -> str | None:
        """A holder id when this caller may talk to Telegram for the flow, else None."""
        holder = secrets.token_hex(8)
        item = {
            "pk": _pk(token),
            "sk": _LOCK_SK,
            "holder": holder,
            "expires_at": now() + LOCK_SECONDS,
        }
        try:
            self._table.put(item, if_absent=True)
        except ConditionFailed:
            return None
        return holder

    def unlock(self, token: str, holder: str) -> None:
        # ConditionFailed: it expired (and maybe was re-taken); not ours any more.
        with contextlib.suppress(ConditionFailed):
            self._table.delete(_pk(token), _LOCK_SK, expect={"holder": holder})

    @staticmethod
    def _item(state: QrState) -> dict[str, Any]:
        item = asdict(state)
        item.pop("token")
        item.update(pk=_pk(state.token), sk=_STATE_SK, expires_at=state.deadline + RETAIN_SECONDS)
        return item
