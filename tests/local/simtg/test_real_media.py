"""Simulated media are real files of their declared type and exact declared size.

Every check is made by something that did not make the file: libmagic (python-magic) for
the type, and a real reader per format (Pillow decodes the images, pypdf the PDF, zipfile
the archives and their CRCs, mutagen the Ogg Opus and MP4 containers, csv the rows).
"""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import UTC, datetime
from typing import Any

import magic
import pytest
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from PIL import Image
from pypdf import PdfReader

from local.simtg import MediaRec, World
from local.simtg.realfiles import min_size

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


@pytest.fixture(scope="module")
def world() -> World:
    return World.generate(3, users=2, bots=0, groups=0, supergroups=0, channels=1, folders=0)


def _media(world: World, kind: Any, mime: str, filename: str | None, size: int) -> MediaRec:
    return world.new_media(
        kind, size, mime_type=mime, filename=filename, date=datetime(2024, 1, 2, tzinfo=UTC)
    )


@pytest.mark.parametrize(("kind", "mime", "filename"), TYPES, ids=[t[1] for t in TYPES])
def test_each_type_is_a_real_file_of_its_exact_size(
    world: World, kind: Any, mime: str, filename: str | None
) -> None:
    w, h = (1280, 720) if kind in ("photo", "video") else (512, 512)
    smallest = min_size(mime, w, h)
    # Sizes around every boundary a layout has: the minimum, odd and even, a little over a
    # 64 KiB segment, and large.
    for size in (smallest, smallest + 1, smallest + 3, 65_541, 200_001, 3_000_000):
        media = _media(world, kind, mime, filename, size)
        data = world.media_bytes(media)
        assert len(data) == size
        check_real_file(data, media)
        assert world.media_bytes(media) == data  # deterministic


@pytest.mark.parametrize(("kind", "mime", "filename"), TYPES, ids=[t[1] for t in TYPES])
def test_slices_are_slices_of_the_whole(
    world: World, kind: Any, mime: str, filename: str | None
) -> None:
    media = _media(world, kind, mime, filename, 300_007)
    whole = world.media_bytes(media)
    for offset, length in ((0, 4096), (1, 10), (65_000, 70_000), (299_000, 4096), (300_006, 9)):
        assert world.media_bytes(media, offset, length) == whole[offset : offset + length]
    assert world.media_bytes(media, 300_007, 10) == b""


def test_photo_thumbnails_are_jpegs_of_their_size(world: World) -> None:
    media = _media(world, "photo", "image/jpeg", None, 150_000)
    thumb = world.media_bytes(media, thumb=True)
    assert len(thumb) == media.thumb_size
    check_real_file(thumb, media, thumb=True)


def test_a_huge_video_costs_no_memory_and_stays_valid_at_both_ends(world: World) -> None:
    media = _media(world, "video", "video/mp4", "big.mp4", 5 << 30)  # 5 GiB: a 64-bit box
    head = world.media_bytes(media, 0, 4096)
    assert magic.from_buffer(head, mime=True) == "video/mp4"
    assert len(world.media_bytes(media, (5 << 30) - 100, 4096)) == 100


def test_sizes_too_small_for_the_format_are_still_exact(world: World) -> None:
    media = _media(world, "document", "application/pdf", "tiny.pdf", 40)
    assert len(world.media_bytes(media)) == 40


def test_the_generated_worlds_media_are_all_real_files() -> None:
    """Every media kind the world generator draws, at the sizes it draws them."""
    world = World.generate(11, users=4, bots=1, groups=1, supergroups=1, channels=3, folders=0)
    seen: set[str] = set()
    for dialog in world.dialogs:
        for msg in world.messages(dialog.peer_id):
            if msg.media is not None and msg.media.mime_type not in seen:
                seen.add(msg.media.mime_type)
                media = msg.media
                assert media.size >= min_size(media.mime_type, media.width, media.height)
                check_real_file(world.media_bytes(msg.media), msg.media)
    assert {"image/jpeg", "video/mp4", "audio/ogg", "image/webp"} <= seen
