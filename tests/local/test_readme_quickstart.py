"""README's quick start and curl walk-through, run literally: the ```bash blocks of those
sections are executed by bash with the real `curl` against a real `python -m local serve`
(demo mode, 127.0.0.1), and every answer must be a 2xx with the shape the README writes
under its command. Only the host:port is changed, and `<uuid>` is filled in from the media
the README's own history stream returned; `make` and `open` lines are not run (the server
is already up; a browser is not a test tool here).

TEST_SERVER_PORT chooses the server's port (default: a free ephemeral one).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.readme_shapes import (
    ANY,
    Example,
    Prefix,
    bash_blocks,
    examples,
    logical_lines,
    mismatch,
    parse_shape,
)
from tests.support.server_process import ROOT, running_server

SECTIONS = ("Quick start", "Walk-through with curl")
README_BASE = "http://localhost:8000"
NOT_RUN = ("make", "open")
SCRIPT_TIMEOUT = 60

# Each curl of the README becomes `_curl N ...`: N names its files in $OUT (headers and
# body), from any subshell. The body still goes to stdout, so `TOKEN=$(curl ... | python3)`
# works as written; `-o FILE` still writes FILE.
_PRELUDE = r"""
set -euo pipefail
_curl() {
  local n="$1"; shift
  command curl --noproxy '*' --max-time 30 -D "$OUT/$n.headers" "$@" | tee "$OUT/$n.body"
}
_media_uuid() {  # a photo (else the smallest file) of the media streamed so far
  "$PY" - "$OUT" <<'EOF'
import json, pathlib, sys
found = []
for body in sorted(pathlib.Path(sys.argv[1]).glob("*.body")):
    for line in body.read_text(errors="replace").splitlines():
        if line.startswith("data:"):
            found += [m["media"] for m in json.loads(line[5:])["messages"] if m.get("media")]
found.sort(key=lambda m: (m["type"] != "MessageMediaPhoto", m.get("size") or 0))
print(found[0]["uuid"])
EOF
}
"""


def _quickstart() -> list[Example]:
    readme = (ROOT / "README.md").read_text()
    blocks = bash_blocks(readme, *SECTIONS)
    assert len(blocks) >= 2, "README lost its quick-start / walk-through bash blocks"
    found: list[Example] = []
    for block in blocks:
        found.extend(examples(logical_lines(block)))
    return found


def _script(found: list[Example], base: str) -> tuple[str, list[Example]]:
    lines: list[str] = [_PRELUDE]
    curls: list[Example] = []
    for example in found:
        words = example.line.split()
        if words[0] in NOT_RUN:
            continue
        assert example.line.count("curl ") == 1 or "curl " not in example.line, example.line
        line = example.line.replace(README_BASE, base).replace("<uuid>", "$(_media_uuid)")
        if "curl " in line:
            line = line.replace("curl ", f"_curl {len(curls)} ", 1)
            curls.append(example)
        else:  # only variable assignments besides curl: anything else should be looked at
            assert re.match(r"^[A-Z_]+=", line), f"README command not understood: {line}"
        lines.append(line)
    return "\n".join(lines) + "\n", curls


def _status(headers: str) -> int:
    return int(re.findall(r"^HTTP/\S+ (\d{3})", headers, re.M)[-1])


def _check(n: int, example: Example, out: Path, work: Path) -> None:
    headers = (out / f"{n}.headers").read_text()
    body = (out / f"{n}.body").read_text(errors="replace")
    status = _status(headers)
    assert 200 <= status < 300, f"{example.line}\n-> {status} {body[:500]}"
    target = re.search(r"\s-o\s+(\S+)", example.line)
    if target:  # a download: the file is there, as big as its message's media said
        saved = work / target.group(1)
        size = re.search(r"^content-length:\s*(\d+)", headers, re.M | re.I)
        assert saved.stat().st_size > 0, example.line
        assert size is None or saved.stat().st_size == int(size.group(1))
        return
    if example.sse:
        frames = [json.loads(x[5:]) for x in body.splitlines() if x.startswith("data:")]
        assert any(frame.get("messages") for frame in frames), f"no messages: {example.line}"
        for frame in frames:
            why = mismatch(example.shape, frame)
            assert why is None, f"{example.line}\n{why}"
        return
    if "json" in headers.lower():
        answer = json.loads(body)
        if example.shape is not None:
            why = mismatch(example.shape, answer)
            assert why is None, f"{example.line}\n{why}"


@pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")
def test_readme_quickstart_curl_examples_answer_as_shown(tmp_path: Path) -> None:
    found = _quickstart()
    port = int(os.environ["TEST_SERVER_PORT"]) if os.environ.get("TEST_SERVER_PORT") else None
    out, work = tmp_path / "out", tmp_path / "work"
    out.mkdir()
    work.mkdir()
    with running_server(tmp_path / "data", port=port) as server:
        script, curls = _script(found, server.url)
        assert len(curls) >= 10, "fewer curl examples than README's walk-through has"
        assert sum(e.shape is not None for e in curls) >= 8, "README lost its answer shapes"
        run = subprocess.run(
            ["bash", "-c", script],
            cwd=work,
            env={**os.environ, "OUT": str(out), "PY": sys.executable},
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
        )
        assert run.returncode == 0, f"{run.stderr[-2000:]}\n{server.log()[-2000:]}"
    for n, example in enumerate(curls):
        _check(n, example, out, work)


@pytest.mark.parametrize(
    ("shape", "answer", "fits"),
    [
        ('{"status": "pending", ...}', {"status": "pending", "x": 1}, True),
        ('{"status": "pending", ...}', {"status": "success"}, False),
        ('{"qr_url": "tg://login?token=...", ...}', {"qr_url": "tg://login?token=Ab"}, True),
        ('{"qr_url": "tg://login?token=...", ...}', {"qr_url": None}, False),
        ('{"results": [...], "demo": {...}}', {"results": [], "demo": {"a": 1}}, True),
        ('{"results": [...], "demo": {...}}', {"results": []}, False),
        ('{"messages": [...]}   prose after it', {"messages": {}}, False),
    ],
)
def test_a_drifted_answer_does_not_fit_the_readme_shape(
    shape: str, answer: object, fits: bool
) -> None:
    assert (mismatch(parse_shape(shape), answer) is None) is fits
    assert parse_shape("...") is ANY and parse_shape('"a..."') == Prefix("a")
