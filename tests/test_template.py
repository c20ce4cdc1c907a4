"""template.yaml, read as data: routes, API auth, least privilege, storage hardening and
Lambda limits. Each test states one deployment promise the README makes."""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.aws import TEMPLATE
from tests.support.template_policy import (
    GLOBAL_FN,
    RESOURCES,
    T,
    as_list,
    attribute_allow_list,
    canonical,
    functions,
    resource_name,
    routes,
    statements,
)
from tgscraper.config import Settings

ROOT = TEMPLATE.parent

# Handler function per endpoint group (the layer's services behind each is its code).
GROUPS = {
    "info": "InfoFunction",
    "auth": "AuthFunction",
    "dialogs": "DialogsFunction",
    "history": "HistoryFunction",
    "messages": "MessagesFunction",
    "files": "FilesFunction",
    "sync": "SyncFunction",
}

# Every route of shared/spec/api-v3.md, plus the extras (QR image, login page, message
# search: docs/messages.md, access tokens: docs/accounts.md).
SPEC_ROUTES = {
    ("GET", "/"): "InfoFunction",
    ("GET", "/health"): "InfoFunction",
    ("POST", "/api/v3/auth/qr"): "AuthFunction",
    ("GET", "/api/v3/auth/qr/{token}"): "AuthFunction",
    ("DELETE", "/api/v3/auth/qr/{token}"): "AuthFunction",
    ("POST", "/api/v3/auth/qr/{token}/2fa"): "AuthFunction",
    ("GET", "/api/v3/auth/qr/{token}/qr.svg"): "AuthFunction",
    ("DELETE", "/api/v3/auth/session"): "AuthFunction",
    ("GET", "/login"): "AuthFunction",
    ("GET", "/api/v3/auth/tokens"): "AuthFunction",
    ("POST", "/api/v3/auth/tokens"): "AuthFunction",
    ("DELETE", "/api/v3/auth/tokens/{token_id}"): "AuthFunction",
    ("GET", "/api/v3/search/dialogs"): "DialogsFunction",
    ("GET", "/api/v3/folders"): "DialogsFunction",
    ("GET", "/api/v3/history/{dialog_id}"): "HistoryFunction",
    ("GET", "/api/v3/history/{channel_id}/replies/{post_id}"): "HistoryFunction",
    ("GET", "/api/v3/history/t.me/{link+}"): "HistoryFunction",
    ("GET", "/api/v3/export/t.me/{link+}"): "HistoryFunction",
    ("GET", "/api/v3/export/{dialog_id}"): "HistoryFunction",
    ("GET", "/api/v3/files/{uuid}"): "FilesFunction",
    ("GET", "/api/v3/search/messages"): "MessagesFunction",
    ("GET", "/api/v3/topics/{dialog_id}"): "MessagesFunction",
    ("POST", "/api/v3/sync/{dialog_id}"): "SyncFunction",
    ("GET", "/api/v3/sync/{dialog_id}"): "SyncFunction",
}

# /health for load balancers and uptime checks; /login is a static page that a browser
# opens by navigation (no header possible): it asks for the key and sends it on each call.
PUBLIC_ROUTES = {("GET", "/health"), ("GET", "/login")}

TABLES = (
    "SessionsTable",
    "AccountsTable",
    "LeasesTable",
    "QrTable",
    "MessagesTable",
    "MediaTable",
)
# Not re-creatable without the users (a new QR scan, new tokens): PITR and Retain.
IRREPLACEABLE_TABLES = ("SessionsTable", "AccountsTable")

