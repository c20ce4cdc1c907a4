"""The QR start limiter on both adapter sets (SQLite and DynamoDB under moto): sliding
windows per address and per username, shared through the `qr` table."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any, cast

import pytest

from tgscraper.auth import start_limits
from tgscraper.auth.start_limits import StartLimiter, StartLimits, address_key
from tgscraper.config import Settings
from tgscraper.errors import RateLimited
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import ItemTable

T0 = 1_800_000_000


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The limiter's clock, moved by the test: clock[0] is "now"."""
    at = [T0]
    monkeypatch.setattr(start_limits, "_now", lambda: at[0])
    return at


def _limiter(stores: Stores, **limits: int) -> StartLimiter:
    return StartLimiter(stores.qr, StartLimits(**limits))


def _admit(limiter: StartLimiter, username: str, address: str | None) -> RateLimited | None:
    try:
        asyncio.run(limiter.admit(username, address))
    except RateLimited as exc:
        return exc
    return None


def test_the_address_limit_refuses_the_next_start_until_the_oldest_leaves_the_window(
    stores: Stores, clock: list[int]
) -> None:
    """GIVEN 3 starts per address per 600 s, taken at T0, T0+100, T0+200
    WHEN a 4th start comes at T0+300, then at T0+600, then at T0+601
    THEN the first is refused with Retry-After 300 (the T0 start frees at T0+600), the
    second with 1, the third is accepted."""
    limiter = _limiter(stores, per_address=3, per_username=0, window=600)
    for step in range(3):
        clock[0] = T0 + 100 * step
        assert _admit(limiter, f"user{step}", "198.51.100.7") is None

    clock[0] = T0 + 300
    refused = _admit(limiter, "user9", "198.51.100.7")
    assert refused is not None and refused.retry_after == 300
    assert "address" in refused.detail and "3 per 10 minutes" in refused.detail
    clock[0] = T0 + 599
    late = _admit(limiter, "user9", "198.51.100.7")
    assert late is not None and late.retry_after == 1
    clock[0] = T0 + 600
    assert _admit(limiter, "user9", "198.51.100.7") is None
    assert _admit(limiter, "user9", "198.51.100.8") is None  # another address: its own


def test_hammering_refused_starts_does_not_extend_the_window(
    stores: Stores, clock: list[int]
) -> None:
    """GIVEN an address that used its 2 starts at T0
    WHEN it keeps trying every 10 s for the whole window
    THEN every try is refused, and the first try after T0+window is accepted."""
    limiter = _limiter(stores, per_address=2, per_username=0, window=600)
    assert _admit(limiter, "alice", "198.51.100.7") is None
    assert _admit(limiter, "alice", "198.51.100.7") is None
    for offset in range(0, 600, 10):
        clock[0] = T0 + offset
        refused = _admit(limiter, "alice", "198.51.100.7")
        assert refused is not None and refused.retry_after == 600 - offset
    clock[0] = T0 + 600
    assert _admit(limiter, "alice", "198.51.100.7") is None


def test_the_username_limit_spans_addresses_and_costs_the_address_nothing(
    stores: Stores, clock: list[int]
) -> None:
    """GIVEN 2 starts per username and 3 per address
    WHEN alice is started twice from two addresses, then again from a third
    THEN the third is refused naming alice, and that address still has all 3 starts."""
    limiter = _limiter(stores, per_address=3, per_username=2, window=600)
    assert _admit(limiter, "alice", "198.51.100.1") is None
    assert _admit(limiter, "alice", "198.51.100.2") is None
    refused = _admit(limiter, "alice", "198.51.100.3")
    assert refused is not None and refused.retry_after == 600
    assert "'alice'" in refused.detail
    for name in ("bob", "carol", "dave"):
        assert _admit(limiter, name, "198.51.100.3") is None
    assert _admit(limiter, "erin", "198.51.100.3") is not None


def test_a_zero_limit_is_off_and_no_address_is_not_limited_by_address(
    stores: Stores, clock: list[int]
) -> None:
    """GIVEN per-address 0 (off), or a start without an address (the in-process CLI)
    WHEN many starts come
    THEN only the limit that is on refuses."""
    off = _limiter(stores, per_address=0, per_username=0, window=600)
    assert all(_admit(off, f"u{i}", "198.51.100.1") is None for i in range(30))
    by_user = _limiter(stores, per_address=1, per_username=3, window=600)
    assert all(_admit(by_user, "cli_user", None) is None for _ in range(3))
    assert _admit(by_user, "cli_user", None) is not None


@pytest.mark.parametrize(
    ("address", "bucket"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
    ],
)
def test_ipv6_addresses_share_their_64(address: str, bucket: str) -> None:
    assert address_key(address) == bucket


def test_non_ip_addresses_are_hashed_into_a_safe_key() -> None:
    key = address_key("evil#host/../" + "x" * 3000)
    assert key.startswith("other:") and len(key) == len("other:") + 32
    assert address_key("testclient") == address_key("testclient") != key


def test_another_ipv6_host_of_the_same_64_is_limited_too(stores: Stores, clock: list[int]) -> None:
    limiter = _limiter(stores, per_address=1, per_username=0, window=600)
    assert _admit(limiter, "alice", "2001:db8:1:2::1") is None
    assert _admit(limiter, "bob", "2001:db8:1:2::99") is not None
    assert _admit(limiter, "bob", "2001:db8:1:3::1") is None


