"""wipe_account_data on both adapter sets: everything of one username, nothing of any
other (a username that starts with the same letters included)."""

from __future__ import annotations

import json
import sqlite3
import time

from tgscraper.accounts.wipe import wipe_account_data
from tgscraper.auth.store import QrState, QrStore
from tgscraper.history.record import MessageRecord
from tgscraper.history.store import MessageCache, sk_ceiling, sk_floor
from tgscraper.media.index import MediaIndex, new_entry
from tgscraper.storage.factory import Stores
from tgscraper.storage.sessions import SessionRecord
from tgscraper.storage.sqlite_table import SqliteItemTable
from tgscraper.storage.text_search import TextQuery, text_search_for

DIALOG = -1001234
T0 = 1_700_000_000


def _fill(stores: Stores, username: str, word: str) -> None:
    cache = MessageCache(stores.messages, username, DIALOG)
    body = {"message_id": 1, "message": f"the {word} plan", "sender_id": 7, "media": None}
    cache.put_records([MessageRecord(1, T0, json.dumps(body), None, "{}")])
    cache.add_coverage(T0 - 10, T0 + 10)
    stores.messages.put_many(
        [
            {"pk": f"chg#{username}#{DIALOG}", "sk": "0", "v": []},
            {"pk": f"sync#{username}#{DIALOG}", "sk": "state", "pts": 3},
            {"pk": f"dlg#{username}", "sk": "head", "version": 1},
            {"pk": f"dlg#{username}", "sk": "v#1#0000", "data": "x"},
        ]
    )
    entry = new_entry(username, DIALOG, 1, type="MessageMediaPhoto", filename="a", size=1, mime="")
    MediaIndex(stores.media).put_many([entry])
    stores.media.put({"pk": entry.uuid, "sk": "download", "holder": "h", "expires_at": T0})
    writer = stores.blobs.open_writer(entry.object_key)
    writer.write(b"1")
    writer.commit()
    stores.leases.put({"pk": username, "sk": "lease", "holder": "h"})
    state = QrState(
        token=("t" + username).ljust(32, "x")[:32],
        username=username,
        force=False,
        status="pending",
        deadline=int(time.time()) + 60,
        dc_id=2,
        server_address="1.2.3.4",
        port=443,
        auth_key=b"k" * 256,
    )
    qr = QrStore(stores.qr)
    qr.create(state)
    assert qr.try_lock(state.token)
    stores.sessions.save(username, SessionRecord(2, "1.2.3.4", 443, b"s" * 256))


def _keys(stores: Stores) -> set[tuple[str, str, str]]:
    tables = ("messages", "media", "leases", "qr")
    return {(t, pk, sk) for t in tables for pk, sk in getattr(stores, t).scan_keys()}


def test_wipe_takes_every_item_of_the_username_and_nothing_else(stores: Stores) -> None:
    """GIVEN "alice" and "alice2" with messages, coverage, change log, sync state,
    dialog cache, a media entry and its download lease, a file, an account lease and a
    pending QR login each
    WHEN alice's data is wiped
    THEN none of her keys or files remain, alice2's are exactly as before, the sessions
    are left to the caller, and a second wipe deletes nothing."""
    _fill(stores, "alice2", "other")
    untouched = _keys(stores)
    _fill(stores, "alice", "secret")

    report = wipe_account_data(stores, "alice")

    assert _keys(stores) == untouched
    assert report.messages == 6 and report.media == 1 and report.blobs == 1
    assert report.leases == 1 and report.qr == 1
    assert stores.blobs.delete_prefix("alice/") == 0
    assert (
        stores.blobs.size(
            new_entry("alice2", DIALOG, 1, type="", filename="", size=0, mime="").object_key
        )
        == 1
    )
    assert stores.sessions.load("alice") is not None  # the caller's decision
    again = wipe_account_data(stores, "alice")
    assert (again.messages, again.media, again.blobs, again.qr) == (0, 0, 0, 0)


def test_wiped_messages_leave_the_full_text_index(stores: Stores) -> None:
    """GIVEN alice's cached message was searched (on SQLite the FTS5 index is built)
    WHEN her data is wiped THEN a search finds nothing, and on SQLite the index holds no
    row and no text of hers."""
    _fill(stores, "alice", "zanzibar")
    finder = text_search_for(stores)
    query = TextQuery(
        pk_glob=f"msg#alice#{DIALOG}", q="zanzibar", sk_from=sk_floor(0), sk_to=sk_ceiling(T0 + 99)
    )
    assert len(finder.search(query)) == 1

    wipe_account_data(stores, "alice")

    assert finder.search(query) == []
    if isinstance(stores.messages, SqliteItemTable):
        conn = sqlite3.connect(stores.messages.database.path)
        t = stores.messages.name
        assert conn.execute(f"SELECT count(*) FROM {t}_text_keys").fetchone() == (0,)
        assert conn.execute(f"SELECT count(*) FROM {t}_text_content").fetchone() == (0,)
        rows = conn.execute(f"SELECT * FROM {t}_text WHERE {t}_text MATCH 'zanzibar'").fetchall()
        assert rows == []


def test_a_wipe_from_inside_a_login_can_spare_the_login_flows(stores: Stores) -> None:
    """GIVEN alice's cached data and her login flow WHEN her data is wiped with
    qr_flows=False (a re-login under another Telegram account does this from its own
    flow) THEN the cache is gone and the flow's state is still there."""
    _fill(stores, "alice", "secret")

    report = wipe_account_data(stores, "alice", qr_flows=False)

    assert report.qr == 0 and report.messages == 6
    assert [key for key in stores.qr.scan_keys() if key[1] == "state"] != []
    assert list(stores.messages.scan_keys("msg#alice#")) == []


def test_a_wipe_out_of_time_says_so_and_the_next_one_finishes(stores: Stores) -> None:
    """GIVEN a cache larger than one batch WHEN wiped with a deadline already passed
    THEN it stops after a batch and reports complete=False; wiped again without one,
    nothing of alice is left and it reports complete."""
    _fill(stores, "alice", "secret")
    stores.messages.put_many({"pk": f"msg#alice#{i % 3}", "sk": f"{i:05d}"} for i in range(1_200))

    first = wipe_account_data(stores, "alice", deadline=time.monotonic() - 1)

    assert first.complete is False
    assert list(stores.messages.scan_keys("msg#alice#")) != []
    second = wipe_account_data(stores, "alice")
    assert second.complete is True
    assert [k for k in _keys(stores) if "alice" in k[1] or k[0] == "messages"] == []
