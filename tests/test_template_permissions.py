"""Every AWS call the handlers really make is allowed by their role in template.yaml.

GIVEN one moto account with the template's tables and bucket, and the simulated Telegram,
WHEN a user logs in, searches dialogs, lists folders, reads a channel's history and
downloads a small and a large file (first from Telegram, then from the store), then
logs out (the account's data wiped), by replaying the events/ samples through each
Lambda handler,
THEN each DynamoDB/S3 request each function sent (operation, table or bucket, attribute
names) is allowed by that function's statements, attribute conditions included; a role
missing a permission would fail the deployed function exactly there.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest

from local.simtg import SimulatedTelegram, World
from tests.support import template_policy as tp
from tests.support.store_dump import dump, mentions
from tgscraper.config import Settings
from tgscraper.container import Container
from tgscraper.media.index import media_uuid
from tgscraper.storage.factory import Stores, build_aws_stores

EVENTS = Path(__file__).resolve().parent.parent / "events"
EVENT_TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHh4"
"""The placeholder token in the events/auth_*.json samples."""
USER = "john_doe"
"""The username every sample event carries."""
BIG = 9 * 1024 * 1024
"""Above the S3 adapter's 8 MiB part size: the download becomes a multipart upload."""

# S3 operations -> the IAM actions they need (HeadObject of a missing key answers 404
# only with ListBucket; 403 otherwise).
_S3_ACTIONS: dict[str, list[tuple[str, str]]] = {
    "HeadObject": [("s3:GetObject", "/*"), ("s3:ListBucket", "")],
    "GetObject": [("s3:GetObject", "/*")],
    "PutObject": [("s3:PutObject", "/*")],
    "CreateMultipartUpload": [("s3:PutObject", "/*")],
    "UploadPart": [("s3:PutObject", "/*")],
    "CompleteMultipartUpload": [("s3:PutObject", "/*")],
    "AbortMultipartUpload": [("s3:AbortMultipartUpload", "/*")],
    "ListObjectsV2": [("s3:ListBucket", "")],
    "DeleteObjects": [("s3:DeleteObject", "/*")],
}


@dataclass(frozen=True)
class Call:
    action: str
    resource: str
    attributes: frozenset[str] = frozenset()


@dataclass
class Recorder:
    """Collects the IAM view of every request made by clients it built, per function."""

    names: dict[str, str]
    """physical table/bucket name -> logical id"""
    current: str = ""
    calls: dict[str, list[Call]] = field(default_factory=dict)

    def client_factory(self, service: str) -> Callable[[], Any]:
        def make() -> Any:
            client = boto3.client(service)
            client.meta.events.register(
                f"provide-client-params.{service}.*", functools.partial(self._record, service)
            )
            return client

        return make

    def _record(self, service: str, params: dict[str, Any], model: Any, **_: Any) -> None:
        op = model.name
        for call in self._to_calls(service, op, params):
            self.calls.setdefault(self.current, []).append(call)

    def _to_calls(self, service: str, op: str, params: dict[str, Any]) -> list[Call]:
        if service == "s3":
            bucket = self.names[params["Bucket"]]
            return [Call(action, bucket + suffix) for action, suffix in _S3_ACTIONS[op]]
        assert service == "dynamodb", service
        names = set(params.get("ExpressionAttributeNames", {}).values())
        if op == "BatchWriteItem":
            calls = []
            for table, requests in params["RequestItems"].items():
                attrs = set(names)
                for req in requests:
                    put = req.get("PutRequest", {}).get("Item")
                    attrs.update(put or req["DeleteRequest"]["Key"])
                calls.append(Call(f"dynamodb:{op}", self.names[table], frozenset(attrs)))
            return calls
        attrs = names | set(params.get("Item", {})) | set(params.get("Key", {}))
        return [Call(f"dynamodb:{op}", self.names[params["TableName"]], frozenset(attrs))]


@pytest.fixture
def world() -> World:
    return World.generate(
        3, users=6, bots=1, groups=1, supergroups=1, channels=2, folders=2, messages=(20, 40)
    )


@pytest.fixture
def recorder(aws_settings: Settings) -> Recorder:
    s = aws_settings
    return Recorder(
        names={
            s.sessions_table: "SessionsTable",
            s.leases_table: "LeasesTable",
            s.qr_table: "QrTable",
            s.messages_table: "MessagesTable",
            s.media_table: "MediaTable",
            s.accounts_table: "AccountsTable",
            s.media_bucket: "MediaBucket",
        }
    )


@pytest.fixture
def invoke(
    aws_settings: Settings,
    recorder: Recorder,
    world: World,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[[str, str, dict[str, Any]], dict[str, Any]]]:
    """Replays an event through a group's handler as a cold Lambda of that function."""
    import importlib

    sim = SimulatedTelegram(world)
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)

    def run(group: str, fn: str, event: dict[str, Any]) -> dict[str, Any]:
        module: ModuleType = importlib.import_module(f"functions.{group}.app")
        stores: Stores = build_aws_stores(aws_settings, client_factory=recorder.client_factory)
        container = Container(aws_settings, stores=stores, client_factory=sim.client, mode="demo")
        monkeypatch.setattr(module.app.state, "container", container)
        recorder.current = fn
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            response: dict[str, Any] = module.handler(event, None)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        return response

    run.sim = sim  # type: ignore[attr-defined]
    yield run


