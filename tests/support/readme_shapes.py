"""The curl examples of a Markdown file's ```bash blocks, and the answer shapes written
under them, so a test can run the examples literally and hold the answers to the text.

A shape is the JSON-like comment a README puts on a command's line or on the lines right
after it: ``# {"status": "pending", "qr_url": "tg://login?token=...", ...}`` or
``# data: {"messages": [...]}`` (every SSE data frame). In a shape, ``...`` stands for any
value, for more keys/items, or (at the end of a string) for the rest of that string;
text after the closing bracket is prose.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

_FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)
_SHAPE = re.compile(r"#\s*(data:\s*)?([\[{].*)$")


@dataclass
class Example:
    line: str
    """The command as one line (continuations joined), comments included."""
    shape: Any | None = None
    """The parsed shape, None when the README shows none."""
    sse: bool = False
    """The shape is of every `data:` frame of an event stream."""


class _Any:
    def __repr__(self) -> str:
        return "..."


ANY = _Any()


@dataclass(frozen=True)
class Prefix:
    text: str


def bash_blocks(markdown: str, *sections: str) -> list[str]:
    """The ```bash blocks of the `## ` sections whose titles start with one of ``sections``."""
    blocks: list[str] = []
    for part in re.split(r"^## ", markdown, flags=re.M)[1:]:
        if part.startswith(sections):
            blocks.extend(_FENCE.findall(part))
    return blocks


def logical_lines(block: str) -> list[str]:
    """Lines with backslash continuations and open `$(` ... `)` spans joined."""
    lines: list[str] = []
    pending = ""
    for raw in block.splitlines():
        pending = f"{pending} {raw.strip()}" if pending else raw
        if pending.endswith("\\"):
            pending = pending[:-1].rstrip()
            continue
        if pending.count("$(") > pending.count(")"):
            continue
        lines.append(pending)
        pending = ""
    assert not pending, f"unterminated command: {pending}"
    return lines


def examples(lines: list[str]) -> list[Example]:
    """Every non-comment line, each with the shape on its line or on the comment lines
    right after it."""
    found: list[Example] = []
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#"):
            match = _SHAPE.match(stripped)
            if match and found and found[-1].shape is None:
                found[-1].shape, found[-1].sse = parse_shape(match.group(2)), bool(match[1])
            continue
        example = Example(line)
        inline = re.search(r"\s#\s*((data:\s*)?[\[{].*)$", line)
        if inline:
            match = _SHAPE.match("#" + inline.group(1))
            assert match
            example.shape, example.sse = parse_shape(match.group(2)), bool(match[1])
        found.append(example)
    return found


def parse_shape(text: str) -> Any:
    value, _ = _value(text, 0)
    return value


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _value(text: str, i: int) -> tuple[Any, int]:
    i = _skip(text, i)
    if text.startswith("...", i):
        return ANY, i + 3
    if text[i] in "{[":
        return _container(text, i)
    value, end = json.JSONDecoder().raw_decode(text, i)
    if isinstance(value, str) and value.endswith("..."):
        value = Prefix(value[:-3])
    return value, end


def _container(text: str, i: int) -> tuple[Any, int]:
    is_object = text[i] == "{"
    close = "}" if is_object else "]"
    members: dict[str, Any] = {}
    items: list[Any] = []
    i = _skip(text, i + 1)
    while text[i] != close:
        if is_object and not text.startswith("...", i):
            key, i = json.JSONDecoder().raw_decode(text, i)
            i = _skip(text, i)
            assert text[i] == ":", f"':' expected at {i} in {text!r}"
            members[key], i = _value(text, i + 1)
        else:
            item, i = _value(text, i)
            if not is_object and item is not ANY:
                items.append(item)
        i = _skip(text, i)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return (members if is_object else items), i + 1


def mismatch(shape: Any, actual: Any, where: str = "$") -> str | None:
    """Why ``actual`` does not have ``shape`` (None when it has)."""
    if shape is ANY:
        return None
    if isinstance(shape, Prefix):
        ok = isinstance(actual, str) and actual.startswith(shape.text)
        return None if ok else f"{where}: {actual!r} does not start with {shape.text!r}"
    if isinstance(shape, dict):
        if not isinstance(actual, dict):
            return f"{where}: an object expected, got {actual!r}"
        for key, sub in shape.items():
            if key not in actual:
                return f"{where}: no {key!r} in {sorted(actual)}"
            why = mismatch(sub, actual[key], f"{where}.{key}")
            if why:
                return why
        return None
    if isinstance(shape, list):
        if not isinstance(actual, list):
            return f"{where}: a list expected, got {actual!r}"
        if len(actual) < len(shape):
            return f"{where}: at least {len(shape)} items expected, got {len(actual)}"
        for n, sub in enumerate(shape):
            why = mismatch(sub, actual[n], f"{where}[{n}]")
            if why:
                return why
        return None
    return None if shape == actual else f"{where}: {actual!r} != {shape!r}"
