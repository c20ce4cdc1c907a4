"""Replays every events/*.json sample through the handlers of a `sam build` tree, inside a
Python 3.12 process whose sys.path is Lambda's. Run by tests/build/test_built_artifact.py
as `python3.12 -I -S lambda_harness.py CONFIG.json`; never imported by pytest.

`-I -S` leaves only the interpreter's standard library on sys.path. The harness then
builds the path the Lambda python3.12 runtime gives a handler (docs/build.md):

    <function dir>                          LAMBDA_TASK_ROOT (/var/task)
    <layer>/python/lib/python3.12/site-packages   /opt/python/lib/python3.12/site-packages
    <layer>/python                          /opt/python
    <runtime dir>                           what the runtime itself ships: boto3/botocore
                                            (+ moto for this replay, and its dependencies)
    <standard library>
    <sim dir>                               a copy of local/simtg (stands in for Telegram)

Nothing from the source tree is importable except the simulated Telegram, which comes
last and holds no module the handlers import; at the end every loaded module's file is
checked to come from one of these places, so a package missing from the layer fails
here instead of being found in a developer's venv.

Prints one JSON object: {"results": [{"event", "function", "status", "error"}], ...}.
"""

from __future__ import annotations

import asyncio
import base64
import csv
import importlib
import io
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

CFG: dict[str, Any] = json.loads(Path(sys.argv[1]).read_text())
BUILD = Path(CFG["build_dir"])
LAYER = Path(CFG["layer_dir"])
PY = f"python{sys.version_info.major}.{sys.version_info.minor}"
STDLIB = [p for p in sys.path if p]
BASE_PATH = [
    str(LAYER / "python" / "lib" / PY / "site-packages"),
    str(LAYER / "python"),
    CFG["runtime_dir"],
    *STDLIB,
    CFG["sim_dir"],
]
EVENTS = Path(CFG["events_dir"])
USER = "john_doe"
PASSWORD = "your_2fa_password"  # the one in events/auth_submit_2fa.json
EVENT_TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHh5enp5eHh4"

os.environ.update(CFG["env"])
sys.path[:] = BASE_PATH

results: list[dict[str, Any]] = []


# ---------------------------------------------------------------- handlers from the tree
def load_handler(function: str) -> Any:
    """Import `function`'s handler as the runtime would: its dir first on sys.path."""
    task_root = BUILD / function
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(BUILD)) and not origin.startswith(str(LAYER)):
            del sys.modules[name]  # another function's `app` (each runs in its own Lambda)
    sys.path[:] = [str(task_root), *BASE_PATH]
    module_name, attr = CFG["handlers"][function].rsplit(".", 1)
    module = importlib.import_module(module_name.replace("/", "."))
    return module, getattr(module, attr)


def invoke(handler: Any, event: dict[str, Any]) -> dict[str, Any]:
    loop = asyncio.new_event_loop()  # the runtime gives each invocation a current loop
    asyncio.set_event_loop(loop)
    try:
        response: dict[str, Any] = handler(event, None)
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    return response


def event(name: str, **replace: str) -> dict[str, Any]:
    """A sample event, with its placeholders (token, ids, query) swapped for real ones."""
    data: dict[str, Any] = json.loads((EVENTS / name).read_text())
    for old, new in replace.items():
        if old == "query":
            data["rawQueryString"] = new
            data["queryStringParameters"] = {k: v[-1] for k, v in parse_qs(new).items()}
            continue
        data["rawPath"] = data["rawPath"].replace(old, new)
        data["requestContext"]["http"]["path"] = data["rawPath"]
        if data.get("pathParameters"):
            data["pathParameters"] = {
                k: v.replace(old, new) for k, v in data["pathParameters"].items()
            }
    return data


def body_of(response: dict[str, Any]) -> Any:
    raw = response.get("body") or ""
    content = base64.b64decode(raw) if response.get("isBase64Encoded") else raw.encode()
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    if headers.get("content-type", "").startswith("application/json"):
        return json.loads(content) if content else {}
    if headers.get("content-type", "").startswith(("text/", "image/svg")):
        return content.decode()
    return content