def _event(name: str, **replace: str) -> dict[str, Any]:
    text = (EVENTS / name).read_text()
    for old, new in replace.items():
        text = text.replace(old, new)
    event: dict[str, Any] = json.loads(text)
    return copy.deepcopy(event)


def _retarget(event: dict[str, Any], path: str, query: str = "") -> dict[str, Any]:
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    return event


def _body(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def test_every_call_of_a_whole_session_is_allowed_by_the_functions_role(
    invoke: Callable[[str, str, dict[str, Any]], dict[str, Any]],
    recorder: Recorder,
    world: World,
    aws_settings: Settings,
) -> None:
    sim: SimulatedTelegram = invoke.sim  # type: ignore[attr-defined]
    channel = next(d for d in world.dialogs if d.kind == "channel")
    big = world.new_media("document", BIG, filename="big.bin")
    small = world.new_media("document", 64 * 1024, filename="small.bin")
    big_msg = world.add_message(channel.peer_id, "big file", media=big)
    small_msg = world.add_message(channel.peer_id, "small file", media=small)

    # Health: the info function touches nothing.
    assert invoke("info", "InfoFunction", _event("info_health.json"))["statusCode"] == 200

    # QR login: start, the phone approves, poll until success.
    started = invoke("auth", "AuthFunction", _event("auth_start_qr.json"))
    assert started["statusCode"] == 200, started["body"]
    token, qr_url = _body(started)["token"], _body(started)["qr_url"]
    sim.approve_qr(qr_url)
    polled = invoke("auth", "AuthFunction", _event("auth_poll_qr.json", **{EVENT_TOKEN: token}))
    assert _body(polled)["status"] == "success", polled["body"]

    # Dialogs and folders (first search fills the dialog cache and the entity cache).
    for name in ("dialogs_search.json", "dialogs_folders.json"):
        reply = invoke("dialogs", "DialogsFunction", _event(name))
        assert reply["statusCode"] == 200, reply["body"]

    # History of the channel: messages cached, media indexed.
    history = _retarget(_event("history_get.json"), f"/api/v3/history/{channel.peer_id}")
    reply = invoke("history", "HistoryFunction", history)
    assert reply["statusCode"] == 200, reply["body"]
    assert '"big.bin"' in reply["body"] and '"small.bin"' in reply["body"]

    # Exports: the same stream, plus the dialog cache read for the document's header.
    for fmt in ("csv", "tdesktop"):
        export = _retarget(
            _event("export_get.json"), f"/api/v3/export/{channel.peer_id}", f"format={fmt}"
        )
        reply = invoke("history", "HistoryFunction", export)
        assert reply["statusCode"] == 200, reply["body"]
        assert "small.bin" in reply["body"]

    # Message search in the cache the history filled (one dialog: DynamoDB has no text index).
    cached = _retarget(
        _event("messages_search_cache.json"),
        "/api/v3/search/messages",
        f"q=file&source=cache&dialog_id={channel.peer_id}",
    )
    reply = invoke("messages", "MessagesFunction", cached)
    assert reply["statusCode"] == 200, reply["body"]
    found = [r["message"]["message_id"] for r in _body(reply)["results"]]
    assert found[:2] == [small_msg.id, big_msg.id]  # the newest "file" messages

    # Files: each downloaded from Telegram into S3, then served from the store.
    for msg in (small_msg, big_msg):
        uuid = media_uuid(USER, channel.peer_id, msg.id)
        for _ in range(2):
            event = _retarget(_event("files_get.json"), f"/api/v3/files/{uuid}")
            event["pathParameters"] = {"uuid": uuid}
            reply = invoke("files", "FilesFunction", event)
            assert reply["statusCode"] == 200, reply["body"][:200]

    # Logout: auth.logOut under the lease, then the account's tokens and data wiped.
    reply = invoke("auth", "AuthFunction", _event("auth_logout.json"))
    assert reply["statusCode"] == 200, reply["body"]
    assert _body(reply)["telegram_logged_out"] and _body(reply)["data_deleted"]
    assert mentions(dump(aws_settings), USER) == []

    calls = recorder.calls
    assert "InfoFunction" not in calls
    assert {"AuthFunction", "DialogsFunction", "HistoryFunction", "FilesFunction"} <= set(calls)
    assert Call("dynamodb:Query", "MessagesTable") in set(calls["MessagesFunction"])
    denied = sorted(
        f"{fn}: {c.action} on {c.resource} with {sorted(c.attributes)}"
        for fn, fn_calls in calls.items()
        for c in set(fn_calls)
        if not tp.allows(fn, c.action, c.resource, set(c.attributes))
    )
    assert denied == []
    # The walk really went through the paths that need the trickier grants.
    files = set(calls["FilesFunction"])
    assert Call("s3:PutObject", "MediaBucket/*") in files  # downloads stored
    assert any(c.action == "dynamodb:PutItem" and c.resource == "LeasesTable" for c in files)
    assert not any(
        c.action == "dynamodb:DeleteItem" and c.resource == "SessionsTable"
        for fn, fn_calls in calls.items()
        if fn != "AuthFunction"
        for c in fn_calls
    )
    auth = {(c.action, c.resource) for c in calls["AuthFunction"]}
    assert ("dynamodb:Scan", "MessagesTable") in auth and (
        "s3:DeleteObject",
        "MediaBucket/*",
    ) in auth
    history_calls = set(calls["HistoryFunction"])
    assert any(c.resource == "MediaTable" for c in history_calls)  # media indexed
