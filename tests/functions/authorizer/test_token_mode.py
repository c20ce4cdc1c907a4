"""The authorizer in AUTH_MODE=token: bearer tokens from the accounts table (moto, created
from template.yaml), the operator key, the open QR login routes, the cache, fail-closed."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.authorizer import authorizer_app
from functions.authorizer.authorizer_app import DynamoLookup, KeyCache, TokenCache
from tgscraper.accounts.store import AccountStore, lookup_pk, token_digest
from tgscraper.config import Settings
from tgscraper.storage.factory import build_aws_stores

EVENTS = Path(__file__).resolve().parents[3] / "events"
BEARER_EVENT = json.loads((EVENTS / "authorizer_bearer_request.json").read_text())
KEY_EVENT = json.loads((EVENTS / "authorizer_request.json").read_text())
KEY = KEY_EVENT["headers"]["x-api-key"]
PARAM = "/tgscraper/api-key"
ALLOWED = {"isAuthorized": True}
DENIED = {"isAuthorized": False}


class CountingLookup:
    """The real DynamoDB lookup, counted; `fail` makes it raise as an outage would."""

    def __init__(self) -> None:
        self.calls = 0
        self.fail = False
        self._real = DynamoLookup()

    def __call__(self, table: str, digest: str) -> str | None:
        self.calls += 1
        if self.fail:
            raise ConnectionError("endpoint unreachable")
        return self._real(table, digest)


@pytest.fixture
def lookup(aws_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[CountingLookup]:
    """Token mode against moto's accounts table; SSM holds the operator key; fresh caches."""
    counting = CountingLookup()
    monkeypatch.setenv("AUTH_MODE", "token")
    monkeypatch.setenv("ACCOUNTS_TABLE", aws_settings.accounts_table)
    monkeypatch.setenv("API_KEY_PARAM", PARAM)
    monkeypatch.setattr(authorizer_app, "_cache", KeyCache())
    monkeypatch.setattr(authorizer_app, "_tokens", TokenCache(lookup=counting))
    boto3.client("ssm").put_parameter(Name=PARAM, Value=KEY, Type="SecureString")
    yield counting


@pytest.fixture
def accounts(aws_settings: Settings) -> AccountStore:
    return AccountStore(build_aws_stores(aws_settings).accounts)


def _event(
    *, bearer: str | None = None, key: str | None = None, route: str | None = None
) -> dict[str, Any]:
    event = copy.deepcopy(BEARER_EVENT)
    event["headers"].pop("authorization")
    if bearer is not None:
        event["headers"]["authorization"] = f"Bearer {bearer}"
    if key is not None:
        event["headers"]["x-api-key"] = key
    if route is not None:
        event["routeKey"] = event["requestContext"]["routeKey"] = route
    return event


def test_a_valid_token_is_allowed_and_names_its_account(
    lookup: CountingLookup, accounts: AccountStore
) -> None:
    """GIVEN a token issued to alice WHEN a data route is called with it
    THEN the request passes with alice's username in the authorizer context."""
    issued = accounts.issue("alice")
    got = authorizer_app.handler(_event(bearer=issued.token), None)
    assert got == {"isAuthorized": True, "context": {"username": "alice"}}


def test_the_sample_bearer_event_passes_once_its_token_is_stored(
    lookup: CountingLookup, aws_settings: Settings
) -> None:
    """GIVEN the lookup item of the events/ sample's token WHEN the sample is replayed
    THEN it is allowed (the built-artifact replay stores the same item)."""
    token = BEARER_EVENT["headers"]["authorization"].removeprefix("Bearer ")
    boto3.client("dynamodb").put_item(
        TableName=aws_settings.accounts_table,
        Item={
            "pk": {"S": lookup_pk(token_digest(token))},
            "sk": {"S": "token"},
            "username": {"S": "john_doe"},
            "id": {"S": "0123456789abcdef"},
        },
    )
    got = authorizer_app.handler(BEARER_EVENT, None)
    assert got == {"isAuthorized": True, "context": {"username": "john_doe"}}


