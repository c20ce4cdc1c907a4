"""The default world for demo mode: mid-size, 2FA off, a few large files."""

from __future__ import annotations

from datetime import timedelta

from .showcase import add_showcase
from .world import World


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
    big = world.add_dialog(
        "channel",
        2_000,
        title="Simulated Archive 📦",
        username="sim_archive",
        verified=True,
        participants=12_345,
        last_date=world.now - timedelta(hours=2),
    )
    video = world.new_media("video", 48 * 1024 * 1024, filename="launch.mp4", mime_type="video/mp4")
    doc = world.new_media(
        "document", 6 * 1024 * 1024 + 123, filename="dataset.csv", mime_type="text/csv"
    )
    world.add_message(big.peer_id, "Full launch video 🚀", date=world.now, media=video)
    world.add_message(big.peer_id, "Raw data (6 MB)", date=world.now, media=doc)
    # after the archive, so the archive keeps the id README's quickstart shows
    add_showcase(world)  # every rich message feature (docs/messages.md)
    return world