def check(name: str, function: str, response: dict[str, Any], *expect: tuple[bool, str]) -> Any:
    """Record one replay; `expect` holds (condition, what a user would have seen wrong)."""
    status = response.get("statusCode")
    try:
        body = body_of(response)
    except Exception as exc:  # a body the client could not read is a failure too
        body, expect = None, ((False, f"unreadable body: {exc!r}"),)
    errors = [msg for ok, msg in expect if not ok]
    results.append(
        {
            "event": name,
            "function": function,
            "status": status,
            "error": "; ".join(errors) or None,
            "body": str(body)[:300] if errors else None,
        }
    )
    return body


def failed(name: str, function: str, exc: BaseException) -> None:
    results.append(
        {"event": name, "function": function, "status": None, "error": f"{exc!r}", "body": None}
    )


# ---------------------------------------------------------------- the replay
def replay() -> None:
    from moto import mock_aws

    with mock_aws():
        create_resources()
        _replay_all()


def create_resources(endpoint: str | None = None) -> None:
    """The template's tables (passed in by the test, read from template.yaml) and bucket."""
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint)
    for table in CFG["tables"]:
        dynamodb.create_table(**table["create"])
        if table.get("ttl"):
            dynamodb.update_time_to_live(
                TableName=table["create"]["TableName"],
                TimeToLiveSpecification={"AttributeName": table["ttl"], "Enabled": True},
            )
    boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=os.environ["MEDIA_BUCKET"])


def _replay_all() -> None:
    from simtg import SimulatedTelegram, World

    world = World.generate(
        5, users=14, bots=3, groups=4, supergroups=4, channels=6, folders=6,
        messages=(2, 90), years=2,
    )  # fmt: skip
    sim = SimulatedTelegram(world)
    sim.set_password(PASSWORD)

    def wire(module: Any) -> None:
        # The real Telegram factory is the only thing swapped: the sim's clients are real
        # TelegramClients (from the layer's telethon) over an in-process sender.
        from tgscraper.container import Container

        module.app.state.container = Container(client_factory=sim.client, mode="demo")

    steps = [
        _authorizer, _authorizer_token_mode, _info, _auth, _dialogs, _history_and_files,
        _sync, _threads, _logout,
    ]  # fmt: skip
    state: dict[str, Any] = {"world": world, "sim": sim, "wire": wire}
    for step in steps:
        try:
            step(state)
        except Exception as exc:
            failed(step.__name__, "?", exc)
            traceback.print_exc()


def _authorizer(state: dict[str, Any]) -> None:
    import boto3

    fn = "AuthorizerFunction"
    sample = event("authorizer_request.json")
    key = sample["headers"]["x-api-key"]
    boto3.client("ssm").put_parameter(
        Name=os.environ["API_KEY_PARAM"], Value=key, Type="SecureString"
    )
    _, handler = load_handler(fn)
    got = invoke(handler, sample)
    results.append(
        {
            "event": "authorizer_request.json",
            "function": fn,
            "status": None,
            "error": None if got == {"isAuthorized": True} else f"sample key refused: {got}",
            "body": None,
        }
    )
    sample["headers"]["x-api-key"] = "not-the-key-0123456789abcdef"
    got = invoke(handler, sample)
    results.append(
        {
            "event": "authorizer_request.json (wrong key)",
            "function": fn,
            "status": None,
            "error": None if got == {"isAuthorized": False} else f"wrong key accepted: {got}",
            "body": None,
        }
    )


def _authorizer_token_mode(state: dict[str, Any]) -> None:
    """AUTH_MODE=token: the sample's bearer token passes once its lookup item is in the
    accounts table (stored as tgscraper.accounts.store writes it); an unknown one fails."""
    import hashlib

    import boto3

    fn = "AuthorizerFunction"
    sample = event("authorizer_bearer_request.json")
    token = sample["headers"]["authorization"].removeprefix("Bearer ")
    boto3.client("dynamodb").put_item(
        TableName=os.environ["ACCOUNTS_TABLE"],
        Item={
            "pk": {"S": "tok#" + hashlib.sha256(token.encode()).hexdigest()},
            "sk": {"S": "token"},
            "username": {"S": USER},
            "id": {"S": "0123456789abcdef"},
        },
    )
    os.environ["AUTH_MODE"] = "token"
    try:
        _, handler = load_handler(fn)
        got = invoke(handler, sample)
        want = {"isAuthorized": True, "context": {"username": USER}}
        results.append(
            {
                "event": "authorizer_bearer_request.json",
                "function": fn,
                "status": None,
                "error": None if got == want else f"stored token refused: {got}",
                "body": None,
            }
        )
        sample["headers"]["authorization"] = "Bearer tgs_" + "A" * 43
        got = invoke(handler, sample)
        results.append(
            {
                "event": "authorizer_bearer_request.json (unknown token)",
                "function": fn,
                "status": None,
                "error": None if got == {"isAuthorized": False} else f"unknown token: {got}",
                "body": None,
            }
        )
    finally:
        os.environ.pop("AUTH_MODE")


