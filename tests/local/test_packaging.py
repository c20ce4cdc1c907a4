"""The project installs as a package: a fresh venv over a clone-like copy of the checkout
gets the `tgscraper` console script, which serves /health in demo mode, and
`python -m local serve` works there without PYTHONPATH.

The copy holds the files git tracks or would track (as they are in the working tree, so
new files count before their commit), as a clone would.
The new venv reaches the already installed dependencies through a path-only .pth line
(no network, and no other checkout's editable install is activated: a .pth path line does
not run that directory's .pth files), then `pip install -e . --no-deps` installs the copy,
exactly the project part of the Makefile's `pip install -r ... -e .`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
_PURELIB = "import sysconfig; print(sysconfig.get_paths()['purelib'])"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tracked_files() -> list[str]:
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=30,
    ).stdout.decode()
    return [name for name in out.split("\0") if name]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(copy of the checkout, venv with the copy installed editable)."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout to copy the tracked files from")
    base = tmp_path_factory.mktemp("packaging")
    copy = base / "clone"
    for name in _tracked_files():
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is skipped
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(
        subprocess.run(
            [str(venv / "bin/python"), "-c", _PURELIB],
            capture_output=True,
            check=True,
            text=True,
            timeout=30,
        ).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin/python"),
            "install",
            "-q",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-e",
            str(copy),
        ],
        check=True,
        timeout=300,
        env=_clean_env(),
    )
    return copy, venv


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONPATH"
        and not k.startswith(("TELEGRAM_", "AWS_", "HISTORY_", "FILES_"))
        and k not in ("API_KEY", "STORAGE_BACKEND")
    }
    env.update(extra)
    return env


@contextmanager
def _serving(command: list[str], cwd: Path, data_dir: Path, port: int) -> Iterator[str]:
    url = f"http://127.0.0.1:{port}"
    log = data_dir.parent / f"serve-{port}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [*command, "serve", "--port", str(port)],
            cwd=cwd,
            env=_clean_env(DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1"),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise AssertionError(f"exited with {proc.returncode}:\n{log.read_text()}")
            try:
                httpx.get(f"{url}/health", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(f"did not start:\n{log.read_text()}")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def test_console_script_serves_health_from_any_directory(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    copy, venv = installed
    elsewhere = tmp_path / "elsewhere"  # not the checkout: only the install finds the code
    elsewhere.mkdir()
    with _serving([str(venv / "bin/tgscraper")], elsewhere, tmp_path / "data", _free_port()) as url:
        health = httpx.get(f"{url}/health", timeout=10)
        assert health.status_code == 200
        assert health.json()["mode"] == "demo"
        assert httpx.get(f"{url}/", timeout=10).status_code == 200
    assert (tmp_path / "data").is_dir()  # DATA_DIR honoured, nothing written elsewhere
    assert not any(elsewhere.iterdir())
    assert copy.is_dir()


def test_python_m_local_serves_without_pythonpath(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    copy, venv = installed
    with _serving(
        [str(venv / "bin/python"), "-m", "local"], copy, tmp_path / "data", _free_port()
    ) as url:
        assert httpx.get(f"{url}/health", timeout=10).json()["mode"] == "demo"


def test_console_script_help_names_every_command(installed: tuple[Path, Path]) -> None:
    _, venv = installed
    shown = subprocess.run(
        [str(venv / "bin/tgscraper"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env=_clean_env(),
        cwd="/",
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.startswith("usage: tgscraper")
    for command in ("serve", "auth", "aws-init"):
        assert command in shown.stdout
