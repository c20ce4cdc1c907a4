"""AuthService edge cases the HTTP scenarios cannot stage: races, busy flows, floods."""

from __future__ import annotations

from typing import Any

import pytest
from telethon import TelegramClient
from telethon.sessions import Session

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import PASSWORD, small_world
from tgscraper.auth.service import AuthService
from tgscraper.auth.store import QrStore
from tgscraper.errors import BadRequest, Conflict, NotFound, RateLimited
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import SessionStore


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


def _service(stores: Stores, sim: SimulatedTelegram, factory: Any = None) -> AuthService:
    return AuthService(QrStore(stores.qr), stores.sessions, factory or sim.client)


class _NoSessions(SessionStore):
    def __getattribute__(self, name: str) -> Any:
        if not name.startswith("__"):
            raise AssertionError(f"session store accessed: {name}")
        return super().__getattribute__(name)

    load = save = delete = entities = put_entities = None  # type: ignore[assignment]


async def test_unsafe_username_is_rejected_before_any_storage_or_telegram(
    stores: Stores,
) -> None:
    def no_telegram(session: Session) -> TelegramClient:
        raise AssertionError("Telegram contacted")

    service = AuthService(QrStore(stores.qr), _NoSessions(), no_telegram)
    for name in ("../x", "", "a/b", ".x"):
        with pytest.raises(BadRequest):
            await service.start(name)


async def test_a_poll_while_another_one_talks_to_telegram_answers_from_the_store(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    service = _service(stores, sim)
    started = await service.start("alice")
    qr = QrStore(stores.qr)
    holder = qr.try_lock(started.token)  # another process is mid-poll
    assert holder is not None
    sim.reset_requests()
    status = await service.poll(started.token)
    assert status.status == "pending" and status.qr_url == started.qr_url
    assert sum(sim.requests.values()) == 0
    qr.unlock(started.token, holder)


async def test_password_while_the_flow_is_busy_is_a_conflict(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    sim.set_password(PASSWORD)
    service = _service(stores, sim)
    started = await service.start("alice")
    sim.approve_qr(started.qr_url)
    assert (await service.poll(started.token)).status == "password_required"
    assert QrStore(stores.qr).try_lock(started.token) is not None
    with pytest.raises(Conflict):
        await service.submit_password(started.token, PASSWORD)


async def test_cancel_that_wins_a_race_with_success_keeps_the_old_session(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    old = sim.authorized_session()
    assert old.auth_key is not None
    from tgscraper.storage.sessions import SessionRecord

    record = SessionRecord(old.dc_id, old.server_address, old.port, old.auth_key.key)
    stores.sessions.save("alice", record)
    token: list[str] = []

    def cancel_mid_poll(session: Session) -> TelegramClient:
        # The poll has loaded the flow; the user cancels before Telegram answers.
        if token:
            QrStore(stores.qr).delete(token[0])
        return sim.client(session)

    service = _service(stores, sim, cancel_mid_poll)
    started = await service.start("alice", force=True)
    sim.approve_qr(started.qr_url)
    token.append(started.token)
    with pytest.raises(NotFound):
        await service.poll(started.token)
    assert stores.sessions.load("alice") == record


async def test_flood_wait_is_a_429_and_the_flow_goes_on(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    service = _service(stores, sim)
    started = await service.start("alice")
    sim.flood("ExportLoginTokenRequest", 7)
    with pytest.raises(RateLimited) as caught:
        await service.poll(started.token)
    assert caught.value.retry_after == 7
    assert (await service.poll(started.token)).status == "pending"
    sim.approve_qr(started.qr_url)
    assert (await service.poll(started.token)).status == "success"


async def test_current_login_url_is_the_shown_qr_while_pending(
    stores: Stores, sim: SimulatedTelegram
) -> None:
    service = _service(stores, sim)
    started = await service.start("alice")
    assert service.current_login_url(started.token) == started.qr_url
    assert service.current_login_url("not-a-token") is None
    sim.approve_qr(started.qr_url)
    await service.poll(started.token)
    assert service.current_login_url(started.token) is None
