"""Issue 13: a network fault after a history stream has started ends it with a 502
`event: error` after the frames already sent (never a 500, a hang, or a stream that just
stops), and the messages of the page that failed are not recorded as covered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.network.conftest import HEADERS, Rig
from tests.support.history import busiest, expected_ids, messages_of, parse_sse

Fault = Callable[[Rig], None]


def _garbage(rig: Rig) -> None:
    for dc in rig.server.dcs:
        rig.faults.of(dc).garbage = 64


def _trickle(rig: Rig) -> None:
    for dc in rig.server.dcs:
        rig.faults.of(dc).bytes_per_second = 1.0


def _cut(rig: Rig) -> None:
    for dc in rig.server.dcs:
        rig.faults.of(dc).close_after = 1  # already sent more: the next bytes close it


def _on_second_page(rig: Rig, fault: Fault | None) -> Any:
    """A tamper rule: page 1 is answered; the fault hits the answer to page 2."""
    seen = [0]

    def tamper(request: Any, honest: Any) -> Any:
        seen[0] += 1
        if seen[0] == 2:
            if fault is None:
                raise ConnectionError("dropped")  # the server drops the connection
            fault(rig)
        return honest()

    return tamper


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(_garbage, id="garbage"),
        pytest.param(_trickle, id="slow"),
        pytest.param(_cut, id="close"),
        pytest.param(None, id="drop"),
    ],
)
async def test_a_fault_mid_stream_ends_it_with_a_502_event(rig: Rig, fault: Fault | None) -> None:
    rig.store_login()
    peer = busiest(rig.sim.world)
    everything = expected_ids(rig.sim.world, peer, 0, 2**40)
    assert len(everything) > 100  # two getHistory pages
    rig.sim.tamper("GetHistoryRequest", _on_second_page(rig, fault))
    response = await rig.request(
        "GET", f"/api/v3/history/{peer}", params={"chunk_size": 10}, headers=HEADERS
    )
    assert response.status_code == 200, response.text
    events = parse_sse(response.text)
    assert events[-1].event == "error" and events[-1].data["status"] == 502, events[-1]
    sent = [m["message_id"] for m in messages_of(events)]
    assert sent and sent == everything[: len(sent)] and len(sent) < len(everything)
    rig.sim.controls.clear()
    rig.faults.recover()
    again = await rig.request("GET", f"/api/v3/history/{peer}", headers=HEADERS)
    assert [m["message_id"] for m in messages_of(parse_sse(again.text))] == everything
