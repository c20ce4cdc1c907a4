"""A logged-in user for tests: the sim's authorized session saved in the session store."""

from __future__ import annotations

from local.simtg import SimulatedTelegram
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import SessionRecord


def store_session(stores: Stores, sim: SimulatedTelegram, username: str) -> SessionRecord:
    """Store a working session of the sim's account under `username`; return it."""
    session = sim.authorized_session()
    assert session.auth_key is not None
    record = SessionRecord(
        session.dc_id, session.server_address, session.port, session.auth_key.key
    )
    stores.sessions.save(username, record)
    return record
