"""Phone-number login on the simulated Telegram: the account's number and the demo code."""

from __future__ import annotations

import pytest
from telethon import errors
from telethon.tl import functions

from local.simtg import SimulatedTelegram, World

DEMO_PHONE = "+1 555 010 0000"  # README: the simulated account's number, code 12345


async def test_the_accounts_number_and_the_demo_code_log_in(
    sim: SimulatedTelegram, world: World
) -> None:
    client = sim.client()
    await client.connect()
    try:
        sent = await client.send_code_request(DEMO_PHONE)
        assert sent.type.length == 5
        with pytest.raises(errors.PhoneCodeInvalidError):
            await client.sign_in(DEMO_PHONE, "99999")
        user = await client.sign_in(DEMO_PHONE, "12345")
        assert user.id == world.me.id
        assert len(await client.get_dialogs()) == len(world.dialogs)
    finally:
        await client.disconnect()


async def test_another_number_is_invalid(sim: SimulatedTelegram) -> None:
    client = sim.client()
    await client.connect()
    try:
        with pytest.raises(errors.PhoneNumberInvalidError):
            await client.send_code_request("+49 30 1234567")
    finally:
        await client.disconnect()


async def test_a_code_logs_in_once(sim: SimulatedTelegram) -> None:
    first, second = sim.client(), sim.client()
    await first.connect()
    await second.connect()
    try:
        sent = await first.send_code_request(DEMO_PHONE)
        await first.sign_in(DEMO_PHONE, "12345")
        with pytest.raises(errors.PhoneCodeExpiredError):
            await second(functions.auth.SignInRequest("15550100000", sent.phone_code_hash, "12345"))
        assert not await second.is_user_authorized()
    finally:
        await first.disconnect()
        await second.disconnect()


async def test_with_2fa_the_code_then_the_password(sim: SimulatedTelegram, world: World) -> None:
    sim.set_password("hunter2")
    client = sim.client()
    await client.connect()
    try:
        await client.send_code_request(DEMO_PHONE)
        with pytest.raises(errors.SessionPasswordNeededError):
            await client.sign_in(DEMO_PHONE, "12345")
        user = await client.sign_in(password="hunter2")
        assert user.id == world.me.id
    finally:
        await client.disconnect()
