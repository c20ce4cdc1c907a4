"""Issue 13: an unknown dialog is a 404 with a detail, whatever Telethon raises while it
tries to resolve the id (real Telegram answered `channels.getChannels` for an unknown
channel with an empty list, and Telethon's `chats[0]` raised IndexError: was a 502
"Telegram failed: IndexError")."""

from __future__ import annotations

from typing import Any

import pytest
from telethon.tl import types as T

from local.simtg.errors import RpcFault
from tests.network.conftest import HEADERS, Rig

UNKNOWN = -1009999999999
"""A channel id this account never saw and the simulated world does not have."""


def _empty_chats(request: Any, honest: Any) -> T.messages.Chats:
    return T.messages.Chats([])


def _odd_error(request: Any, honest: Any) -> Any:
    raise RpcFault(400, "INPUT_CONSTRUCTOR_INVALID")  # a 400 Telethon has no rule for


@pytest.mark.parametrize("answer", [_empty_chats, _odd_error], ids=["empty", "error"])
async def test_history_of_an_unknown_channel_is_a_404(rig: Rig, answer: Any) -> None:
    rig.store_login()
    rig.sim.tamper("GetChannelsRequest", answer)
    response = await rig.request("GET", f"/api/v3/history/{UNKNOWN}", headers=HEADERS)
    assert response.status_code == 404, response.text
    assert str(UNKNOWN) in response.json()["detail"]


async def test_a_known_channel_still_streams_after_an_unknown_one(rig: Rig) -> None:
    rig.store_login()
    rig.sim.tamper("GetChannelsRequest", _empty_chats)
    missing = await rig.request("GET", f"/api/v3/history/{UNKNOWN}", headers=HEADERS)
    assert missing.status_code == 404
    channel = next(d for d in rig.sim.world.dialogs if d.peer_id < -(10**12))
    found = await rig.request("GET", f"/api/v3/history/{channel.peer_id}", headers=HEADERS)
    assert found.status_code == 200, found.text
    assert "data:" in found.text
