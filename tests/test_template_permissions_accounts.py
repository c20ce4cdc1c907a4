"""Every AccountsTable call of token mode is allowed by the calling function's role.

GIVEN moto with the template's tables WHEN the auth function binds a username and
issues, lists and revokes tokens, each data function resolves a bearer token and reads
the binding (tgscraper.accounts.AccountStore, the code those functions run), and the
authorizer looks a token up (its own boto3 call) THEN each DynamoDB request, recorded
with its operation and table, is allowed by that function's statements in template.yaml.
"""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from functions.authorizer import authorizer_app
from functions.authorizer.authorizer_app import TokenCache
from tests.support import template_policy as tp
from tests.test_template_permissions import Call, Recorder
from tgscraper.accounts.store import AccountStore
from tgscraper.config import Settings
from tgscraper.storage.factory import build_aws_stores

DATA_FUNCTIONS = (
    "DialogsFunction",
    "HistoryFunction",
    "MessagesFunction",
    "FilesFunction",
    "SyncFunction",
    "HistoryStreamFunction",
)


def _denied(calls: dict[str, list[Call]]) -> list[str]:
    return sorted(
        f"{fn}: {c.action} on {c.resource}"
        for fn, fn_calls in calls.items()
        for c in set(fn_calls)
        if not tp.allows(fn, c.action, c.resource, set(c.attributes))
    )


@pytest.fixture
def recorder(aws_settings: Settings) -> Recorder:
    return Recorder(names={aws_settings.accounts_table: "AccountsTable"})


def test_token_issue_resolve_and_revoke_are_allowed_for_each_function(
    aws_settings: Settings, recorder: Recorder
) -> None:
    accounts = AccountStore(
        build_aws_stores(aws_settings, client_factory=recorder.client_factory).accounts
    )
    recorder.current = "AuthFunction"
    accounts.bind("alice", 1001)
    issued = accounts.issue("alice", "laptop")
    assert [t.id for t in accounts.tokens("alice")] == [issued.info.id]
    for fn in DATA_FUNCTIONS:
        recorder.current = fn
        assert accounts.resolve(issued.token) is not None
        assert accounts.bound_user_id("alice") == 1001
    recorder.current = "AuthFunction"
    assert accounts.revoke("alice", issued.info.id)

    calls = recorder.calls
    assert set(calls) == {"AuthFunction", *DATA_FUNCTIONS}
    auth_actions = {c.action for c in calls["AuthFunction"]}
    assert {"dynamodb:PutItem", "dynamodb:Query", "dynamodb:DeleteItem"} <= auth_actions
    for fn in DATA_FUNCTIONS:
        assert {c.action for c in calls[fn]} == {"dynamodb:GetItem"}, fn
    assert _denied(calls) == []


def test_the_authorizers_token_lookup_is_allowed_by_its_role(
    aws_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = AccountStore(build_aws_stores(aws_settings).accounts).issue("alice")
    monkeypatch.setenv("AUTH_MODE", "token")
    monkeypatch.setenv("ACCOUNTS_TABLE", aws_settings.accounts_table)
    monkeypatch.setattr(authorizer_app, "_tokens", TokenCache())
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(params: dict[str, Any], model: Any, **_: Any) -> None:
        seen.append((model.name, params))

    # The authorizer builds its client from boto3's default session: listen there.
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("provide-client-params.dynamodb.*", record)
    event = {
        "routeKey": "GET /api/v3/folders",
        "headers": {"authorization": f"Bearer {issued.token}"},
    }
    assert authorizer_app.handler(event, None)["isAuthorized"] is True
    boto3.setup_default_session()  # drop the listener

    assert [op for op, _ in seen] == ["GetItem"]
    params = seen[0][1]
    assert params["TableName"] == aws_settings.accounts_table and params["ConsistentRead"]
    assert tp.allows("AuthorizerFunction", "dynamodb:GetItem", "AccountsTable")
    for action in ("dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"):
        assert not tp.allows("AuthorizerFunction", action, "AccountsTable")
