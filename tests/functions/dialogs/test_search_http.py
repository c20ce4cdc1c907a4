"""GET /api/v3/search/dialogs over HTTP against the simulated account.

Every expectation comes from tests/functions/dialogs/expected.py, computed from the
world's read model, never from the service.
"""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World

from . import expected as ex

SEARCH = "/api/v3/search/dialogs"


def search(http: TestClient, **params: Any) -> dict[str, Any]:
    resp = http.get(SEARCH, params={"limit": 500, **params})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def ids(body: dict[str, Any]) -> list[int]:
    return [r["id"] for r in body["results"]]


def default_order(rows: list[ex.Row]) -> list[int]:
    return [r.id for r in ex.ordered(rows, ex.SORT_KEYS["last_message"], descending=True)]


def test_no_parameters_lists_every_dialog_with_every_field(http: TestClient, world: World) -> None:
    # GIVEN the account's dialogs  WHEN searching with no parameters at all
    body = http.get(SEARCH).json()
    rows = ex.rows(world)
    # THEN the spec's defaults apply: first 50 of all, newest last message first
    assert (body["total"], body["offset"], body["limit"]) == (len(rows), 0, 50)
    assert ids(body) == default_order(rows)[:50]
    # AND every field of the spec's example is there, with the world's real values
    by_id = {r.id: r.public for r in rows}
    for result in search(http)["results"]:
        assert result == {**by_id[result["id"]], "score": None}


def test_real_message_counts_for_every_type_not_top_message_ids(
    http: TestClient, world: World
) -> None:
    results = search(http)["results"]
    counts = {r["id"]: r["message_count"] for r in results}
    assert counts == {d.peer_id: d.message_count for d in world.dialogs}
    # the shared id counter makes top ids of users/groups far larger than their counts
    assert any(
        world.history(d.peer_id).top_id != d.message_count
        for d in world.dialogs
        if d.kind in ("user", "group")
    )


@pytest.mark.parametrize(
    "kinds",
    [
        ["user"],
        ["bot"],
        ["group"],
        ["supergroup"],
        ["channel"],
        ["saved"],
        ["group", "supergroup"],
        ["user", "bot", "saved"],
    ],
)
def test_type_filter_is_repeatable(http: TestClient, world: World, kinds: list[str]) -> None:
    body = search(http, type=kinds)
    rows = [r for r in ex.rows(world) if r["type"] in kinds]
    assert ids(body) == default_order(rows)
    assert body["total"] == len(rows) > 0


def test_saved_messages_is_the_dialog_with_yourself(http: TestClient, world: World) -> None:
    [saved] = search(http, type="saved")["results"]
    assert (saved["id"], saved["title"], saved["type"]) == (world.me.id, "Saved Messages", "saved")


@pytest.mark.parametrize("name", ["is_archived", "is_creator", "is_verified", "has_username"])
@pytest.mark.parametrize("value", [True, False])
def test_boolean_filters(http: TestClient, world: World, name: str, value: bool) -> None:
    def keep(row: ex.Row) -> bool:
        if name == "has_username":
            return bool(row["username"]) == value
        return bool(row[name]) == value

    rows = [r for r in ex.rows(world) if keep(r)]
    assert rows, f"the world has no dialog with {name}={value}"
    assert ids(search(http, **{name: str(value).lower()})) == default_order(rows)


