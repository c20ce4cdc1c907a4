"""The Telethon-file session store under damage, races and crashes (issue 14.8, 14.9)."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from tgscraper.storage.file_sessions import TelethonFileSessionStore
from tgscraper.storage.sessions import SessionRecord, SessionUnreadable

KEY = bytes(range(256))


@pytest.fixture
def store(tmp_path: Path) -> TelethonFileSessionStore:
    return TelethonFileSessionStore(tmp_path / "sessions")


@pytest.mark.parametrize(
    "content", [b"", b"garbage" * 100, b"\0" * 4096], ids=["empty", "garbage", "zeros"]
)
def test_a_damaged_file_is_unreadable_not_a_crash(
    store: TelethonFileSessionStore, content: bytes
) -> None:
    store.save("alice", SessionRecord(2, "a", 443, KEY))
    store.path("alice").write_bytes(content)
    with pytest.raises(SessionUnreadable, match="session unreadable, log in again"):
        store.load("alice")
    with pytest.raises(SessionUnreadable):
        store.exists("alice")
    assert not store.login_exists("alice")
    store.replace("alice", SessionRecord(4, "b", 443, KEY[::-1]))
    assert store.load("alice") == SessionRecord(4, "b", 443, KEY[::-1])


def test_reads_never_create_files(store: TelethonFileSessionStore) -> None:
    assert store.load("ghost") is None
    assert store.entities("ghost") == []
    assert not store.path("ghost").exists()


def test_replace_is_atomic_for_concurrent_readers(store: TelethonFileSessionStore) -> None:
    old, new = SessionRecord(2, "a", 443, KEY), SessionRecord(4, "b", 443, KEY[::-1])
    store.save("alice", old)
    seen: list[object] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                seen.append(store.load("alice"))
            except Exception as exc:
                seen.append(exc)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for reader in readers:
        reader.start()
    try:
        for i in range(30):
            store.replace("alice", new if i % 2 == 0 else old)
    finally:
        stop.set()
        for reader in readers:
            reader.join(timeout=30)
    assert seen and all(r in (old, new) for r in seen), {repr(r) for r in seen} - {old, new}


def test_files_are_private_and_stray_temps_are_removed(store: TelethonFileSessionStore) -> None:
    store.save("alice", SessionRecord(2, "a", 443, KEY))
    assert stat.S_IMODE(store.path("alice").stat().st_mode) == 0o600
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    stray = store.directory / ".alice.0123abcd.tmp.session"
    stray.write_bytes(b"half a swap")
    assert store.remove_stray_temps() == 1
    assert not stray.exists() and store.load("alice") is not None
