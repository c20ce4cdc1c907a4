"""Real processes for the end-to-end run: moto's standalone server and the local runner,
each on 127.0.0.1 on a free port, with bounded start-up waits and a kill that always
happens (the caller's `finally`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0


def free_port() -> int:
    """A port the OS just handed out (bind 0); the server binds it right after."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    url: str

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


def start(
    name: str,
    args: list[str],
    *,
    env: dict[str, str],
    cwd: Path,
    log_dir: Path,
    port: int,
    ready_path: str,
) -> Proc:
    log = log_dir / f"{name}-{port}.log"
    with open(log, "wb") as fh:
        popen = subprocess.Popen(args, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT)
    proc = Proc(name, popen, log, f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            raise RuntimeError(f"{name} exited with {popen.returncode}:\n{proc.output()}")
        try:
            if httpx.get(proc.url + ready_path, timeout=2).status_code < 500:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.stop()
    raise RuntimeError(f"{name} did not answer within {START_TIMEOUT} s:\n{proc.output()}")


def moto_server(env: dict[str, str], cwd: Path, log_dir: Path) -> Proc:
    port = free_port()
    args = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    return start(
        "moto", args, env=env, cwd=cwd, log_dir=log_dir, port=port, ready_path="/moto-api/"
    )


def local_runner(env: dict[str, str], cwd: Path, log_dir: Path) -> Proc:
    port = free_port()
    args = [sys.executable, "-m", "local", "serve", "--host", "127.0.0.1", "--port", str(port)]
    return start("runner", args, env=env, cwd=cwd, log_dir=log_dir, port=port, ready_path="/health")


def base_env(**extra: str) -> dict[str, str]:
    """The parent's environment without anything that could reach real AWS or Telegram."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("AWS_", "TELEGRAM_")) and k not in ("API_KEY", "DATA_DIR")
    }
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers/common/python"), str(ROOT)])
    env.update(extra)
    return env
