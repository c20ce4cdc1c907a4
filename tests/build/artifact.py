"""Builds template.yaml with `sam build` (aws-sam-cli, Python 3.12 first on PATH) and
describes the result: the tools it needs, the built tree, sizes. See docs/build.md."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "template.yaml"
WORK = REPO / ".aws-sam" / "build-check"
"""Build outputs and caches (gitignored with the rest of .aws-sam)."""

PY312 = Path(os.environ.get("PYTHON312", "~/.pyenv/versions/3.12.1/bin/python3.12")).expanduser()
"""A real 3.12 interpreter (pyenv shims don't count: sam build resolves python3.12 on PATH)."""

RUNTIME_PINS = [
    "boto3==1.44.5",
    "moto[dynamodb,s3,ssm]==5.2.5",
    "flask==3.1.3",
    "flask-cors==6.0.5",
]
"""What the check puts where the Lambda runtime's own packages live: boto3/botocore (the
runtime ships them) and moto for the replay, with flask for moto's server (none of these
is a package the handlers import; the replay checks where every module came from)."""

LAMBDA_UNZIPPED_LIMIT = 250 * 1024 * 1024
"""Function code plus all its layers, unzipped (Lambda quotas)."""


def sam_cli() -> Path | None:
    for candidate in (os.environ.get("SAM_CLI"), REPO / ".venv-sam" / "bin" / "sam"):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    found = shutil.which("sam")
    return Path(found) if found else None


def missing_tools() -> str | None:
    """Why the check cannot run here, or None."""
    if not PY312.is_file():
        return f"no Python 3.12 interpreter at {PY312} (set PYTHON312)"
    if sam_cli() is None:
        return "no aws-sam-cli (run `make .venv-sam/.installed` or set SAM_CLI)"
    return None


@dataclass(frozen=True)
class Build:
    arch: str
    root: Path
    """.aws-sam/build equivalent: one folder per function and layer, plus template.yaml."""
    log: str


def twin_template(arch: str) -> Path:
    """template.yaml with every architecture set to `arch` (nothing else changes)."""
    text = TEMPLATE.read_text()
    if arch == "arm64":
        return TEMPLATE
    swapped = text.replace("[arm64]", f"[{arch}]").replace(
        "BuildArchitecture: arm64", f"BuildArchitecture: {arch}"
    )
    assert swapped.count(f"[{arch}]") >= 2, "template architectures not found"
    out = WORK / arch / "template.yaml"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(swapped)
    return out


def sam_build(arch: str) -> Build:
    """`sam build` of the whole template for `arch`, cached between runs."""
    sam = sam_cli()
    assert sam is not None
    work = WORK / arch
    work.mkdir(parents=True, exist_ok=True)
    root = work / "build"
    env = {
        **os.environ,
        "PATH": f"{PY312.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "SAM_CLI_TELEMETRY": "0",
        "SAM_CLI_CONTEXT": "build-check",
    }
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [
            str(sam),
            "build",
            "--template-file",
            str(twin_template(arch)),
            "--base-dir",
            str(REPO),
            "--build-dir",
            str(root),
            "--cached",
            "--cache-dir",
            str(work / "cache"),
        ],
        cwd=work,  # sam keeps its dependency cache (.aws-sam/deps) under the cwd
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"sam build ({arch}) failed:\n{log[-4000:]}"
    return Build(arch, root, log)


def lambda_runtime_dir() -> Path:
    """A folder with what the Lambda runtime provides (see RUNTIME_PINS), for Python 3.12."""
    target = WORK / "lambda-runtime-py312"
    stamp = target / ".pins"
    if stamp.is_file() and stamp.read_text() == "\n".join(RUNTIME_PINS):
        return target
    shutil.rmtree(target, ignore_errors=True)
    pip = [str(PY312), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "--target", str(target), *RUNTIME_PINS],
        check=True,
        timeout=600,
    )
    stamp.write_text("\n".join(RUNTIME_PINS))
    return target


def tree_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mib(n: int) -> str:
    return f"{n / 1024:.0f} KiB" if n < 1024 * 1024 else f"{n / 1024 / 1024:.1f} MiB"
