"""Wiping everything cached for one username, in either store set.

What a username owns (a validated username holds no '#' or '/', so every prefix below
ends at a separator and "alice" never reaches "alice2"):

- messages table: the message cache `msg#<u>#<dialog>`, its coverage `cov#<u>#...`, the
  change log `chg#<u>#...`, sync state `sync#<u>#...` and the dialog cache `dlg#<u>`;
  on SQLite the full-text index follows the message rows (triggers on that table);
- media table: the index entries (pk=<uuid>, sk="media") whose `owner` is the username,
  and the download lease of each of those uuids (sk="download");
- blobs: every object under `<u>/`;
- leases table: the account lease (pk=<u>, sk="lease");
- qr table: the login flows (state and lock items) started for the username, and its
  QR start counter (auth/start_limits.py).

The session and the accounts table (tokens, binding) are left alone: callers decide
(logout deletes the session first; a re-login under another Telegram account keeps the
new session). Nothing here needs HTTP or Telegram.

Cost: on DynamoDB one Scan of the messages, media and qr tables each (a Scan reads the
whole table): acceptable for a rare, user-initiated logout, not for a request path.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tgscraper.auth.start_limits import PK_PREFIX as LIMIT_PREFIX
from tgscraper.auth.start_limits import WINDOW_SK
from tgscraper.auth.store import PK_PREFIX as QR_PREFIX
from tgscraper.auth.store import STATE_SK as QR_STATE_SK
from tgscraper.identity import validate_username
from tgscraper.storage.ports import ItemTable

if TYPE_CHECKING:
    from tgscraper.storage.factory import Stores

_BATCH = 500
"""Keys deleted per batch: bounded memory however large the cache."""
_LEASE_SK = "lease"
_MEDIA_SK = "media"
_DOWNLOAD_SK = "download"


@dataclass(frozen=True)
class WipeReport:
    """How many items (and blobs) were deleted, per place."""

    messages: int
    media: int
    blobs: int
    leases: int
    qr: int
    """Login flows."""
    complete: bool = True
    """False: the deadline passed first; wiping again deletes the rest."""


def wipe_account_data(
    stores: Stores, username: str, *, qr_flows: bool = True, deadline: float | None = None
) -> WipeReport:
    """Delete every cached item and blob of `username`; idempotent (a second wipe
    deletes nothing more). Raises StorageError when a backend fails midway: running it
    again finishes the job. Synchronous (many storage calls): from async code, run it
    in a worker thread.

    qr_flows=False leaves the username's login flows alone: a login that has just
    succeeded under another Telegram account wipes the old account's data from inside
    its own flow, whose status must stay readable ("success").

    deadline (time.monotonic()): stop between batches once it has passed and report
    `complete=False` (a Lambda must answer before its timeout; a large cache on
    DynamoDB is thousands of 25-key batches). The small places go first, the message
    cache last."""
    username = validate_username(username)
    leases = 1 if stores.leases.get(username, _LEASE_SK) is not None else 0
    stores.leases.delete(username, _LEASE_SK)
    qr, done = _delete_all(stores.qr, _qr_keys(stores.qr, username) if qr_flows else (), deadline)
    media_ids = [pk for pk, _ in stores.media.scan_keys(where={"owner": username})]
    # The download lease of an entry carries no owner: found through the entry's uuid.
    media_keys = ((pk, sk) for pk in media_ids for sk in (_MEDIA_SK, _DOWNLOAD_SK))
    media, done = _delete_all(stores.media, media_keys, deadline) if done else (0, False)
    blobs = stores.blobs.delete_prefix(f"{username}/") if done else 0
    messages, done = (
        _delete_all(stores.messages, _message_keys(stores.messages, username), deadline)
        if done
        else (0, False)
    )
    return WipeReport(
        messages=messages, media=media // 2, blobs=blobs, leases=leases, qr=qr // 2, complete=done
    )


def _message_keys(table: ItemTable, username: str) -> Iterator[tuple[str, str]]:
    dialogs = f"dlg#{username}"
    prefixes = [f"{kind}#{username}#" for kind in ("msg", "cov", "chg", "sync")]
    for pk, sk in table.scan_keys(*prefixes, dialogs):
        # "dlg#alice" is a whole pk, and also a prefix of "dlg#alice2": keep it exact.
        if not pk.startswith("dlg#") or pk == dialogs:
            yield pk, sk


def _qr_keys(table: ItemTable, username: str) -> Iterator[tuple[str, str]]:
    for pk, _ in table.scan_keys(QR_PREFIX, where={"username": username}):
        # The state item names the username; the flow's lock item shares its pk.
        yield from ((pk, QR_STATE_SK), (pk, "lock"))
    # The username's QR start counter (tgscraper.auth.start_limits) names it too.
    yield f"{LIMIT_PREFIX}user#{username}", WINDOW_SK


def _delete_all(
    table: ItemTable, keys: Iterable[tuple[str, str]], deadline: float | None
) -> tuple[int, bool]:
    """Delete in batches as the keys come (a scan may still be paging); returns how
    many keys were deleted and whether all were (False: the deadline passed)."""
    count = 0
    iterator = iter(keys)
    while batch := list(itertools.islice(iterator, _BATCH)):
        table.delete_many(batch)
        count += len(batch)
        if deadline is not None and time.monotonic() >= deadline:
            return count, next(iterator, None) is None
    return count, True
