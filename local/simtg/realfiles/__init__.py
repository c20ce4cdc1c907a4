"""Simulated media as real files: a photo opens as a JPEG, a document as the PDF, DOCX,
XLSX, ZIP, CSV or text its MIME type says, a video as an MP4, a voice note as Ogg Opus, a
sticker as a WebP; each exactly of its declared size.

Each file is a small real file of its type written here with the standard library, padded
to the size in a way its format allows (see each writer), with the same deterministic
pseudo-random padding stream as before. Files are described as parts (`_layout`), never
held whole, so a slice of a multi-gigabyte file is as cheap as before. A size too small
for any valid file of the type, or a type not listed here, is served as pseudo-random
bytes, as every file used to be (`min_size` tells the smallest valid size).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from ..media import media_bytes
from ..models import MediaRec
from . import _av, _documents, _images, _text
from ._layout import Layout, TooSmall

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THUMB_SIZE = (320, 180)  # the "m" photo size tl.py announces


@dataclass(frozen=True)
class _Spec:
    seed: int
    key: str
    mime: str
    size: int
    width: int
    height: int
    duration: int
    title: str
    date: datetime


def _write(layout: Layout, spec: _Spec) -> None:
    tint, size = hash_tint(spec.key), spec.size
    width, height = max(1, spec.width), max(1, spec.height)
    mime = spec.mime
    if mime == "image/jpeg":
        _images.jpeg(layout, size, width, height, tint, spec.title)
    elif mime == "image/png":
        _images.png(layout, size, width, height)
    elif mime == "image/webp":
        _images.webp(layout, size, min(width, 16384), min(height, 16384), tint)
    elif mime == "application/pdf":
        _documents.pdf(layout, size, spec.title)
    elif mime == "application/zip":
        _documents.zip_archive(layout, size, spec.date, spec.title)
    elif mime == DOCX:
        _documents.docx(layout, size, spec.date, spec.title)
    elif mime == XLSX:
        _documents.xlsx(layout, size, spec.date, spec.title)
    elif mime == "text/csv":
        _text.csv_table(layout, size, spec.date, spec.key)
    elif mime == "text/plain":
        _text.plain_text(layout, size, spec.title, spec.key)
    elif mime == "video/mp4":
        _av.mp4(layout, size, spec.duration)
    elif mime == "audio/ogg":
        _av.ogg_opus(layout, size, max(1, spec.duration), spec.title)
    else:
        raise TooSmall(f"no writer for {mime}")


def hash_tint(key: str) -> int:
    """A stable small number per file, so two pictures do not look the same."""
    return sum(key.encode()) * 7919 % 251


@lru_cache(maxsize=256)
def _layout(spec: _Spec) -> Layout | None:
    layout = Layout(spec.seed, spec.key)
    try:
        _write(layout, spec)
    except TooSmall:
        return None
    if layout.size != spec.size:  # a writer's arithmetic slip must never go unnoticed
        raise AssertionError(f"{spec.mime}: wrote {layout.size} bytes, not {spec.size}")
    return layout


def _spec(seed: int, media: MediaRec, thumb: bool) -> _Spec:
    # The same for every file of a kind, so that sizes that fit one fit all (min_size).
    title = f"Simulated Telegram {media.kind}"
    if thumb:
        w, h = THUMB_SIZE
        return _Spec(
            seed, f"t{media.id}", "image/jpeg", media.thumb_size, w, h, 0, title, media.date
        )
    mime = "image/jpeg" if media.kind == "photo" else media.mime_type
    return _Spec(
        seed,
        media.key,
        mime,
        media.size,
        media.width,
        media.height,
        media.duration,
        title,
        media.date,
    )


def file_bytes(
    seed: int, media: MediaRec, offset: int = 0, length: int | None = None, thumb: bool = False
) -> bytes:
    """Bytes ``[offset, offset + length)`` of the media file (or its thumbnail)."""
    spec = _spec(seed, media, thumb)
    layout = _layout(spec)
    if layout is None:
        return media_bytes(seed, spec.key, spec.size, offset, length)
    return layout.read(offset, length)


@lru_cache(maxsize=64)
def min_size(mime: str, width: int = 1280, height: int = 720, duration: int = 1) -> int:
    """The smallest size a valid file of this type (and picture size) can have."""
    lo, hi = 1, 1 << 20
    probe = MediaRec(
        0,
        0,
        "document",
        hi,
        mime,
        datetime(2024, 1, 1),
        width=width,
        height=height,
        duration=duration,
    )
    while lo < hi:  # valid sizes are every size from the smallest on
        mid = (lo + hi) // 2
        probe.size = mid
        if _layout(_spec(0, probe, False)) is None:
            lo = mid + 1
        else:
            hi = mid
    return lo
