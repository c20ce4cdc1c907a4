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

ExportFormat = Literal["jsonl", "csv", "tdesktop"]
FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "tdesktop")
EXPORT_CHUNK = 100
"""Messages encoded per write: the stream's frames have no meaning in an export."""


@dataclass(frozen=True)
class Export:
    encoder: FrameEncoder
    media_type: str
    filename: str


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
        return Export(TdesktopEncoder(info), tdesktop.MEDIA_TYPE, "result.json")
    if fmt == "csv":
        cols = csv_format.columns(extended=extended, edits=edits, deleted=deleted)
        return Export(CsvEncoder(cols), csv_format.MEDIA_TYPE, f"dialog_{dialog_id}.csv")
    return Export(NdjsonEncoder(), ndjson.MEDIA_TYPE, f"dialog_{dialog_id}.jsonl")
