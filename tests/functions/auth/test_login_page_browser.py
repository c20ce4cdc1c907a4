"""The /login page in headless Chromium, against a live server on the simulated Telegram:
a person types a username, sees the QR, the phone scans it, a wrong and then the right
2FA password are typed, and the page says they are logged in."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import PASSWORD, auth_app, fresh_stores, logged_in_user_id, small_world
from tests.support.browser import CHROMIUM, Page, browser, serve
from tgscraper.config import Settings

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM),
    reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)",
)


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture
def page(embedded_settings: Settings, sim: SimulatedTelegram) -> Iterator[Page]:
    with serve(auth_app(embedded_settings, sim)) as base, browser() as chromium:
        yield chromium.open(f"{base}/login?username=alice")


def _type(page: Page, element_id: str, text: str) -> None:
    page.js(f"document.getElementById({element_id!r}).value = {json.dumps(text)}")


def _submit(page: Page, form_id: str) -> None:
    page.js(f"document.getElementById({form_id!r}).requestSubmit()")


def _visible(element_id: str) -> str:
    return f"!document.getElementById({element_id!r}).hidden"


def _status(page: Page) -> str:
    return str(page.js("document.getElementById('status').dataset.status"))


def test_login_with_qr_and_2fa_in_a_real_browser(
    page: Page, sim: SimulatedTelegram, embedded_settings: Settings
) -> None:
    sim.set_password(PASSWORD)
    assert page.js("document.getElementById('username').value") == "alice"  # ?username=

    _submit(page, "start-form")
    page.wait_for(_visible("qr-box"))
    page.wait_for("document.getElementById('qr').naturalWidth > 0")  # the SVG rendered
    qr_url = page.wait_for(
        "document.getElementById('qr-link').href.startsWith('tg://') && "
        "document.getElementById('qr-link').href"
    )
    assert _status(page) == "pending"

    sim.approve_qr(qr_url)  # the phone scans what the page shows
    page.wait_for(_visible("password-form"))
    assert page.js(_visible("qr-box")) is False

    _type(page, "password", "not-it")
    _submit(page, "password-form")
    page.wait_for(
        "document.getElementById('status').textContent.length > 0 && "
        "document.getElementById('error').textContent.includes('Wrong 2FA password')"
    )
    assert page.js("document.getElementById('password').value") == ""  # never left behind

    _type(page, "password", PASSWORD)
    _submit(page, "password-form")
    page.wait_for("document.getElementById('status').dataset.status === 'success'")
    assert "X-Telegram-Username: alice" in page.js("document.getElementById('status').textContent")
    assert page.js(_visible("start-form")) is True  # ready for another login

    stores = fresh_stores(embedded_settings)
    assert asyncio.run(logged_in_user_id(stores, sim, "alice")) == sim.world.me.id


def test_page_reports_a_conflict_and_a_cancel(
    page: Page, sim: SimulatedTelegram, embedded_settings: Settings
) -> None:
    from tests.support.sessions import store_session

    store_session(fresh_stores(embedded_settings), sim, "alice")
    _submit(page, "start-form")
    page.wait_for("document.getElementById('error').textContent.includes('force')")
    assert _status(page) == "error"

    page.js("document.getElementById('force').checked = true")
    _submit(page, "start-form")
    page.wait_for("document.getElementById('qr').naturalWidth > 0")
    page.js("document.getElementById('cancel').click()")
    page.wait_for("document.getElementById('status').dataset.status === 'cancelled'")
    assert page.js(_visible("start-form")) is True


def test_page_sends_the_api_key_the_person_types(
    embedded_settings: Settings, sim: SimulatedTelegram
) -> None:
    from dataclasses import replace

    from tests.support.auth_flow import auth_app as build

    guarded = replace(embedded_settings, api_key="s3cret-key")
    with serve(build(guarded, sim)) as base, browser() as chromium:
        page = chromium.open(f"{base}/login?username=alice")  # the page itself is public
        _submit(page, "start-form")
        page.wait_for("document.getElementById('error').textContent.includes('X-API-Key')")
        _type(page, "api-key", "s3cret-key")
        _submit(page, "start-form")
        page.wait_for("document.getElementById('qr').naturalWidth > 0")  # svg fetched with key
        sim.approve_qr(page.js("document.getElementById('qr-link').href"))
        page.wait_for("document.getElementById('status').dataset.status === 'success'")
