"""The bad-input catalogue: traversal and injection attempts, absurd numbers and dates,
broken and oversized JSON, header spellings. Each answers a 4xx with exactly
{"detail": str}, writes nothing to any store, and leaves the logins as they were."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from moto import mock_aws

from tests.adversarial.rig import Rig, assert_error, new_rig
from tests.support.aws import aws_test_settings, create_aws_resources
from tests.support.history import ALICE, BOB
from tgscraper.config import Settings

USER = {"X-Telegram-Username": ALICE}
API = "/api/v3"

TRAVERSAL = [
    "../bob_2",
    "..",
    ".",
    "alice/../bob_2",
    "alice%2F..%2Fbob_2",
    "..\\..\\windows",
    "/etc/passwd",
    "alice#x",
    "msg#alice#1",
    "alice\x00",
    "alice;rm -rf /",
    "' OR '1'='1",
    '"; DROP TABLE messages; --',
    "${jndi:ldap://x}",
    "{{7*7}}",
    "a" * 65,
    "-alice",
    ".alice",
    "al ice",
    "*",
    "%",
]

MALFORMED_DATES = ["2024-02-30", "2024-13-01", "9999-99-99", "", "2024-1-1", "0000-01-01"]


# Bad input changes nothing, so one rig per adapter set serves the whole catalogue: each
# test starts from a cleared write log and must leave it empty.


@pytest.fixture(scope="module", params=["embedded", "aws"])
def rig(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    tmp = tmp_path_factory.mktemp(request.param)
    if request.param == "embedded":
        yield new_rig(Settings(storage_backend="embedded", data_dir=tmp / "data"))
        return
    with mock_aws():
        settings = aws_test_settings(tmp)
        create_aws_resources(settings)
        yield new_rig(settings)


@pytest.fixture(scope="module")
def http(rig: Rig) -> Iterator[TestClient]:
    with TestClient(rig.app()) as client:
        # The dialog cache is filled by one normal search and folder listing first.
        assert client.get(f"{API}/search/dialogs", headers=USER).status_code == 200
        assert client.get(f"{API}/folders", headers=USER).status_code == 200
        yield client


@pytest.fixture
def warm(http: TestClient) -> TestClient:
    return http


@pytest.fixture(autouse=True)
def _nothing_written(rig: Rig, http: TestClient) -> Iterator[None]:
    rig.faults.clear()
    rig.sim.reset_requests()
    sessions_before = {name: rig.session(name) for name in (ALICE, BOB)}
    yield
    assert rig.faults.data_writes() == []
    assert {name: rig.session(name) for name in (ALICE, BOB)} == sessions_before
    assert not rig.lease_held(ALICE), "the account lease must be released"


# -- username: header and JSON body -----------------------------------------------------


@pytest.mark.parametrize("value", TRAVERSAL)
def test_username_header_attacks_are_401(http: TestClient, rig: Rig, value: str) -> None:
    raw = value.encode("utf-8")
    resp = http.get(f"{API}/folders", headers={"X-Telegram-Username": raw})  # type: ignore[dict-item]
    assert_error(resp, 401)
    assert sum(rig.sim.requests.values()) == 0, "no Telegram call for a bad identity"


@pytest.mark.parametrize("value", ["alicé", "ａlice", "alice\u202e", "🦄"])
def test_non_ascii_username_headers_are_401(http: TestClient, value: str) -> None:
    resp = http.get(f"{API}/folders", headers={"X-Telegram-Username": value.encode("utf-8")})  # type: ignore[dict-item]
    assert_error(resp, 401)


@pytest.mark.parametrize("value", [*TRAVERSAL, "alicé", "", 123, None, [], {"$ne": ""}, True])
def test_username_body_attacks_are_400(http: TestClient, rig: Rig, value: Any) -> None:
    resp = http.post(f"{API}/auth/qr", json={"username": value, "force": True})
    assert_error(resp, 400)
    assert sum(rig.sim.requests.values()) == 0


def test_header_name_case_does_not_matter(warm: TestClient) -> None:
    for name in ("x-telegram-username", "X-TELEGRAM-USERNAME", "X-Telegram-username"):
        assert warm.get(f"{API}/folders", headers={name: ALICE}).status_code == 200


def test_username_value_case_is_another_account(warm: TestClient) -> None:
    for value in ("ALICE", "Alice"):
        detail = assert_error(warm.get(f"{API}/folders", headers={"X-Telegram-Username": value}))
        assert value in detail


def test_a_repeated_username_header_is_never_a_crash(warm: TestClient) -> None:
    resp = warm.get(
        f"{API}/folders",
        headers=[("X-Telegram-Username", "../x"), ("X-Telegram-Username", ALICE)],
    )
    assert resp.status_code in (200, 401)
    if resp.status_code == 401:
        assert_error(resp, 401)


# -- dialog_id, uuid, folder, token ----------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "1;DROP TABLE messages",
        "0x10",
        "1e3",
        "1.5",
        "-1002452146875abc",
        "%27%20OR%201%3D1",
        "%00",
        "abc",
        " 1",
    ],
)
def test_non_numeric_dialog_ids_are_400_or_404(warm: TestClient, rig: Rig, value: str) -> None:
    assert_error(warm.get(f"{API}/history/{value}", headers=USER), 400, 404)
    assert rig.sim.requests["GetHistoryRequest"] == 0


@pytest.mark.parametrize(
    "value", [0, 1, -1, 2**31, 2**63, -(2**63), 2**64, 10**30, -(10**30), -1000000000000]
)
def test_unknown_or_absurd_dialog_ids_are_4xx(warm: TestClient, value: int) -> None:
    # Small negative ids are basic-group ids Telegram itself answers "invalid" for (404);
    # beyond 64 bits no dialog can exist (400 before any Telegram call).
    assert_error(warm.get(f"{API}/history/{value}", headers=USER), 400, 404)


@pytest.mark.parametrize(
    "value",
    [
        "..%2F..%2Fetc%2Fpasswd",
        "alice%2F00000000-0000-0000-0000-000000000000",
        "00000000-0000-0000-0000-000000000000",
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
        "12345678123456781234567812345678",
        "x" * 5000,
        "%00",
        "' OR 1=1 --",
    ],
)
def test_bad_uuids_are_404(warm: TestClient, rig: Rig, value: str) -> None:
    assert_error(warm.get(f"{API}/files/{value}", headers=USER), 404)
    assert rig.sim.requests["GetFileRequest"] == 0


@pytest.mark.parametrize(
    "value", ["../Nope", "' OR 1=1 --", "%", "*", "-1", "9999999999999999999", "<script>", "\x00"]
)
def test_unknown_folders_are_404(warm: TestClient, value: str) -> None:
    detail = assert_error(
        warm.get(f"{API}/search/dialogs", headers=USER, params={"folder": value}), 404
    )
    assert "Folder" in detail


@pytest.mark.parametrize("value", ["99999999999999999999", "--1", "²", "٣", "0" * 5000])
def test_malformed_folder_ids_are_400(warm: TestClient, value: str) -> None:
    """More than 19 digits, or digits that are not ASCII: not an id (tgscraper.numbers)."""
    detail = assert_error(
        warm.get(f"{API}/search/dialogs", headers=USER, params={"folder": value}), 400
    )
    assert "folder" in detail


@pytest.mark.parametrize("value", ["../x", "a" * 5000, "%00", "' OR 1=1 --", "qr#x"])
def test_bad_qr_tokens_are_404(http: TestClient, value: str) -> None:
    value = quote(value, safe="")
    for method, suffix in (("GET", ""), ("DELETE", ""), ("GET", "/qr.svg")):
        assert_error(http.request(method, f"{API}/auth/qr/{value}{suffix}"), 404)
    assert_error(http.post(f"{API}/auth/qr/{value}/2fa", json={"password": "x"}), 404)
    assert_error(http.post(f"{API}/demo/qr/{value}/approve"), 404)


# -- numbers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": -1},
        {"limit": 501},
        {"limit": 10**20},
        {"limit": "1e2"},
        {"limit": "NaN"},
        {"offset": -1},
        {"offset": -(10**20)},
        {"min_messages": -1},
        {"max_participants": -5},
        {"min_messages": 10, "max_messages": 5},
        {"min_score": -0.1},
        {"min_score": 1.5},
        {"min_score": "nan"},
        {"min_score": "inf"},
        {"type": "supergroupz"},
        {"sort": "random"},
        {"order": "sideways"},
        {"match": "regex"},
        {"is_archived": "perhaps"},
    ],
)
def test_bad_search_numbers_and_enums_are_400(warm: TestClient, params: dict[str, Any]) -> None:
    detail = assert_error(warm.get(f"{API}/search/dialogs", headers=USER, params=params), 400)
    assert any(name in detail for name in params), detail


def test_a_huge_offset_is_an_empty_page(warm: TestClient) -> None:
    resp = warm.get(f"{API}/search/dialogs", headers=USER, params={"offset": 10**18})
    assert resp.status_code == 200 and resp.json()["results"] == []


def test_an_offset_beyond_64_bits_is_400(warm: TestClient) -> None:
    # More than 19 digits is refused unparsed (tgscraper.numbers), like every number.
    detail = assert_error(
        warm.get(f"{API}/search/dialogs", headers=USER, params={"offset": 10**20}), 400
    )
    assert "offset" in detail


@pytest.mark.parametrize(
    "params",
    [
        {"chunk_size": 0},
        {"chunk_size": -1},
        {"chunk_size": 1001},
        {"chunk_size": 10**20},
        {"chunk_size": "1e2"},
        {"after_id": -1, "start_date": "2024-01-01"},
        {"force_refresh": "2"},
    ],
)
def test_bad_history_numbers_are_400(warm: TestClient, rig: Rig, params: dict[str, Any]) -> None:
    assert_error(warm.get(f"{API}/history/{rig.big}", headers=USER, params=params), 400)
    assert rig.sim.requests["GetHistoryRequest"] == 0


# -- dates ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [*MALFORMED_DATES, "2024-01-01 25:00:00", "2024-01-01'; --"])
@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_malformed_history_dates_are_400(warm: TestClient, rig: Rig, name: str, value: str) -> None:
    detail = assert_error(
        warm.get(f"{API}/history/{rig.big}", headers=USER, params={name: value}), 400
    )
    assert name in detail
    assert rig.sim.requests["GetHistoryRequest"] == 0


@pytest.mark.parametrize("value", [*MALFORMED_DATES, "2024-01-01T00:00:00"])
@pytest.mark.parametrize(
    "name", ["last_message_after", "last_message_before", "created_after", "created_before"]
)
def test_malformed_search_dates_are_400(warm: TestClient, name: str, value: str) -> None:
    detail = assert_error(
        warm.get(f"{API}/search/dialogs", headers=USER, params={name: value}), 400
    )
    assert name in detail


def test_history_accepts_the_t_separator(warm: TestClient, rig: Rig) -> None:
    # Documented: 'T' is accepted between date and time (ISO 8601), always UTC.
    params = {"start_date": "2024-01-01T00:00:00", "end_date": "2024-01-02T00:00:00"}
    resp = warm.get(f"{API}/history/{rig.big}", headers=USER, params=params)
    assert resp.status_code == 200
    rig.faults.clear()  # a valid request may fill the cache


# -- JSON bodies -----------------------------------------------------------------------

_TWO_MB = 2 * 1024 * 1024


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'"alice"',
        b'{"username": }',
        b'{"username": "alice", "force": "yes please"}',
        b"\xff\xfe\x00garbage",
        b"{" + b" " * _TWO_MB + b"}",
        json.dumps({"username": "a" * _TWO_MB}).encode(),
        json.dumps({"username": "../x", "pad": ["x" * 1024] * 2048}).encode(),
        b"[" * 100_000 + b"]" * 100_000,
    ],
    ids=lambda b: repr(b[:24]) + f"..{len(b)}B",
)
def test_broken_and_oversized_json_is_400(http: TestClient, rig: Rig, body: bytes) -> None:
    resp = http.post(f"{API}/auth/qr", content=body, headers={"Content-Type": "application/json"})
    assert_error(resp, 400, 413)
    assert sum(rig.sim.requests.values()) == 0


def test_a_json_body_sent_as_text_is_400(http: TestClient, rig: Rig) -> None:
    resp = http.post(
        f"{API}/auth/qr", content=b'{"username": "x"', headers={"Content-Type": "text/plain"}
    )
    assert_error(resp, 400)


@pytest.mark.parametrize(
    "body",
    [
        {"password": ""},
        {"password": None},
        {"password": 123},
        {},
        {"password": "x" * _TWO_MB},
    ],
)
def test_bad_2fa_bodies_are_4xx(http: TestClient, body: dict[str, Any]) -> None:
    # 413: the 2 MB password is over MAX_BODY_BYTES (tgscraper.api.guards).
    assert_error(http.post(f"{API}/auth/qr/{'A' * 32}/2fa", json=body), 400, 404, 413)


def test_an_oversized_demo_password_is_400(http: TestClient) -> None:
    body = {"two_factor_password": "x" * 300}
    assert_error(http.post(f"{API}/demo/qr/{'A' * 32}/approve", json=body), 400)
