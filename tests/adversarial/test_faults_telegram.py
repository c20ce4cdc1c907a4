"""Telegram faults at every Telegram call of every endpoint.

For each endpoint scenario a clean run first records the Telegram requests it makes.
Then, on a fresh rig per injection point, the n-th request of each kind answers
FLOOD_WAIT_30 (or drops the connection), and the answer must be clean: 429 with
Retry-After 30 (502 for a dropped connection) and exactly {"detail": str} before the
first byte, or an SSE `event: error` frame once the stream has started. Afterwards the
stores must be consistent (no coverage without its messages, no partial file, the login
kept, the account lease released) and the same request, retried once Telegram is well,
must give the full, correct answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram
from tests.adversarial.rig import Rig, assert_error, assert_store_consistent, new_rig
from tests.support.files import expected_bytes, index_media, media_message
from tests.support.history import ALICE, complete, expected_ids, messages_of, parse_sse
from tgscraper.config import Settings

USER = {"X-Telegram-Username": ALICE}
FLOOD_SECONDS = 30
MAX_POINTS_PER_KIND = 3
"""Occurrences tried per request kind: the first, the second and the last (bounded)."""


@dataclass
class Scenario:
    """`setup` runs before faults are armed; `act` is the request under test, and
    `check_ok` validates the answer of a healthy run."""

    act: Callable[[TestClient, Rig, Any], Any]
    check_ok: Callable[[Any, Rig, Any], None]
    setup: Callable[[TestClient, Rig], Any] = lambda http, rig: None
    streams: bool = False


def _pending_login(http: TestClient, rig: Rig) -> str:
    token: str = http.post("/api/v3/auth/qr", json={"username": "carol"}).json()["token"]
    return token


def _login_waiting_for_password(http: TestClient, rig: Rig) -> str:
    token = _pending_login(http, rig)
    assert http.get(f"/api/v3/auth/qr/{token}").status_code == 200
    approve = http.post(f"/api/v3/demo/qr/{token}/approve", json={"two_factor_password": "pw"})
    assert approve.status_code == 200
    assert http.get(f"/api/v3/auth/qr/{token}").json()["status"] == "password_required"
    return token


def _indexed_file(http: TestClient, rig: Rig) -> Any:
    peer, message = media_message(rig.world, "document", max_size=300 * 1024)
    entry = index_media(rig.raw, ALICE, peer, message)
    rig.files.append((entry, message))
    return entry, message


def _ok_json(response: Any, rig: Rig, state: Any) -> None:
    assert response.status_code == 200, response.text[:300]


def _ok_poll(response: Any, rig: Rig, state: Any) -> None:
    assert response.status_code == 200 and response.json()["status"] == "pending"


def _ok_2fa(response: Any, rig: Rig, state: Any) -> None:
    assert response.status_code == 200 and response.json()["status"] == "success"
    assert rig.session("carol") is not None


def _ok_history(response: Any, rig: Rig, state: Any) -> None:
    assert response.status_code == 200
    events = complete(parse_sse(response.text))
    ids = [m["message_id"] for m in messages_of(events)]
    assert ids == expected_ids(rig.world, rig.big, 0, 2**40)


def _ok_file(response: Any, rig: Rig, state: Any) -> None:
    assert response.status_code == 200
    assert response.content == expected_bytes(rig.world, state[1])


SCENARIOS = {
    "auth-start": Scenario(
        act=lambda http, rig, _: http.post("/api/v3/auth/qr", json={"username": "carol"}),
        check_ok=_ok_json,
    ),
    "auth-poll": Scenario(
        setup=_pending_login,
        act=lambda http, rig, token: http.get(f"/api/v3/auth/qr/{token}"),
        check_ok=_ok_poll,
    ),
    "auth-2fa": Scenario(
        setup=_login_waiting_for_password,
        act=lambda http, rig, token: http.post(
            f"/api/v3/auth/qr/{token}/2fa", json={"password": "pw"}
        ),
        check_ok=_ok_2fa,
    ),
    "search": Scenario(
        act=lambda http, rig, _: http.get(
            "/api/v3/search/dialogs", headers=USER, params={"limit": 5, "sort": "messages"}
        ),
        check_ok=_ok_json,
    ),
    "folders": Scenario(
        act=lambda http, rig, _: http.get("/api/v3/folders", headers=USER),
        check_ok=_ok_json,
    ),
    "history": Scenario(
        act=lambda http, rig, _: http.get(
            f"/api/v3/history/{rig.big}", headers=USER, params={"chunk_size": 50}
        ),
        check_ok=_ok_history,
        streams=True,
    ),
    "files": Scenario(
        setup=_indexed_file,
        act=lambda http, rig, state: http.get(f"/api/v3/files/{state[0].uuid}", headers=USER),
        check_ok=_ok_file,
    ),
}


def _points(log: list[str]) -> list[tuple[str, int]]:
    """(request kind, occurrence) pairs to fault: first, second and last of each kind."""
    counts = Counter(log)
    points = []
    for kind, total in counts.items():
        chosen = sorted({0, 1, total - 1} & set(range(total)))[:MAX_POINTS_PER_KIND]
        points += [(kind, n) for n in chosen]
    return points


def _run(
    tmp: Path, scenario: Scenario, fault: Callable[[SimulatedTelegram], None] | None
) -> tuple[Rig, TestClient, Any, Any]:
    rig = new_rig(Settings(data_dir=tmp / "data"))
    http = TestClient(rig.app(), raise_server_exceptions=False)
    state = scenario.setup(http, rig)
    rig.sim.reset_requests()
    if fault is not None:
        fault(rig.sim)
    return rig, http, state, scenario.act(http, rig, state)


def _expect_clean_failure(
    response: Any, scenario: Scenario, status: int, retry_after: int | None
) -> None:
    if scenario.streams and response.status_code == 200:
        last = parse_sse(response.text)[-1]
        assert last.event == "error", last
        assert last.data["retry_after"] == retry_after and last.data["detail"]
        return
    assert_error(response, status)
    if retry_after is not None:
        assert response.headers["Retry-After"] == str(retry_after)


@pytest.mark.parametrize("name", list(SCENARIOS))
@pytest.mark.parametrize("kind", ["flood", "disconnect"])
def test_a_telegram_fault_at_every_call_is_clean_and_recoverable(
    tmp_path: Path, name: str, kind: str
) -> None:
    scenario = SCENARIOS[name]
    rig, _, state, response = _run(tmp_path / "clean", scenario, None)
    scenario.check_ok(response, rig, state)
    log = list(rig.sim.request_log)
    points = _points(log)
    if kind == "disconnect":
        # A dropped connection: the first and the last call of each kind are enough.
        points = [(k, n) for k, n in points if n == 0 or n == Counter(log)[k] - 1]
    assert points, f"{name} made no Telegram call"
    failures = []
    for i, (request, after) in enumerate(points):
        try:
            _inject(tmp_path / f"{kind}{i}", scenario, kind, request, after)
        except AssertionError as exc:
            failures.append(f"{name}: {kind} at {request} #{after}: {exc}"[:400])
    assert not failures, "\n".join(failures)


def _inject(tmp: Path, scenario: Scenario, kind: str, request: str, after: int) -> None:
    def arm(sim: SimulatedTelegram) -> None:
        if kind == "flood":
            sim.flood(request, FLOOD_SECONDS, after=after)
        else:
            sim.disconnect_after(request, after)

    rig, http, state, response = _run(tmp, scenario, arm)
    where = f"{kind} at {request} #{after}"
    if kind == "flood":
        # Never slept through inside a request: the caller gets the wait to decide.
        _expect_clean_failure(response, scenario, 429, FLOOD_SECONDS)
    elif response.status_code == 200 and not scenario.streams:
        # Telethon reconnected and repeated the call on its own: the answer must be right.
        scenario.check_ok(response, rig, state)
    else:
        _expect_clean_failure(response, scenario, 502, None)
    assert_store_consistent(rig, where)
    rig.sim.controls.clear()
    retry = scenario.act(http, rig, state)
    scenario.check_ok(retry, rig, state)
    assert_store_consistent(rig, where + " (after the retry)")
