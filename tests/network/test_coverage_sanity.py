"""Issue 13: a getHistory page that does not prove the window asked for is an error, never
coverage (was: a page of messages all outside the window was recorded as covering it, the
stream answered 0 messages and later reads silently missed messages), and `force_refresh`
on such a page deletes nothing already cached. Over the real TCP server, with the page
distorted by `sim.tamper` (a misbehaving server; real Telegram honours the offsets)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.network.conftest import HEADERS, Rig
from tests.support.history import busiest, date_of, expected_ids, messages_of, parse_sse, ts


def _newer(request: Any, honest: Any) -> Any:
    """The server ignores offset_date and answers from far later in the dialog."""
    if request.offset_date is not None:
        request.offset_date += timedelta(days=400)
    return honest()


def _older(request: Any, honest: Any) -> Any:
    """The server ignores add_offset: the messages BEFORE the offset, not after it."""
    request.add_offset = 0
    return honest()


def _reordered(request: Any, honest: Any) -> Any:
    result = honest()
    result.messages = result.messages[1::2] + result.messages[0::2]
    return result


def _emptied(request: Any, honest: Any) -> Any:
    result = honest()
    result.messages = []
    return result


FAULTS = [
    pytest.param(_newer, id="all-newer"),
    pytest.param(_older, id="all-older"),
    pytest.param(_reordered, id="ids-out-of-order"),
    pytest.param(_emptied, id="empty-page"),
]


def _window(rig: Rig) -> tuple[int, str, str]:
    peer = busiest(rig.sim.world)
    msgs = rig.sim.world.messages(peer)
    assert len(msgs) > 40
    return peer, date_of(msgs[10]), date_of(msgs[30])


async def _history(rig: Rig, peer: int, start: str, end: str, **params: Any) -> Any:
    response = await rig.request(
        "GET",
        f"/api/v3/history/{peer}",
        params={"start_date": start, "end_date": end, **params},
        headers=HEADERS,
    )
    return response


def _is_error(response: Any) -> None:
    if response.status_code == 200:
        events = parse_sse(response.text)
        assert events[-1].event == "error", events[-1]
        assert events[-1].data["status"] == 502, events[-1].data
    else:
        assert response.status_code == 502, response.text
        assert "history page" in response.json()["detail"]


@pytest.mark.parametrize("fault", FAULTS)
async def test_an_unproven_page_is_an_error_and_no_coverage(rig: Rig, fault: Any) -> None:
    rig.store_login()
    peer, start, end = _window(rig)
    rig.sim.tamper("GetHistoryRequest", fault, times=1)
    _is_error(await _history(rig, peer, start, end))
    rig.sim.controls.clear()
    again = await _history(rig, peer, start, end)
    assert again.status_code == 200, again.text
    got = [m["message_id"] for m in messages_of(parse_sse(again.text))]
    assert got == expected_ids(rig.sim.world, peer, ts(start), ts(end))


@pytest.mark.parametrize("fault", FAULTS)
async def test_force_refresh_on_an_unproven_page_deletes_nothing(rig: Rig, fault: Any) -> None:
    rig.store_login()
    peer, start, end = _window(rig)
    first = await _history(rig, peer, start, end)
    cached = [m["message_id"] for m in messages_of(parse_sse(first.text))]
    assert cached == expected_ids(rig.sim.world, peer, ts(start), ts(end))
    rig.sim.tamper("GetHistoryRequest", fault, times=1)
    _is_error(await _history(rig, peer, start, end, force_refresh="true"))
    rig.sim.controls.clear()
    rig.sim.reset_requests()
    again = await _history(rig, peer, start, end)
    assert [m["message_id"] for m in messages_of(parse_sse(again.text))] == cached
    assert rig.sim.requests["GetHistoryRequest"] == 0  # served from the intact cache


async def test_an_empty_page_of_a_whole_dialog_that_has_messages_is_an_error(rig: Rig) -> None:
    rig.store_login()
    peer = busiest(rig.sim.world)
    rig.sim.tamper("GetHistoryRequest", _emptied, times=1)
    response = await rig.request("GET", f"/api/v3/history/{peer}", headers=HEADERS)
    _is_error(response)
