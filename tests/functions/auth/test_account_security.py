"""Accounts that belong to someone (AUTH_MODE=token), over HTTP against a real uvicorn.

GIVEN the local runner's app in token mode on 127.0.0.1, the simulated Telegram behind it,
alice logged in (the world's own account) with a cached channel history and a downloaded
file, and mallory, an attacker with a Telegram account of her own,
WHEN mallory tries every way in that the issue names (a forced re-login of alice, her own
token with alice's name, alice's file uuid, a revoked token),
THEN each is refused and alice's session, cache and files stay hers.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from local.app import create_local_app
from local.demo import demo_client_factory
from local.simtg import SimulatedTelegram
from tests.server.live import live_server
from tgscraper.config import Settings
from tgscraper.container import Container

QR = "/api/v3/auth/qr"
OPERATOR_KEY = "operator-key-0123456789abcdef"


@dataclass
class Api:
    http: httpx.Client
    sim: SimulatedTelegram
    data_dir: Path

    def login(
        self, username: str, *, user_id: int | None = None, force: bool = False, **headers: str
    ) -> dict[str, Any]:
        """Start, scan (as `user_id`'s phone; default the world's own account), poll."""
        started = self.http.post(QR, json={"username": username, "force": force}, headers=headers)
        assert started.status_code == 200, started.text
        token = started.json()["token"]
        url = self.http.get(f"{QR}/{token}").json()["qr_url"]
        self.sim.approve_qr(url, user_id=user_id)
        done: dict[str, Any] = self.http.get(f"{QR}/{token}").json()
        return done

    def token_of(self, username: str, **kwargs: Any) -> str:
        done = self.login(username, **kwargs)
        assert done["status"] == "success", done
        token: str = done["access_token"]
        return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    sim = SimulatedTelegram.demo()
    settings = Settings(data_dir=tmp_path, auth_mode="token", api_key=OPERATOR_KEY)
    container = Container(settings, client_factory=demo_client_factory(sim), mode="demo")
    app = create_local_app(settings, container, simulator=sim)
    with (
        live_server(app, settings) as live,
        httpx.Client(base_url=f"http://127.0.0.1:{live.port}", timeout=30) as http,
    ):
        yield Api(http, sim, tmp_path)


def _other_user(sim: SimulatedTelegram) -> int:
    return next(uid for uid in sim.world.users if uid != sim.world.me.id)


def _archive(api: Api, token: str) -> int:
    found = api.http.get(
        "/api/v3/search/dialogs",
        params={"q": "Simulated Archive", "match": "exact"},
        headers=bearer(token),
    )
    assert found.status_code == 200, found.text
    dialog_id: int = found.json()["results"][0]["id"]
    return dialog_id


def _history(api: Api, dialog_id: int, headers: dict[str, str]) -> httpx.Response:
    return api.http.get(f"/api/v3/history/{dialog_id}", headers=headers)


def _first_media_uuid(text: str) -> str:
    import json

    for line in text.splitlines():
        if line.startswith("data: ") and '"messages"' in line:
            for message in json.loads(line[6:])["messages"]:
                if message["media"] and message["media"]["size"] < 2_000_000:
                    return str(message["media"]["uuid"])
    raise AssertionError("no small media in the archive")


def test_a_login_hands_out_its_token_once_and_only_the_token_names_the_account(api: Api) -> None:
    done = api.login("alice")
    assert done["status"] == "success" and done["access_token"].startswith("tgs_")
    assert len(done["access_token"]) >= 4 + 43  # 32 random bytes, URL-safe
    token = done["access_token"]

    listed = api.http.get("/api/v3/auth/tokens", headers=bearer(token)).json()
    assert [t["label"] for t in listed["tokens"]] == ["login"]
    assert token not in str(listed)

    archive = _archive(api, token)
    assert _history(api, archive, bearer(token)).status_code == 200
    # The username header alone is no identity in token mode.
    alone = _history(api, archive, {"X-Telegram-Username": "alice"})
    assert alone.status_code == 401 and "access token" in alone.json()["detail"]
    assert _history(api, archive, {}).status_code == 401
    assert _history(api, archive, bearer("tgs_" + "x" * 43)).status_code == 401
    malformed = _history(api, archive, {"Authorization": "Basic YWxpY2U6eA=="})
    assert malformed.status_code == 401 and "Bearer" in malformed.json()["detail"]


def test_a_poll_after_success_does_not_repeat_the_token(api: Api) -> None:
    started = api.http.post(QR, json={"username": "alice"}).json()["token"]
    api.sim.approve_qr(api.http.get(f"{QR}/{started}").json()["qr_url"])
    first = api.http.get(f"{QR}/{started}").json()
    second = api.http.get(f"{QR}/{started}").json()
    assert first["status"] == second["status"] == "success"
    assert "access_token" in first and "access_token" not in second


def test_the_takeover_by_force_fails_and_alices_data_stays_hers(api: Api) -> None:
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    before = _history(api, archive, bearer(alice))
    assert before.status_code == 200
    mallory_id = _other_user(api.sim)
    mallory = api.token_of("mallory", user_id=mallory_id)

    # WHEN mallory asks to replace alice's session: without a token, with her own token
    nobody = api.http.post(QR, json={"username": "alice", "force": True})
    assert nobody.status_code == 403 and "access token" in nobody.json()["detail"]
    hers = api.http.post(QR, json={"username": "alice", "force": True}, headers=bearer(mallory))
    assert hers.status_code == 403
    # ... or without force: the session exists
    assert api.http.post(QR, json={"username": "alice"}).status_code == 409
    # ... or with her token and alice's name on a data route
    crossed = _history(api, archive, {**bearer(mallory), "X-Telegram-Username": "alice"})
    assert crossed.status_code == 403 and "belongs to 'mallory'" in crossed.json()["detail"]

    # THEN alice's session and cache are untouched and still hers
    after = _history(api, archive, bearer(alice))
    assert after.status_code == 200 and after.text == before.text


def test_alice_cannot_rebind_her_username_to_another_telegram_account(api: Api) -> None:
    # GIVEN alice's own token on a forced re-login that another account's phone scans
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    cached = _history(api, archive, bearer(alice)).text
    done = api.login("alice", user_id=_other_user(api.sim), force=True, **bearer(alice))
    # THEN the login fails, hands out nothing, and the old session keeps working
    assert done["status"] == "error" and "another Telegram account" in done["error"]
    assert "access_token" not in done
    assert _history(api, archive, bearer(alice)).text == cached


def test_the_operator_may_move_a_username_and_the_old_accounts_data_is_wiped(api: Api) -> None:
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    media = _first_media_uuid(_history(api, archive, bearer(alice)).text)
    assert api.http.get(f"/api/v3/files/{media}", headers=bearer(alice)).status_code == 200
    other = _other_user(api.sim)
    done = api.login("alice", user_id=other, force=True, **{"X-API-Key": OPERATOR_KEY})
    assert done["status"] == "success", done
    moved = done["access_token"]
    # The old account's tokens are gone at once, and so are its cache and files.
    assert _history(api, archive, bearer(alice)).status_code == 401
    assert api.http.get(f"/api/v3/files/{media}", headers=bearer(moved)).status_code == 404
    db = sqlite3.connect(api.data_dir / "cache.sqlite3")
    left = db.execute("SELECT count(*) FROM messages WHERE pk LIKE 'msg#alice#%'").fetchone()
    assert left == (0,)
    assert not list((api.data_dir / "media").glob("alice/*"))


def test_a_second_account_cannot_read_the_first_ones_files(api: Api) -> None:
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    media = _first_media_uuid(_history(api, archive, bearer(alice)).text)
    assert api.http.get(f"/api/v3/files/{media}", headers=bearer(alice)).status_code == 200
    mallory = api.token_of("mallory", user_id=_other_user(api.sim))
    assert api.http.get(f"/api/v3/files/{media}", headers=bearer(mallory)).status_code == 404
    crossed = {**bearer(mallory), "X-Telegram-Username": "alice"}
    assert api.http.get(f"/api/v3/files/{media}", headers=crossed).status_code == 403


def test_a_revoked_token_is_refused_at_once(api: Api) -> None:
    login_token = api.token_of("alice")
    made = api.http.post(
        "/api/v3/auth/tokens", json={"label": "laptop"}, headers=bearer(login_token)
    )
    assert made.status_code == 201, made.text
    laptop = made.json()
    assert laptop["token"] != login_token and laptop["label"] == "laptop"
    listed = api.http.get("/api/v3/auth/tokens", headers=bearer(laptop["token"])).json()
    assert sorted(t["label"] for t in listed["tokens"]) == ["laptop", "login"]
    assert "token" not in listed["tokens"][0] and "digest" not in listed["tokens"][0]

    revoked = api.http.delete(f"/api/v3/auth/tokens/{laptop['id']}", headers=bearer(login_token))
    assert revoked.json() == {"status": "revoked", "id": laptop["id"]}
    refused = api.http.get("/api/v3/auth/tokens", headers=bearer(laptop["token"]))
    assert refused.status_code == 401
    assert api.http.get("/api/v3/auth/tokens", headers=bearer(login_token)).status_code == 200
    again = api.http.delete(f"/api/v3/auth/tokens/{laptop['id']}", headers=bearer(login_token))
    assert again.status_code == 404
    bad = api.http.delete("/api/v3/auth/tokens/../../x", headers=bearer(login_token))
    assert bad.status_code == 404


def test_tokens_are_stored_only_as_hashes_and_never_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    token = api.token_of("alice")
    made = api.http.post("/api/v3/auth/tokens", json={}, headers=bearer(token)).json()["token"]
    api.http.get("/api/v3/auth/tokens", headers=bearer(made))
    raw = b"".join(p.read_bytes() for p in api.data_dir.rglob("*") if p.is_file())
    for secret in (token, made):
        assert secret.encode() not in raw
        assert secret not in caplog.text


def test_the_operator_key_acts_for_a_username_and_a_wrong_key_is_refused(api: Api) -> None:
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    as_operator = {"X-API-Key": OPERATOR_KEY, "X-Telegram-Username": "alice"}
    assert _history(api, archive, as_operator).status_code == 200
    wrong = {"X-API-Key": "not-the-key", **bearer(alice)}
    assert _history(api, archive, wrong).status_code == 401


def test_a_second_account_is_never_served_the_first_ones_cache(api: Api) -> None:
    # GIVEN alice's cached archive, which her cache search finds words in
    alice = api.token_of("alice")
    archive = _archive(api, alice)
    assert _history(api, archive, bearer(alice)).status_code == 200
    search = {"q": "the", "dialog_id": archive, "source": "cache"}
    hers = api.http.get("/api/v3/search/messages", params=search, headers=bearer(alice))
    assert hers.status_code == 200 and hers.json()["results"], hers.text
    # WHEN mallory, another Telegram account, searches the cache and reads the same dialog
    mallory = api.token_of("mallory", user_id=_other_user(api.sim))
    theirs = api.http.get("/api/v3/search/messages", params=search, headers=bearer(mallory))
    api.sim.reset_requests()
    read = _history(api, archive, bearer(mallory))
    # THEN her cache knows nothing of alice's, and her history came from Telegram
    assert theirs.status_code == 200 and theirs.json()["results"] == []
    assert read.status_code == 200 and api.sim.requests["GetHistoryRequest"] > 0
