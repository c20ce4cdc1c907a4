"""`include_edits` / `include_deleted` on GET /history: the sync's change log laid over
the stream (docs/sync.md, "Edits and deletions in history").

The cache always holds the current state (edited text in place, deleted messages gone),
so plain frames never change shape. On request, the stream also shows what a sync saw
change, read from the change log the sync writes (`change_log`) one span at a time beside the cache
scan or Telegram page that covers the same sort-key span:
- include_edits: every message gains `versions` (its previous versions, contract-shaped,
  oldest first; `[]` if no edit was seen) and, unless `fields=extended` already carries
  Telegram's own, `edit_date` (the current version's, as the sync saw it, or null);
- include_deleted: every message gains `"deleted": false`, and each message a sync saw
  deleted comes back in its place (date order) as it was last seen, with
  `"deleted": true` and `deleted_at` (when the sync saw it gone).
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from tgscraper.history.change_log import Change, ChangeLog
from tgscraper.history.dates import format_date


@dataclass(frozen=True)
class ChangeOptions:
    edits: bool = False
    deleted: bool = False
    extended: bool = False
    """fields=extended: the message JSON already has Telegram's `edit_date`."""

    @property
    def enabled(self) -> bool:
        return self.edits or self.deleted


class ChangeOverlay:
    def __init__(self, log: ChangeLog, options: ChangeOptions) -> None:
        self._log = log
        self._options = options
        self._changes: dict[str, Change] = {}
        self._tombstones: deque[Change] = deque()
        self._loaded_to = ""
        """Highest sort key loaded so far: spans are read once, in order."""

    def load(self, sk_from: str, sk_to: str) -> None:
        """Read the changes of one span (storage I/O: the caller runs it off the loop)."""
        self._changes.clear()
        for change in self._log.scan(max(sk_from, self._loaded_to), sk_to):
            if change.sk <= self._loaded_to:
                continue  # the previous span's last key (spans are inclusive)
            if change.deleted_at is not None:
                if self._options.deleted and change.last_json is not None:
                    self._tombstones.append(change)
            elif self._options.edits:
                self._changes[change.sk] = change
        self._loaded_to = max(self._loaded_to, sk_to)

    def decorate(self, sk: str, message_json: str) -> str:
        """A live message with the requested extension fields appended."""
        change = self._changes.get(sk)
        return _append(message_json, self._fields(change, deleted=None))

    def tombstones_before(self, sk: str | None) -> Iterator[tuple[str, str]]:
        """(sort key, JSON) of the tombstones sorting before `sk` (all loaded if None),
        each returned once."""
        while self._tombstones and (sk is None or self._tombstones[0].sk < sk):
            change = self._tombstones.popleft()
            assert change.last_json is not None and change.deleted_at is not None
            yield change.sk, _append(change.last_json, self._fields(change, change.deleted_at))

    def _fields(self, change: Change | None, deleted: int | None) -> list[str]:
        out: list[str] = []
        if self._options.edits:
            versions = change.versions if change is not None else []
            out.append(f'"versions":[{",".join(versions)}]')
            if not self._options.extended:
                when = change.edit_date if change is not None else None
                out.append(f'"edit_date":{_date(when)}')
        if self._options.deleted:
            if deleted is None:
                out.append('"deleted":false')
            else:
                out.append(f'"deleted":true,"deleted_at":{_date(deleted)}')
        return out


def _date(epoch: int | None) -> str:
    return "null" if epoch is None else json.dumps(format_date(epoch))


def _append(message_json: str, fields: list[str]) -> str:
    # Every message JSON is an object serialized once: splice before its closing brace.
    if not fields:
        return message_json
    return f"{message_json[:-1]},{','.join(fields)}}}"
