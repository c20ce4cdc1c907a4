"""The Lambda path of GET /history/{channel}/replies/{post}: events/history_replies.json
replayed through functions.history.app.handler on DynamoDB/S3 under moto. The buffered
response holds the whole comment thread (extended fields), the media are indexed."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from local.simtg import SimulatedTelegram, World
from local.simtg.rich import RichRec
from local.simtg.showcase import Showcase, add_showcase
from tests.support.history import ALICE, complete, container, log_in, messages_of, parse_sse
from tgscraper.config import Settings
from tgscraper.media.index import MediaIndex
from tgscraper.storage.factory import build_aws_stores

EVENT = Path(__file__).resolve().parents[3] / "events" / "history_replies.json"


def test_replies_event_streams_the_comment_thread(
    aws_settings: Settings, world: World, monkeypatch: Any
) -> None:
    from functions.history import app as module

    sc: Showcase = add_showcase(world)
    sim = SimulatedTelegram(world)
    stores = build_aws_stores(aws_settings)
    log_in(stores, sim, ALICE)
    monkeypatch.setattr(module.app.state, "container", container(aws_settings, stores, sim))
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tgscraper-history")
    post = next(r for r in world.messages(sc.channel) if r.extra and r.extra.discussion_id)
    copy = next(
        r.id
        for r in world.messages(sc.discussion)
        if r.extra and r.extra.saved_from == (sc.channel, post.id)
    )
    want = [
        r.id
        for r in world.messages(sc.discussion)
        if (r.extra or RichRec()).reply_peer is None
        and ((r.extra or RichRec()).reply_top or r.reply_to) == copy
    ]
    event: dict[str, Any] = json.loads(EVENT.read_text())
    path = f"/api/v3/history/{sc.channel}/replies/{post.id}"
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["pathParameters"] = {"channel_id": str(sc.channel), "post_id": str(post.id)}
    event["headers"]["x-telegram-username"] = ALICE
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        resp = module.handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    assert resp["statusCode"] == 200, resp["body"]
    got = messages_of(complete(parse_sse(resp["body"])))
    assert [m["message_id"] for m in got] == want
    assert all("reactions" in m for m in got)  # fields=extended in the sample
    index = MediaIndex(stores.media)
    uuids = [m["media"]["uuid"] for m in got if m["media"]]
    assert uuids and all(index.get(ALICE, u) is not None for u in uuids)
