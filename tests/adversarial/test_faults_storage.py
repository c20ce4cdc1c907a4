"""Storage faults: DynamoDB throttling (ProvisionedThroughputExceeded) and lost races
(ConditionalCheckFailed), S3 failing on write and read, SQLite/folder failures.

On the AWS set the errors are real botocore ClientErrors injected below the adapters
(on the moto-backed clients), so the adapters' own error mapping runs; on the embedded
set the store wrappers raise the port's StorageError / ConditionFailed. Each fault must
give a clean answer (503 + Retry-After or 429/502 before the first byte, an SSE error
frame after it, never a trace), leave the stores consistent, and a retry must succeed.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.adversarial.instrument import arm_botocore
from tests.adversarial.rig import (
    Rig,
    assert_error,
    assert_history_consistent,
    assert_store_consistent,
    cached_ids,
)
from tests.support.files import expected_bytes, index_media, media_message
from tests.support.history import ALICE, complete, expected_ids, messages_of, parse_sse
from tgscraper.storage.ports import ConditionFailed, StorageError

USER = {"X-Telegram-Username": ALICE}
THROTTLED = "ProvisionedThroughputExceededException"
CONDITION = "ConditionalCheckFailedException"

_DYNAMO_OPS = {
    "get": "GetItem",
    "put": "PutItem",
    "query": "Query",
    "delete": "DeleteItem",
    "put_many": "BatchWriteItem",
    "delete_many": "BatchWriteItem",
}
_TABLES = {
    "messages": "messages_table",
    "media": "media_table",
    "qr": "qr_table",
    "leases": "leases_table",
    "sessions": "sessions_table",
}


def fail_table(
    rig: Rig,
    store: str,
    op: str,
    *,
    condition: bool = False,
    after: int = 0,
    only_conditional: bool = False,
) -> None:
    """Make `store`'s `op` fail from the (after+1)-th call on: throttled, or (condition)
    a lost compare-and-set."""
    if rig.settings.storage_backend == "embedded":
        exc = ConditionFailed("injected") if condition else StorageError("injected: throttled")
        rig.faults.arm(store, op, exc, after=after)
        return
    table = getattr(rig.settings, _TABLES[store])
    seen = [0]

    def when(request: dict[str, Any]) -> bool:
        body = request.get("body") or {}
        names = [body.get("TableName"), *(body.get("RequestItems") or {})]
        if table not in names:
            return False
        if only_conditional and "ConditionExpression" not in body:
            return False
        seen[0] += 1
        return seen[0] > after

    code = CONDITION if condition else THROTTLED
    arm_botocore(rig.aws["dynamodb"], _DYNAMO_OPS[op], code, when=when, faults=rig.faults)


def fail_blobs(rig: Rig, op: str) -> None:
    """S3 (or the folder) failing: op is "write" (the upload) or "read" / "size"."""
    if rig.settings.storage_backend == "embedded":
        rig.faults.arm("blobs", {"write": "commit"}.get(op, op), StorageError("injected: S3"))
        return
    operations = {
        "write": ("PutObject", "UploadPart", "CompleteMultipartUpload"),
        "read": ("GetObject",),
        "size": ("HeadObject",),
    }[op]
    for operation in operations:
        arm_botocore(rig.aws["s3"], operation, "SlowDown", status=503, faults=rig.faults)


def history(http: TestClient, rig: Rig, **params: Any) -> Any:
    return http.get(f"/api/v3/history/{rig.big}", headers=USER, params={"chunk_size": 50, **params})


def assert_full_history(response: Any, rig: Rig) -> None:
    assert response.status_code == 200
    events = complete(parse_sse(response.text))
    ids = [m["message_id"] for m in messages_of(events)]
    assert ids == expected_ids(rig.world, rig.big, 0, 2**40)


def assert_stream_failed_cleanly(response: Any, status: int | None = None) -> None:
    """An error status before the first byte, or a final SSE error frame (with `status`)."""
    if response.status_code != 200:
        assert_error(response, *((status,) if status else (500, 503)))
        return
    last = parse_sse(response.text)[-1]
    assert last.event == "error" and isinstance(last.data["detail"], str), last
    assert "Traceback" not in last.data["detail"]
    if status is not None:
        assert last.data["status"] == status, last


# -- history: the message cache and its coverage ---------------------------------------


@pytest.mark.parametrize(
    ("store", "op", "after"),
    [
        ("messages", "put_many", 0),  # the first page's messages
        ("messages", "put_many", 2),  # a later page, mid-stream
        ("media", "put_many", 1),  # the media index of a page
        ("messages", "put", 1),  # extending the coverage
    ],
)
def test_history_with_the_cache_throttled_never_covers_missing_messages(
    rig: Rig, http: TestClient, store: str, op: str, after: int
) -> None:
    fail_table(rig, store, op, after=after)
    assert_stream_failed_cleanly(history(http, rig), 503)
    assert_store_consistent(rig, f"{store}.{op} throttled")
    rig.faults.disarm()
    assert_full_history(history(http, rig), rig)
    assert_store_consistent(rig, "after the retry")
    assert cached_ids(rig, rig.big) == expected_ids(rig.world, rig.big, 0, 2**40)


def test_history_with_every_coverage_write_losing_its_race(rig: Rig, http: TestClient) -> None:
    # ConditionalCheckFailed on every compare-and-set of the coverage: the CAS retries give
    # up, the stream ends with an error frame, and no range is marked complete.
    fail_table(rig, "messages", "put", condition=True, only_conditional=True)
    assert_stream_failed_cleanly(history(http, rig))
    assert_history_consistent(rig, rig.big, "coverage CAS always lost")
    rig.faults.disarm()
    assert_full_history(history(http, rig), rig)
    assert_store_consistent(rig, "after the retry")


def test_history_with_the_coverage_unreadable_is_503_before_the_first_byte(
    rig: Rig, http: TestClient
) -> None:
    fail_table(rig, "messages", "get")
    response = history(http, rig)
    assert_error(response, 503)
    assert response.headers["Retry-After"]
    assert rig.sim.requests["GetHistoryRequest"] == 0
    rig.faults.disarm()
    assert_full_history(history(http, rig), rig)


def test_cached_history_with_the_cache_unreadable_ends_cleanly(rig: Rig, http: TestClient) -> None:
    assert_full_history(history(http, rig), rig)
    fail_table(rig, "messages", "query")
    assert_stream_failed_cleanly(history(http, rig), 503)
    rig.faults.disarm()
    assert_full_history(history(http, rig), rig)
    assert_store_consistent(rig, "after the retry")


# -- logins: the QR store and the session store ----------------------------------------


def test_starting_a_login_with_the_qr_table_throttled_is_503(rig: Rig, http: TestClient) -> None:
    fail_table(rig, "qr", "put")
    assert_error(http.post("/api/v3/auth/qr", json={"username": "carol"}), 503)
    assert rig.session("carol") is None
    rig.faults.disarm()
    assert http.post("/api/v3/auth/qr", json={"username": "carol"}).status_code == 200
    assert_store_consistent(rig)


def test_a_poll_with_the_qr_table_throttled_is_503_and_the_login_goes_on(
    rig: Rig, http: TestClient
) -> None:
    token = http.post("/api/v3/auth/qr", json={"username": "carol"}).json()["token"]
    assert http.get(f"/api/v3/auth/qr/{token}").status_code == 200
    assert http.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
    fail_table(rig, "qr", "put")
    assert_error(http.get(f"/api/v3/auth/qr/{token}"), 503)
    rig.faults.disarm()
    done = http.get(f"/api/v3/auth/qr/{token}").json()
    assert done["status"] == "success", done
    assert rig.session("carol") is not None
    assert http.get("/api/v3/folders", headers={"X-Telegram-Username": "carol"}).status_code == 200
    assert_store_consistent(rig)


@pytest.mark.parametrize("any_settings", ["aws"], indirect=True)
def test_a_forced_relogin_with_the_sessions_table_throttled_keeps_the_old_login(
    rig: Rig, http: TestClient
) -> None:
    """The session write fails at the very end of a forced re-login: alice must still be
    able to use the API with her old login."""
    token = http.post("/api/v3/auth/qr", json={"username": ALICE, "force": True}).json()["token"]
    assert http.get(f"/api/v3/auth/qr/{token}").status_code == 200
    assert http.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
    before = rig.session(ALICE)
    fail_table(rig, "sessions", "put")
    response = http.get(f"/api/v3/auth/qr/{token}")
    assert_error(response, 503)
    rig.faults.disarm()
    assert rig.session(ALICE) == before, "the old login was lost"
    assert http.get("/api/v3/folders", headers=USER).status_code == 200
    after = http.get(f"/api/v3/auth/qr/{token}").json()
    assert after["status"] == "error" and "could not be saved" in after["error"], after


@pytest.mark.parametrize("any_settings", ["aws"], indirect=True)
def test_a_login_whose_session_cannot_be_saved_says_so_and_can_be_redone(
    rig: Rig, http: TestClient
) -> None:
    token = http.post("/api/v3/auth/qr", json={"username": "carol"}).json()["token"]
    assert http.get(f"/api/v3/auth/qr/{token}").status_code == 200
    assert http.post(f"/api/v3/demo/qr/{token}/approve").status_code == 200
    fail_table(rig, "sessions", "put")
    assert_error(http.get(f"/api/v3/auth/qr/{token}"), 503)
    rig.faults.disarm()
    status = http.get(f"/api/v3/auth/qr/{token}").json()
    assert status["status"] == "error", "a 'success' whose login was never stored"
    assert rig.session("carol") is None
    again = http.post("/api/v3/auth/qr", json={"username": "carol"}).json()["token"]
    assert http.get(f"/api/v3/auth/qr/{again}").status_code == 200
    assert http.post(f"/api/v3/demo/qr/{again}/approve").status_code == 200
    assert http.get(f"/api/v3/auth/qr/{again}").json()["status"] == "success"
    assert rig.session("carol") is not None
    assert_store_consistent(rig)


# -- dialogs: the dialog cache -----------------------------------------------------------


def test_search_with_the_dialog_cache_throttled_is_503(rig: Rig, http: TestClient) -> None:
    fail_table(rig, "messages", "put")
    assert_error(http.get("/api/v3/search/dialogs", headers=USER), 503)
    rig.faults.disarm()
    assert http.get("/api/v3/search/dialogs", headers=USER).status_code == 200
    assert_store_consistent(rig)


# -- files: S3 / the media folder --------------------------------------------------------


@pytest.fixture
def media(rig: Rig) -> Any:
    peer, message = media_message(rig.world, "document", max_size=300 * 1024)
    entry = index_media(rig.raw, ALICE, peer, message)
    rig.files.append((entry, message))
    return entry, message


def test_a_download_whose_upload_fails_is_503_and_leaves_no_file(
    rig: Rig, http: TestClient, media: Any
) -> None:
    entry, message = media
    fail_blobs(rig, "write")
    response = http.get(f"/api/v3/files/{entry.uuid}", headers=USER)
    assert_error(response, 503)
    assert rig.raw.blobs.size(entry.object_key) is None
    assert rig.raw.media.get(entry.uuid, "download") is None, "the download lease was kept"
    assert_store_consistent(rig, "upload failed")
    rig.faults.disarm()
    again = http.get(f"/api/v3/files/{entry.uuid}", headers=USER)
    assert again.status_code == 200 and again.content == expected_bytes(rig.world, message)


@pytest.mark.parametrize("op", ["size", "read"])
def test_a_stored_file_that_cannot_be_read_is_a_clean_error(
    rig: Rig, http: TestClient, media: Any, op: str
) -> None:
    entry, message = media
    assert http.get(f"/api/v3/files/{entry.uuid}", headers=USER).status_code == 200
    fail_blobs(rig, op)
    assert_error(http.get(f"/api/v3/files/{entry.uuid}", headers=USER), 503)
    rig.faults.disarm()
    again = http.get(f"/api/v3/files/{entry.uuid}", headers=USER)
    assert again.status_code == 200 and again.content == expected_bytes(rig.world, message)
    assert_store_consistent(rig)
