"""The SessionStore contract against DynamoDB items and Telethon `.session` files."""

from __future__ import annotations

from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import EntityRow, SessionRecord

KEY = bytes(range(256))


def test_absent_session(stores: Stores) -> None:
    assert stores.sessions.load("nobody") is None
    assert not stores.sessions.exists("nobody")
    assert stores.sessions.entities("nobody") == []


def test_save_load_and_entities(stores: Stores) -> None:
    record = SessionRecord(dc_id=2, server_address="149.154.167.51", port=443, auth_key=KEY)
    stores.sessions.save("alice", record)
    assert stores.sessions.load("alice") == record
    assert stores.sessions.exists("alice")
    rows = [
        EntityRow(-1001234567890, 987654321987, "chan", None, "Channel"),
        EntityRow(42, -5, None, "123", "Bob"),
    ]
    stores.sessions.put_entities("alice", rows)
    stores.sessions.put_entities("alice", [EntityRow(42, 7, "bob", "123", "Bob B")])
    got = {r.id: r for r in stores.sessions.entities("alice")}
    assert got[-1001234567890].hash == 987654321987 and got[-1001234567890].username == "chan"
    assert got[42].hash == 7 and got[42].username == "bob"
    assert stores.sessions.entities("bob") == []


def test_replace_drops_old_entities_and_delete_removes_all(stores: Stores) -> None:
    stores.sessions.save("alice", SessionRecord(2, "a", 443, KEY))
    stores.sessions.put_entities("alice", [EntityRow(1, 1)])
    stores.sessions.replace("alice", SessionRecord(4, "b", 443, KEY[::-1]))
    assert stores.sessions.load("alice") == SessionRecord(4, "b", 443, KEY[::-1])
    assert stores.sessions.entities("alice") == []
    stores.sessions.delete("alice")
    assert stores.sessions.load("alice") is None
