"""The whole QR login, as a user drives it, against the simulated Telegram.

Every scenario runs over HTTP with embedded stores and as API Gateway events through the
auth Lambda handler with DynamoDB (moto); one more runs over HTTP with DynamoDB. Every
single request lands on a new app instance that shares only the stores and the sim.
"""

from __future__ import annotations

import asyncio

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import (
    PASSWORD,
    Driver,
    logged_in_user_id,
)
from tests.support.sessions import store_session
from tgscraper.auth import service as auth_service
from tgscraper.auth.service import FLOW_SECONDS, MAX_PASSWORD_ATTEMPTS, QR_REFRESH_MARGIN
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import EntityRow

USER = "john_doe"


def _start(driver: Driver, username: str = USER, force: bool | None = None) -> tuple[str, str]:
    reply = driver.start(username, force)
    assert reply.status == 200, reply.body
    assert set(reply.body) == {"token", "qr_url", "message"}
    return reply.body["token"], reply.body["qr_url"]


def _poll(driver: Driver, token: str) -> dict[str, object]:
    reply = driver.poll(token)
    assert reply.status == 200, reply.body
    assert set(reply.body) == {"status", "username", "qr_url", "error", "message"}
    body: dict[str, object] = reply.body
    return body


def _scan(driver: Driver, sim: SimulatedTelegram, token: str, dc_id: int | None = None) -> None:
    """The phone scans the QR currently shown for our token."""
    shown = _poll(driver, token)
    assert shown["status"] == "pending"
    sim.approve_qr(str(shown["qr_url"]), dc_id=dc_id)


def _works_as_me(stores: Stores, sim: SimulatedTelegram, username: str = USER) -> bool:
    return asyncio.run(logged_in_user_id(stores, sim, username)) == sim.world.me.id


