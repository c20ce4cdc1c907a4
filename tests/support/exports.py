"""Parsing the export formats back (strictly), for the export tests."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

CONTROL = ("#end", "#continue", "#error")


def parse_ndjson(text: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """(messages, the control record): every line one JSON object, the last a control."""
    assert text.endswith("\n"), "an NDJSON body ends with a line end"
    records = [json.loads(line) for line in text.split("\n")[:-1]]
    *messages, control = records
    assert "event" in control, control
    assert all("event" not in m and "message_id" in m for m in messages)
    return messages, control


def parse_csv(text: str) -> tuple[list[dict[str, str]], tuple[str, dict[str, Any]]]:
    """(rows by column, (control name, payload)): RFC 4180 with CRLF line ends."""
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    header, *body, control = rows
    assert all(len(r) == len(header) for r in rows), "a rectangular table"
    assert control[0] in CONTROL and not any(control[2:]), control
    assert not any(r[0].startswith("#") for r in body)
    return [dict(zip(header, r, strict=True)) for r in body], (
        control[0][1:],
        json.loads(control[1]),
    )


def parse_tdesktop(text: str) -> dict[str, Any]:
    """The document, checked for the structure Telegram Desktop writes."""
    doc = json.loads(text)
    assert isinstance(doc, dict)
    assert list(doc)[:4] == ["name", "type", "id", "messages"], list(doc)
    assert isinstance(doc["id"], int) and doc["id"] > 0
    for m in doc["messages"]:
        assert list(m)[:4] == ["id", "type", "date", "date_unixtime"], m
        assert m["type"] in ("message", "service")
        assert isinstance(m["date_unixtime"], str)
        assert isinstance(m["text_entities"], list)
        assert all(isinstance(p, dict) and {"type", "text"} <= set(p) for p in m["text_entities"])
        if isinstance(m["text"], str):
            assert all(p["type"] == "plain" for p in m["text_entities"])
            assert m["text"] == "".join(p["text"] for p in m["text_entities"])
        else:
            joined = "".join(p if isinstance(p, str) else p["text"] for p in m["text"])
            assert joined == "".join(p["text"] for p in m["text_entities"])
    return doc
