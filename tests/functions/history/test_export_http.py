"""GET /api/v3/export/{dialog_id} (jsonl, csv, tdesktop) and `Accept: application/x-ndjson`
on /history, through HTTP on both adapter sets: each format parsed back and compared with
the simulated world's read model."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World
from local.simtg.models import MessageRec
from local.simtg.showcase import Showcase, add_showcase
from tests.support.exports import parse_csv, parse_ndjson, parse_tdesktop
from tests.support.history import ALICE, container, expected_ids, log_in, ts
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.storage.factory import Stores

H = {"X-Telegram-Username": ALICE}
EVER = 2**40
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def showcase(world: World) -> Showcase:
    return add_showcase(world)


def export(http: TestClient, peer: int, **params: Any) -> Any:
    return http.get(f"/api/v3/export/{peer}", headers=H, params=params)


def _utc(moment: datetime, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    return moment.astimezone(UTC).strftime(fmt)


def _sender(rec: MessageRec, peer: int) -> int:
    return rec.sender_id if rec.sender_id is not None else peer


def test_jsonl_is_every_message_once_then_an_end_record(
    http: TestClient, world: World, big: int
) -> None:
    resp = export(http, big, format="jsonl")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/x-ndjson"
    assert "attachment" in resp.headers["content-disposition"]
    messages, control = parse_ndjson(resp.text)
    want = world.messages(big)
    assert [m["message_id"] for m in messages] == [r.id for r in want]
    assert control == {"event": "end", "total": len(want), "last_id": want[-1].id}
    for m, rec in zip(messages, want, strict=True):
        assert m["date"] == _utc(rec.date)
        assert m["message"] == rec.text
        assert m["sender_id"] == _sender(rec, big)


def test_jsonl_takes_the_history_parameters(http: TestClient, world: World, big: int) -> None:
    params = {"start_date": "2024-03-01", "end_date": "2024-04-30", "fields": "extended"}
    messages, control = parse_ndjson(export(http, big, format="jsonl", **params).text)
    want = expected_ids(world, big, ts("2024-03-01"), ts("2024-04-30 23:59:59"))
    assert [m["message_id"] for m in messages] == want
    assert control["event"] == "end"
    assert all("entities" in m and "sender" in m for m in messages)  # fields=extended


def test_csv_parses_back_to_the_world_with_media_flattened_and_formulas_defused(
    http: TestClient, world: World, big: int
) -> None:
    resp = export(http, big, format="csv")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    rows, (name, payload) = parse_csv(resp.text)
    want = world.messages(big)
    assert (name, payload) == ("end", {"total": len(want), "last_id": want[-1].id})
    assert [int(r["message_id"]) for r in rows] == [m.id for m in want]
    for row, rec in zip(rows, want, strict=True):
        text = "'" + rec.text if rec.text.startswith(_FORMULA) else rec.text
        assert row["message"] == text
        assert row["date"] == _utc(rec.date)
        assert int(row["sender_id"]) == _sender(rec, big)
        assert row["reply_to"] == ("" if rec.reply_to is None else str(rec.reply_to))
        if rec.media is None:
            assert row["media_uuid"] == row["media_filename"] == row["media_size"] == ""
        else:
            assert row["media_type"] in ("MessageMediaPhoto", "MessageMediaDocument")
            assert (row["media_type"] == "MessageMediaPhoto") == (rec.media.kind == "photo")
            assert len(row["media_uuid"]) == 36 and row["media_filename"]
            assert int(row["media_size"]) > 0


def test_csv_keeps_commas_quotes_newlines_and_unicode(
    http: TestClient, world: World, showcase: Showcase
) -> None:
    rows, _ = parse_csv(export(http, showcase.discussion, format="csv", fields="extended").text)
    want = {m.id: m for m in world.messages(showcase.discussion)}
    assert {int(r["message_id"]) for r in rows} == set(want)
    for row in rows:
        assert row["message"] == want[int(row["message_id"])].text
    named = [r for r in rows if r["first_name"] == "Мария"]
    assert named and all(r["last_name"] == "Петров" for r in named)


def _part_type(kind: str) -> str:
    return {"url": "link", "text_url": "text_link", "strike": "strikethrough"}.get(kind, kind)


def _utf16_slice(text: str, offset: int, length: int) -> str:
    units = text.encode("utf-16-le")
    return units[offset * 2 : (offset + length) * 2].decode("utf-16-le")


def _peer_ref(marked: int) -> str:
    if marked > 0:
        return f"user{marked}"
    return f"channel{-marked - 10**12}" if marked < -(10**12) else f"chat{-marked}"


def _names(world: World) -> dict[int, str]:
    names = {d.peer_id: d.title for d in world.dialogs}
    for u in world.users.values():
        names[u.id] = " ".join(p for p in (u.first_name, u.last_name) if p)
    return names


@pytest.mark.parametrize("which", ["channel", "discussion", "forum"])
def test_tdesktop_document_has_telegram_desktops_structure_and_the_worlds_messages(
    http: TestClient, world: World, showcase: Showcase, which: str
) -> None:
    peer = getattr(showcase, which)
    resp = export(http, peer, format="tdesktop")
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/json"
    doc = parse_tdesktop(resp.text)
    dialog = next(d for d in world.dialogs if d.peer_id == peer)
    kind = "public_channel" if which == "channel" else "private_supergroup"
    assert (doc["name"], doc["type"], doc["id"]) == (dialog.title, kind, -peer - 10**12)
    want = world.messages(peer)
    assert [m["id"] for m in doc["messages"]] == [r.id for r in want]
    names = _names(world)
    for m, rec in zip(doc["messages"], want, strict=True):
        action = rec.extra.action if rec.extra is not None else None
        assert m["type"] == ("service" if action else "message")
        assert m["date"] == _utc(rec.date, "%Y-%m-%dT%H:%M:%S")
        assert m["date_unixtime"] == str(int(rec.date.timestamp()))
        who = "actor_id" if action else "from_id"
        assert m[who] == _peer_ref(_sender(rec, peer))
        joined = "".join(p["text"] for p in m["text_entities"])
        assert joined == rec.text
        entities = rec.extra.entities if rec.extra is not None else []
        assert [(p["type"], p["text"]) for p in m["text_entities"] if p["type"] != "plain"] == [
            (_part_type(e.kind), _utf16_slice(rec.text, e.offset, e.length)) for e in entities
        ]
        if action is None:
            assert m.get("reply_to_message_id") == rec.reply_to
            if rec.fwd is not None:
                expect = rec.fwd.from_name or names[rec.fwd.from_id or 0]
                assert m["forwarded_from"] == expect
                origin = rec.fwd.from_id
                assert m.get("forwarded_from_id") == (_peer_ref(origin) if origin else None)
            other_chat = rec.extra.reply_peer if rec.extra is not None else None
            assert m.get("reply_to_peer_id") == (_peer_ref(other_chat) if other_chat else None)
        if rec.media is not None:
            key = "photo" if rec.media.kind == "photo" else "file"
            assert m[key].startswith("(File not included.")
            assert len(m["media_uuid"]) == 36


def test_tdesktop_links_carry_their_href(http: TestClient, world: World, showcase: Showcase):
    doc = parse_tdesktop(export(http, showcase.channel, format="tdesktop").text)
    links = [p for m in doc["messages"] for p in m["text_entities"] if p["type"] == "text_link"]
    want = [
        e.url
        for r in world.messages(showcase.channel)
        for e in (r.extra.entities if r.extra is not None else [])
        if e.kind == "text_url"
    ]
    assert want and [p["href"] for p in links] == want


def test_accept_ndjson_on_history_streams_lines_instead_of_sse(
    http: TestClient, world: World, big: int
) -> None:
    resp = http.get(f"/api/v3/history/{big}", headers={**H, "Accept": "application/x-ndjson"})
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"] == "application/x-ndjson"
    messages, control = parse_ndjson(resp.text)
    assert [m["message_id"] for m in messages] == expected_ids(world, big, 0, EVER)
    assert control["event"] == "end" and control["total"] == len(messages)


def test_without_the_accept_header_history_is_still_sse(http: TestClient, big: int) -> None:
    resp = http.get(f"/api/v3/history/{big}", headers=H, params={"end_date": "2024-01-31"})
    assert resp.headers["content-type"].startswith("text/event-stream")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_an_unknown_dialog_is_404_before_any_byte(http_embedded: TestClient, fmt: str) -> None:
    resp = http_embedded.get("/api/v3/export/987654321", headers=H, params={"format": fmt})
    assert resp.status_code == 404
    assert "987654321" in resp.json()["detail"]


def test_an_unknown_format_is_400_naming_it(http_embedded: TestClient, big: int) -> None:
    resp = http_embedded.get(f"/api/v3/export/{big}", headers=H, params={"format": "xml"})
    assert resp.status_code == 400
    assert "format" in resp.json()["detail"]


def test_after_a_dialog_search_the_export_names_the_dialog_and_its_count_from_the_cache(
    any_settings: Settings, stores: Stores, sim: SimulatedTelegram, world: World
) -> None:
    from functions.dialogs.app import router as dialogs_router
    from functions.history.app import router as history_router

    log_in(stores, sim, ALICE)
    app = create_app(
        [history_router, dialogs_router], container=container(any_settings, stores, sim)
    )
    http = TestClient(app)
    dialog = next(d for d in world.dialogs if d.kind == "supergroup" and d.username is None)
    found = http.get("/api/v3/search/dialogs", headers=H, params={"q": dialog.title})
    assert found.status_code == 200, found.text
    resp = export(http, dialog.peer_id, format="tdesktop")
    assert resp.headers["x-dialog-message-count"] == str(len(world.messages(dialog.peer_id)))
    doc = parse_tdesktop(resp.text)
    assert (doc["name"], doc["type"]) == (dialog.title, "private_supergroup")