def test_concurrent_starts_cannot_both_take_the_last_slot(stores: Stores, clock: list[int]) -> None:
    """GIVEN 5 starts per address, taken by 8 threads racing through separate limiters
    (as separate processes would) WHEN they all start at once THEN exactly 5 pass."""
    limiter_of = [_limiter(stores, per_address=5, per_username=0, window=600) for _ in range(8)]
    barrier = threading.Barrier(8)
    outcomes: list[bool] = []

    def one(limiter: StartLimiter, name: str) -> None:
        loop = asyncio.new_event_loop()
        barrier.wait()
        try:
            loop.run_until_complete(limiter.admit(name, "198.51.100.50"))
            outcomes.append(True)
        except RateLimited:
            outcomes.append(False)
        finally:
            loop.close()

    threads = [
        threading.Thread(target=one, args=(lim, f"user{i}")) for i, lim in enumerate(limiter_of)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 8 and outcomes.count(True) == 5


def test_the_counter_expires_with_its_window(stores: Stores) -> None:
    """The stored item carries a TTL one window after its newest start (DynamoDB TTL and
    the embedded sweep remove it), and does not collide with QR flow keys."""
    limiter = _limiter(stores, per_address=3, per_username=3, window=600)
    asyncio.run(limiter.admit("alice", "198.51.100.7"))
    item = stores.qr.get("qrlimit#addr#198.51.100.7", "window")
    assert item is not None and item["expires_at"] == max(item["starts"]) + 600
    assert stores.qr.get("qrlimit#user#alice", "window") is not None


def test_the_limits_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN the QR_START_LIMIT_* and TRUSTED_PROXIES variables THEN Settings carries them;
    unset they are 10, 5, 600 and none; a negative or non-number value is refused."""
    for name in ("QR_START_LIMIT_PER_ADDRESS", "QR_START_LIMIT_PER_USERNAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("QR_START_LIMIT_WINDOW", raising=False)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    default = Settings.from_env()
    assert (
        default.qr_start_limit_per_address,
        default.qr_start_limit_per_username,
        default.qr_start_limit_window,
        default.trusted_proxies,
    ) == (10, 5, 600, None)
    monkeypatch.setenv("QR_START_LIMIT_PER_ADDRESS", "0")
    monkeypatch.setenv("QR_START_LIMIT_PER_USERNAME", "3")
    monkeypatch.setenv("QR_START_LIMIT_WINDOW", "60")
    monkeypatch.setenv("TRUSTED_PROXIES", "127.0.0.1, ::1")
    custom = Settings.from_env()
    assert custom.qr_start_limit_per_address == 0 and custom.qr_start_limit_per_username == 3
    assert custom.qr_start_limit_window == 60 and custom.trusted_proxies == "127.0.0.1, ::1"
    for bad in ("-1", "ten", "1.5"):
        monkeypatch.setenv("QR_START_LIMIT_PER_USERNAME", bad)
        with pytest.raises(ValueError, match="QR_START_LIMIT_PER_USERNAME"):
            Settings.from_env()


class _RacingTable:
    """The qr table, except that right after a start reads the username's counter, other
    starts fill that username's window (as another process winning the race would)."""

    def __init__(self, real: ItemTable, pk: str, race: Callable[[], None]) -> None:
        self._real, self._pk, self._race = real, pk, race

    def get(self, pk: str, sk: str) -> Any:
        item = self._real.get(pk, sk)
        if pk == self._pk and self._race is not None:
            race, self._race = self._race, None  # type: ignore[assignment]
            race()
        return item

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def test_a_start_that_loses_the_race_for_the_username_gives_the_address_slot_back(
    stores: Stores, clock: list[int]
) -> None:
    """GIVEN 2 starts per address and 1 per username, and a start for alice that saw her
    slot free WHEN another start takes that slot before it writes THEN it is refused
    naming alice, and its address still has both of its starts."""
    limits = StartLimits(per_address=2, per_username=1, window=600)
    rival = StartLimiter(stores.qr, limits)

    def rival_start() -> None:  # in a thread: as another process, outside our event loop
        thread = threading.Thread(target=_admit, args=(rival, "alice", "198.51.100.99"))
        thread.start()
        thread.join(timeout=30)

    table = _RacingTable(stores.qr, "qrlimit#user#alice", rival_start)
    racing = StartLimiter(cast(ItemTable, table), limits)
    refused = _admit(racing, "alice", "198.51.100.1")
    assert refused is not None and "'alice'" in refused.detail and refused.retry_after == 600
    plain = StartLimiter(stores.qr, limits)
    assert _admit(plain, "bob", "198.51.100.1") is None
    assert _admit(plain, "carol", "198.51.100.1") is None
    assert _admit(plain, "dave", "198.51.100.1") is not None


def test_a_refused_start_writes_nothing(stores: Stores, clock: list[int]) -> None:
    """GIVEN alice used her 1 start WHEN she is started again from a fresh address
    THEN the refusal leaves both counters exactly as they were (no address slot used)."""
    limiter = _limiter(stores, per_address=5, per_username=1, window=600)
    assert _admit(limiter, "alice", "198.51.100.1") is None
    before = stores.qr.get("qrlimit#user#alice", "window")
    assert _admit(limiter, "alice", "198.51.100.2") is not None
    assert stores.qr.get("qrlimit#user#alice", "window") == before
    assert stores.qr.get("qrlimit#addr#198.51.100.2", "window") is None