@pytest.mark.parametrize("field", ["messages", "participants"])
def test_min_and_max_count_filters(http: TestClient, world: World, field: str) -> None:
    key = "message_count" if field == "messages" else "participants_count"
    rows = ex.rows(world)
    values = sorted(r[key] for r in rows if r[key] is not None)
    lo, hi = values[len(values) // 4], values[3 * len(values) // 4]

    def expect(lo_: int | None, hi_: int | None) -> list[int]:
        kept = [
            r
            for r in rows
            if r[key] is not None
            and (lo_ is None or r[key] >= lo_)
            and (hi_ is None or r[key] <= hi_)
        ]
        return default_order(kept)

    assert ids(search(http, **{f"min_{field}": lo})) == expect(lo, None)
    assert ids(search(http, **{f"max_{field}": hi})) == expect(None, hi)
    both = search(http, **{f"min_{field}": lo, f"max_{field}": hi})
    assert ids(both) == expect(lo, hi) and 0 < both["total"] < len(rows)


@pytest.mark.parametrize(
    ("field", "attr"), [("last_message", "last_ts"), ("created", "created_ts")]
)
def test_date_filters_are_whole_utc_days(
    http: TestClient, world: World, field: str, attr: str
) -> None:
    rows = ex.rows(world)
    stamps = [getattr(r, attr) for r in rows if getattr(r, attr) is not None]
    middle = datetime.fromtimestamp(statistics.median(stamps), UTC).date().isoformat()
    start = ex.day(middle)
    after = [r for r in rows if getattr(r, attr) is not None and getattr(r, attr) >= start]
    before = [r for r in rows if getattr(r, attr) is not None and getattr(r, attr) < start]
    assert ids(search(http, **{f"{field}_after": middle})) == default_order(after)
    assert ids(search(http, **{f"{field}_before": middle})) == default_order(before)
    assert after and before


@pytest.mark.parametrize("sort", ["last_message", "messages", "title", "participants", "unread"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_in_both_orders(http: TestClient, world: World, sort: str, order: str) -> None:
    rows = ex.ordered(ex.rows(world), ex.SORT_KEYS[sort], descending=order == "desc")
    assert ids(search(http, sort=sort, order=order)) == [r.id for r in rows]


def test_paging_slices_the_full_ordering(http: TestClient, world: World) -> None:
    everything = ids(search(http, sort="title", order="asc"))
    pages = []
    for offset in range(0, len(everything), 7):
        page = search(http, sort="title", order="asc", limit=7, offset=offset)
        assert (page["total"], page["offset"], page["limit"]) == (len(everything), offset, 7)
        assert len(page["results"]) <= 7
        pages.extend(ids(page))
    assert pages == everything
    past_end = search(http, offset=len(everything) + 5, limit=10)
    assert past_end["total"] == len(everything) and past_end["results"] == []


@pytest.mark.parametrize(
    "q", ["crypto", "news crypto", "крипто", "cafe", "FAMILY", "rust comunity", "🚀"]
)
@pytest.mark.parametrize("min_score", [0.6, 0.8])
def test_fuzzy_search_scores_and_orders_by_documented_scorer(
    http: TestClient, world: World, q: str, min_score: float
) -> None:
    rows = ex.rows(world)
    scored = []
    for r in rows:
        s = ex.fuzzy_score(q, r["title"]) if ex._fold(q) else float(ex.exact_match(q, r["title"]))
        if s >= min_score:
            scored.append((r, s))
    scored.sort(key=lambda p: (-p[1], -(p[0].last_ts or 0), p[0].id))
    body = search(http, q=q, min_score=min_score)
    assert ids(body) == [r.id for r, _ in scored]
    assert [x["score"] for x in body["results"]] == [round(s, 4) for _, s in scored]
    assert scored, f"{q!r} should match something in this world"


def test_fuzzy_handles_reordered_partial_and_accented_words(http: TestClient) -> None:
    def top(q: str) -> str:
        return str(search(http, q=q)["results"][0]["title"])

    assert top("news crypto") == "Crypto News"
    assert top("crypt") == "Crypto News"
    assert top("Remote cafe") == "Remote Work Café ☕"
    assert top("одноклассн") == "Одноклассники"


@pytest.mark.parametrize("q", ["o", "NEWS", "мос", "Café", "🐍"])
def test_exact_is_case_insensitive_substring(http: TestClient, world: World, q: str) -> None:
    rows = [r for r in ex.rows(world) if ex.exact_match(q, r["title"])]
    body = search(http, q=q, match="exact")
    assert ids(body) == default_order(rows) and rows
    assert {x["score"] for x in body["results"]} == {None}


def test_min_score_zero_keeps_everything(http: TestClient, world: World) -> None:
    assert search(http, q="zzzz", min_score=0)["total"] == len(world.dialogs)


def test_filters_combine(http: TestClient, world: World) -> None:
    rows = [
        r
        for r in ex.rows(world)
        if r["type"] in ("channel", "supergroup")
        and not r["is_archived"]
        and r["message_count"] >= 10
        and ex.in_folder(None, r)
    ]
    order = ex.ordered(rows, ex.SORT_KEYS["participants"], descending=False)
    body = search(
        http,
        type=["channel", "supergroup"],
        is_archived="false",
        min_messages=10,
        folder="All Chats",
        sort="participants",
        order="asc",
    )
    assert ids(body) == [r.id for r in order]


def test_folder_filter_applies_each_folders_rules(http: TestClient, world: World) -> None:
    rows = ex.rows(world)
    for folder in [None, *world.folders]:
        expected = default_order([r for r in rows if ex.in_folder(folder, r)])
        by_id = search(http, folder=0 if folder is None else folder.id)
        assert ids(by_id) == expected, folder
        name = "all chats" if folder is None else folder.title.upper()
        assert ids(search(http, folder=name)) == expected
    assert ids(search(http, folder="work")) == ids(search(http, folder="Work 💼"))


def test_folder_rules_are_not_trivial_in_this_world(world: World) -> None:
    """Guards the test above: each rule actually decides something here."""
    rows = ex.rows(world)
    for folder in world.folders:
        inside = [r for r in rows if ex.in_folder(folder, r)]
        assert 0 < len(inside) < len(rows), folder.title
    flags = {
        "contacts",
        "non_contacts",
        "groups",
        "broadcasts",
        "bots",
        "exclude_muted",
        "exclude_read",
        "exclude_archived",
    }
    assert flags <= {f for folder in world.folders for f in flags if getattr(folder, f)}
    assert any(f.exclude_peers for f in world.folders)
    assert any(f.pinned_peers for f in world.folders)


def test_unknown_folder_is_404(http: TestClient) -> None:
    for value in ("Nope", "999"):
        resp = http.get(SEARCH, params={"folder": value})
        assert resp.status_code == 404
        assert "Folder not found" in resp.json()["detail"]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"type": "robot"}, "type"),
        ({"type": ["user", "nope"]}, "type"),
        ({"sort": "size"}, "sort"),
        ({"order": "up"}, "order"),
        ({"match": "regex"}, "match"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"offset": -1}, "offset"),
        ({"min_score": 1.5}, "min_score"),
        ({"min_score": -0.1}, "min_score"),
        ({"min_messages": "many"}, "min_messages"),
        ({"min_messages": 10, "max_messages": 5}, "min_messages"),
        ({"min_participants": 10, "max_participants": 5}, "min_participants"),
        (
            {"last_message_after": "2024-02-01", "last_message_before": "2024-01-01"},
            "last_message_after",
        ),
        ({"created_after": "2024-02-01", "created_before": "2024-01-01"}, "created_after"),
        ({"last_message_after": "2024-13-01"}, "last_message_after"),
        ({"last_message_before": "yesterday"}, "last_message_before"),
        ({"created_after": "2024-1-1"}, "created_after"),
        ({"created_before": "2024-01-01T00:00:00"}, "created_before"),
        ({"is_archived": "maybe"}, "is_archived"),
    ],
)
def test_bad_input_is_400_naming_the_parameter(
    http: TestClient, sim: SimulatedTelegram, params: dict[str, Any], name: str
) -> None:
    sim.reset_requests()
    resp = http.get(SEARCH, params=params)
    assert resp.status_code == 400
    assert name in resp.json()["detail"]
    assert sum(sim.requests.values()) == 0  # rejected before any Telegram work


def test_missing_username_is_401(http: TestClient) -> None:
    resp = http.get(SEARCH, headers={"X-Telegram-Username": ""})
    assert resp.status_code == 401 and "X-Telegram-Username" in resp.json()["detail"]