def _info(state: dict[str, Any]) -> None:
    fn = "InfoFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    r = invoke(handler, event("info_health.json"))
    body = body_of(r) if r.get("statusCode") == 200 else {}
    check(
        "info_health.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (body.get("status") == "healthy", "status is not healthy"),
        (body.get("storage") == "aws", "storage is not aws"),
    )  # fmt: skip
    state["wire"](module)  # readiness is cached per app for a few seconds: a fresh one
    r = invoke(handler, event("info_health_deep.json"))
    body = body_of(r) if r.get("statusCode") == 200 else {}
    checks = {c.get("name"): c for c in body.get("checks", [])} if isinstance(body, dict) else {}
    stores = {n: c for n, c in checks.items() if str(n).startswith("storage.")}
    check(
        "info_health_deep.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (bool(stores), f"no storage checks: {sorted(checks)}"),
        (all(c.get("status") == "ok" for c in stores.values()), f"a store is not ok: {stores}"),
    )  # fmt: skip
    r = invoke(handler, event("info_root.json"))
    body = body_of(r) if r.get("statusCode") == 200 else {}
    paths = {e.get("path") for e in body.get("endpoints", [])} if isinstance(body, dict) else set()
    check(
        "info_root.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        ("/health" in paths, f"endpoint index lacks /health: {sorted(paths)}"),
    )  # fmt: skip


def _auth(state: dict[str, Any]) -> None:
    fn = "AuthFunction"
    sim = state["sim"]
    module, handler = load_handler(fn)

    def call(name: str, **replace: str) -> dict[str, Any]:
        state["wire"](module)  # a fresh container per call: another cold instance
        return invoke(handler, event(name, **replace))

    r = call("auth_login_page.json")
    page = body_of(r)
    check(
        "auth_login_page.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (isinstance(page, str) and "<html" in page.lower(), "no HTML page"),
    )  # fmt: skip

    r = call("auth_start_qr.json")
    started = body_of(r)
    token = started.get("token", "") if isinstance(started, dict) else ""
    check(
        "auth_start_qr.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (bool(token), "no token"),
        (str(started.get("qr_url", "")).startswith("tg://login?token="), "no tg:// QR URL"),
    )  # fmt: skip
    if not token:
        return

    r = call("auth_qr_svg.json", **{EVENT_TOKEN: token})
    svg = body_of(r)
    check(
        "auth_qr_svg.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (isinstance(svg, str) and "<svg" in svg, "no SVG image"),
    )  # fmt: skip

    r = call("auth_poll_qr.json", **{EVENT_TOKEN: token})
    polled = body_of(r)
    check(
        "auth_poll_qr.json (before the scan)", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (polled.get("status") == "pending", f"status {polled.get('status')!r}, want pending"),
    )  # fmt: skip
    sim.approve_qr(str(polled.get("qr_url", "")).split("token=", 1)[-1])
    r = call("auth_poll_qr.json", **{EVENT_TOKEN: token})
    polled = body_of(r)
    check(
        "auth_poll_qr.json (after the scan)", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (polled.get("status") == "password_required", f"status {polled.get('status')!r}"),
    )  # fmt: skip

    r = call("auth_submit_2fa.json", **{EVENT_TOKEN: token})
    done = body_of(r)
    check(
        "auth_submit_2fa.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (done.get("status") == "success", f"status {done.get('status')!r}, want success"),
    )  # fmt: skip

    _auth_tokens(call, fn)

    # A second account's pending login, cancelled before anyone scans it.
    state["wire"](module)
    second = event("auth_start_qr.json")
    second["body"] = json.dumps({"username": "jane_roe"})
    r = invoke(handler, second)
    other = body_of(r).get("token", "")
    check(
        "auth_start_qr.json (second account)", fn, r,
        (r["statusCode"] == 200 and bool(other), f"status {r['statusCode']}, want a token"),
    )  # fmt: skip
    if not other:
        return
    r = call("auth_cancel_qr.json", **{EVENT_TOKEN: other})
    check(
        "auth_cancel_qr.json", fn, r,
        (r["statusCode"] in (200, 204), f"status {r['statusCode']}, want 200/204"),
    )  # fmt: skip
    r = call("auth_poll_qr.json", **{EVENT_TOKEN: other})
    check(
        "auth_poll_qr.json (cancelled token)", fn, r,
        (r["statusCode"] in (404, 410) or body_of(r).get("status") == "expired",
         f"cancelled token still live: {r['statusCode']}"),
    )  # fmt: skip