READ = frozenset({"dynamodb:GetItem", "dynamodb:Query"})
WRITE = frozenset({"dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"})
RW = READ | WRITE
SSM_CREDS = frozenset({"ssm:GetParameters"})
KMS = frozenset({"kms:Decrypt"})
TELEGRAM = {"ssm:TelegramCredentials": SSM_CREDS, "kms:via-ssm": KMS}
# Write access to the sessions table restricted by dynamodb:Attributes (see template).
SESSIONS_ENTITY_CACHE = "SessionsTable[entity cache attributes]"
ENTITY_CACHE_WRITE = frozenset({"dynamodb:PutItem", "dynamodb:BatchWriteItem"})
# BatchWriteItem restricted to the key attributes: deletes only (logout's wipe).
KEYS_ONLY = "[keys only]"
DELETE_BY_KEY = frozenset({"dynamodb:BatchWriteItem"})
SCAN = frozenset({"dynamodb:Scan"})
LEASE = {"LeasesTable": frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"})}
# Token mode: a data request's bearer token (lookup + listing item) and binding, by key.
ACCOUNTS_READ = {"AccountsTable": frozenset({"dynamodb:GetItem"})}
ACCOUNTS_RW = frozenset(
    {"dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"}
)

# What each function's role may do, resource by resource; nothing else.
EXPECTED_GRANTS: dict[str, dict[str, frozenset[str]]] = {
    "InfoFunction": {},
    "AuthorizerFunction": {
        "ssm:ApiKeyParameter": frozenset({"ssm:GetParameter"}),
        "kms:via-ssm": KMS,
        # One GetItem of the token's lookup item, nothing else (token mode).
        "AccountsTable": frozenset({"dynamodb:GetItem"}),
    },
    "AuthFunction": {
        "SessionsTable": RW,
        "QrTable": RW | SCAN,
        # Logout: auth.logOut under the lease, tokens dropped, the account's data wiped.
        **LEASE,
        "AccountsTable": ACCOUNTS_RW,
        "MessagesTable": SCAN,
        "MediaTable": SCAN,
        f"MessagesTable{KEYS_ONLY}": DELETE_BY_KEY,
        f"MediaTable{KEYS_ONLY}": DELETE_BY_KEY,
        "MediaBucket": frozenset({"s3:ListBucket"}),
        "MediaBucket/*": frozenset({"s3:DeleteObject"}),
        **TELEGRAM,
    },
    "DialogsFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MessagesTable": RW,
        **TELEGRAM,
    },
    "HistoryFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MessagesTable": RW,
        "MediaTable": frozenset({"dynamodb:BatchWriteItem"}),
        **TELEGRAM,
    },
    "MessagesFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MessagesTable": frozenset({"dynamodb:Query"}),
        "MediaTable": frozenset({"dynamodb:BatchWriteItem"}),
        **TELEGRAM,
    },
    "FilesFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MediaTable": frozenset({"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"}),
        "MediaBucket/*": frozenset({"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"}),
        "MediaBucket": frozenset({"s3:ListBucket"}),
        **TELEGRAM,
    },
    "SyncFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MessagesTable": RW,
        "MediaTable": frozenset({"dynamodb:BatchWriteItem"}),
        "MediaBucket/*": frozenset({"s3:GetObject"}),
        "MediaBucket": frozenset({"s3:ListBucket"}),
        **TELEGRAM,
    },
    "HistoryStreamFunction": {
        "SessionsTable": READ,
        **ACCOUNTS_READ,
        SESSIONS_ENTITY_CACHE: ENTITY_CACHE_WRITE,
        **LEASE,
        "MessagesTable": RW,
        "MediaTable": frozenset({"dynamodb:BatchWriteItem"}),
        **TELEGRAM,
        "ssm:ApiKeyParameter": frozenset({"ssm:GetParameter"}),
    },
}

# Login attributes (tgscraper/storage/item_sessions.py): never writable outside auth.
LOGIN_ATTRIBUTES = {"auth_key", "dc_id", "server_address", "port"}


# -- helpers -------------------------------------------------------------------------------
def _grants(fn: str) -> dict[str, frozenset[str]]:
    grants: dict[str, set[str]] = {}
    for st in statements(fn):
        assert st["Effect"] == "Allow"
        actions = set(as_list(st["Action"]))
        names = [resource_name(r) for r in as_list(st["Resource"])]
        if "ssm:TelegramCredentials" in names:
            assert len(names) == 2, "exactly the two Telegram credential parameters"
            names = ["ssm:TelegramCredentials"]
        allowed = attribute_allow_list(st)
        if allowed is not None and names == ["SessionsTable"]:
            names = [SESSIONS_ENTITY_CACHE]
        elif allowed is not None:
            assert allowed == {"pk", "sk"}, "outside the sessions table: keys only (deletes)"
            names = [f"{name}{KEYS_ONLY}" for name in names]
        for name in names:
            grants.setdefault(name, set()).update(actions)
    return {k: frozenset(v) for k, v in grants.items()}


