"""`python -m local auth <username>`: terminal login by QR or by phone, into the same store.

The user is played by a scripted Terminal: its sleep() is where the phone scans the QR
while the CLI waits, its ask_secret() is the no-echo password prompt.
"""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from local import __main__ as local_main
from local import auth_cli
from local.simtg import SimulatedTelegram
from tests.support.auth_flow import PASSWORD, logged_in_user_id, small_world
from tests.support.sessions import store_session
from tgscraper.auth.qr_image import qr_text
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.storage.factory import Stores, build_embedded_stores

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sim() -> SimulatedTelegram:
    return SimulatedTelegram(small_world())


@pytest.fixture
def stores(embedded_settings: Settings) -> Stores:
    return build_embedded_stores(embedded_settings)


@pytest.fixture
def container(
    embedded_settings: Settings, stores: Stores, sim: SimulatedTelegram, monkeypatch: Any
) -> Container:
    built = Container(embedded_settings, stores=stores, client_factory=sim.client, mode="demo")
    monkeypatch.setattr(auth_cli, "_container", lambda: built)
    return built


class Script(auth_cli.Terminal):
    """A user at the terminal: answers from lists, runs `on_wait` while the CLI waits."""

    def __init__(
        self, *, answers: list[str] = (), secrets: list[str] = (), on_wait: Any = None
    ) -> None:  # type: ignore[assignment]
        super().__init__(out=io.StringIO())
        self.answers, self.secrets, self.on_wait = list(answers), list(secrets), on_wait
        self.secret_prompts = 0
        self.ask = self._ask  # type: ignore[method-assign]
        self.ask_secret = self._ask_secret  # type: ignore[method-assign]
        self.sleep = self._sleep  # type: ignore[method-assign]

    def _ask(self, prompt: str) -> str:
        return self.answers.pop(0)

    def _ask_secret(self, prompt: str) -> str:
        self.secret_prompts += 1
        return self.secrets.pop(0)

    async def _sleep(self, seconds: float) -> None:
        if self.on_wait is not None:
            self.on_wait()
            self.on_wait = None

    @property
    def text(self) -> str:
        value: str = self.out.getvalue()  # type: ignore[attr-defined]
        return value


def _cli(script: Script, *argv: str) -> int:
    original = auth_cli.Terminal
    auth_cli.Terminal = lambda: script  # type: ignore[assignment,misc]
    try:
        return local_main.main(["auth", *argv])
    finally:
        auth_cli.Terminal = original  # type: ignore[misc]


def _scan_shown_qr(sim: SimulatedTelegram, stores: Stores) -> Any:
    def scan() -> None:
        (item,) = [i for i in _qr_items(stores) if i["status"] == "pending"]
        sim.approve_qr(item["qr_url"])

    return scan


def _qr_items(stores: Stores) -> list[dict[str, Any]]:
    from tgscraper.storage.sqlite_table import SqliteItemTable

    assert isinstance(stores.qr, SqliteItemTable)
    conn = stores.qr._conn()
    pks = [row[0] for row in conn.execute("SELECT pk FROM qr WHERE sk='state'")]
    return [stores.qr.get(pk, "state") for pk in pks]  # type: ignore[misc]


def _me(stores: Stores, sim: SimulatedTelegram, username: str = "alice") -> int:
    return asyncio.run(logged_in_user_id(stores, sim, username))


