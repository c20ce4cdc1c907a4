"""Simulated media are real files of their declared type and exact declared size, as
judged by libmagic and a real reader per format (``tests.support.real_media``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import magic
import pytest

from local.simtg import MediaRec, World
from local.simtg.realfiles import min_size
from tests.support.real_media import TYPES, check_real_file


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