def _auth_tokens(call: Any, fn: str) -> None:
    """john_doe's access tokens: create one, see it listed (without its secret), revoke it."""
    r = call("auth_tokens_create.json")
    made = body_of(r) if r["statusCode"] == 201 else {}
    check(
        "auth_tokens_create.json", fn, r,
        (r["statusCode"] == 201, f"status {r['statusCode']}, want 201"),
        (str(made.get("token", "")).startswith("tgs_"), "no tgs_ token"),
    )  # fmt: skip
    r = call("auth_tokens_list.json")
    listed = body_of(r) if r["statusCode"] == 200 else {}
    labels = [t.get("label") for t in listed.get("tokens", [])]
    check(
        "auth_tokens_list.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (labels == ["laptop"], f"tokens {labels!r}, want ['laptop']"),
        (made.get("token", "?") not in json.dumps(listed), "the listing shows a token"),
    )  # fmt: skip
    r = call("auth_tokens_revoke.json", **{"0123456789abcdef": str(made.get("id", ""))})
    check(
        "auth_tokens_revoke.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (body_of(r).get("status") == "revoked", "not revoked"),
    )  # fmt: skip


def _dialogs(state: dict[str, Any]) -> None:
    fn = "DialogsFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    r = invoke(handler, event("dialogs_folders.json"))
    folders = body_of(r)
    first = folders[0] if isinstance(folders, list) and folders else {}
    check(
        "dialogs_folders.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (first.get("title") == "All Chats" and bool(first.get("dialogs")), "no All Chats"),
        (len(folders) == len(state["world"].folders) + 1, "folder count differs from the account"),
    )  # fmt: skip
    r = invoke(handler, event("dialogs_search.json"))
    found = body_of(r)
    check(
        "dialogs_search.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (isinstance(found, dict) and isinstance(found.get("results"), list), "no results list"),
        (isinstance(found, dict) and found.get("total", 0) >= 1, "the sample finds nothing"),
    )  # fmt: skip


def _sse(text: str) -> list[tuple[str, Any]]:
    frames = []
    for block in text.split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", None
        for line in block.split("\n"):
            field, _, value = line.partition(": ")
            if field == "event":
                name = value
            elif field == "data":
                data = json.loads(value)
        frames.append((name, data))
    return frames


