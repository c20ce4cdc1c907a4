"""Headless Chromium driven over the DevTools protocol on a pipe (no extra packages), and
a uvicorn server on 127.0.0.1 in a thread for it to load pages from.

The protocol runs over `--remote-debugging-pipe`: Chromium reads NUL-terminated JSON
commands on fd 3 and writes replies and events on fd 4. A bash `exec` with redirections
puts our pipe ends on exactly those descriptors (dash takes one-digit descriptors only).
"""

from __future__ import annotations

import json
import os
import select
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--remote-debugging-pipe",
    # No name resolves but loopback: a page behaves as on a machine without internet, and a
    # request to a CDN fails at once instead of hanging (tests assert none is even tried).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]


class BrowserError(AssertionError):
    pass


class Page:
    """One tab: evaluate JavaScript in it and wait for conditions."""

    def __init__(self, browser: Browser, session_id: str) -> None:
        self._browser = browser
        self._session = session_id

    def js(self, expression: str) -> Any:
        reply = self._browser.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=self._session,
        )
        if "exceptionDetails" in reply:
            raise BrowserError(f"page error: {reply['exceptionDetails']}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Poll until the expression is truthy; fails with the page's text otherwise."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.js(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                body = self.js("document.body ? document.body.innerText : ''")
                raise BrowserError(f"timed out waiting for {expression!r}; page says:\n{body}")
            time.sleep(0.05)

    def screenshot(self, path: str) -> None:
        import base64

        data = self._browser.call("Page.captureScreenshot", {}, session=self._session)["data"]
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(data))


# A cold first start (fresh profile, font caches built on first use, a loaded CI machine)
# can take far longer than any later command; one relaunch covers a start that wedged.
_START_TIMEOUT = 90.0
_START_ATTEMPTS = 2


class Browser:
    def __init__(self) -> None:
        self._profile = tempfile.mkdtemp(prefix="chromium-")
        self._stderr = open(os.path.join(self._profile, "stderr.log"), "wb")  # noqa: SIM115
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()
        script = f'exec "$0" "$@" 3<&{to_chrome_r} 4>&{from_chrome_w}'
        self._proc = subprocess.Popen(
            ["/bin/bash", "-c", script, CHROMIUM, *FLAGS, f"--user-data-dir={self._profile}"],
            pass_fds=(to_chrome_r, from_chrome_w),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buffer = b""
        self._poll = select.poll()
        self._poll.register(self._from_chrome, select.POLLIN)
        self._next_id = 0
        self.requested: list[str] = []
        """Every URL any page asked for (Network.requestWillBeSent), in order, but those
        the browser blocked before sending (they are in `blocked`)."""
        self.blocked: list[str] = []
        self._urls: dict[str, str] = {}

    def call(
        self,
        method: str,
        params: dict[str, Any],
        *,
        session: str | None = None,
        timeout: float = 20,
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session is not None:
            message["sessionId"] = session
        os.write(self._to_chrome, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for reply in self._messages(deadline):
                self._record(reply)
                if reply.get("id") == self._next_id:
                    if "error" in reply:
                        raise BrowserError(f"{method}: {reply['error']}")
                    result: dict[str, Any] = reply["result"]
                    return result

    def _record(self, event: dict[str, Any]) -> None:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            self._urls[params["requestId"]] = params["request"]["url"]
            self.requested.append(params["request"]["url"])
        elif method == "Network.loadingFailed" and params.get("blockedReason"):
            # Refused by the browser itself (e.g. the page's Content-Security-Policy):
            # nothing was sent.
            url = self._urls.get(params["requestId"])
            if url in self.requested:
                self.requested.remove(url)
                self.blocked.append(url)

    def _messages(self, deadline: float) -> Iterator[dict[str, Any]]:
        while b"\0" not in self._buffer:
            left = deadline - time.monotonic()
            # poll(), not select(): a long test session can hold more than FD_SETSIZE
            # (1024) descriptors, and select() rejects any fd above it.
            if left <= 0 or not self._poll.poll(left * 1000):
                raise BrowserError(f"Chromium did not answer in time{self._stderr_tail()}")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium exited{self._stderr_tail()}")
            self._buffer += chunk
        *complete, self._buffer = self._buffer.split(b"\0")
        for raw in complete:
            yield json.loads(raw)

    def _stderr_tail(self) -> str:
        try:
            with open(os.path.join(self._profile, "stderr.log"), "rb") as fh:
                tail = fh.read()[-2000:].decode(errors="replace")
        except OSError:
            return ""
        return f"; Chromium's stderr ends with:\n{tail}" if tail else ""

    def wait_ready(self) -> None:
        self.call("Browser.getVersion", {}, timeout=_START_TIMEOUT)

    def open(self, url: str) -> Page:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        page = Page(self, session)
        self.call("Network.enable", {}, session=session)
        self.call("Page.navigate", {"url": url}, session=session)
        page.wait_for("document.readyState === 'complete' && location.href !== 'about:blank'")
        return page

    def close(self) -> None:
        try:
            self._proc.terminate()
            self._proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._to_chrome)
            os.close(self._from_chrome)
            self._stderr.close()
            shutil.rmtree(self._profile, ignore_errors=True)


@contextmanager
def browser() -> Iterator[Browser]:
    instance = _started_browser()
    try:
        yield instance
    finally:
        instance.close()


def _started_browser() -> Browser:
    for attempt in range(1, _START_ATTEMPTS + 1):
        instance = Browser()
        try:
            instance.wait_ready()
            return instance
        except BrowserError:
            instance.close()
            if attempt == _START_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


@contextmanager
def serve(app: FastAPI) -> Iterator[str]:
    """Serve the app on a free 127.0.0.1 port in a thread; yields the base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
