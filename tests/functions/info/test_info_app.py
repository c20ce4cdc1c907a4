"""Info routes through HTTP (the local app) and through the Lambda handler's events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from functions.info import app as info_app

EVENTS = Path(__file__).resolve().parents[3] / "events"


def test_health_reports_status_mode_and_storage() -> None:
    body = TestClient(info_app.app).get("/health").json()
    assert body["status"] == "healthy"
    assert body["mode"] in ("telegram", "demo")
    assert body["storage"] == "embedded"


def test_index_lists_routes_with_methods() -> None:
    body = TestClient(info_app.app).get("/").json()
    paths = {e["path"]: e["methods"] for e in body["endpoints"]}
    assert paths["/health"] == ["GET"]
    assert body["docs"] == "/docs"


@pytest.mark.parametrize("name", ["info_root.json", "info_health.json"])
def test_events_replay_through_the_lambda_handler(name: str, aws_settings) -> None:  # type: ignore[no-untyped-def]
    event = json.loads((EVENTS / name).read_text())
    resp = info_app.handler(event, None)
    assert resp["statusCode"] == 200
    body = json.loads(resp["body"])
    if name == "info_health.json":
        assert body["status"] == "healthy"
    else:
        assert any(e["path"] == "/health" for e in body["endpoints"])


def test_unknown_route_event_gets_json_404() -> None:
    event = json.loads((EVENTS / "info_health.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/nope"
    resp = info_app.handler(event, None)
    assert resp["statusCode"] == 404
    assert json.loads(resp["body"]) == {"detail": "Not found: /nope"}


def test_docs_pages_load_their_assets_from_the_app_itself() -> None:
    client = TestClient(info_app.app)
    for page, asset in (("/docs", "swagger-ui-bundle.js"), ("/redoc", "redoc.standalone.js")):
        html = client.get(page)
        assert html.status_code == 200
        assert f'src="/docs/assets/{asset}"' in html.text
        assert "https://" not in html.text  # no CDN
        assert "default-src 'self'" in html.headers["content-security-policy"]
        js = client.get(f"/docs/assets/{asset}")
        assert js.status_code == 200 and len(js.content) > 500_000
        assert js.headers["content-type"].startswith("text/javascript")


def test_an_unknown_docs_asset_is_a_json_404() -> None:
    reply = TestClient(info_app.app).get("/docs/assets/..%2Fcore.py")
    assert reply.status_code == 404
    assert "detail" in reply.json()