def _history_and_files(state: dict[str, Any]) -> None:
    world = state["world"]
    fn = "HistoryFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    channels = [d for d in world.dialogs if d.kind == "channel"]
    peer = state["history_peer"] = max(channels, key=lambda d: d.message_count).peer_id
    r = invoke(handler, event("history_get.json", **{"-1001234567890": str(peer)}))
    text = body_of(r)
    frames = _sse(text) if isinstance(text, str) else []
    messages = [m for name, d in frames if name == "message" for m in d.get("messages", [])]
    check(
        "history_get.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (r.get("headers", {}).get("content-type", "").startswith("text/event-stream"), "not SSE"),
        (bool(messages), "no messages in 2024 for the busiest channel"),
    )  # fmt: skip
    # A t.me link (API Gateway's greedy route) names a channel by its username.
    named = next(c for c in world.chats.values() if c.username and world.has_dialog(c.peer_id))
    r = invoke(handler, event("history_get_link.json", **{"sim_channel_0": named.username}))
    text = body_of(r)
    frames = _sse(text) if isinstance(text, str) else []
    got = [m["message_id"] for name, d in frames if name == "message" for m in d["messages"]]
    want = [m.id for m in world.messages(named.peer_id)][-20:]
    check(
        "history_get_link.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (got == want, f"{len(got)} messages, want the latest {len(want)}"),
    )  # fmt: skip
    r = invoke(handler, event("export_get_link.json", **{"sim_channel_0": named.username}))
    lines = [json.loads(x) for x in body_of(r).splitlines()] if r["statusCode"] == 200 else []
    exported = [m["message_id"] for m in lines if "message_id" in m]
    check(
        "export_get_link.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (exported == [m.id for m in world.messages(named.peer_id)], "not that channel's messages"),
    )  # fmt: skip
    # The export (same function): the sample's CSV of the same range, the same messages.
    r = invoke(handler, event("export_get.json", **{"-1001234567890": str(peer)}))
    rows = [row[0] for row in csv.reader(io.StringIO(str(body_of(r)), newline=""))]
    ids = [int(x) for x in rows[1:-1] if x.isdigit()]
    want = [m["message_id"] for m in messages]
    check(
        "export_get.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (r.get("headers", {}).get("content-type", "").startswith("text/csv"), "not CSV"),
        (bool(ids) and ids == want[: len(ids)], "CSV rows are not the history's messages"),
        (rows[-1:] in (["#end"], ["#continue"]), "no #end or #continue row"),
    )  # fmt: skip
    uuids = [m["media"]["uuid"] for m in messages if (m.get("media") or {}).get("uuid")]
    if not uuids:  # look wider for a message with a downloadable file
        for d in sorted(world.dialogs, key=lambda d: -d.message_count)[:8]:
            q = urlencode({"start_date": "2020-01-01", "end_date": "2026-01-01"})
            reply = invoke(handler, event("history_get.json", query=q, **{
                "-1001234567890": str(d.peer_id)}))  # fmt: skip
            frames = _sse(body_of(reply))
            uuids = [
                m["media"]["uuid"]
                for name, dd in frames
                if name == "message"
                for m in dd.get("messages", [])
                if (m.get("media") or {}).get("uuid")
            ]
            if uuids:
                break

    fn = "FilesFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    sample_uuid = "3f2b8c1e-6a4d-5b7e-9c0f-1a2b3c4d5e6f"
    r = invoke(handler, event("files_get.json"))
    check(
        "files_get.json (unknown uuid)", fn, r,
        (r["statusCode"] == 404, f"status {r['statusCode']}, want 404"),
        ("detail" in (body_of(r) or {}), "no {detail} error"),
    )  # fmt: skip
    if not uuids:
        failed("files_get.json", fn, LookupError("no message with a downloadable file"))
        return
    r = invoke(handler, event("files_get.json", **{sample_uuid: uuids[0]}))
    status = r["statusCode"]
    content = body_of(r) if status == 200 else b""
    location = {k.lower(): v for k, v in r.get("headers", {}).items()}.get("location", "")
    check(
        "files_get.json", fn, r,
        (status in (200, 302, 307), f"status {status}, want 200 or a redirect"),
        (status != 200 or len(content) > 0, "empty file"),
        (status == 200 or os.environ["MEDIA_BUCKET"] in location, f"bad Location {location!r}"),
    )  # fmt: skip


def _sync(state: dict[str, Any]) -> None:
    """After the history replay cached the busiest channel: sync it (the first sync re-reads
    what is covered), change it on Telegram, sync again (a pts difference), report."""
    world, sim = state["world"], state["sim"]
    fn = "SyncFunction"
    module, handler = load_handler(fn)
    channels = [d for d in world.dialogs if d.kind == "channel"]
    peer = max(channels, key=lambda d: d.message_count).peer_id
    ids = {"-1001234567890": str(peer)}

    def call(name: str) -> dict[str, Any]:
        state["wire"](module)
        return invoke(handler, event(name, **ids))

    r = call("sync_post.json")
    first = body_of(r) if r["statusCode"] == 200 else {}
    check(
        "sync_post.json (first sync)", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (first.get("complete") is True, f"not complete: {first}"),
    )  # fmt: skip
    latest = world.messages(peer)[-1].id
    sim.edit_message(peer, latest, "edited after the first sync")
    r = call("sync_post.json")
    second = body_of(r) if r["statusCode"] == 200 else {}
    check(
        "sync_post.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (second.get("mode") == "difference", f"mode {second.get('mode')!r}, want difference"),
        (second.get("edited") == 1, f"edited {second.get('edited')!r}, want 1"),
    )  # fmt: skip
    r = call("sync_get.json")
    report = body_of(r) if r["statusCode"] == 200 else {}
    check(
        "sync_get.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (report.get("synced") is True, "the report does not know the sync"),
        (report.get("messages_cached", 0) > 0, "the report counts no cached message"),
    )  # fmt: skip


