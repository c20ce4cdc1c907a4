"""The QR state store on both adapter sets (SQLite and DynamoDB under moto)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tgscraper.auth.store import (
    RETAIN_SECONDS,
    TOKEN_PATTERN,
    QrState,
    QrStore,
    is_valid_token,
    new_token,
)
from tgscraper.storage.factory import Stores
from tgscraper.storage.ports import ConditionFailed, ItemTable, now

KEY = bytes(range(256))


def _state(**changes: Any) -> QrState:
    base = QrState(
        token=new_token(),
        username="alice",
        force=True,
        status="pending",
        deadline=now() + 300,
        dc_id=2,
        server_address="149.154.167.51",
        port=443,
        auth_key=KEY,
        qr_url="tg://login?token=abc",
        qr_expires=now() + 30,
    )
    return base.evolve(**changes)


def test_tokens_are_random_and_match_the_pattern() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200
    assert all(re.fullmatch(TOKEN_PATTERN, t) for t in tokens)
    assert not is_valid_token("../../etc") and not is_valid_token("a" * 31)


def test_state_round_trips_with_its_key(stores: Stores) -> None:
    qr = QrStore(stores.qr)
    state = _state()
    qr.create(state)
    assert qr.get(state.token) == state
    with pytest.raises(ConditionFailed):
        qr.create(state)  # one flow per token


def test_updates_are_compare_and_set(stores: Stores) -> None:
    qr = QrStore(stores.qr)
    state = _state()
    qr.create(state)
    moved = qr.update(state.evolve(status="password_required"))
    assert moved.version == 1 and qr.get(state.token) == moved
    with pytest.raises(ConditionFailed):
        qr.update(state.finished("success"))  # stale: written from version 0
    qr.delete(state.token)
    with pytest.raises(ConditionFailed):
        qr.update(moved.finished("success"))  # cancelled meanwhile
    assert qr.get(state.token) is None


def test_finished_flows_keep_no_key_and_stay_readable_past_the_deadline(stores: Stores) -> None:
    qr = QrStore(stores.qr)
    state = _state(deadline=now() - 10)
    qr.create(state)
    done = qr.update(state.finished("expired"))
    assert done.auth_key is None and done.qr_url is None
    assert qr.get(state.token) == done  # TTL is deadline + RETAIN_SECONDS
    item = stores.qr.get(f"qr#{state.token}", "state")
    assert item is not None and item["expires_at"] == state.deadline + RETAIN_SECONDS


def test_lock_is_exclusive_until_released(stores: Stores) -> None:
    qr = QrStore(stores.qr)
    token = new_token()
    holder = qr.try_lock(token)
    assert holder is not None
    assert qr.try_lock(token) is None
    qr.unlock(token, "someone-else")
    assert qr.try_lock(token) is None
    qr.unlock(token, holder)
    assert qr.try_lock(token) is not None


class _Untouchable(ItemTable):
    """Any storage access fails the test."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("get", "put", "delete", "query", "put_many", "delete_many", "scan_keys"):
            raise AssertionError(f"storage accessed: {name}")
        return super().__getattribute__(name)

    get = put = delete = query = put_many = delete_many = scan_keys = None  # type: ignore[assignment]


def test_malformed_tokens_never_reach_the_table() -> None:
    qr = QrStore(_Untouchable())
    for token in ("", "..", "../x", "a" * 33, "qr#x/../../y", "a" * 31 + "/"):
        assert qr.get(token) is None