@pytest.mark.parametrize(
    "bearer",
    [
        "tgs_" + "A" * 43,  # well formed, never issued
        "tgs_" + "A" * 42,  # too short
        "tgs_" + "A" * 44,  # too long
        "tgs_" + "A" * 42 + "!",  # not URL-safe base64
        "sk_" + "A" * 44,  # another scheme's token
        "",
    ],
)
def test_unknown_or_malformed_tokens_are_denied(lookup: CountingLookup, bearer: str) -> None:
    assert authorizer_app.handler(_event(bearer=bearer), None) == DENIED


def test_malformed_tokens_cost_no_dynamodb_call(lookup: CountingLookup) -> None:
    authorizer_app.handler(_event(bearer="not-a-token"), None)
    assert lookup.calls == 0


def test_a_revoked_token_is_denied_once_the_cache_no_longer_holds_it(
    lookup: CountingLookup, accounts: AccountStore
) -> None:
    """GIVEN a token that was revoked before the authorizer saw it WHEN it is presented
    THEN it is denied (while cached, the app's own per-request check refuses it)."""
    issued = accounts.issue("alice")
    assert accounts.revoke("alice", issued.info.id)
    assert authorizer_app.handler(_event(bearer=issued.token), None) == DENIED


def test_another_scheme_or_a_bare_token_is_denied(
    lookup: CountingLookup, accounts: AccountStore
) -> None:
    issued = accounts.issue("alice")
    event = _event()
    event["headers"]["authorization"] = f"Basic {issued.token}"
    assert authorizer_app.handler(event, None) == DENIED
    event["headers"]["authorization"] = issued.token
    assert authorizer_app.handler(event, None) == DENIED


def test_the_scheme_and_header_name_are_case_insensitive(
    lookup: CountingLookup, accounts: AccountStore
) -> None:
    issued = accounts.issue("alice")
    event = _event()
    event["headers"]["Authorization"] = f"bearer {issued.token}"
    assert authorizer_app.handler(event, None)["isAuthorized"] is True


def test_the_operator_key_still_passes_and_a_wrong_one_does_not(lookup: CountingLookup) -> None:
    """The operator key passes and says so in the context, which the function trusts
    (tgscraper.api.callers.is_operator): a header could be forged, the context not."""
    as_operator = {**ALLOWED, "context": {"operator": True}}
    assert authorizer_app.handler(_event(key=KEY), None) == as_operator
    assert authorizer_app.handler(_event(key=KEY + "x"), None) == DENIED
    # A bad token beside a good key: the key decides.
    assert authorizer_app.handler(_event(bearer="tgs_" + "B" * 43, key=KEY), None) == as_operator


@pytest.mark.parametrize("route", sorted(authorizer_app.OPEN_ROUTES))
def test_the_qr_login_routes_are_open_without_credentials(
    lookup: CountingLookup, route: str
) -> None:
    """GIVEN token mode WHEN a QR login route is called with no header at all
    THEN it passes: the QR flow's own random id is the capability."""
    assert authorizer_app.handler(_event(route=route), None) == ALLOWED
    assert lookup.calls == 0


@pytest.mark.parametrize(
    "route",
    [
        "GET /api/v3/folders",
        "GET /api/v3/history/{dialog_id}",
        "GET /api/v3/files/{uuid}",
        "GET /api/v3/auth/tokens",
        "POST /api/v3/auth/tokens",
        "DELETE /api/v3/auth/tokens/{token_id}",
        "DELETE /api/v3/auth/session",
        "$default",
    ],
)
def test_other_routes_without_credentials_are_denied(lookup: CountingLookup, route: str) -> None:
    assert authorizer_app.handler(_event(route=route), None) == DENIED


def test_the_route_comes_from_api_gateway_not_the_path(lookup: CountingLookup) -> None:
    """A path that looks like the login does not open a data route (routeKey decides)."""
    event = _event(route="GET /api/v3/folders")
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/api/v3/auth/qr"
    assert authorizer_app.handler(event, None) == DENIED


def test_a_second_request_is_served_from_the_cache(
    lookup: CountingLookup, accounts: AccountStore
) -> None:
    issued = accounts.issue("alice")
    for _ in range(3):
        assert authorizer_app.handler(_event(bearer=issued.token), None)["isAuthorized"]
    assert lookup.calls == 1