def _logout(state: dict[str, Any]) -> None:
    """Last: log out (Telegram told, data wiped), again (the same answer), then the
    history sample is a 401."""
    fn = "AuthFunction"
    module, handler = load_handler(fn)
    replies = []
    for _ in range(2):
        state["wire"](module)
        replies.append(invoke(handler, event("auth_logout.json")))
    first, second = (body_of(r) if r["statusCode"] == 200 else {} for r in replies)
    check(
        "auth_logout.json", fn, replies[0],
        (replies[0]["statusCode"] == 200, f"status {replies[0]['statusCode']}, want 200"),
        (first.get("telegram_logged_out") is True, f"Telegram not told: {first}"),
        (first.get("data_deleted") is True, f"data kept: {first}"),
    )  # fmt: skip
    check(
        "auth_logout.json (again)", fn, replies[1],
        (replies[1]["statusCode"] == 200, f"status {replies[1]['statusCode']}, want 200"),
        (set(second) == set(first), f"another shape: {second}"),
    )  # fmt: skip
    history_module, history = load_handler("HistoryFunction")
    state["wire"](history_module)
    r = invoke(history, event("history_get.json"))
    check(
        "history_get.json (after logout)", "HistoryFunction", r,
        (r["statusCode"] == 401, f"status {r['statusCode']}, want 401"),
    )  # fmt: skip


# ---------------------------------------------------------------- the streaming variant
def _threads(state: dict[str, Any]) -> None:
    """Last (it adds dialogs): the showcase's forum topics and a channel post's comments."""
    from simtg.showcase import add_showcase

    world = state["world"]
    sc = add_showcase(world)
    fn = "MessagesFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    r = invoke(handler, event("messages_search.json"))
    found = body_of(r) if r["statusCode"] == 200 else {}
    check(
        "messages_search.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (isinstance(found, dict) and isinstance(found.get("results"), list), "no results list"),
    )  # fmt: skip
    # The cache the history step filled (its busiest channel), searched without Telegram.
    peer = state["history_peer"]
    r = invoke(handler, event("messages_search_cache.json", **{"-1001839928721": str(peer)}))
    found = body_of(r) if r["statusCode"] == 200 else {}
    check(
        "messages_search_cache.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (isinstance(found, dict) and found.get("source") == "cache", "not served by the cache"),
    )  # fmt: skip
    r = invoke(handler, event("messages_topics.json", **{"-1001234567890": str(sc.forum)}))
    body = body_of(r) if r["statusCode"] == 200 else []
    titles = {t.get("title") for t in body} if isinstance(body, list) else set()
    check(
        "messages_topics.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (titles == set(sc.topics), f"topics {titles}, want {set(sc.topics)}"),
    )  # fmt: skip
    fn = "HistoryFunction"
    module, handler = load_handler(fn)
    state["wire"](module)
    post = next(m for m in world.messages(sc.channel) if m.extra and m.extra.discussion_id)
    ids = {"4242": str(post.id), "-1001234567890": str(sc.channel)}
    r = invoke(handler, event("history_replies.json", **ids))
    text = body_of(r)
    frames = _sse(text) if isinstance(text, str) else []
    got = [m for name, d in frames if name == "message" for m in d.get("messages", [])]
    check(
        "history_replies.json", fn, r,
        (r["statusCode"] == 200, f"status {r['statusCode']}, want 200"),
        (len(got) == post.extra.replies, f"{len(got)} comments, want {post.extra.replies}"),
        (bool(frames) and frames[-1][0] == "end", "no end event"),
    )  # fmt: skip


