"""The local runner: one app composing every group's router, docs, and safe binding."""

from __future__ import annotations

from fastapi.testclient import TestClient

from local.__main__ import main
from local.app import create_local_app
from tgscraper.config import Settings
from tgscraper.container import Container


def _client(tmp_path) -> TestClient:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path)
    return TestClient(create_local_app(settings, Container(settings, mode="demo")))


def test_health_and_docs_are_served(tmp_path) -> None:  # type: ignore[no-untyped-def]
    client = _client(tmp_path)
    assert client.get("/health").json()["mode"] == "demo"
    assert client.get("/docs").status_code == 200
    assert "swagger" in client.get("/docs").text.lower()
    assert client.get("/redoc").status_code == 200
    assert client.get("/openapi.json").json()["info"]["version"] == "3.0.0"


def test_root_lists_the_info_endpoints(tmp_path) -> None:  # type: ignore[no-untyped-def]
    paths = {e["path"] for e in _client(tmp_path).get("/").json()["endpoints"]}
    assert {"/", "/health"} <= paths


def test_refuses_public_bind_without_api_key(monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("API_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "8999"]) == 2
    assert "Refusing to bind 0.0.0.0" in capsys.readouterr().err


def test_api_key_guards_every_route_but_health(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(data_dir=tmp_path, api_key="s3cret")
    client = TestClient(create_local_app(settings, Container(settings, mode="demo")))
    assert client.get("/health").status_code == 200
    assert client.get("/").status_code == 401
    assert client.get("/").json() == {"detail": "Missing X-API-Key header"}
    assert client.get("/", headers={"X-API-Key": "wrong"}).json() == {
        "detail": "Invalid X-API-Key header"
    }
    assert client.get("/", headers={"x-api-key": "s3cret"}).status_code == 200
    assert client.get("/api/v3/folders", headers={"X-API-Key": "nope"}).status_code == 401


def test_serves_every_route_of_every_lambda_function_group(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A group added to template.yaml (messages: /search/messages) is in the runner too."""
    from tests.support.template_policy import canonical, routes

    paths = _client(tmp_path).app.openapi()["paths"]  # type: ignore[attr-defined]
    served = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    deployed = {canonical(r) for r in routes()} - {("ANY", "$default")}
    assert deployed - served == set()


def test_off_loopback_the_runner_defaults_to_access_tokens() -> None:
    from dataclasses import replace

    from local.__main__ import effective_settings
    from tgscraper.config import Settings

    default = Settings()
    assert effective_settings(default, "127.0.0.1").auth_mode == "header"
    assert effective_settings(default, "::1").auth_mode == "header"
    assert effective_settings(default, "0.0.0.0").auth_mode == "token"
    # An explicit AUTH_MODE is kept wherever the runner binds.
    chosen = replace(default, auth_mode="header", auth_mode_explicit=True)
    assert effective_settings(chosen, "0.0.0.0").auth_mode == "header"
