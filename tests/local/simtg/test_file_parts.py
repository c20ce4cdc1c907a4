"""upload.getFile part rules, as core.telegram.org/api/files states them: offset and limit
multiples of 4 KiB, the limit dividing 1 MiB, no part crossing a 1 MiB boundary;
``precise`` relaxes the first two to 1 KiB multiples and a limit of at most 1 MiB."""

from __future__ import annotations

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from local.simtg import MediaRec, SimulatedTelegram, World

KiB = 1024
MiB = 1024 * KiB
SIZE = 2 * MiB + 5000  # not a multiple of anything: the last part is short


@pytest.fixture
async def doc(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> tuple[MediaRec, types.InputDocumentFileLocation]:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    media = world.new_media("document", SIZE, filename="parts.bin")
    rec = sim.add_message(chan.peer_id, "parts", media=media)
    got = (await client.get_messages(chan.peer_id, ids=rec.id)).media.document
    return media, types.InputDocumentFileLocation(got.id, got.access_hash, got.file_reference, "")


def _get(
    loc: types.InputDocumentFileLocation, offset: int, limit: int, *, precise: bool = False
) -> functions.upload.GetFileRequest:
    return functions.upload.GetFileRequest(loc, offset, limit, precise=precise)


@pytest.mark.parametrize(
    ("offset", "limit"),
    [(0, MiB), (MiB, 512 * KiB), (MiB + 512 * KiB, 512 * KiB), (12 * KiB, 4 * KiB)],
)
async def test_aligned_parts_inside_one_mebibyte_are_served(
    client: TelegramClient, world: World, doc: tuple[MediaRec, object], offset: int, limit: int
) -> None:
    """GIVEN an aligned part inside one MiB THEN exactly its bytes come back."""
    media, loc = doc
    part = await client(_get(loc, offset, limit))  # type: ignore[arg-type]
    assert part.bytes == world.media_bytes(media, offset, limit) and len(part.bytes) == limit


@pytest.mark.parametrize(
    ("offset", "limit", "error"),
    [
        (100, 4 * KiB, errors.OffsetInvalidError),  # offset not a 4 KiB multiple
        (0, 3000, errors.LimitInvalidError),  # limit not a 4 KiB multiple
        (0, 12 * KiB, errors.LimitInvalidError),  # 4 KiB multiple, but 1 MiB % 12 KiB != 0
        (0, 2 * MiB, errors.LimitInvalidError),  # more than 1 MiB
        (MiB - 4 * KiB, 8 * KiB, errors.LimitInvalidError),  # crosses the 1 MiB boundary
        (4 * KiB, MiB, errors.LimitInvalidError),  # a full MiB, but not on a MiB boundary
        (512 * KiB + 4 * KiB, 512 * KiB, errors.LimitInvalidError),  # crosses, limit divides
    ],
)
async def test_parts_telegram_refuses(
    client: TelegramClient, doc: tuple[MediaRec, object], offset: int, limit: int, error: type
) -> None:
    """GIVEN a misaligned, oversized or MiB-crossing part THEN Telegram's error."""
    _, loc = doc
    with pytest.raises(error):
        await client(_get(loc, offset, limit))  # type: ignore[arg-type]


async def test_precise_allows_1_kib_steps_but_not_crossing_a_mebibyte(
    client: TelegramClient, world: World, doc: tuple[MediaRec, object]
) -> None:
    """GIVEN precise=True THEN 1 KiB steps are served, crossing a MiB or asking for
    more than 1 MiB is LIMIT_INVALID, a misaligned offset OFFSET_INVALID."""
    media, loc = doc
    part = await client(_get(loc, 5 * KiB, 3 * KiB, precise=True))  # type: ignore[arg-type]
    assert part.bytes == world.media_bytes(media, 5 * KiB, 3 * KiB)
    with pytest.raises(errors.LimitInvalidError):
        await client(_get(loc, MiB - KiB, 2 * KiB, precise=True))  # type: ignore[arg-type]
    with pytest.raises(errors.LimitInvalidError):
        await client(_get(loc, 0, MiB + KiB, precise=True))  # type: ignore[arg-type]
    with pytest.raises(errors.OffsetInvalidError):
        await client(_get(loc, 100, KiB, precise=True))  # type: ignore[arg-type]


async def test_reading_past_the_end_gives_a_short_then_an_empty_part(
    client: TelegramClient, world: World, doc: tuple[MediaRec, object]
) -> None:
    """GIVEN a file of 2 MiB + 5000 bytes WHEN the part holding its end is asked for THEN
    only the bytes that exist come back; a part wholly past the end is empty."""
    media, loc = doc
    last = await client(_get(loc, 2 * MiB, 8 * KiB))  # type: ignore[arg-type]
    assert last.bytes == world.media_bytes(media, 2 * MiB) and len(last.bytes) == 5000
    past = await client(_get(loc, 3 * MiB, 4 * KiB))  # type: ignore[arg-type]
    assert past.bytes == b""


async def test_telethon_download_media_follows_the_rules(
    client: TelegramClient, sim: SimulatedTelegram, world: World, doc: tuple[MediaRec, object]
) -> None:
    """Telethon's own downloader never sends a part Telegram would refuse."""
    media, _ = doc
    chan = next(d for d in world.dialogs if d.kind == "channel")
    msg = (await client.get_messages(chan.peer_id, limit=1))[0]
    assert msg.file.size == SIZE
    assert await client.download_media(msg, bytes) == world.media_bytes(media)