# -- plain --------------------------------------------------------------------------------
def test_plain_login_stores_a_working_session(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    token, qr_url = _start(driver)
    assert qr_url.startswith("tg://login?token=")
    assert token not in qr_url  # our id is not Telegram's token

    first = _poll(driver, token)
    assert first == {**first, "status": "pending", "username": USER, "error": None}
    assert str(first["qr_url"]).startswith("tg://login?token=")
    assert not stores.sessions.exists(USER)

    sim.approve_qr(str(first["qr_url"]))
    done = _poll(driver, token)
    assert done["status"] == "success" and done["qr_url"] is None and done["error"] is None
    assert USER in str(done["message"])
    assert _works_as_me(stores, sim)
    assert _poll(driver, token)["status"] == "success"  # later polls keep saying so


def test_qr_stays_while_valid_and_refreshes_before_it_expires(
    driver: Driver, sim: SimulatedTelegram, stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, first_url = _start(driver)
    assert _poll(driver, token)["qr_url"] == first_url  # still good: same picture

    real_now = auth_service._now
    started = real_now()
    monkeypatch.setattr(auth_service, "_now", lambda: started + 30 - QR_REFRESH_MARGIN)
    fresh = str(_poll(driver, token)["qr_url"])
    assert fresh != first_url and fresh.startswith("tg://login?token=")
    monkeypatch.setattr(auth_service, "_now", real_now)  # the sim's tokens use real time
    assert _poll(driver, token)["qr_url"] == fresh

    sim.approve_qr(fresh)
    assert _poll(driver, token)["status"] == "success"
    assert _works_as_me(stores, sim)


def test_qr_picture_is_an_svg_of_the_pending_login(driver: Driver, sim: SimulatedTelegram) -> None:
    token, _ = _start(driver)
    picture = driver.svg(token)
    assert picture.status == 200
    assert picture.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in picture.body and "<path" in picture.body
    _scan(driver, sim, token)
    _poll(driver, token)
    assert driver.svg(token).status == 404  # logged in: nothing left to scan


# -- 2FA ----------------------------------------------------------------------------------
def test_two_factor_login(driver: Driver, sim: SimulatedTelegram, stores: Stores) -> None:
    sim.set_password(PASSWORD)
    token, _ = _start(driver)
    _scan(driver, sim, token)
    waiting = _poll(driver, token)
    assert waiting["status"] == "password_required" and waiting["qr_url"] is None
    assert "/2fa" in str(waiting["message"])
    assert not stores.sessions.exists(USER)

    reply = driver.password(token, {"password": PASSWORD})
    assert reply.status == 200 and reply.body["status"] == "success"
    assert PASSWORD not in str(reply.body)
    assert _works_as_me(stores, sim)


def test_wrong_password_then_right_one(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    sim.set_password(PASSWORD)
    token, _ = _start(driver)
    _scan(driver, sim, token)
    _poll(driver, token)

    wrong = driver.password(token, {"password": "hunter2"})
    assert wrong.status == 200
    assert wrong.body["status"] == "password_required"
    assert wrong.body["error"] == f"Wrong 2FA password ({MAX_PASSWORD_ATTEMPTS - 1} attempts left)"
    assert _poll(driver, token)["status"] == "password_required"  # polling does not lose it

    right = driver.password(token, {"password": PASSWORD})
    assert right.body["status"] == "success" and right.body["error"] is None
    assert _works_as_me(stores, sim)


def test_too_many_wrong_passwords_end_the_login(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    sim.set_password(PASSWORD)
    token, _ = _start(driver)
    _scan(driver, sim, token)
    _poll(driver, token)
    for _ in range(MAX_PASSWORD_ATTEMPTS):
        last = driver.password(token, {"password": "nope"})
    assert last.body["status"] == "error"
    assert "Wrong 2FA password" in str(last.body["error"])
    assert driver.password(token, {"password": PASSWORD}).status == 409
    assert _poll(driver, token)["status"] == "error"
    assert not stores.sessions.exists(USER)


def test_password_when_none_is_asked_for_is_a_conflict(
    driver: Driver, sim: SimulatedTelegram
) -> None:
    token, _ = _start(driver)
    reply = driver.password(token, {"password": PASSWORD})
    assert reply.status == 409 and "pending" in reply.body["detail"]


# -- migrate ------------------------------------------------------------------------------
@pytest.mark.parametrize("two_factor", [False, True], ids=["plain", "2fa"])
def test_phone_in_another_dc_migrates_the_login(
    driver: Driver, sim: SimulatedTelegram, stores: Stores, two_factor: bool
) -> None:
    if two_factor:
        sim.set_password(PASSWORD)
    token, _ = _start(driver)
    start_dc = sim.home_dc
    other_dc = 4 if start_dc != 4 else 1
    _scan(driver, sim, token, dc_id=other_dc)
    if two_factor:
        assert _poll(driver, token)["status"] == "password_required"
        assert driver.password(token, {"password": PASSWORD}).body["status"] == "success"
    else:
        assert _poll(driver, token)["status"] == "success"
    record = stores.sessions.load(USER)
    assert record is not None and record.dc_id == other_dc
    assert _works_as_me(stores, sim)


# -- expiry and cancel --------------------------------------------------------------------
def test_login_expires_after_the_documented_time(
    driver: Driver, sim: SimulatedTelegram, stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim.set_password(PASSWORD)
    token, _ = _start(driver)
    _scan(driver, sim, token)
    assert _poll(driver, token)["status"] == "password_required"

    started = auth_service._now()
    monkeypatch.setattr(auth_service, "_now", lambda: started + FLOW_SECONDS)
    expired = _poll(driver, token)
    assert expired["status"] == "expired" and "start a new one" in str(expired["message"])
    assert driver.password(token, {"password": PASSWORD}).status == 409
    assert driver.svg(token).status == 404
    assert not stores.sessions.exists(USER)


def test_cancelled_login_is_gone(driver: Driver, sim: SimulatedTelegram, stores: Stores) -> None:
    token, qr_url = _start(driver)
    reply = driver.cancel(token)
    assert reply.status == 200 and reply.body["status"] == "cancelled"
    assert driver.poll(token).status == 404
    assert driver.cancel(token).status == 404
    assert driver.password(token, {"password": PASSWORD}).status == 404
    sim.approve_qr(qr_url)  # a late scan of the old picture changes nothing
    assert driver.poll(token).status == 404
    assert not stores.sessions.exists(USER)


@pytest.mark.parametrize("outcome", ["success", "expired", "error"])
def test_cancelling_a_finished_login_is_409_and_its_status_stays_readable(
    driver: Driver,
    sim: SimulatedTelegram,
    stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
) -> None:
    sim.set_password(PASSWORD)
    token, _ = _start(driver)
    _scan(driver, sim, token)
    assert _poll(driver, token)["status"] == "password_required"
    if outcome == "success":
        assert driver.password(token, {"password": PASSWORD}).body["status"] == "success"
    elif outcome == "error":
        for _ in range(MAX_PASSWORD_ATTEMPTS):
            driver.password(token, {"password": "nope"})
    else:
        started = auth_service._now()
        monkeypatch.setattr(auth_service, "_now", lambda: started + FLOW_SECONDS + 1)
    reply = driver.cancel(token)
    assert reply.status == 409, reply.body
    assert outcome in reply.body["detail"] and "nothing to cancel" in reply.body["detail"]
    assert _poll(driver, token)["status"] == outcome  # still readable afterwards
    assert driver.cancel(token).status == 409
    assert stores.sessions.exists(USER) == (outcome == "success")


# -- force --------------------------------------------------------------------------------
def test_existing_session_needs_force(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    store_session(stores, sim, USER)
    reply = driver.start(USER)
    assert reply.status == 409 and "force" in reply.body["detail"]
    assert driver.start(USER, force=False).status == 409


def test_forced_login_replaces_the_session_only_on_success(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    old = store_session(stores, sim, USER)
    stores.sessions.put_entities(USER, [EntityRow(-1001, 77, "stale", None, "Old account")])
    sim.set_password(PASSWORD)
    token, _ = _start(driver, force=True)
    _scan(driver, sim, token)
    assert _poll(driver, token)["status"] == "password_required"
    assert stores.sessions.load(USER) == old  # still the working one while we wait

    assert driver.password(token, {"password": PASSWORD}).body["status"] == "success"
    new = stores.sessions.load(USER)
    assert new is not None and new.auth_key != old.auth_key
    assert all(row.id != -1001 for row in stores.sessions.entities(USER))
    assert _works_as_me(stores, sim)


@pytest.mark.parametrize("how", ["wrong passwords", "cancel", "expiry"])
def test_failed_forced_login_keeps_the_old_session(
    driver: Driver,
    sim: SimulatedTelegram,
    stores: Stores,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    old = store_session(stores, sim, USER)
    sim.set_password(PASSWORD)
    token, _ = _start(driver, force=True)
    _scan(driver, sim, token)
    _poll(driver, token)
    if how == "wrong passwords":
        for _ in range(MAX_PASSWORD_ATTEMPTS):
            driver.password(token, {"password": "nope"})
        assert _poll(driver, token)["status"] == "error"
    elif how == "cancel":
        assert driver.cancel(token).status == 200
    else:
        started = auth_service._now()
        monkeypatch.setattr(auth_service, "_now", lambda: started + FLOW_SECONDS + 1)
        assert _poll(driver, token)["status"] == "expired"
    assert stores.sessions.load(USER) == old
    assert _works_as_me(stores, sim)


@pytest.mark.parametrize("flow_settings", ["http-aws"], indirect=True)
def test_forced_migrating_2fa_login_over_http_with_dynamodb(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    old = store_session(stores, sim, USER)
    sim.set_password(PASSWORD)
    token, _ = _start(driver, force=True)
    _scan(driver, sim, token, dc_id=4 if sim.home_dc != 4 else 1)
    assert _poll(driver, token)["status"] == "password_required"
    wrong = driver.password(token, {"password": "nope"})
    assert wrong.body["status"] == "password_required" and wrong.body["error"]
    assert stores.sessions.load(USER) == old
    assert driver.password(token, {"password": PASSWORD}).body["status"] == "success"
    new = stores.sessions.load(USER)
    assert new is not None and new.auth_key != old.auth_key and new.dc_id != old.dc_id
    assert _works_as_me(stores, sim)