def stream_function() -> None:
    """HistoryStreamFunction as the Lambda Web Adapter starts it: `run.sh` runs a plain
    `python3` (no layer on its sys.path; boto3 from the runtime) which must serve the
    history app on AWS_LWA_PORT. AWS is moto's server on loopback (a separate process
    cannot share the in-process mock)."""
    import socket
    import subprocess
    import tempfile
    import time
    import urllib.error
    import urllib.request

    import boto3
    from moto.server import ThreadedMotoServer

    fn = "HistoryStreamFunction"
    name = "history_get.json (streaming function)"
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    proc = None
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        key = "stream-build-check-key-0123456789"
        create_resources(endpoint)
        boto3.client("ssm", endpoint_url=endpoint).put_parameter(
            Name=os.environ["API_KEY_PARAM"], Value=key, Type="SecureString"
        )
        with socket.socket() as probe:  # a free loopback port for the app
            probe.bind(("127.0.0.1", 0))
            app_port = probe.getsockname()[1]
        bindir = Path(tempfile.mkdtemp())
        (bindir / "python3").write_text(f'#!/bin/sh\nexec "{sys.executable}" -S "$@"\n')
        (bindir / "python3").chmod(0o755)
        task_root = BUILD / fn
        env = {
            **os.environ,
            "PATH": f"{bindir}:/usr/bin:/bin",
            "PYTHONPATH": CFG["runtime_dir"],  # the runtime's own site-packages (boto3)
            "LAMBDA_TASK_ROOT": str(task_root),
            "TGSCRAPER_OPT_DIR": str(LAYER),  # stands for /opt (where Lambda mounts layers)
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_LWA_PORT": str(app_port),
        }
        proc = subprocess.Popen(
            ["sh", str(task_root / "history_stream" / "run.sh")],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", app_port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        if proc.poll() is not None or time.monotonic() >= deadline:
            err = proc.stderr.read() if proc.poll() is not None and proc.stderr else ""
            tail = err.strip().splitlines()[-1:] or ["no port within 30 s"]
            failed(name, fn, RuntimeError(f"run.sh did not serve: {tail[0]}"))
            return
        url = f"http://127.0.0.1:{app_port}/api/v3/history/-1001234567890"

        def get(headers: dict[str, str]) -> tuple[int, Any]:
            request = urllib.request.Request(url, headers=headers)
            try:
                with urllib.request.urlopen(request, timeout=10) as resp:
                    return resp.status, resp.read()
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read() or b"{}")

        status, body = get({})
        results.append({
            "event": name + " without a key", "function": fn, "status": status, "body": None,
            "error": None if status == 401 and "detail" in body else f"{status} {body}",
        })  # fmt: skip
        status, body = get({"X-API-Key": key, "X-Telegram-Username": "nobody_here"})
        ok = 400 <= status < 500 and isinstance(body, dict) and "detail" in body
        results.append({
            "event": name + " unknown account", "function": fn, "status": status, "body": None,
            "error": None if ok else f"{status} {body!r:.300}",
        })  # fmt: skip
    finally:
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        server.stop()


# ---------------------------------------------------------------- where modules came from
def foreign_modules() -> list[str]:
    """Loaded modules whose file lies outside the build tree, runtime dir, stdlib and sim."""
    allowed = (str(BUILD), CFG["runtime_dir"], CFG["sim_dir"], *STDLIB)
    bad = []
    for name, module in sorted(sys.modules.items()):
        if name in ("__main__", "__mp_main__"):  # this harness
            continue
        origin = getattr(module, "__file__", None)
        if origin and not origin.startswith(allowed):
            bad.append(f"{name} from {origin}")
    return bad


def layer_origins() -> dict[str, str]:
    """Where the packages a handler needs were imported from (must be the layer)."""
    out = {}
    for name in ("tgscraper", "telethon", "fastapi", "pydantic_core", "mangum", "rapidfuzz"):
        module = sys.modules.get(name)
        out[name] = getattr(module, "__file__", "") or "" if module else "(not loaded)"
    return out


if __name__ == "__main__":
    try:
        stream_function()
    except Exception as exc:
        failed("history_get.json (streaming function)", "HistoryStreamFunction", exc)
        traceback.print_exc()
    replay()
    print(
        json.dumps(
            {
                "results": results,
                "foreign_modules": foreign_modules(),
                "layer_origins": layer_origins(),
                "sys_path_tail": BASE_PATH,
                "python": sys.version,
            }
        )
    )