# -- routes --------------------------------------------------------------------------------
def test_every_spec_route_maps_to_its_groups_function() -> None:
    mapped = {key: fn for key, (fn, _) in routes().items()}
    assert mapped.pop(("ANY", "$default")) == "InfoFunction"
    assert mapped == SPEC_ROUTES


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_each_function_serves_exactly_the_routes_its_app_defines(group: str) -> None:
    """The template's routes and the FastAPI app in functions/<group>/app.py cannot drift."""
    module = importlib.import_module(f"functions.{group}.app")
    # The OpenAPI document lists every route however routers nest (FastAPI includes
    # routers lazily, so app.routes does not).
    paths: dict[str, dict[str, Any]] = module.app.openapi()["paths"]
    app_routes = {(method.upper(), path) for path, ops in paths.items() for method in ops}
    fn = GROUPS[group]
    template_routes = {canonical(key) for key, (owner, _) in routes().items() if owner == fn}
    template_routes.discard(("ANY", "$default"))
    assert template_routes == app_routes


@pytest.mark.parametrize("route", sorted(SPEC_ROUTES), ids=" ".join)
def test_every_route_has_a_sample_event(route: tuple[str, str]) -> None:
    """events/: one API Gateway HTTP API (payload 2.0) sample per route, for the replay tests."""
    keys = set()
    for path in (ROOT / "events").glob("*.json"):
        event = json.loads(path.read_text())
        if event.get("version") == "2.0" and event.get("type") != "REQUEST":
            keys.add(event["routeKey"])
    assert f"{route[0]} {route[1]}" in keys


def test_handlers_resolve_to_importable_modules_in_their_code_folders() -> None:
    for fn, res in functions().items():
        props = res["Properties"]
        code = ROOT / props["CodeUri"]
        module, attr = props["Handler"].rsplit(".", 1)
        if fn == "HistoryStreamFunction":
            script = code / props["Handler"]
            assert script.is_file() and script.stat().st_mode & 0o111, "run.sh is executable"
            continue
        assert (code / f"{module}.py").is_file(), f"{fn}: {module}.py in {code}"
        package = props["CodeUri"].strip("/").replace("/", ".")
        handler = getattr(importlib.import_module(f"{package}.{module}"), attr)
        assert callable(handler)


