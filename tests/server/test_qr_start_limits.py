"""Issue 19 item 6 against a real server: POST /api/v3/auth/qr under the local runner's
uvicorn configuration on 127.0.0.1 (demo mode, embedded store), limited per client
address and per username. Every client here is 127.0.0.1, so the per-username tests
raise the address limit out of the way."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.simtg import SimulatedTelegram
from tests.server.live import live_server
from tests.support.auth_flow import auth_app, fresh_stores, small_world
from tests.support.sessions import store_session
from tgscraper.auth import start_limits
from tgscraper.config import Settings

QR = "/api/v3/auth/qr"
LOGIN_TOKEN_CALL = "ExportLoginTokenRequest"


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The limiter's clock (the server runs in this process): clock[0] is "now"."""
    at = [start_limits._now()]
    monkeypatch.setattr(start_limits, "_now", lambda: at[0])
    return at


class Api:
    def __init__(self, port: int) -> None:
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=20)

    def start(self, username: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return self.http.post(QR, json={"username": username}, headers=headers)


@contextmanager
def _serve(settings: Settings, sim: SimulatedTelegram) -> Iterator[Api]:
    with live_server(auth_app(settings, sim), settings) as live:
        api = Api(live.port)
        try:
            yield api
        finally:
            api.http.close()


@pytest.fixture
def api(tmp_path: Path, sim: SimulatedTelegram) -> Iterator[Api]:
    """The default limits: 10 starts per address, 5 per username, per 10 minutes."""
    with _serve(Settings(data_dir=tmp_path / "data"), sim) as served:
        yield served


def _refused(resp: httpx.Response) -> tuple[str, int]:
    assert resp.status_code == 429, (resp.status_code, resp.text)
    body: dict[str, Any] = resp.json()
    assert set(body) == {"detail"}, body
    return str(body["detail"]), int(resp.headers["Retry-After"])


def test_the_eleventh_start_from_one_address_is_a_429_that_costs_telegram_nothing(
    api: Api, sim: SimulatedTelegram, clock: list[int]
) -> None:
    """GIVEN the default limits
    WHEN one address starts 10 logins for 10 usernames within a minute, then an 11th for
    yet another username
    THEN the 10 are QR logins, the 11th is a 429 naming the address limit with a
    Retry-After of the seconds until the first start leaves the window, and Telegram was
    not asked for an 11th login token."""
    started = clock[0]
    for i in range(10):
        clock[0] = started + 6 * i
        assert api.start(f"user{i}").status_code == 200
    assert sim.requests[LOGIN_TOKEN_CALL] == 10

    clock[0] = started + 60
    detail, retry_after = _refused(api.start("someone_else"))
    assert "address" in detail and "10 per 10 minutes" in detail
    assert retry_after == 600 - 60
    assert sim.requests[LOGIN_TOKEN_CALL] == 10


def test_the_window_frees_a_slot_and_hammering_does_not_push_it_back(
    api: Api, clock: list[int]
) -> None:
    """GIVEN an address that used its 10 starts at once
    WHEN it keeps starting every 30 s for the whole window
    THEN each is refused with a Retry-After that counts down, and the start at the end of
    the window is accepted (refused starts were not counted)."""
    started = clock[0]
    for i in range(10):
        assert api.start(f"user{i}").status_code == 200
    for offset in range(30, 600, 30):
        clock[0] = started + offset
        assert _refused(api.start("hammer"))[1] == 600 - offset
    clock[0] = started + 600
    assert api.start("hammer").status_code == 200


def test_x_forwarded_for_does_not_escape_the_address_limit(api: Api, clock: list[int]) -> None:
    """GIVEN an address that used its 10 starts (TRUSTED_PROXIES unset)
    WHEN it sends X-Forwarded-For naming another address
    THEN it is still refused: the header is not believed by default."""
    for i in range(10):
        assert api.start(f"user{i}").status_code == 200
    _refused(api.start("spoofer", {"X-Forwarded-For": "203.0.113.77"}))


def test_with_a_trusted_proxy_each_forwarded_client_has_its_own_limit(
    tmp_path: Path, sim: SimulatedTelegram, clock: list[int]
) -> None:
    """GIVEN TRUSTED_PROXIES=127.0.0.1 (a reverse proxy on this host) and 2 starts per
    address WHEN two clients behind it start logins THEN each has its own 2."""
    settings = Settings(
        data_dir=tmp_path / "data", trusted_proxies="127.0.0.1", qr_start_limit_per_address=2
    )
    with _serve(settings, sim) as api:
        for name in ("a1", "a2"):
            assert api.start(name, {"X-Forwarded-For": "203.0.113.1"}).status_code == 200
        _refused(api.start("a3", {"X-Forwarded-For": "203.0.113.1"}))
        assert api.start("b1", {"X-Forwarded-For": "203.0.113.2"}).status_code == 200


def test_the_sixth_start_of_one_username_is_refused_whoever_asks(
    tmp_path: Path, sim: SimulatedTelegram, clock: list[int]
) -> None:
    """GIVEN the default 5 starts per username (and a high address limit)
    WHEN alice's login is started 6 times
    THEN the 6th is a 429 naming alice, while bob can still start."""
    settings = Settings(data_dir=tmp_path / "data", qr_start_limit_per_address=1000)
    with _serve(settings, sim) as api:
        for _ in range(5):
            assert api.start("alice").status_code == 200
        detail, retry_after = _refused(api.start("alice"))
        assert "'alice'" in detail and "5 per 10 minutes" in detail
        assert 0 < retry_after <= 600
        assert api.start("bob").status_code == 200
        clock[0] += 600
        assert api.start("alice").status_code == 200


def test_zero_turns_the_limits_off(
    tmp_path: Path, sim: SimulatedTelegram, clock: list[int]
) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", qr_start_limit_per_address=0, qr_start_limit_per_username=0
    )
    with _serve(settings, sim) as api:
        assert all(api.start("alice").status_code == 200 for _ in range(12))


def test_a_malformed_username_is_a_400_and_uses_no_slot(api: Api, clock: list[int]) -> None:
    for _ in range(12):
        assert api.start("../etc").status_code == 400
    assert all(api.start(f"user{i}").status_code == 200 for i in range(10))


def test_a_conflict_counts_as_a_start(
    tmp_path: Path, sim: SimulatedTelegram, clock: list[int]
) -> None:
    """GIVEN alice has a session (a start without force is a 409 telling so)
    WHEN her name is probed 5 times THEN the 6th probe is a 429: the limit also bounds
    finding out which usernames have a session."""
    settings = Settings(data_dir=tmp_path / "data", qr_start_limit_per_address=1000)
    store_session(fresh_stores(settings), sim, "alice")
    with _serve(settings, sim) as api:
        assert all(api.start("alice").status_code == 409 for _ in range(5))
        _refused(api.start("alice"))
