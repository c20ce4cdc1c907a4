"""The default world for demo mode: mid-size, 2FA off, a few large files, and the dialogs
the API reference's curl examples (docs/api-v3.md) expect to find.

Every dialog's history is generated lazily on first access (two int64 columns per dialog),
so the 200,000-message channel costs nothing until it is read (see README "Demo world").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from .showcase import add_showcase
from .world import World

ARCHIVE_USERNAME = "sim_archive"
PROGRAMMING_USERNAME = "sim_programming"
PROGRAMMING_CHAT_USERNAME = "sim_programming_chat"
LONG_USERNAME = "sim_long_history"
LONG_MESSAGES = 200_000


@dataclass(frozen=True)
class NotableDialog:
    """A dialog worth trying first; `/` and `/health` list them in demo mode (`"demo"`)."""

    username: str
    why: str


NOTABLE = (
    NotableDialog(
        ARCHIVE_USERNAME,
        "2,000+ messages from 2023-12 to the demo's now (2025-06-01), with a 48 MB video "
        "and a 6 MB CSV: use its id for the reference's history examples (-1001234567890)",
    ),
    NotableDialog(
        PROGRAMMING_USERNAME,
        "the channel of the reference's workflow (q=programming&type=channel&type=supergroup)",
    ),
    NotableDialog(PROGRAMMING_CHAT_USERNAME, "its supergroup, found by the same search"),
    NotableDialog(
        LONG_USERNAME,
        f"{LONG_MESSAGES:,} messages since 2016: a long history (stream a date range)",
    ),
)


def demo_world(seed: int = 42) -> World:
    world = World.generate(
        seed,
        users=30,
        bots=4,
        groups=6,
        supergroups=8,
        channels=10,
        folders=4,
        messages=(150, 400),
        years=3,
    )
    recent = world.now - timedelta(hours=2)
    big = world.add_dialog(
        "channel",
        2_000,
        title="Simulated Archive 📦",
        username=ARCHIVE_USERNAME,
        verified=True,
        participants=12_345,
        # The reference's date-range examples ask for January and mid-June 2024.
        created=datetime(2023, 12, 1, 9, 0, tzinfo=UTC),
        last_date=recent,
        bursts=(
            (datetime(2024, 6, 15, 12, tzinfo=UTC), datetime(2024, 6, 15, 18, tzinfo=UTC), 40),
        ),
    )
    video = world.new_media("video", 48 * 1024 * 1024, filename="launch.mp4", mime_type="video/mp4")
    doc = world.new_media(
        "document", 6 * 1024 * 1024 + 123, filename="dataset.csv", mime_type="text/csv"
    )
    world.add_message(big.peer_id, "Full launch video 🚀", date=world.now, media=video)
    world.add_message(big.peer_id, "Raw data (6 MB)", date=world.now, media=doc)
    # after the archive, so the archive keeps the id README's quickstart shows
    add_showcase(world)  # every rich message feature (docs/messages.md)
    # after the showcase too, so every earlier dialog keeps its id
    world.add_dialog(
        "channel",
        1_500,
        title="Programming",
        username=PROGRAMMING_USERNAME,
        participants=48_000,
        created=datetime(2023, 9, 4, 8, 0, tzinfo=UTC),
        last_date=world.now - timedelta(minutes=30),
    )
    world.add_dialog(
        "supergroup",
        900,
        title="Programming Chat",
        username=PROGRAMMING_CHAT_USERNAME,
        participants=3_210,
        created=datetime(2023, 9, 4, 8, 5, tzinfo=UTC),
        last_date=world.now - timedelta(minutes=5),
    )
    world.add_dialog(
        "channel",
        LONG_MESSAGES,
        title="Long History 📜",
        username=LONG_USERNAME,
        participants=250_000,
        created=datetime(2016, 1, 1, tzinfo=UTC),
        years=10,
        last_date=world.now - timedelta(hours=1),
    )
    return world