def test_unknown_tokens_are_not_cached(lookup: CountingLookup, accounts: AccountStore) -> None:
    """GIVEN an unknown token WHEN it is presented twice THEN both times DynamoDB is asked:
    a denial is not remembered, so a token works the moment it is issued."""
    for _ in range(2):
        authorizer_app.handler(_event(bearer="tgs_" + "C" * 43), None)
    assert lookup.calls == 2


def test_a_dynamodb_failure_denies(lookup: CountingLookup, accounts: AccountStore) -> None:
    """GIVEN DynamoDB unreachable WHEN a valid token is presented THEN it is denied (fails
    closed), and it passes again once DynamoDB answers (failures are not cached)."""
    issued = accounts.issue("alice")
    lookup.fail = True
    assert authorizer_app.handler(_event(bearer=issued.token), None) == DENIED
    lookup.fail = False
    assert authorizer_app.handler(_event(bearer=issued.token), None)["isAuthorized"] is True


def test_without_accounts_table_every_token_is_denied(
    lookup: CountingLookup, accounts: AccountStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = accounts.issue("alice")
    monkeypatch.delenv("ACCOUNTS_TABLE")
    assert authorizer_app.handler(_event(bearer=issued.token), None) == DENIED


def test_tokens_never_reach_the_log(
    lookup: CountingLookup, accounts: AccountStore, caplog: pytest.LogCaptureFixture
) -> None:
    """GIVEN a failed lookup and a denied token WHEN both are logged THEN neither token
    (nor a piece of it) is in the log."""
    issued = accounts.issue("alice")
    caplog.set_level("DEBUG", logger="tgscraper.authorizer")
    lookup.fail = True
    authorizer_app.handler(_event(bearer=issued.token), None)
    lookup.fail = False
    authorizer_app.handler(_event(bearer="tgs_" + "D" * 43), None)
    assert caplog.records, "the failure and the denial are logged"
    assert issued.token not in caplog.text and "D" * 43 not in caplog.text
    assert issued.token[4:12] not in caplog.text


def test_an_unknown_auth_mode_denies_everything(
    lookup: CountingLookup, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AUTH_MODE", "tokens")
    assert authorizer_app.handler(_event(key=KEY), None) == DENIED
    assert authorizer_app.handler(_event(route="POST /api/v3/auth/qr"), None) == DENIED


@pytest.mark.parametrize("mode", ["header", "", "HEADER"])
def test_header_mode_is_todays_key_check_on_every_route(
    lookup: CountingLookup, accounts: AccountStore, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    """GIVEN AUTH_MODE=header (or unset) WHEN requests come THEN only X-API-Key counts:
    tokens do not pass, the QR routes need the key, and the answer has no context."""
    monkeypatch.setenv("AUTH_MODE", mode)
    issued = accounts.issue("alice")
    assert authorizer_app.handler(_event(bearer=issued.token), None) == DENIED
    assert authorizer_app.handler(_event(route="POST /api/v3/auth/qr"), None) == DENIED
    assert authorizer_app.handler(_event(key=KEY), None) == ALLOWED
    assert lookup.calls == 0


def test_the_cache_forgets_after_its_lifetime_and_stays_bounded() -> None:
    now = [0.0]
    calls: list[str] = []

    def fake(table: str, digest: str) -> str:
        calls.append(digest)
        return "alice"

    cache = TokenCache(lookup=fake, ttl=30, size=2, clock=lambda: now[0])
    tokens = [f"tgs_{c * 43}" for c in "EFG"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ACCOUNTS_TABLE", "t")
        assert cache.username(tokens[0]) == "alice"
        now[0] = 29.9
        assert cache.username(tokens[0]) == "alice" and len(calls) == 1
        now[0] = 30.0
        assert cache.username(tokens[0]) == "alice" and len(calls) == 2
        cache.username(tokens[1])
        cache.username(tokens[2])  # evicts the oldest (tokens[0])
        assert len(cache._hits) == 2
        cache.username(tokens[0])
        assert len(calls) == 5
