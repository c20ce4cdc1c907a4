"""The /login page of the local runner in headless Chromium: in demo mode a "play the
phone" button finishes the QR login (nothing else can scan a simulated QR); in real mode
there is no such button."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local.app import create_local_app
from local.simtg import SimulatedTelegram
from tests.support.auth_flow import fresh_stores, logged_in_user_id, small_world
from tests.support.browser import CHROMIUM, Page, browser, serve
from tgscraper.config import Settings
from tgscraper.container import Container

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
)

QR_SHOWN = "document.getElementById('qr').naturalWidth > 0"
BUTTON = "document.getElementById('demo-phone')"


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@contextmanager
def _login_page(settings: Settings, sim: SimulatedTelegram, mode: str) -> Iterator[Page]:
    container = Container(settings, client_factory=sim.client, mode=mode)
    app = create_local_app(settings, container, simulator=sim)
    with serve(app) as base, browser() as chromium:
        page = chromium.open(f"{base}/login?username=alice")
        page.js("document.getElementById('start-form').requestSubmit()")
        page.wait_for(QR_SHOWN)
        yield page


def test_demo_mode_plays_the_phone_from_the_page(tmp_path: Path, sim: SimulatedTelegram) -> None:
    settings = Settings(data_dir=tmp_path)
    with _login_page(settings, sim, "demo") as page:
        page.wait_for(f"!{BUTTON}.hidden")
        page.js(f"{BUTTON}.click()")
        page.wait_for("document.getElementById('status').dataset.status === 'success'")
        assert page.js(f"{BUTTON}.hidden") is True
    stores = fresh_stores(settings)
    assert asyncio.run(logged_in_user_id(stores, sim, "alice")) == sim.world.me.id


def test_real_mode_has_no_phone_button(tmp_path: Path, sim: SimulatedTelegram) -> None:
    with _login_page(Settings(data_dir=tmp_path), sim, "real") as page:
        # /health has answered "real" once the page asked it (its only other request)
        page.wait_for("performance.getEntriesByName(location.origin + '/health').length > 0")
        page.wait_for(
            "performance.getEntriesByName(location.origin + '/health')[0].responseEnd > 0"
        )
        assert page.js(f"{BUTTON}.hidden") is True
        assert page.js("document.getElementById('status').dataset.status") == "pending"


def test_token_mode_shows_the_access_token_once_and_it_works(
    tmp_path: Path, sim: SimulatedTelegram
) -> None:
    # GIVEN a server with access tokens; WHEN the demo phone finishes the page's login
    settings = Settings(data_dir=tmp_path, auth_mode="token")
    with _login_page(settings, sim, "demo") as page:
        page.wait_for(f"!{BUTTON}.hidden")
        page.js(f"{BUTTON}.click()")
        page.wait_for("!document.getElementById('token-box').hidden")
        token = page.js("document.getElementById('access-token').textContent")
        # THEN the token it shows is the account's: the page itself lists its tokens with it
        listed = page.js(
            "fetch('/api/v3/auth/tokens', {headers: {Authorization: 'Bearer " + token + "'}})"
            ".then(r => r.json())"
        )
    assert token.startswith("tgs_")
    assert listed["username"] == "alice" and len(listed["tokens"]) == 1
