"""A real-file check for simulated media: libmagic (python-magic) for the type, and a real
reader per format (Pillow decodes the images, pypdf the PDF, zipfile the archives and their
CRCs, mutagen the Ogg Opus and MP4 containers, csv the rows) — nothing that made the file.
"""

from __future__ import annotations

import csv
import io
import struct
import zipfile
import zlib

import magic
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from PIL import Image
from pypdf import PdfReader

from local.simtg import MediaRec

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: (media kind, mime, filename) of every type the simulated Telegram serves.
TYPES = [
    ("photo", "image/jpeg", None),
    ("document", "image/png", "diagram.png"),
    ("sticker", "image/webp", None),
    ("document", "application/pdf", "report.pdf"),
    ("video", "video/mp4", "clip.mp4"),
    ("voice", "audio/ogg", None),
    ("document", DOCX, "отчёт.docx"),
    ("document", XLSX, "budget_2024.xlsx"),
    ("document", "application/zip", "photo_archive.zip"),
    ("document", "text/csv", "dataset.csv"),
    ("document", "text/plain", "notes.txt"),
]


def _check_image(data: bytes, media: MediaRec, fmt: str, size: tuple[int, int]) -> None:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == fmt
        assert image.size == size
        image.load()  # decodes every pixel
        lo, hi = image.convert("L").getextrema()
        assert hi > lo, "a picture, not a blank"


def _check_png_chunks(data: bytes) -> None:
    """Every chunk's CRC, the padding chunk's too (Pillow skips unknown chunks unread)."""
    pos, kinds = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        kinds.append(kind)
        pos += 12 + length
    assert pos == len(data) and kinds[-1] == b"IEND"


def _check_zip(data: bytes, *, needs: str | None = None) -> zipfile.ZipFile:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None  # every member's CRC
    if needs is not None:
        assert needs in archive.namelist()
    return archive


def check_real_file(data: bytes, media: MediaRec, *, thumb: bool = False) -> None:
    """Assert that `data` is a valid file of the media's declared type."""
    mime = "image/jpeg" if thumb else media.mime_type
    assert magic.from_buffer(data, mime=True) == mime, magic.from_buffer(data)
    if mime == "image/jpeg":
        _check_image(data, media, "JPEG", (320, 180) if thumb else (media.width, media.height))
    elif mime == "image/png":
        _check_image(data, media, "PNG", (media.width, media.height))
        _check_png_chunks(data)
    elif mime == "image/webp":
        _check_image(data, media, "WEBP", (media.width, media.height))
    elif mime == "application/pdf":
        reader = PdfReader(io.BytesIO(data), strict=True)
        assert len(reader.pages) == 1
        assert "Simulated" in reader.pages[0].extract_text()
    elif mime == "video/mp4":
        info = MP4(io.BytesIO(data)).info  # type: ignore[no-untyped-call]
        assert round(info.length) == media.duration
    elif mime == "audio/ogg":
        opus = OggOpus(io.BytesIO(data))  # type: ignore[no-untyped-call]
        assert opus.info.channels == 1
        assert 0 < opus.info.length <= media.duration + 0.2
    elif mime == DOCX:
        body = _check_zip(data, needs="word/document.xml").read("word/document.xml")
        assert b"Simulated" in body
    elif mime == XLSX:
        _check_zip(data, needs="xl/worksheets/sheet1.xml")
    elif mime == "application/zip":
        assert len(_check_zip(data).namelist()) >= 2
    elif mime == "text/csv":
        rows = list(csv.reader(io.StringIO(data.decode("ascii"))))
        assert rows[0] == ["id", "timestamp", "sensor", "value", "note"]
        assert {len(r) for r in rows} == {5}
    elif mime == "text/plain":
        assert data.decode("ascii").endswith("\n")
    else:  # pragma: no cover - a new type needs a check here
        raise AssertionError(f"no check for {mime}")