# -- API auth ------------------------------------------------------------------------------
def test_every_route_but_health_and_login_requires_the_api_key_authorizer() -> None:
    auth = RESOURCES["Api"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "ApiKeyAuthorizer"
    public = {
        key
        for key, (_, props) in routes().items()
        if props.get("Auth", {}).get("Authorizer") == "NONE"
    }
    assert public == PUBLIC_ROUTES
    # No route names another authorizer (which would bypass the key check).
    for _, props in routes().values():
        assert props.get("Auth", {}).get("Authorizer", "ApiKeyAuthorizer") in (
            "ApiKeyAuthorizer",
            "NONE",
        )


def test_the_authorizer_sees_every_request_with_simple_responses() -> None:
    """GIVEN requests with X-API-Key, with a bearer token, or with neither (the open QR
    login) WHEN they reach the API THEN each one reaches the authorizer: no identity
    source (a missing one is a 401 before the function runs) and so no API Gateway cache
    (which needs identity sources); the function caches in memory."""
    authorizer = RESOURCES["Api"]["Properties"]["Auth"]["Authorizers"]["ApiKeyAuthorizer"]
    assert authorizer["FunctionArn"] == {"GetAtt": "AuthorizerFunction.Arn"}
    assert authorizer["AuthorizerPayloadFormatVersion"] == "2.0"
    assert authorizer["EnableSimpleResponses"] is True
    assert authorizer["Identity"] == {"ReauthorizeEvery": 0}
    env = RESOURCES["AuthorizerFunction"]["Properties"]["Environment"]["Variables"]
    assert env["API_KEY_PARAM"] == {"Ref": "ApiKeyParameter"}


def test_auth_mode_defaults_to_token_and_reaches_every_function() -> None:
    param = T["Parameters"]["AuthMode"]
    assert param["AllowedValues"] == ["header", "token"] and param["Default"] == "token"
    # Globals reach every function, the authorizer included.
    assert GLOBAL_FN["Environment"]["Variables"]["AUTH_MODE"] == {"Ref": "AuthMode"}
    assert GLOBAL_FN["Environment"]["Variables"]["ACCOUNTS_TABLE"] == {"Ref": "AccountsTable"}
    for fn, res in functions().items():
        own = res["Properties"].get("Environment", {}).get("Variables", {})
        assert "AUTH_MODE" not in own and "ACCOUNTS_TABLE" not in own, fn


def test_the_open_qr_routes_are_the_authorizers_and_get_tighter_throttling() -> None:
    """The route keys the authorizer opens in token mode are template routes (a renamed
    route would silently close the login), and QR starts are throttled harder."""
    from functions.authorizer.authorizer_app import OPEN_ROUTES

    qr_routes = {
        f"{method} {path}"
        for (method, path), (fn, _) in routes().items()
        if fn == "AuthFunction" and path.startswith("/api/v3/auth/qr")
    }
    assert qr_routes == OPEN_ROUTES
    props = RESOURCES["Api"]["Properties"]
    start = props["RouteSettings"]["POST /api/v3/auth/qr"]
    assert start == {
        "ThrottlingRateLimit": {"Ref": "LoginThrottleRate"},
        "ThrottlingBurstLimit": {"Ref": "LoginThrottleBurst"},
    }
    params = T["Parameters"]
    assert params["LoginThrottleRate"]["Default"] < params["ApiThrottleRate"]["Default"]
    assert params["LoginThrottleBurst"]["Default"] < params["ApiThrottleBurst"]["Default"]


def test_no_secret_value_is_ever_an_environment_variable() -> None:
    envs = [GLOBAL_FN["Environment"]["Variables"]] + [
        res["Properties"].get("Environment", {}).get("Variables", {})
        for res in functions().values()
    ]
    for env in envs:
        for name in env:
            assert name not in {"API_KEY", "TELEGRAM_API_ID", "TELEGRAM_API_HASH"}, name


# -- least privilege -----------------------------------------------------------------------
@pytest.mark.parametrize("fn", sorted(EXPECTED_GRANTS))
def test_each_function_has_exactly_the_grants_its_services_need(fn: str) -> None:
    assert _grants(fn) == EXPECTED_GRANTS[fn]


def test_every_function_is_covered_by_the_grant_table() -> None:
    assert set(functions()) == set(EXPECTED_GRANTS)


def test_no_wildcard_actions_and_kms_only_through_ssm_for_named_parameters() -> None:
    for fn in functions():
        for st in statements(fn):
            for action in as_list(st["Action"]):
                assert "*" not in action, f"{fn}: {action}"
            if as_list(st["Action"]) == ["kms:Decrypt"]:
                cond = st["Condition"]["StringEquals"]
                assert cond["kms:ViaService"] == {"Sub": "ssm.${AWS::Region}.amazonaws.com"}
                contexts = as_list(cond["kms:EncryptionContext:PARAMETER_ARN"])
                assert contexts and all(":ssm:" in c["Sub"] for c in contexts)


def test_only_auth_can_write_a_login_to_the_sessions_table() -> None:
    for fn in functions():
        for st in statements(fn):
            names = {resource_name(r) for r in as_list(st["Resource"])}
            if "SessionsTable" not in names or not set(as_list(st["Action"])) & WRITE:
                continue
            if fn == "AuthFunction":
                continue
            allowed = set(st["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"])
            assert not allowed & LOGIN_ATTRIBUTES, fn


def test_the_sessions_write_allow_list_covers_what_the_entity_cache_writes(
    aws_settings: Settings,
) -> None:
    """Runs the entity cache against moto, records the attribute names each write request
    to the sessions table carries, and checks them against dynamodb:Attributes; the
    account lease goes to its own table and never touches the sessions table."""
    import asyncio

    import boto3

    from tgscraper.storage.factory import build_aws_stores
    from tgscraper.storage.sessions import EntityRow, SessionRecord
    from tgscraper.telegram.lease import Lease

    written: set[str] = set()

    def record(params: dict[str, Any], **_: Any) -> None:
        tables = {params.get("TableName"), *params.get("RequestItems", {})}
        if aws_settings.sessions_table not in tables:
            return
        for name in ("Item", "Key"):
            written.update(params.get(name, {}))
        written.update(params.get("ExpressionAttributeNames", {}).values())
        for requests in params.get("RequestItems", {}).values():
            for req in requests:
                body = req.get("PutRequest", {}).get("Item") or req["DeleteRequest"]["Key"]
                written.update(body)

    client = boto3.client("dynamodb")
    client.meta.events.register("provide-client-params.dynamodb.*", record)
    stores = build_aws_stores(aws_settings, client_factory=lambda _svc: lambda: client)

    stores.sessions.put_entities(
        "alice", [EntityRow(id=-1001234567890, hash=42, username="chan", name="Chan", date=1)]
    )
    lease = Lease(stores.leases, "alice")
    assert lease.try_acquire() and lease.renew()
    asyncio.run(lease.release())
    assert stores.leases is not stores.sessions

    sid = "SessionsEntityCacheOnly"
    statement = next(st for st in statements("FilesFunction") if st.get("Sid") == sid)
    allowed = set(statement["Condition"]["ForAllValues:StringEquals"]["dynamodb:Attributes"])
    assert written and written <= allowed

    # ...and a login write carries attributes outside it, so the condition blocks it.
    written.clear()
    stores.sessions.save("alice", SessionRecord(2, "149.154.167.51", 443, b"k" * 256))
    assert written & LOGIN_ATTRIBUTES and not written <= allowed


# -- storage -------------------------------------------------------------------------------
@pytest.mark.parametrize("table", TABLES)
def test_tables_have_ttl_and_encryption_and_pitr_only_for_logins(table: str) -> None:
    props = RESOURCES[table]["Properties"]
    assert props["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    assert props["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
    # Point-in-time recovery costs per GB-month: only the logins cannot be re-made.
    pitr = props.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")
    assert bool(pitr) == (table in IRREPLACEABLE_TABLES)
    assert props["SSESpecification"]["SSEEnabled"] is True
    assert props["BillingMode"] == "PAY_PER_REQUEST"


def test_logins_accounts_media_index_and_media_survive_stack_deletion() -> None:
    for name in ("SessionsTable", "AccountsTable", "MediaTable", "MediaBucket"):
        assert RESOURCES[name]["DeletionPolicy"] == "Retain"
        assert RESOURCES[name]["UpdateReplacePolicy"] == "Retain"


def test_bucket_is_encrypted_private_tls_only_and_cleans_up_unfinished_uploads() -> None:
    props = RESOURCES["MediaBucket"]["Properties"]
    sse = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert sse["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    rules = props["LifecycleConfiguration"]["Rules"]
    abort = next(r for r in rules if "AbortIncompleteMultipartUpload" in r)
    assert abort["Status"] == "Enabled"
    assert abort["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] <= 7
    deny = RESOURCES["MediaBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_environment_names_are_the_ones_the_settings_read(monkeypatch: pytest.MonkeyPatch) -> None:
    env = GLOBAL_FN["Environment"]["Variables"]
    for name in env:
        monkeypatch.setenv(name, f"value-of-{name}")
    monkeypatch.setenv("STORAGE_BACKEND", "aws")
    monkeypatch.setenv("AUTH_MODE", "token")
    settings = Settings.from_env()
    assert settings.storage_backend == "aws" and settings.auth_mode == "token"
    for field in (
        "sessions_table",
        "leases_table",
        "qr_table",
        "messages_table",
        "media_table",
        "accounts_table",
        "media_bucket",
        "telegram_api_id_param",
        "telegram_api_hash_param",
    ):
        assert str(getattr(settings, field)).startswith("value-of-"), field
    assert env["SESSIONS_TABLE"] == {"Ref": "SessionsTable"}
    assert env["MEDIA_BUCKET"] == {"Ref": "MediaBucket"}


def test_the_layer_is_built_from_layers_common_and_every_api_function_uses_it() -> None:
    layer = RESOURCES["CommonLayer"]
    # BuildMethod python3.x copies ContentUri into python/: it must be the folder holding
    # tgscraper/ (tests/build/ checks the built layer itself).
    assert layer["Properties"]["ContentUri"] == "layers/common/python/"
    assert (ROOT / "layers/common/requirements.txt").is_file()
    assert "-r ../requirements.txt" in (ROOT / "layers/common/python/requirements.txt").read_text()
    assert (ROOT / "layers/common/python/tgscraper/__init__.py").is_file()
    for fn in GROUPS.values():
        assert {"Ref": "CommonLayer"} in RESOURCES[fn]["Properties"]["Layers"]
    # The authorizer stays tiny: no layer, so its cold start is the runtime's alone.
    assert "Layers" not in RESOURCES["AuthorizerFunction"]["Properties"]
    assert "Layers" not in GLOBAL_FN


# -- Lambda limits -------------------------------------------------------------------------
def test_api_functions_finish_inside_the_api_gateway_timeout_with_sized_memory() -> None:
    for fn in [*GROUPS.values(), "AuthorizerFunction"]:
        props = RESOURCES[fn]["Properties"]
        assert "MemorySize" in props and "Timeout" in props, f"{fn} chooses its own limits"
        assert props["Timeout"] <= 29, f"{fn}: API Gateway cuts integrations at 30 s"
    history_env = RESOURCES["HistoryFunction"]["Properties"]["Environment"]["Variables"]
    assert (
        float(history_env["HISTORY_MAX_SECONDS"])
        < RESOURCES["HistoryFunction"]["Properties"]["Timeout"]
    )
    assert int(history_env["HISTORY_MAX_RESPONSE_BYTES"]) < 6_000_000
    files_env = RESOURCES["FilesFunction"]["Properties"]["Environment"]["Variables"]
    # base64 grows the body by a third; it must still fit the 6 MB buffered response.
    assert int(files_env["FILES_INLINE_MAX_BYTES"]) * 4 / 3 < 6_000_000
    assert (
        float(files_env["FILES_WAIT_SECONDS"]) < RESOURCES["FilesFunction"]["Properties"]["Timeout"]
    )


def test_streaming_history_variant_is_optional_and_guarded_by_the_app_key() -> None:
    fn = RESOURCES["HistoryStreamFunction"]
    assert fn["Condition"] == "StreamHistory"
    assert T["Conditions"]["StreamHistory"] == {"Equals": [{"Ref": "HistoryStreaming"}, "true"]}
    assert T["Parameters"]["HistoryStreaming"]["Default"] == "false"
    url = RESOURCES["HistoryStreamUrl"]
    assert url["Properties"]["InvokeMode"] == "RESPONSE_STREAM"
    env = fn["Properties"]["Environment"]["Variables"]
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    # A Function URL bypasses the authorizer: the app's X-API-Key guard takes over.
    assert env["API_KEY_PARAM"] == {"Ref": "ApiKeyParameter"}


def test_cfn_lint_passes() -> None:
    from cfnlint.api import lint_file

    matches = lint_file(Path(TEMPLATE))
    assert [str(m) for m in matches] == []


# -- cold start ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "module",
    [
        "functions.info.app",
        "functions.authorizer.authorizer_app",
        "functions.files.app",
    ],
)
def test_handlers_that_can_serve_from_the_store_import_no_telethon(module: str) -> None:
    """A cold Lambda pays for every import: Telethon (~0.3 s) only where Telegram is used."""
    import subprocess
    import sys

    code = f"import sys, {module}; print([m for m in ('telethon', 'boto3') if m in sys.modules])"
    path = os.pathsep.join([str(ROOT / "layers/common/python"), str(ROOT)])
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "[]"


def test_every_function_has_a_log_group_with_retention() -> None:
    # GIVEN the stack WHEN it is deployed THEN no function's logs are kept forever
    groups = {
        str(res["Properties"].get("LogGroupName", {}).get("Sub")): res
        for res in RESOURCES.values()
        if res["Type"] == "AWS::Logs::LogGroup"
    }
    for name, fn in functions().items():
        group = groups.get(f"/aws/lambda/${{{name}}}")
        assert group is not None, f"{name} has no log group"
        assert group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
        assert group.get("Condition") == fn.get("Condition"), f"{name}: same condition"
