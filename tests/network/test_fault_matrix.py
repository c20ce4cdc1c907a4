"""Issue 13's fault matrix: each network fault × each endpoint that talks to Telegram
answers a clear 502 (or ends its SSE stream with a 502 `event: error`), never a 500 or a
hang, with a bounded number of connections, and the endpoint works again at once after
`recover()`. How long each answer takes is measured by `bench/fault_matrix.py`."""

from __future__ import annotations

import pytest

from tests.network.matrix import ENDPOINTS, FAULTS, Rig, unclear

MAX_CONNECTS = 12
"""Connections one failing request may open: a connect and Telethon's bounded retries
(TELEGRAM_CONNECT_RETRIES=2) per DC it needs, never a loop (the bug: ~6,700 in 28 s)."""


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
@pytest.mark.parametrize("fault", list(FAULTS))
async def test_every_fault_at_every_endpoint_is_a_clear_502(
    rig: Rig, fault: str, endpoint: str
) -> None:
    setup, call = ENDPOINTS[endpoint]
    ctx = await setup(rig)
    before = rig.connects()
    FAULTS[fault](rig.faults)
    response = await call(rig, ctx)
    assert unclear(response) is None, unclear(response)
    assert rig.connects() - before <= MAX_CONNECTS
    rig.faults.recover()
    again = await call(rig, ctx)
    assert again.status_code == 200, again.text
    assert "event: error" not in again.text
