"""Every curl example of the API reference (docs/api-v3.md) returns data from a demo server.

Each ```bash example is run by bash with the real `curl` against a real
`python -m local serve` in demo mode on 127.0.0.1, as written, but for what the reference
leaves to the reader:
- the host:port;
- `{token}`: the token of the flow the example needs (the last one started for a poll; one
  waiting for its 2FA password for `/2fa`, whose password is the reference's own; a pending
  one for DELETE), made ready through the demo's "play the phone" endpoint;
- the channel id `-1001234567890`: the first result of the block's own dialog search
  ("use channel ID from step 2"), else the demo archive (it has January 2024 and
  2024-06-15 12:00-18:00, the windows the reference asks for);
- the uuid `a1b2c3d4-...`: a photo of the history streamed just before ("use UUID from
  step 3").
The "Typical Workflow" starts with a first login, so it gets a server of its own. Lines
that are not HTTP calls (`pip install qrcode`, rendering a QR with python) are not run.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.readme_shapes import logical_lines
from tests.support.server_process import API, ROOT, running_server

REFERENCE = ROOT / "docs" / "api-v3.md"
BASE = "http://localhost:8000"
DIALOG = "-1001234567890"
UUID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
USER = "john_doe"
PASSWORD = "your_2fa_password"  # the reference's 2FA example sends this one
NOT_HTTP = ("pip ", "python ")
_FENCE = re.compile(r"^```bash\n(.*?)^```", re.S | re.M)

pytestmark = pytest.mark.skipif(shutil.which("curl") is None, reason="needs the curl command")


def _blocks() -> list[tuple[str, list[str]]]:
    """(section title, logical lines) of every ```bash block of the reference."""
    found = []
    for part in re.split(r"^## ", REFERENCE.read_text(), flags=re.M)[1:]:
        title = part.splitlines()[0].strip()
        for block in _FENCE.findall(part):
            lines = [x for x in logical_lines(block) if x.strip() and not x.startswith("#")]
            found.append((title, lines))
    return found


@dataclass
class _Run:
    """What ran so far on one server: the answers the placeholders are taken from."""

    http: httpx.Client
    bodies: list[bytes] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    block_start: int = 0

    def flow(self, *, password: str | None = None, wait_for: str = "pending") -> str:
        started = self.http.post(f"{API}/auth/qr", json={"username": USER, "force": True})
        assert started.status_code == 200, started.text
        token: str = started.json()["token"]
        if wait_for != "pending":
            body = {"two_factor_password": password} if password else None
            approved = self.http.post(f"{API}/demo/qr/{token}/approve", json=body)
            assert approved.status_code == 200, approved.text
        for _ in range(100):
            if self.http.get(f"{API}/auth/qr/{token}").json()["status"] == wait_for:
                return token
            time.sleep(0.05)
        raise AssertionError(f"the demo flow never reached {wait_for!r}")

    def token(self, line: str) -> str:
        if "/2fa" in line:
            return self.flow(password=PASSWORD, wait_for="password_required")
        if "-X DELETE" in line or not self.started:
            return self.flow()
        return self.started[-1]

    def dialog(self, archive: str) -> str:
        for body in reversed(self.bodies[self.block_start :]):  # this block's own search
            if body.startswith(b"{") and b'"results"' in body:
                results = json.loads(body)["results"]
                assert results, "the block's dialog search found nothing to read"
                return str(results[0]["id"])
        return archive

    def uuid(self) -> str:
        media = [
            m["media"]
            for body in self.bodies
            for frame in _frames(body)
            for m in frame["messages"]
            if m.get("media") and m["media"].get("uuid")
        ]
        assert media, "no media in the history streamed before the download example"
        media.sort(key=lambda m: (m["type"] != "MessageMediaPhoto", m.get("size") or 0))
        return str(media[0]["uuid"])


def _frames(body: bytes) -> list[dict]:
    text = body.decode(errors="replace")
    return [json.loads(x[5:]) for x in text.splitlines() if x.startswith("data:")]


def _run_block(
    lines: list[str], run: _Run, base: str, work: Path, archive: str
) -> list[tuple[str, int, bytes]]:
    assignments: list[str] = []
    answers = []
    run.block_start = len(run.bodies)
    for n, line in enumerate(lines):
        if line.startswith(NOT_HTTP):
            continue
        if re.match(r"^[A-Z_]+=", line):
            assignments.append(line.replace(BASE, base))
            continue
        assert line.startswith("curl "), f"reference command not understood: {line}"
        line = line.replace(BASE, base)
        if "{token}" in line:
            line = line.replace("{token}", run.token(line))
        if DIALOG in line:
            line = line.replace(DIALOG, run.dialog(archive))
        if UUID in line:
            line = line.replace(UUID, run.uuid())
        headers = work / f"{n}.headers"
        extra = f"curl -sS --noproxy '*' --max-time 60 -D {shlex.quote(str(headers))} "
        script = "\n".join([*assignments, extra + line[len("curl ") :]])
        done = subprocess.run(["bash", "-c", script], cwd=work, capture_output=True, timeout=90)
        assert done.returncode == 0, f"{line}\n{done.stderr.decode()}"
        status = int(re.findall(r"^HTTP/\S+ (\d{3})", headers.read_text(), re.M)[-1])
        saved = re.search(r"\s-o\s+(\S+)", line)
        body = (work / saved.group(1)).read_bytes() if saved else done.stdout
        if "/auth/qr" in line and "-X POST" in line and "/2fa" not in line and status == 200:
            run.started.append(json.loads(body)["token"])
        run.bodies.append(body)
        answers.append((line, status, body))
    return answers


def _assert_data(line: str, status: int, body: bytes) -> None:
    assert 200 <= status < 300, f"{line}\n-> {status} {body[:300]!r}"
    assert body, f"an empty answer: {line}"
    if "/history/" in line:
        assert any(f["messages"] for f in _frames(body)), f"no messages: {line}"
    elif "/files/" in line:
        return  # bytes: checked non-empty above
    else:
        answer = json.loads(body)
        assert answer, f"an empty answer: {line}"
        if isinstance(answer, dict) and "results" in answer:
            assert answer["results"], f"no dialog found: {line}"


def _serve_and_run(
    tmp: Path, blocks: list[tuple[str, list[str]]], archive: str
) -> list[tuple[str, int, bytes]]:
    work = tmp / "work"
    work.mkdir(parents=True)
    answers = []
    with running_server(tmp / "data") as server, server.http(timeout=60) as http:
        run = _Run(http)
        for _, lines in blocks:
            answers += _run_block(lines, run, server.url, work, archive)
    return answers


def _archive_id() -> str:
    from local.simtg import demo_world

    return str(next(d.peer_id for d in demo_world().dialogs if d.username == "sim_archive"))


def _check_all(answers: list[tuple[str, int, bytes]]) -> None:
    for answer in answers:
        _assert_data(*answer)


def test_every_reference_curl_example_returns_data(tmp_path: Path) -> None:
    blocks = _blocks()
    workflow = [b for b in blocks if b[0].startswith("Typical Workflow")]
    others = [b for b in blocks if not b[0].startswith("Typical Workflow")]
    assert workflow and len(others) >= 8, "the reference lost its examples"
    archive = _archive_id()

    answers = _serve_and_run(tmp_path / "reference", others, archive)
    answers += _serve_and_run(tmp_path / "workflow", workflow, archive)

    curls = [line for line, _, _ in answers]
    assert len(curls) >= 25, curls  # every example of the reference ran
    _check_all(answers)