# -- QR -----------------------------------------------------------------------------------
def test_qr_login_draws_the_qr_and_stores_the_session(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    shown: list[str] = []

    def scan() -> None:
        (item,) = _qr_items(stores)
        shown.append(item["qr_url"])
        sim.approve_qr(item["qr_url"])

    script = Script(on_wait=scan)
    assert _cli(script, "alice") == 0
    assert qr_text(shown[0]) in script.text  # the very code that was scanned
    assert "Logged in" in script.text and "X-Telegram-Username: alice" in script.text
    assert _me(stores, sim) == sim.world.me.id


def test_qr_login_with_2fa_asks_without_echo_and_retries(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    sim.set_password(PASSWORD)
    script = Script(secrets=["", "wrong", PASSWORD], on_wait=_scan_shown_qr(sim, stores))
    assert _cli(script, "alice") == 0
    assert script.secret_prompts == 3
    assert (
        "must not be empty" in script.text and "Wrong 2FA password (2 attempts left)" in script.text
    )
    assert PASSWORD not in script.text
    assert _me(stores, sim) == sim.world.me.id


def test_existing_session_needs_force_and_survives_a_failed_forced_login(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    old = store_session(stores, sim, "alice")
    script = Script()
    assert _cli(script, "alice") == 1 and "--force" in script.text

    sim.set_password(PASSWORD)
    script = Script(secrets=["bad"] * 3, on_wait=_scan_shown_qr(sim, stores))
    assert _cli(script, "alice", "--force") == 1
    assert "Wrong 2FA password 3 times" in script.text
    assert stores.sessions.load("alice") == old


def test_forced_qr_login_replaces_the_session(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    old = store_session(stores, sim, "alice")
    assert _cli(Script(on_wait=_scan_shown_qr(sim, stores)), "alice", "--force") == 0
    new = stores.sessions.load("alice")
    assert new is not None and new.auth_key != old.auth_key
    assert _me(stores, sim) == sim.world.me.id


def test_ctrl_c_cancels_the_flow_and_changes_nothing(container: Container, stores: Stores) -> None:
    def interrupt() -> None:
        raise KeyboardInterrupt

    script = Script(on_wait=interrupt)
    assert _cli(script, "alice") == 130
    assert "Cancelled" in script.text
    assert _qr_items(stores) == [] and not stores.sessions.exists("alice")


# -- phone --------------------------------------------------------------------------------
# The simulated account's number and the code its phone receives, as README documents.
DEMO_PHONE, DEMO_CODE = "+15550100000", "12345"


def test_phone_login_with_code_and_2fa(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    sim.set_password(PASSWORD)
    script = Script(answers=["+1 555 010 0000", "00000", DEMO_CODE], secrets=["nope", PASSWORD])
    assert _cli(script, "alice", "--phone") == 0
    assert "Wrong code." in script.text and "Wrong 2FA password (2 attempts left)" in script.text
    assert _me(stores, sim) == sim.world.me.id


def test_phone_number_on_the_command_line(
    container: Container, stores: Stores, sim: SimulatedTelegram
) -> None:
    script = Script(answers=[DEMO_CODE])
    assert _cli(script, "alice", "--phone", DEMO_PHONE) == 0
    assert _me(stores, sim) == sim.world.me.id


def test_an_unknown_phone_number_fails_with_a_reason_and_stores_nothing(
    container: Container, stores: Stores
) -> None:
    script = Script()
    assert _cli(script, "alice", "--phone", "+49301234567") == 1
    assert "Login failed" in script.text and "phone number is invalid" in script.text
    assert not stores.sessions.exists("alice")


# -- the real command ---------------------------------------------------------------------
def test_command_rejects_an_unsafe_username(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "local", "auth", "../../etc/x"],
        cwd=ROOT,
        env={"PYTHONPATH": "layers/common/python:.", "DATA_DIR": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2 and "Invalid username" in proc.stdout
    assert not any(tmp_path.iterdir())


def test_command_in_demo_mode_logs_in_with_the_demo_phone(tmp_path: Path) -> None:
    # GIVEN no Telegram credentials (demo mode) WHEN the real command runs
    proc = subprocess.run(
        [sys.executable, "-m", "local", "auth", "cli_user"],
        cwd=ROOT,
        env={"PYTHONPATH": "layers/common/python:.", "DATA_DIR": str(tmp_path), "PATH": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN the simulated phone approves the QR and the session lands in the store
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Logged in" in proc.stdout
    stored = build_embedded_stores(Settings(data_dir=tmp_path)).sessions.load("cli_user")
    assert stored is not None and stored.auth_key


def test_command_in_demo_mode_logs_in_by_phone_with_the_code_it_shows(tmp_path: Path) -> None:
    # GIVEN demo mode WHEN the real command runs with --phone and the user types the code
    proc = subprocess.run(
        [sys.executable, "-m", "local", "auth", "phone_user", "--phone", DEMO_PHONE],
        cwd=ROOT,
        env={"PYTHONPATH": "layers/common/python:.", "DATA_DIR": str(tmp_path), "PATH": ""},
        input=DEMO_CODE + "\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # THEN it showed the demo number and code, and the session lands in the store
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"{DEMO_PHONE} with the code {DEMO_CODE}" in proc.stderr
    assert "Logged in" in proc.stdout
    stored = build_embedded_stores(Settings(data_dir=tmp_path)).sessions.load("phone_user")
    assert stored is not None and stored.auth_key


# -- access tokens (AUTH_MODE=token) ------------------------------------------------------
def test_token_mode_prints_the_access_token_once_and_stores_only_its_hash(
    embedded_settings: Settings, sim: SimulatedTelegram, monkeypatch: Any
) -> None:
    from dataclasses import replace

    from tgscraper.accounts.store import AccountStore

    settings = replace(embedded_settings, auth_mode="token")
    stores = build_embedded_stores(settings)
    built = Container(settings, stores=stores, client_factory=sim.client, mode="demo")
    monkeypatch.setattr(auth_cli, "_container", lambda: built)
    script = Script(on_wait=_scan_shown_qr(sim, stores))
    assert _cli(script, "alice") == 0
    (token,) = [w for w in script.text.split() if w.startswith("tgs_")]
    assert "Authorization: Bearer" in script.text
    owner = AccountStore(stores.accounts).resolve(token)
    assert owner is not None and owner.username == "alice"
    raw = b"".join(p.read_bytes() for p in settings.data_dir.rglob("*") if p.is_file())
    assert token.encode() not in raw
