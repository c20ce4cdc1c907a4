"""CSV framing of the history stream (`format=csv`): one row per message, RFC 4180.

UTF-8, CRLF line ends, a header row first, fields quoted when they hold a comma, a quote
or a line break. The media object is flattened into `media_type`, `media_uuid`,
`media_filename`, `media_size` (and `media_path`, filled by the CLI's `--media`); the
extended fields, `versions` and other nested values are compact JSON in their column.

Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula (CSV injection): in text columns such a value is written with a leading `'`,
which spreadsheets show as text. Numbers are never altered (negative ids stay numbers).

The last row is always a control row: its first cell is `#end`, `#continue` or `#error`
and its second the JSON payload the NDJSON control record carries (tgscraper.export.ndjson).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import Any

from tgscraper.history.extended import EXTENDED_FIELDS

MEDIA_TYPE = "text/csv; charset=utf-8"
CONTRACT_COLUMNS = (
    "message_id",
    "date",
    "sender_id",
    "first_name",
    "last_name",
    "username",
    "message",
    "media_type",
    "media_uuid",
    "media_filename",
    "media_size",
    "media_path",
    "reply_to",
    "post_author",
    "is_forwarded",
    "forwarded_from_channel_id",
)
TEXT_COLUMNS = frozenset(
    {"first_name", "last_name", "username", "message", "media_filename", "post_author"}
)
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def columns(*, extended: bool, edits: bool, deleted: bool) -> tuple[str, ...]:
    """The header row for these history options."""
    cols = list(CONTRACT_COLUMNS)
    extra = list(EXTENDED_FIELDS) if extended else []
    if edits:
        extra += ["edit_date", "versions"]
    if deleted:
        extra.append("deleted")
    for name in extra:
        if name not in cols:
            cols.append(name)
    return tuple(cols)


def safe_text(value: str) -> str:
    """A text cell a spreadsheet shows as text (see the module docstring)."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    # JSON cells start with { [ or ", never a formula character; text columns may.
    return safe_text(text) if name in TEXT_COLUMNS else text


def flatten(message: dict[str, Any]) -> dict[str, Any]:
    """The message with its media object spread over the media_* columns."""
    row = dict(message)
    media = row.pop("media", None) or {}
    row["media_type"] = media.get("type")
    row["media_uuid"] = media.get("uuid")
    row["media_filename"] = media.get("filename")
    row["media_size"] = media.get("size")
    row["media_path"] = media.get("path")
    return row


def rows_text(cols: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return buffer.getvalue()


def message_row(cols: Sequence[str], message: dict[str, Any]) -> list[str]:
    row = flatten(message)
    return [_cell(name, row.get(name)) for name in cols]


class CsvEncoder:
    def __init__(self, cols: Sequence[str]) -> None:
        self._cols = tuple(cols)
        self._header_sent = False

    def _header(self) -> list[Sequence[str]]:
        if self._header_sent:
            return []
        self._header_sent = True
        return [self._cols]

    def messages(self, message_jsons: Sequence[str], last_id: int | None) -> bytes:
        rows = [message_row(self._cols, json.loads(text)) for text in message_jsons]
        return rows_text(self._cols, [*self._header(), *rows]).encode()

    def end(self, total: int, last_id: int | None) -> bytes:
        return self.event("end", {"total": total, "last_id": last_id})

    def event(self, name: str, payload: dict[str, Any]) -> bytes:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        control = [f"#{name}", data] + [""] * (len(self._cols) - 2)
        return rows_text(self._cols, [*self._header(), control]).encode()
