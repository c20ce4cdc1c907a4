"""GET /api/v3/folders over HTTP against the simulated account."""

from __future__ import annotations

from fastapi.testclient import TestClient

from local.simtg import SimulatedTelegram, World

from . import expected as ex

FOLDERS = "/api/v3/folders"


def test_folders_list_all_chats_first_then_the_accounts_folders(
    http: TestClient, world: World
) -> None:
    resp = http.get(FOLDERS)
    assert resp.status_code == 200
    assert resp.json() == [
        {"id": 0, "title": "All Chats", "is_default": True},
        *({"id": f.id, "title": f.title, "is_default": False} for f in world.folders),
    ]


def test_include_dialogs_gives_each_folders_dialogs_in_order(
    http: TestClient, world: World
) -> None:
    body = http.get(FOLDERS, params={"include_dialogs": "true"}).json()
    rows = ex.rows(world)
    titles = {r.id: r["title"] for r in rows}
    for entry, folder in zip(body, [None, *world.folders], strict=True):
        want = ex.folder_listing(folder, rows)
        assert entry["dialogs"] == [{"id": i, "title": titles[i]} for i in want], entry["title"]
    # pinned peers lead their folder
    pinned_folder = next(f for f in world.folders if f.pinned_peers)
    entry = next(e for e in body if e["id"] == pinned_folder.id)
    assert entry["dialogs"][0]["id"] == pinned_folder.pinned_peers[0]


def test_folders_and_search_share_one_cached_listing(
    http: TestClient, sim: SimulatedTelegram
) -> None:
    http.get(FOLDERS)
    sim.reset_requests()
    body = http.get("/api/v3/search/dialogs", params={"folder": 2}).json()
    assert http.get(FOLDERS, params={"include_dialogs": "true"}).status_code == 200
    # no new listing: only the message counts of the page shown, once
    assert sim.requests["GetDialogsRequest"] == sim.requests["GetDialogFiltersRequest"] == 0
    assert sim.requests["GetHistoryRequest"] == len(body["results"])
    sim.reset_requests()
    assert http.get("/api/v3/search/dialogs", params={"folder": 2}).json() == body
    assert sum(sim.requests.values()) == 0
