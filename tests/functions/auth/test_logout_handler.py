"""Logout through the auth app: over HTTP with embedded stores, and as the
events/auth_logout.json sample through the Lambda handler with DynamoDB/S3 (moto).

Each request lands on a new app instance sharing only the stores and the simulated
Telegram, as separate Lambdas would.
"""

from __future__ import annotations

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import Driver
from tests.support.store_dump import dump, mentions
from tgscraper.accounts.store import AccountStore
from tgscraper.config import Settings
from tgscraper.media.index import MediaIndex, new_entry
from tgscraper.storage.factory import Stores

USER = "john_doe"
"""The username of the events/ samples."""
OTHER = "john_doe2"
"""Shares USER's prefix: a wipe that matched on prefix alone would take it too."""


def _login(driver: Driver, sim: SimulatedTelegram, username: str) -> None:
    token = driver.start(username).body["token"]
    sim.approve_qr(driver.poll(token).body["qr_url"])
    assert driver.poll(token).body["status"] == "success"


def _seed(stores: Stores, username: str) -> str:
    """One item of every kind a username owns; returns its access token."""
    dialog = -1001234567890
    stores.messages.put_many(
        {"pk": pk, "sk": "s", "v": 1}
        for pk in (
            f"msg#{username}#{dialog}",
            f"cov#{username}#{dialog}",
            f"chg#{username}#{dialog}",
            f"sync#{username}#{dialog}",
            f"dlg#{username}",
        )
    )
    entry = new_entry(
        username, dialog, 7, type="MessageMediaPhoto", filename="p.jpg", size=3, mime="image/jpeg"
    )
    MediaIndex(stores.media).put_many([entry])
    writer = stores.blobs.open_writer(entry.object_key)
    writer.write(b"jpg")
    writer.commit()
    accounts = AccountStore(stores.accounts)
    # The login bound the username to the account that scanned the QR.
    assert accounts.bound_user_id(username) is not None
    return accounts.issue(username, "laptop").token


def test_logout_deletes_the_session_and_every_item_of_that_username_only(
    driver: Driver, sim: SimulatedTelegram, stores: Stores, flow_settings: Settings
) -> None:
    """GIVEN john_doe and john_doe2 logged in, each with cached messages, coverage,
    change log, sync state, dialog cache, a media entry, a file, a binding and a token
    WHEN john_doe logs out (the events/ sample on Lambda)
    THEN 200 "logged_out", Telegram told; john_doe is named nowhere in any table or
    bucket, his token no longer resolves; john_doe2 keeps all of his."""
    _login(driver, sim, USER)
    _login(driver, sim, OTHER)
    token = _seed(stores, USER)
    other_token = _seed(stores, OTHER)
    other_before = mentions(dump(flow_settings), OTHER)

    reply = driver.logout(USER)

    assert reply.status == 200, reply.body
    assert reply.body["status"] == "logged_out"
    assert reply.body["telegram_logged_out"] is True and reply.body["data_deleted"] is True
    after = dump(flow_settings)
    assert mentions(after, USER) == []
    assert stores.sessions.load(USER) is None
    assert AccountStore(stores.accounts).resolve(token) is None
    assert mentions(after, OTHER) == other_before
    assert AccountStore(stores.accounts).resolve(other_token) is not None
    assert stores.sessions.load(OTHER) is not None


def test_a_second_logout_is_the_same_answer(driver: Driver, sim: SimulatedTelegram) -> None:
    """GIVEN a user who logged out WHEN the same request is sent again THEN 200 again
    with the same fields, Telegram not called."""
    _login(driver, sim, USER)
    first, second = driver.logout(USER), driver.logout(USER)
    assert first.status == second.status == 200
    assert (
        set(first.body)
        == set(second.body)
        == {
            "status",
            "telegram_logged_out",
            "data_deleted",
            "data_remaining",
            "message",
        }
    )
    assert second.body["telegram_logged_out"] is False


def test_keep_data_keeps_caches_and_binding_but_drops_tokens(
    driver: Driver, sim: SimulatedTelegram, stores: Stores
) -> None:
    """GIVEN a logged-in user with cached data, a binding and a token WHEN logging out
    with keep_data=true THEN the session and the token are gone, the cache, file and
    binding (to the same Telegram account) stay."""
    _login(driver, sim, USER)
    token = _seed(stores, USER)

    reply = driver.logout(USER, keep_data="true")

    assert reply.status == 200 and reply.body["data_deleted"] is False
    assert stores.sessions.load(USER) is None
    accounts = AccountStore(stores.accounts)
    assert accounts.resolve(token) is None and accounts.tokens(USER) == []
    assert accounts.bound_user_id(USER) == sim.world.me.id
    assert list(stores.messages.query(f"dlg#{USER}")) != []
    assert stores.blobs.delete_prefix(f"{USER}/") == 1  # the file was still there


@pytest.mark.parametrize("value", ["maybe", "2"])
def test_a_bad_keep_data_is_a_clear_400(driver: Driver, value: str) -> None:
    reply = driver.logout(USER, keep_data=value)
    assert reply.status == 400 and "keep_data" in reply.body["detail"]


def test_a_logout_out_of_time_asks_to_be_sent_again_and_the_next_finishes(
    driver: Driver,
    sim: SimulatedTelegram,
    stores: Stores,
    flow_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a cache larger than one delete batch and a wipe budget already spent
    WHEN the user logs out THEN 200 with data_remaining=true and a message to send it
    again; the same request then deletes the rest (data_deleted=true, nothing left)."""
    from tgscraper.auth import logout

    _login(driver, sim, USER)
    token = _seed(stores, USER)
    stores.messages.put_many({"pk": f"msg#{USER}#1", "sk": f"{i:05d}"} for i in range(1_200))
    monkeypatch.setattr(logout, "WIPE_SECONDS", -1.0)

    first = driver.logout(USER)

    assert first.status == 200, first.body
    assert first.body["data_deleted"] is False and first.body["data_remaining"] is True
    assert "send the same request again" in first.body["message"]
    # While data is left the username is not free (no other account may take it and
    # find the rest) and its token still works, so the same request can be repeated.
    accounts = AccountStore(stores.accounts)
    assert accounts.bound_user_id(USER) == sim.world.me.id
    assert accounts.resolve(token) is not None
    monkeypatch.setattr(logout, "WIPE_SECONDS", 10.0)
    second = driver.logout(USER)
    assert second.body["data_deleted"] is True and second.body["data_remaining"] is False
    assert accounts.resolve(token) is None and accounts.bound_user_id(USER) is None
    assert mentions(dump(flow_settings), USER) == []
