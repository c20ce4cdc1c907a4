"""The adversarial rig: the whole local app (every router, demo mode) on the simulated
Telegram, over either adapter set behind recording / fault-injecting store wrappers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI

from local.app import create_local_app
from local.simtg import MessageRec, SimulatedTelegram, World
from tests.adversarial.instrument import Faults, instrument
from tests.support.history import ALICE, BOB, log_in, small_world
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.history.store import MessageCache, message_id_of
from tgscraper.media.index import MediaEntry
from tgscraper.storage.factory import Stores, build_aws_stores, build_embedded_stores
from tgscraper.storage.sessions import SessionRecord

BIG = "Big channel"


@dataclass
class Rig:
    settings: Settings
    raw: Stores
    """The real adapters (what is really stored)."""
    stores: Stores
    """The same stores behind the recording wrappers (what the app uses)."""
    faults: Faults
    sim: SimulatedTelegram
    world: World
    big: int
    """A 450-message channel over 2024 (several Telegram pages)."""
    aws: dict[str, Any]
    """The moto-backed boto3 clients the AWS adapters use ({} for embedded)."""
    logins: dict[str, SessionRecord | None] = field(default_factory=dict)
    """The stored logins at the start: no fault may lose or change them."""
    files: list[tuple[MediaEntry, MessageRec]] = field(default_factory=list)
    """Indexed media whose blobs must be absent or complete and exact."""

    def client(self, session: Any) -> Any:
        # As the real factory builds them (tgscraper.telegram.clients): no update loop.
        return self.sim.client(session, receive_updates=False)

    def app(self) -> FastAPI:
        container = Container(
            self.settings, stores=self.stores, client_factory=self.client, mode="demo"
        )
        return create_local_app(self.settings, container, simulator=self.sim)

    def session(self, username: str = ALICE) -> SessionRecord | None:
        return self.raw.sessions.load(username)

    def lease_held(self, username: str = ALICE) -> bool:
        return self.raw.leases.get(username, "lease") is not None


def make_world() -> World:
    world = small_world()
    world.add_dialog(
        "channel",
        450,
        title=BIG,
        created=datetime(2024, 1, 1, tzinfo=UTC),
        last_date=datetime(2024, 12, 31, tzinfo=UTC),
    )
    return world


def _aws_stores(settings: Settings) -> tuple[Stores, dict[str, Any]]:
    import boto3

    # One client per service, kept here so a test can hook faults into it.
    clients = {"dynamodb": boto3.client("dynamodb"), "s3": boto3.client("s3")}

    def factory(service: str) -> Callable[[], Any]:
        return lambda: clients[service]

    return build_aws_stores(settings, client_factory=factory), clients


def new_rig(settings: Settings) -> Rig:
    """A fresh world and sim, alice and bob logged in (AWS: call inside mock_aws)."""
    world = make_world()
    sim = SimulatedTelegram(world)
    if settings.storage_backend == "aws":
        raw, clients = _aws_stores(settings)
    else:
        raw, clients = build_embedded_stores(settings), {}
    for user in (ALICE, BOB):
        log_in(raw, sim, user)
    stores, faults = instrument(raw)
    big = next(d.peer_id for d in world.dialogs if d.title == BIG)
    rig = Rig(settings, raw, stores, faults, sim, world, big, clients)
    rig.logins = {user: rig.session(user) for user in (ALICE, BOB)}
    return rig


def cached_ids(rig: Rig, dialog_id: int, username: str = ALICE) -> list[int]:
    """Every cached message id of the dialog, in cache (date, id) order."""
    cache = MessageCache(rig.raw.messages, username, dialog_id)
    return [message_id_of(m.sk) for m in cache.scan(0, 2**40)]


def assert_history_consistent(rig: Rig, dialog_id: int, where: str = "") -> None:
    """Each cached message once and real; inside the coverage exactly Telegram's."""
    cache = MessageCache(rig.raw.messages, ALICE, dialog_id)
    world = [(int(m.date.timestamp()), m.id) for m in rig.world.messages(dialog_id)]
    ids = cached_ids(rig, dialog_id)
    assert len(ids) == len(set(ids)), f"{where}: a message is cached twice"
    assert set(ids) <= {i for _, i in world}, f"{where}: a cached message does not exist"
    for lo, hi in cache.coverage():
        got = [message_id_of(m.sk) for m in cache.scan(lo, hi)]
        want = [i for date, i in world if lo <= date <= hi]
        assert got == want, f"{where}: coverage [{lo}, {hi}] without all of its messages"


def assert_store_consistent(rig: Rig, where: str = "") -> None:
    """What every fault must leave: logins kept, leases released, the history cache
    exact where covered, media blobs absent or complete (no partial file anywhere)."""
    for user, record in rig.logins.items():
        assert rig.session(user) == record, f"{where}: the login of {user} changed"
        assert not rig.lease_held(user), f"{where}: the account lease of {user} is held"
    assert_history_consistent(rig, rig.big, where)
    for entry, message in rig.files:
        size = rig.raw.blobs.size(entry.object_key)
        if size is not None:
            assert message.media is not None
            data = b"".join(rig.raw.blobs.read(entry.object_key))
            assert data == rig.world.media_bytes(message.media), f"{where}: a partial file"
    if rig.settings.storage_backend == "embedded":
        leftovers = list((rig.settings.data_dir / "media").rglob("*.part"))
        assert not leftovers, f"{where}: upload leftovers {leftovers}"


def assert_error(response: Any, *statuses: int) -> str:
    """A clean error: one of `statuses` (any 4xx when none given), exactly {"detail": str}."""
    if statuses:
        assert response.status_code in statuses, (response.status_code, response.text[:300])
    else:
        assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"detail"}, body
    detail = body["detail"]
    assert isinstance(detail, str) and detail, body
    assert "Traceback" not in detail and 'File "' not in detail
    return detail
