"""Demo mode wiring: the simulated Telegram behind the real Telethon client."""

from __future__ import annotations

from tgscraper.telegram.clients import ClientFactory


def demo_client_factory() -> ClientFactory:
    raise NotImplementedError("the simulated Telegram is being built (local/simtg)")
