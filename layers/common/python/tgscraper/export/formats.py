"""The export formats: each one's encoder (a `FrameEncoder` of the history stream), media
type and download file name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tgscraper.export import csv_format, ndjson, tdesktop
from tgscraper.export.csv_format import CsvEncoder
from tgscraper.export.ndjson import NdjsonEncoder
from tgscraper.export.tdesktop import DialogInfo, TdesktopEncoder
from tgscraper.history.chunker import FrameEncoder
from tgscraper.history.limits import Budget

ExportFormat = Literal["jsonl", "csv", "tdesktop"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "tdesktop")
EXPORT_CHUNK = 100
"""Messages encoded per write: the stream's frames have no meaning in an export."""


@dataclass(frozen=True)
class Export:
    encoder: FrameEncoder
    media_type: str
    filename: str
    growth: int = 1
    """At most how many bytes the format writes per byte of message JSON the budget counts
    (a tdesktop message holds its text twice: `text` and `text_entities`)."""

    def budget(self, budget: Budget) -> Budget:
        """The response budget in message-JSON bytes, so the response stays within it."""
        if budget.max_bytes is not None and self.growth > 1:
            budget.max_bytes //= self.growth
        return budget


def export_for(
    fmt: ExportFormat,
    info: DialogInfo,
    dialog_id: int,
    *,
    extended: bool,
    edits: bool,
    deleted: bool,
) -> Export:
    if fmt == "tdesktop":
        return Export(TdesktopEncoder(info), tdesktop.MEDIA_TYPE, "result.json", growth=2)
    if fmt == "csv":
        cols = csv_format.columns(extended=extended, edits=edits, deleted=deleted)
        # Nested values are JSON inside a quoted cell, every quote doubled: up to twice the
        # bytes. Contract rows (no keys, no nesting) are smaller than their JSON.
        growth = 2 if extended or edits else 1
        return Export(CsvEncoder(cols), csv_format.MEDIA_TYPE, f"dialog_{dialog_id}.csv", growth)
    return Export(NdjsonEncoder(), ndjson.MEDIA_TYPE, f"dialog_{dialog_id}.jsonl")
