"""AUTH_MODE=token through the Lambda handlers: the events/ samples replayed with headers.

GIVEN the auth and dialogs handlers on AWS stores (moto) in token mode, each invocation
on a fresh container (a cold Lambda), alice logged in by replaying the QR samples, and
mallory logged in as another Telegram account,
WHEN the samples are replayed with forged or foreign credentials,
THEN the takeover fails, mallory's token reads nothing of alice's, a revoked token is
refused at once, and only the authorizer's own context (not a header) makes an operator.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from types import ModuleType
from typing import Any

import pytest

from local.simtg import SimulatedTelegram
from tests.support.auth_flow import EVENT_TOKEN, fresh_stores, load_event
from tgscraper.config import Settings
from tgscraper.container import Container


@dataclass
class Lambda:
    settings: Settings
    sim: SimulatedTelegram

    def invoke(
        self,
        module: ModuleType,
        sample: str | dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        body: Any = None,
        token: str | None = None,
        authorizer: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        event = load_event(sample) if isinstance(sample, str) else sample
        event["headers"].pop("x-telegram-username", None)
        event["headers"].update({k.lower(): v for k, v in (headers or {}).items()})
        if body is not None:
            event["body"], event["isBase64Encoded"] = json.dumps(body), False
        if token is not None:
            for holder in (event, event["requestContext"]["http"]):
                key = "rawPath" if holder is event else "path"
                holder[key] = holder[key].replace(EVENT_TOKEN, token)
            event["pathParameters"] = {"token": token}
        if authorizer is not None:
            event["requestContext"]["authorizer"] = {"lambda": authorizer}
        module.app.state.container = Container(
            self.settings,
            stores=fresh_stores(self.settings),
            client_factory=self.sim.client,
            mode="demo",
        )
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            result = module.handler(event, None)
        finally:
            asyncio.set_event_loop(None)
            loop.close()
        raw = result.get("body") or ""
        content = base64.b64decode(raw) if result.get("isBase64Encoded") else raw.encode()
        return result["statusCode"], json.loads(content) if content else None

    def login(self, username: str, user_id: int | None = None, **headers: str) -> dict[str, Any]:
        from functions.auth import app as auth

        status, started = self.invoke(
            auth, "auth_start_qr.json", body={"username": username}, headers=headers
        )
        assert status == 200, started
        _, pending = self.invoke(auth, "auth_poll_qr.json", token=started["token"])
        self.sim.approve_qr(pending["qr_url"], user_id=user_id)
        _, done = self.invoke(auth, "auth_poll_qr.json", token=started["token"])
        assert done["status"] == "success", done
        return done


@pytest.fixture
def lam(aws_settings: Settings, sim: SimulatedTelegram) -> Iterator[Lambda]:
    from functions.auth import app as auth
    from functions.dialogs import app as dialogs

    originals = auth.app.state.container, dialogs.app.state.container
    yield Lambda(replace(aws_settings, auth_mode="token"), sim)
    auth.app.state.container, dialogs.app.state.container = originals


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_takeover_fails_and_foreign_tokens_read_nothing_through_the_handlers(
    lam: Lambda, sim: SimulatedTelegram
) -> None:
    from functions.auth import app as auth
    from functions.dialogs import app as dialogs

    alice = lam.login("alice")["access_token"]
    other = next(uid for uid in sim.world.users if uid != sim.world.me.id)
    mallory = lam.login("mallory", user_id=other)["access_token"]

    # A forced start of alice: refused without her token, with mallory's, and with a
    # header claiming operator powers; allowed by the authorizer's operator context.
    takeover = {"username": "alice", "force": True}
    assert lam.invoke(auth, "auth_start_qr.json", body=takeover)[0] == 403
    assert lam.invoke(auth, "auth_start_qr.json", body=takeover, headers=_bearer(mallory))[0] == 403
    forged = {"x-api-key": "anything", "x-operator": "true"}
    assert lam.invoke(auth, "auth_start_qr.json", body=takeover, headers=forged)[0] == 403
    status, _ = lam.invoke(auth, "auth_start_qr.json", body=takeover, authorizer={"operator": True})
    assert status == 200

    # Dialog search: alice's token reads hers; mallory's token with alice's name is a 403.
    assert lam.invoke(dialogs, "dialogs_search.json", headers=_bearer(alice))[0] == 200
    crossed = {**_bearer(mallory), "X-Telegram-Username": "alice"}
    status, body = lam.invoke(dialogs, "dialogs_search.json", headers=crossed)
    assert status == 403 and "mallory" in body["detail"]
    header_only = {"X-Telegram-Username": "alice"}
    assert lam.invoke(dialogs, "dialogs_search.json", headers=header_only)[0] == 401


def test_a_revoked_token_is_refused_by_the_next_invocation(lam: Lambda) -> None:
    from functions.auth import app as auth

    login = lam.login("alice")["access_token"]
    status, made = lam.invoke(
        auth, "auth_tokens_create.json", headers=_bearer(login), body={"label": "ci"}
    )
    assert status == 201 and made["label"] == "ci"
    status, listed = lam.invoke(auth, "auth_tokens_list.json", headers=_bearer(made["token"]))
    assert status == 200 and {t["label"] for t in listed["tokens"]} == {"login", "ci"}

    revoke = load_event("auth_tokens_revoke.json")
    sample_id = revoke["pathParameters"]["token_id"]
    for holder, key in ((revoke, "rawPath"), (revoke["requestContext"]["http"], "path")):
        holder[key] = holder[key].replace(sample_id, made["id"])
    revoke["pathParameters"] = {"token_id": made["id"]}
    status, body = lam.invoke(auth, revoke, headers=_bearer(login))
    assert status == 200 and body == {"status": "revoked", "id": made["id"]}
    assert lam.invoke(auth, "auth_tokens_list.json", headers=_bearer(made["token"]))[0] == 401
    assert lam.invoke(auth, "auth_tokens_list.json", headers=_bearer(login))[0] == 200
