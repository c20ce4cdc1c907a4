"""The export CLI's output files: where an interrupted export stopped, and how each
format's records are written (local/export_cli.py).

A record is written whole, then flushed: after Ctrl-C (or a crash) the file ends with
complete records, perhaps followed by the start of one more. `resume_point` finds the
last complete record, cuts what follows it, and tells where the server must continue
(its date and id: the API's start_date + after_id continuation), so nothing is lost or
written twice.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from tgscraper.export.csv_format import message_row, rows_text


class SpoolError(Exception):
    """The file cannot be continued (another format's, other columns)."""


@dataclass
class Resume:
    count: int = 0
    """Complete records already in the file."""
    date: str | None = None
    last_id: int | None = None
    size: int = 0
    """Bytes of complete records (the file is cut there)."""


def _lines(handle: BinaryIO, ends: list[tuple[int, bool]]) -> Iterator[str]:
    # Lines as csv.reader pulls them (no lookahead), noting the byte offset after each
    # and whether it had its line end.
    position = 0
    for raw in handle:
        position += len(raw)
        ends.append((position, raw.endswith(b"\n")))
        yield raw.decode("utf-8", "replace")


def _scan_jsonl(path: Path) -> Resume:
    found = Resume()
    with path.open("rb") as handle:
        position = 0
        for raw in handle:
            try:
                record = json.loads(raw) if raw.endswith(b"\n") else None
            except ValueError:
                record = None
            if not isinstance(record, dict) or "message_id" not in record:
                break
            position += len(raw)
            found = Resume(found.count + 1, record["date"], record["message_id"], position)
    return found


def _scan_csv(path: Path, cols: tuple[str, ...]) -> Resume:
    found = Resume()
    ends: list[tuple[int, bool]] = []
    with path.open("rb") as handle:
        reader = csv.reader(_lines(handle, ends))
        try:
            header = next(reader, None)
            if header is None or not ends[-1][1]:
                return found
            if tuple(header) != cols:
                raise SpoolError(f"{path} has other columns than this export's")
            found.size = ends[-1][0]
            date_at = cols.index("date")
            for row in reader:
                # A row is complete only with its line end (a cut number still parses).
                size, complete = ends[-1]
                if not complete or len(row) != len(cols) or not row[0].isdigit():
                    break
                found = Resume(found.count + 1, row[date_at], int(row[0]), size)
        except csv.Error:
            pass  # the last row was cut inside a quoted field
    return found


def resume_point(path: Path, fmt: str, cols: tuple[str, ...]) -> Resume:
    """Where the export in `path` stopped; the file is cut after its last complete record."""
    if not path.exists() or path.stat().st_size == 0:
        return Resume()
    found = _scan_csv(path, cols) if fmt == "csv" else _scan_jsonl(path)
    if fmt != "csv" and found.count == 0 and path.stat().st_size > 0:
        first = path.open("rb").read(1)
        if first not in (b"{", b""):
            raise SpoolError(f"{path} is not an NDJSON export")
    with path.open("r+b") as handle:
        handle.truncate(found.size)
    return found


class Writer:
    """Appends one format's records (a message object each) to the output file."""

    def __init__(self, path: Path, fmt: str, cols: tuple[str, ...], fresh: bool) -> None:
        self._fmt = fmt
        self._cols = cols
        self._handle = path.open("ab")
        if fresh and fmt == "csv":
            self._write(rows_text(cols, [cols]).encode())

    def _write(self, data: bytes) -> int:
        self._handle.write(data)
        self._handle.flush()
        return len(data)

    def message(self, record: dict[str, Any]) -> int:
        """Write one message; the bytes written."""
        if self._fmt == "csv":
            return self._write(rows_text(self._cols, [message_row(self._cols, record)]).encode())
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":"))
        return self._write(line.encode() + b"\n")

    def close(self) -> None:
        self._handle.close()
