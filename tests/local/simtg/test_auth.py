"""Auth keys, QR login (incl. DC migration and stateless polling) and SRP 2FA."""

from __future__ import annotations

import asyncio

import pytest
from telethon import TelegramClient, errors
from telethon.sessions import StringSession
from telethon.tl import functions, types

from local.simtg import SimulatedTelegram, World


async def _qr_client(sim: SimulatedTelegram) -> TelegramClient:
    client = sim.client()
    await client.connect()
    return client


async def test_fresh_client_gets_random_auth_key_and_is_unauthorized(
    sim: SimulatedTelegram,
) -> None:
    client = await _qr_client(sim)
    try:
        key = client.session.auth_key.key
        assert key is not None and len(key) == 256
        assert client.session.dc_id == 2
        assert await client.get_me() is None
        assert not await client.is_user_authorized()
        with pytest.raises(errors.AuthKeyUnregisteredError):
            await client.get_dialogs()
    finally:
        await client.disconnect()


async def test_same_key_in_a_new_client_is_recognised(sim: SimulatedTelegram, world: World) -> None:
    first = sim.client(StringSession())
    first.session.set_dc(2, "149.154.167.51", 443)
    first.session.auth_key = sim.authorized_session().auth_key
    saved = first.session.save()
    second = sim.client(StringSession(saved))
    await second.connect()
    try:
        me = await second.get_me()
        assert me is not None and me.id == world.me.id
    finally:
        await second.disconnect()


async def test_qr_login(sim: SimulatedTelegram, world: World) -> None:
    client = await _qr_client(sim)
    try:
        qr = await client.qr_login()
        assert qr.url.startswith("tg://login?token=")
        sim.approve_qr(qr.url)
        user = await qr.wait(timeout=5)
        assert user.id == world.me.id
        assert await client.is_user_authorized()
        assert len(await client.get_dialogs()) == len(world.dialogs)
    finally:
        await client.disconnect()


async def test_qr_login_migrates_to_the_approving_dc(sim: SimulatedTelegram, world: World) -> None:
    client = await _qr_client(sim)
    try:
        qr = await client.qr_login()
        sim.reset_requests()
        sim.approve_qr(qr.token, dc_id=4)
        user = await qr.wait(timeout=5)
        assert user.id == world.me.id
        assert client.session.dc_id == 4
        assert sim.requests["ImportLoginTokenRequest"] == 1
        assert (await client.get_me()).id == world.me.id
    finally:
        await client.disconnect()


async def test_stateless_qr_polling_with_a_stored_key(sim: SimulatedTelegram, world: World) -> None:
    """Each poll is a new client built from the stored temporary key (Lambda style)."""
    first = sim.client(StringSession())
    await first.connect()
    qr = await first.qr_login()
    stored = first.session.save()
    await first.disconnect()

    sim.approve_qr(qr.url)
    poll = sim.client(StringSession(stored))
    await poll.connect()
    try:
        result = await poll(functions.auth.ExportLoginTokenRequest(poll.api_id, poll.api_hash, []))
        assert isinstance(result, types.auth.LoginTokenSuccess)
        assert result.authorization.user.id == world.me.id
    finally:
        await poll.disconnect()


async def test_qr_with_2fa_then_password(sim: SimulatedTelegram, world: World) -> None:
    sim.set_password("correct horse")
    client = sim.client(StringSession())
    await client.connect()
    qr = await client.qr_login()
    sim.approve_qr(qr.url)
    with pytest.raises(errors.SessionPasswordNeededError):
        await qr.wait(timeout=5)
    with pytest.raises(errors.SessionPasswordNeededError):
        await client.get_dialogs()
    with pytest.raises(errors.PasswordHashInvalidError):
        await client.sign_in(password="wrong horse")
    stored = client.session.save()
    await client.disconnect()

    # The password step works from another fresh client holding the same key.
    other = sim.client(StringSession(stored))
    await other.connect()
    try:
        user = await other.sign_in(password="correct horse")
        assert user.id == world.me.id
        assert await other.is_user_authorized()
    finally:
        await other.disconnect()


async def test_password_is_verified_by_srp_not_stored(sim: SimulatedTelegram) -> None:
    sim.set_password("s3cret")
    record = sim.auth.passwords[sim.world.me.id]
    assert b"s3cret" not in repr(record).encode()
    client = sim.client(sim.authorized_session())
    await client.connect()
    try:
        pwd = await client(functions.account.GetPasswordRequest())
        assert pwd.has_password and pwd.srp_B and pwd.srp_id
    finally:
        await client.disconnect()


async def test_revoked_key(sim: SimulatedTelegram) -> None:
    session = sim.authorized_session()
    client = sim.client(session)
    await client.connect()
    try:
        assert await client.get_me() is not None
        sim.revoke(session.auth_key)
        with pytest.raises(errors.AuthKeyUnregisteredError):
            await client.get_dialogs()
    finally:
        await client.disconnect()


async def test_strict_key_sharing_revokes_a_key_used_twice(sim: SimulatedTelegram) -> None:
    session = sim.authorized_session()
    one = sim.client(session)
    await one.connect()
    await one.disconnect()
    sim.strict_key_sharing = True
    two = sim.client(session)
    await two.connect()  # one at a time is fine
    assert await two.get_me() is not None
    three = sim.client(session)
    try:
        with pytest.raises(errors.AuthKeyDuplicatedError):
            await three.connect()  # its very first request is refused
        with pytest.raises(errors.AuthKeyUnregisteredError):
            await two.get_dialogs()
    finally:
        await two.disconnect()
        await three.disconnect()


async def test_auto_approve_for_demo_mode(sim: SimulatedTelegram, world: World) -> None:
    sim.auto_approve_qr = 0.05
    client = sim.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        assert (await qr.wait(timeout=5)).id == world.me.id
    finally:
        await client.disconnect()


async def test_qr_migrate_with_2fa(sim: SimulatedTelegram, world: World) -> None:
    sim.set_password("pw")
    client = sim.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        sim.approve_qr(qr.url, dc_id=5)
        with pytest.raises(errors.SessionPasswordNeededError):
            await qr.wait(timeout=5)
        assert client.session.dc_id == 5
        assert (await client.sign_in(password="pw")).id == world.me.id
    finally:
        await client.disconnect()


async def test_qr_approved_from_another_thread(sim: SimulatedTelegram, world: World) -> None:
    client = sim.client()
    await client.connect()
    try:
        qr = await client.qr_login()
        # Telethon only sees the push if wait() is already listening (as with a phone).
        waiting = asyncio.create_task(qr.wait(timeout=5))
        await asyncio.sleep(0)
        await asyncio.to_thread(sim.approve_qr, qr.url)  # e.g. a demo HTTP route's thread
        assert (await waiting).id == world.me.id
    finally:
        await client.disconnect()
