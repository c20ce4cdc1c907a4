"""The deployable artifact, not the source tree: `sam build` output imported and driven the
way Lambda runs it (docs/build.md).

Two builds of the same template: the real one (arm64, as deployed) is checked for its
layout and sizes; an x86_64 twin (only the architecture differs, so its compiled wheels
load on this machine) is imported in a separate Python 3.12 process whose sys.path is
Lambda's, and every events/*.json sample is replayed through the built handlers under
moto. Skipped, with the reason, where Python 3.12 or aws-sam-cli is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.build import artifact as A
from tests.support.aws import TABLE_SETTINGS, aws_test_settings, load_template

_WHY_NOT = A.missing_tools()
pytestmark = pytest.mark.skipif(_WHY_NOT is not None, reason=f"build check: {_WHY_NOT}")

HARNESS = Path(__file__).with_name("lambda_harness.py")
EVENTS = A.REPO / "events"
PY = "python3.12"


def _functions() -> dict[str, dict[str, Any]]:
    resources = load_template()["Resources"]
    return {
        name: r["Properties"]
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def _layer_dirs(build: A.Build) -> list[Path]:
    resources = load_template()["Resources"]
    return [
        build.root / name
        for name, r in resources.items()
        if r["Type"] == "AWS::Serverless::LayerVersion"
    ]


@pytest.fixture(scope="session")
def arm_build() -> A.Build:
    return A.sam_build("arm64")


@pytest.fixture(scope="session")
def host_build() -> A.Build:
    return A.sam_build("x86_64")


@pytest.fixture(scope="session")
def replay(host_build: A.Build, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Runs lambda_harness.py over the x86_64 twin; its JSON report."""
    work = tmp_path_factory.mktemp("lambda")
    sim_dir = work / "sim"
    shutil.copytree(
        A.REPO / "local" / "simtg",
        sim_dir / "simtg",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    settings = aws_test_settings(work)
    resources = load_template()["Resources"]
    tables = []
    for logical_id, field in TABLE_SETTINGS.items():
        props = resources[logical_id]["Properties"]
        tables.append(
            {
                "create": {
                    "TableName": getattr(settings, field),
                    "AttributeDefinitions": props["AttributeDefinitions"],
                    "KeySchema": props["KeySchema"],
                    "BillingMode": props["BillingMode"],
                },
                "ttl": (props.get("TimeToLiveSpecification") or {}).get("AttributeName"),
            }
        )
    handlers = {
        name: props["Handler"]
        for name, props in _functions().items()
        if not props["Handler"].endswith(".sh")
    }
    env = {
        "STORAGE_BACKEND": "aws",
        **{f.upper(): getattr(settings, f) for f in TABLE_SETTINGS.values()},
        "MEDIA_BUCKET": settings.media_bucket,
        "TELEGRAM_API_ID_PARAM": "/tgscraper/telegram/api-id",
        "TELEGRAM_API_HASH_PARAM": "/tgscraper/telegram/api-hash",
        "API_KEY_PARAM": "/tgscraper/api-key",
        "AWS_LAMBDA_FUNCTION_NAME": "tgscraper-build-check",
        "LOG_LEVEL": "WARNING",
    }
    config = {
        "build_dir": str(host_build.root),
        "layer_dir": str(host_build.root / "CommonLayer"),
        "runtime_dir": str(A.lambda_runtime_dir()),
        "sim_dir": str(sim_dir),
        "events_dir": str(EVENTS),
        "handlers": handlers,
        "tables": tables,
        "env": env,
    }
    cfg = work / "config.json"
    cfg.write_text(json.dumps(config))
    child_env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": str(host_build.root),
    }
    proc = subprocess.run(
        [str(A.PY312), "-I", "-S", str(HARNESS), str(cfg)],
        env=child_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, f"harness crashed:\n{proc.stderr[-6000:]}"
    report: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    report["stderr"] = proc.stderr
    return report


# ---------------------------------------------------------------- the real (arm64) build
def test_layer_holds_the_package_at_opt_python(arm_build: A.Build) -> None:
    layer = arm_build.root / "CommonLayer" / "python"
    top = sorted(p.name for p in layer.iterdir())
    assert (layer / "tgscraper" / "__init__.py").is_file(), f"no python/tgscraper in {top}"
    assert not (layer / "python").exists(), "the layer nests python/python (not importable)"
    for package in ("telethon", "fastapi", "mangum", "pydantic_core", "rapidfuzz", "qrcode"):
        assert (layer / package).is_dir(), f"{package} missing from the layer"


def test_compiled_wheels_are_for_the_deployed_architecture(arm_build: A.Build) -> None:
    sos = list((arm_build.root / "CommonLayer").rglob("*.so"))
    assert sos, "no compiled extension in the layer (pydantic_core has one)"
    aarch64 = 183  # ELF e_machine of AArch64
    wrong = [p.name for p in sos if int.from_bytes(p.read_bytes()[18:20], "little") != aarch64]
    assert not wrong, f"not arm64: {wrong}"


def test_twin_differs_only_in_platform(arm_build: A.Build, host_build: A.Build) -> None:
    """The imported x86_64 twin holds exactly the packages (names and versions) and the
    same source files as the deployed arm64 build."""

    def dists(build: A.Build) -> set[str]:
        return {p.name for p in (build.root / "CommonLayer" / "python").glob("*.dist-info")}

    def sources(build: A.Build) -> dict[str, bytes]:
        return {str(p.relative_to(build.root)): p.read_bytes() for p in build.root.rglob("*.py")}

    assert dists(arm_build) == dists(host_build)
    arm, host = sources(arm_build), sources(host_build)
    assert arm.keys() == host.keys()
    assert [k for k in arm if arm[k] != host[k]] == []


def test_sizes_stay_under_the_lambda_limit(
    arm_build: A.Build, capsys: pytest.CaptureFixture[str]
) -> None:
    layer = A.tree_size(arm_build.root / "CommonLayer")
    rows = []
    for name, props in _functions().items():
        code = A.tree_size(arm_build.root / name)
        uses_layer = any(x == {"Ref": "CommonLayer"} for x in props.get("Layers", []))
        total = code + (layer if uses_layer else 0)
        rows.append((name, code, total))
        assert total < A.LAMBDA_UNZIPPED_LIMIT, f"{name}: {A.mib(total)} unzipped"
    with capsys.disabled():
        print(f"\n[build-check] CommonLayer {A.mib(layer)} (limit 250 MiB per function+layers)")
        for name, code, total in rows:
            print(f"[build-check] {name:24} code {A.mib(code):>10}  with layers {A.mib(total)}")


# ---------------------------------------------------------------- imported the Lambda way
def _entries(report: dict[str, Any], event_file: str) -> list[dict[str, Any]]:
    return [r for r in report["results"] if r["event"].split(" ")[0] == event_file]


@pytest.mark.parametrize("event_file", sorted(p.name for p in EVENTS.glob("*.json")))
def test_every_sample_event_replays_through_the_built_handler(
    replay: dict[str, Any], event_file: str
) -> None:
    entries = _entries(replay, event_file)
    crashed = [r for r in replay["results"] if r["function"] == "?"]
    assert not crashed, f"replay step crashed: {crashed}\n{replay['stderr'][-3000:]}"
    assert entries, f"{event_file} was not replayed"
    bad = [r for r in entries if r["error"]]
    assert not bad, json.dumps(bad, indent=1) + "\n" + replay["stderr"][-3000:]


def test_handlers_import_only_from_the_build_and_the_runtime(
    replay: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with capsys.disabled():
        print(f"\n[build-check] replayed on {replay['python'].split()[0]}, Lambda's sys.path:")
        for r in replay["results"]:
            verdict = "ok" if not r["error"] else f"FAIL {r['error']}"
            print(f"[build-check]   {r['function']:20} {r['event']:40} {r['status']}  {verdict}")
    assert replay["foreign_modules"] == []
    layer = str(Path(replay["sys_path_tail"][1]))
    for name, origin in replay["layer_origins"].items():
        assert origin.startswith(layer), f"{name} imported from {origin}, not the layer"
