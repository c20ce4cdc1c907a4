"""The streaming history launcher (Lambda Web Adapter variant): it only ever serves the
history app behind the API key, taken from the same SSM parameter as the authorizer's."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from functions.history_stream import stream_launcher
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.container import Container

KEY = "stream-key-0123456789abcdef"


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setenv("API_KEY_PARAM", "/tgscraper/api-key")
    monkeypatch.delenv("API_KEY", raising=False)


def test_the_first_usable_key_guards_the_history_app(monkeypatch: pytest.MonkeyPatch) -> None:
    stream_launcher.configure(loader=lambda name: f"short, {KEY}, second-key-0123456789abc")
    assert os.environ["API_KEY"] == KEY
    assert str(stream_launcher.FUNCTIONS_DIR / "history") in sys.path

    from functions.history.app import router

    app = create_app([router], container=Container(Settings.from_env()))
    http = TestClient(app)
    denied = http.get("/api/v3/history/-1001234567890")
    assert denied.status_code == 401
    assert denied.json() == {"detail": "Missing X-API-Key header"}
    wrong = http.get("/api/v3/history/1", headers={"X-API-Key": "nope"})
    assert wrong.status_code == 401


@pytest.mark.parametrize("value", ["", "short", " , "])
def test_it_refuses_to_start_without_a_usable_key(value: str) -> None:
    with pytest.raises(SystemExit):
        stream_launcher.configure(loader=lambda name: value)
    assert "API_KEY" not in os.environ


def test_it_refuses_to_start_without_the_parameter_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("API_KEY_PARAM")
    with pytest.raises(SystemExit):
        stream_launcher.configure(loader=lambda name: KEY)


def test_run_script_execs_the_launcher() -> None:
    script = stream_launcher.FUNCTIONS_DIR / "history_stream" / "run.sh"
    assert os.access(script, os.X_OK)
    assert "stream_launcher.py" in script.read_text()


def test_layers_come_first_on_the_launchers_path(tmp_path: Path) -> None:
    """A plain python3 started by run.sh has no /opt/python: the launcher adds Lambda's
    layer folders itself, before the interpreter's own site-packages (the built-artifact
    check in tests/build/ starts the real run.sh this way)."""
    opt = tmp_path
    stream_launcher.use_layers(opt)
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    assert sys.path[:3] == [
        str(stream_launcher.FUNCTIONS_DIR),
        str(opt / "python" / "lib" / version / "site-packages"),
        str(opt / "python"),
    ]
    stream_launcher.use_layers(opt)
    assert sys.path.count(str(opt / "python")) == 1
