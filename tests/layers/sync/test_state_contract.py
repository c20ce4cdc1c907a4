"""Sync state and change log on both adapter sets (SQLite and DynamoDB under moto):
what one process stores, another (a cold Lambda) reads back the same."""

from __future__ import annotations

from tgscraper.history.change_log import MAX_VERSIONS, ChangeLog
from tgscraper.history.store import MessageCache
from tgscraper.storage.factory import Stores
from tgscraper.sync.state import Rescan, SyncState, SyncStateStore

CHANNEL, CHAT = -1001234567890, 4242


def test_state_round_trips_per_dialog_and_account(stores: Stores) -> None:
    alice = SyncStateStore(stores.messages, "alice")
    assert alice.get(CHANNEL) is None
    chan = SyncState(
        "channel", pts=1234, since=1_700_000_000, synced_at=1_700_000_100, telegram_count=450
    )
    chat = SyncState("account", pts=99, qts=3, date=1_700_000_050, counts={"new": 2})
    alice.put(CHANNEL, chan)
    alice.put(CHAT, chat)
    assert alice.get(CHANNEL) == chan
    assert alice.get(CHAT) == chat
    # Another account's states are separate, and a newer state replaces the old one.
    assert SyncStateStore(stores.messages, "bob_2").get(CHANNEL) is None
    pending = chan.with_(pts=1300, rescan=Rescan(pos=1_600_000_000, to=1_690_000_000, after_id=7))
    alice.put(CHANNEL, pending)
    assert alice.get(CHANNEL) == pending
    alice.delete(CHANNEL)
    assert alice.get(CHANNEL) is None and alice.get(CHAT) == chat


def test_state_lives_beside_the_cache_without_disturbing_it(stores: Stores) -> None:
    cache = MessageCache(stores.messages, "alice", CHANNEL)
    cache.add_coverage(10, 20)
    SyncStateStore(stores.messages, "alice").put(CHANNEL, SyncState("channel", pts=5))
    ChangeLog(stores.messages, "alice", CHANNEL).record_delete("x#1", "{}", 30)
    assert cache.coverage() == [(10, 20)]
    assert list(cache.scan(0, 2**40)) == []


def test_change_log_keeps_versions_in_order_and_tombstones(stores: Stores) -> None:
    log = ChangeLog(stores.messages, "alice", CHANNEL)
    sk_a, sk_b, sk_c = "2024-01-01T00:00:00#000000000001", "2024-01-02T00:00:00#000000000002", "z"
    log.record_edit(sk_a, '{"message":"v1"}', 100)
    log.record_edit(sk_a, '{"message":"v2"}', 200)
    log.record_delete(sk_b, '{"message":"gone"}', 300)
    changes = list(log.scan("2024-01-01T", "2024-01-03T"))
    assert [(c.sk, c.versions, c.edit_date, c.deleted_at, c.last_json) for c in changes] == [
        (sk_a, ['{"message":"v1"}', '{"message":"v2"}'], 200, None, None),
        (sk_b, [], None, 300, '{"message":"gone"}'),
    ]
    for i in range(MAX_VERSIONS + 5):
        log.record_edit(sk_c, f'{{"n":{i}}}', i)
    (only,) = log.scan("z", "z")
    assert len(only.versions) == MAX_VERSIONS and only.versions[-1] == f'{{"n":{MAX_VERSIONS + 4}}}'
