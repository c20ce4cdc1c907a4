"""Range parsing (RFC 9110) and the file headers a client relies on."""

from __future__ import annotations

from email.message import Message
from urllib.parse import unquote

import pytest

from tgscraper.files.headers import (
    ascii_fallback,
    content_disposition,
    content_type,
    etag_matches,
    if_range_allows,
    make_etag,
)
from tgscraper.files.ranges import ByteRange, RangeNotSatisfiable, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=0-9", ByteRange(0, 10, 100)),
        ("bytes=90-", ByteRange(90, 100, 100)),
        ("bytes=90-1000", ByteRange(90, 100, 100)),  # last beyond the end is clipped
        ("bytes=-10", ByteRange(90, 100, 100)),
        ("bytes=-1000", ByteRange(0, 100, 100)),  # suffix longer than the file: all of it
        ("BYTES = 5 - 5", ByteRange(5, 6, 100)),
    ],
)
def test_single_ranges_select_the_right_bytes(header: str, expected: ByteRange) -> None:
    assert parse_range(header, 100) == expected


@pytest.mark.parametrize(
    "header",
    [None, "", "bytes=", "bytes=-", "bytes=9-0", "items=0-1", "bytes=a-b", "bytes=0-1,5-6"],
)
def test_ignorable_ranges_mean_the_whole_file(header: str | None) -> None:
    assert parse_range(header, 100) is None


@pytest.mark.parametrize(
    ("header", "size"), [("bytes=100-", 100), ("bytes=-0", 100), ("bytes=0-", 0)]
)
def test_ranges_outside_the_file_are_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(RangeNotSatisfiable) as caught:
        parse_range(header, size)
    assert caught.value.status_code == 416
    assert caught.value.content_range == f"bytes */{size}"


def test_content_range_names_the_inclusive_last_byte() -> None:
    assert ByteRange(10, 20, 100).content_range == "bytes 10-19/100"


def _fallback(value: str) -> str:
    """The plain filename parameter, as a client ignoring filename* reads it."""
    msg = Message()
    msg["Content-Disposition"] = value.split("; filename*=")[0]
    name = msg.get_param("filename", header="Content-Disposition")
    assert isinstance(name, str)
    return name


def test_ascii_filenames_are_sent_plainly() -> None:
    value = content_disposition("report 2024.pdf", "fallback")
    assert value == 'attachment; filename="report 2024.pdf"'


def test_non_ascii_filenames_carry_rfc5987_and_an_ascii_fallback() -> None:
    value = content_disposition("Café – résumé.pdf", "x")
    assert _fallback(value) == "Cafe  resume.pdf"  # accents dropped, the dash lost
    encoded = value.split("filename*=", 1)[1]
    assert encoded.startswith("UTF-8''")
    assert unquote(encoded.removeprefix("UTF-8''")) == "Café – résumé.pdf"


def test_filenames_cannot_steer_the_client_into_other_folders() -> None:
    value = content_disposition("../../etc/passwd", "x")
    assert "/" not in value.split("filename*=")[0]
    assert _fallback(value) == ".._.._etc_passwd"
    assert content_disposition("", "the-uuid") == 'attachment; filename="the-uuid"'
    assert content_disposition("..", "the-uuid") == 'attachment; filename="the-uuid"'


def test_quotes_and_backslashes_never_break_the_quoted_string() -> None:
    value = content_disposition('say "hi"\\.txt', "x")
    assert _fallback(value) == "say _hi__.txt"


def test_names_without_any_ascii_letter_keep_their_extension() -> None:
    assert ascii_fallback("写真.jpg", "uuid") == "uuid.jpg"
    assert ascii_fallback("写真", "uuid") == "uuid"


def test_etag_validators() -> None:
    etag = make_etag("u", 10)
    assert etag == '"u-10"'
    assert etag_matches(etag, etag)
    assert etag_matches(f'"other", W/{etag}', etag)
    assert etag_matches("*", etag)
    assert not etag_matches('"u-11"', etag)
    assert not etag_matches(None, etag)
    assert if_range_allows(None, etag)
    assert if_range_allows(etag, etag)
    assert not if_range_allows(f"W/{etag}", etag)  # If-Range needs a strong match
    assert not if_range_allows("Wed, 21 Oct 2015 07:28:00 GMT", etag)


def test_content_types_are_passed_through_only_when_well_formed() -> None:
    assert content_type("text/csv") == "text/csv"  # no invented charset
    assert content_type("Video/MP4") == "video/mp4"
    assert content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    for bad in ("", "text", "text/html\r\nSet-Cookie: x=1", "a/b c"):
        assert content_type(bad) == "application/octet-stream"
