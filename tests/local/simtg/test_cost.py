"""The cost model through a real TelegramClient: flood buckets per account and method,
per-connection bandwidth, latency, and the free default."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from telethon import TelegramClient, errors
from telethon.tl import functions, types

from local.simtg import CostModel, FloodLimit, ManualClock, MediaRec, SimulatedTelegram, World
from local.simtg.cost import FloodMeter, Pipe, method_name
from local.simtg.errors import RpcFault

KiB = 1024
MiB = 1024 * KiB


def _history(peer: Any) -> functions.messages.GetHistoryRequest:
    return functions.messages.GetHistoryRequest(peer, 0, None, 0, 5, 0, 0, 0)


async def _burst(client: TelegramClient, peer_id: int, n: int) -> list[Any]:
    """``n`` history requests in flight at once, as a naive parallel client sends them."""
    peer = await client.get_input_entity(peer_id)
    return await asyncio.gather(*(client(_history(peer)) for _ in range(n)), return_exceptions=True)


def _floods(results: list[Any]) -> list[int]:
    return [r.seconds for r in results if isinstance(r, errors.FloodWaitError)]


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def flood_client(client: TelegramClient) -> TelegramClient:
    client.flood_sleep_threshold = 0  # surface every FLOOD_WAIT instead of sleeping
    return client


@pytest.fixture
def peer(world: World) -> int:
    return world.dialogs[0].peer_id


# -- the model itself ---------------------------------------------------------------------


def test_default_cost_model_is_free() -> None:
    """GIVEN a sim built without a cost model THEN nothing costs anything."""
    sim = SimulatedTelegram(World.generate(1, users=3, messages=(1, 2)))
    assert sim.cost == CostModel() and sim.cost.free
    assert sim.latency == 0.0 and sim.cost.bandwidth is None
    assert sim.cost.limit_for("messages.getHistory") is None


def test_telegram_like_preset_has_all_three_rules() -> None:
    """GIVEN the benchmark preset THEN it has latency, a bandwidth cap and flood limits."""
    preset = CostModel.telegram_like()
    assert preset.latency == pytest.approx(0.020)
    assert preset.bandwidth == 8 * MiB
    assert preset.limit_for("upload.getFile") == FloodLimit(100, 100)
    assert preset.limit_for("messages.GetHistoryRequest") == FloodLimit(100, 100)
    assert preset.limit_for("help.getConfig") == preset.flood_default


def test_method_names_are_tl_names() -> None:
    """Flood limits are keyed by TL method names, as Telegram documents its methods."""
    assert method_name(functions.messages.GetHistoryRequest(None, 0, None, 0, 1, 0, 0, 0)) == (
        "messages.getHistory"
    )
    assert method_name(functions.PingRequest(1)) == "ping"


def test_bucket_burst_then_flood_wait_rounded_up_and_refused_requests_take_nothing() -> None:
    """GIVEN 0.5 requests/s with a burst of 3 WHEN a 4th comes at once THEN FLOOD_WAIT_2;
    refusals do not push the refill further away."""
    clock = ManualClock()
    cost = CostModel(flood_limits={"messages.getHistory": FloodLimit(0.5, 3)}, clock=clock)
    meter = FloodMeter()
    for _ in range(3):
        meter.charge(cost, "me", "messages.getHistory")
    for _ in range(5):  # hammering while refused
        with pytest.raises(RpcFault, match="FLOOD_WAIT_2"):
            meter.charge(cost, "me", "messages.getHistory")
    clock.advance(1.5)
    with pytest.raises(RpcFault, match="FLOOD_WAIT_1"):  # 0.5 s left, rounded up
        meter.charge(cost, "me", "messages.getHistory")
    clock.advance(0.5)
    meter.charge(cost, "me", "messages.getHistory")  # exactly one token came back
    with pytest.raises(RpcFault, match="FLOOD_WAIT_2"):
        meter.charge(cost, "me", "messages.getHistory")
    meter.charge(cost, "someone else", "messages.getHistory")  # per account
    meter.charge(cost, "me", "messages.getDialogs")  # per method; no default: unlimited


def test_pipe_serializes_one_connection_and_not_two() -> None:
    """GIVEN 1 MiB/s per connection WHEN 4 answers of 1 MiB are queued on one connection
    THEN the last leaves after 4 s; split over two connections, after 2 s."""
    cost = CostModel(bandwidth=MiB, clock=ManualClock())
    one = Pipe()
    assert [one.reserve(cost, MiB) for _ in range(4)] == [1.0, 2.0, 3.0, 4.0]
    a, b = Pipe(), Pipe()
    assert max(p.reserve(cost, MiB) for p in (a, b, a, b)) == 2.0
    assert Pipe().reserve(CostModel(), 10 * MiB) == 0.0  # no cap: instant


# -- flood limits through a real client ---------------------------------------------------


async def test_naive_parallel_burst_is_flood_waited(
    flood_client: TelegramClient, sim: SimulatedTelegram, clock: ManualClock, peer: int
) -> None:
    """GIVEN getHistory limited to 0.5/s with a burst of 4 WHEN a client fires 10 at once
    THEN 4 are answered and 6 get FLOOD_WAIT_2; after 2 s one more gets through."""
    sim.cost = CostModel(flood_limits={"messages.getHistory": FloodLimit(0.5, 4)}, clock=clock)
    results = await _burst(flood_client, peer, 10)
    assert sum(not isinstance(r, BaseException) for r in results) == 4
    assert _floods(results) == [2] * 6
    clock.advance(2)
    results = await _burst(flood_client, peer, 3)
    assert len(_floods(results)) == 2


async def test_client_at_the_rate_is_never_flood_waited(
    flood_client: TelegramClient, sim: SimulatedTelegram, clock: ManualClock, peer: int
) -> None:
    """GIVEN 5 requests/s and no burst to spare WHEN a client sends one every 0.2 s THEN
    none of 40 is refused."""
    sim.cost = CostModel(flood_limits={"messages.getHistory": FloodLimit(5, 1)}, clock=clock)
    for _ in range(40):
        clock.advance(0.2)
        assert _floods(await _burst(flood_client, peer, 1)) == []


async def test_flood_budget_is_per_account(
    flood_client: TelegramClient,
    sim: SimulatedTelegram,
    world: World,
    clock: ManualClock,
    peer: int,
) -> None:
    """GIVEN one account exhausted its budget THEN another account on the same sim is not,
    while a second connection of the same account shares the exhausted budget."""
    sim.cost = CostModel(flood_limits={"messages.getHistory": FloodLimit(1, 2)}, clock=clock)
    assert len(_floods(await _burst(flood_client, peer, 4))) == 2
    other_user = next(u.id for u in world.users.values() if not u.bot and u.id != world.me.id)
    for user_id, refused in ((other_user, 0), (world.me.id, 2)):
        other = sim.client(sim.authorized_session(user_id=user_id), flood_sleep_threshold=0)
        await other.connect()
        try:
            await other.get_dialogs()
            assert len(_floods(await _burst(other, peer, 2))) == refused
        finally:
            await other.disconnect()


async def test_default_limit_covers_unlisted_methods(
    flood_client: TelegramClient, sim: SimulatedTelegram, clock: ManualClock
) -> None:
    """GIVEN a default of 1/s and a generous limit for one method WHEN both are called
    repeatedly THEN only the unlisted method is flood-waited."""
    sim.cost = CostModel(
        flood_limits={"users.getFullUser": FloodLimit(100, 100)},
        flood_default=FloodLimit(1, 1),
        clock=clock,
    )
    await flood_client.get_me()
    with pytest.raises(errors.FloodWaitError) as refused:
        await flood_client.get_me()  # users.getUsers: the default
    assert refused.value.seconds == 1
    for _ in range(3):
        await flood_client(functions.users.GetFullUserRequest(types.InputUserSelf()))


async def test_injected_flood_rules_still_fire_under_a_cost_model(
    flood_client: TelegramClient, sim: SimulatedTelegram, clock: ManualClock, peer: int
) -> None:
    """GIVEN the preset and an injected flood rule THEN the rule fires as before;
    controls.clear() goes back to the free model."""
    sim.cost = CostModel.telegram_like(clock=clock)
    sim.flood("GetHistoryRequest", 7, after=1)
    assert _floods(await _burst(flood_client, peer, 1)) == []
    assert _floods(await _burst(flood_client, peer, 1)) == [7]
    sim.controls.clear()
    assert sim.cost == CostModel()


# -- bandwidth and latency through a real client ------------------------------------------


async def _big_document(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> tuple[MediaRec, types.InputDocumentFileLocation]:
    chan = next(d for d in world.dialogs if d.kind == "channel")
    media = world.new_media("document", 2 * MiB + 5000, filename="big.bin")
    rec = sim.add_message(chan.peer_id, "big", media=media)
    doc = (await client.get_messages(chan.peer_id, ids=rec.id)).media.document
    return media, types.InputDocumentFileLocation(doc.id, doc.access_hash, doc.file_reference, "")


async def _parts(client: TelegramClient, loc: Any, offsets: list[int], size: int) -> list[bytes]:
    answers = await asyncio.gather(
        *(client(functions.upload.GetFileRequest(loc, o, size)) for o in offsets)
    )
    return [a.bytes for a in answers]


async def test_parts_in_flight_on_one_connection_are_no_faster_but_two_connections_are(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    """GIVEN 512 KiB/s per connection WHEN four 128 KiB parts are in flight on one
    connection THEN they take at least 1 s; two connections with two parts each are
    clearly faster (about 0.5 s); the bytes are right either way."""
    media, loc = await _big_document(client, sim, world)
    second = sim.client(sim.authorized_session())
    await second.connect()
    part, offsets = 128 * KiB, [i * 128 * KiB for i in range(4)]
    try:
        sim.cost = CostModel(bandwidth=512 * KiB)
        start = time.monotonic()
        alone = await _parts(client, loc, offsets, part)
        one = time.monotonic() - start
        start = time.monotonic()
        split = await asyncio.gather(
            _parts(client, loc, offsets[:2], part), _parts(second, loc, offsets[2:], part)
        )
        two = time.monotonic() - start
    finally:
        await second.disconnect()
    assert b"".join(alone) == b"".join(split[0] + split[1]) == world.media_bytes(media, 0, 4 * part)
    assert one >= 0.95
    assert two < 0.8 * one


async def test_latency_overlaps_for_requests_in_flight(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    """GIVEN 0.2 s latency and no bandwidth cap WHEN 4 requests are in flight THEN they
    are answered together, in far less than 4 round trips."""
    sim.cost = CostModel(latency=0.2)
    start = time.monotonic()
    await asyncio.gather(*(client.get_me() for _ in range(4)))
    assert 0.2 <= time.monotonic() - start < 0.6


async def test_a_file_on_another_dc_downloads_on_its_own_connection(
    client: TelegramClient, sim: SimulatedTelegram, world: World
) -> None:
    """GIVEN 512 KiB/s per connection and two 512 KiB files, one on the account's DC and
    one on DC 4 WHEN both are downloaded at once THEN Telethon's exported sender for DC 4
    is a connection of its own: about 1 s in all, not the 2 s of one shared pipe."""
    chan = next(d for d in world.dialogs if d.kind == "channel")
    messages = []
    for dc in (world.me.dc_id, 4):
        media = world.new_media("document", 512 * KiB, filename=f"dc{dc}.bin", dc_id=dc)
        rec = sim.add_message(chan.peer_id, f"on dc {dc}", media=media)
        messages.append((media, await client.get_messages(chan.peer_id, ids=rec.id)))
    await client.download_media(messages[1][1], bytes)  # the DC 4 authorization, once
    sim.cost = CostModel(bandwidth=512 * KiB)
    start = time.monotonic()
    data = await asyncio.gather(*(client.download_media(m, bytes) for _, m in messages))
    elapsed = time.monotonic() - start
    assert data == [world.media_bytes(media) for media, _ in messages]
    assert 0.95 <= elapsed < 1.6
