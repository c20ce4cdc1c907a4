"""`make deploy` / `make destroy` as far as they go without AWS: the SSM step against moto,
the scripts' arguments and dry runs, and the template readers they rely on.

GIVEN no or some of the stack's SSM parameters WHEN the deploy step asks for the missing
ones THEN exactly those are created as SecureStrings, secrets never reach the terminal,
and a bad answer leaves nothing half-created."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from deploy import settings, ssm, stack
from functions.authorizer.authorizer_app import parse_keys
from tests.support.aws import load_template

ROOT = Path(__file__).resolve().parent.parent
T = load_template()
NAMES = [T["Parameters"][s.template_parameter]["Default"] for s in ssm.SPECS]
API_ID, API_HASH = "1234567", "0123456789abcdef0123456789abcdef"
WHERE = settings.Target("tgscraper-test", "us-east-1")
BASH = shutil.which("bash") or "/bin/bash"


@pytest.fixture
def client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with mock_aws():
        yield boto3.client("ssm", region_name="us-east-1")


def _answers(*values: str) -> ssm.Ask:
    queue = list(values)
    return lambda _spec, _name: queue.pop(0)


def _stored(client: Any) -> dict[str, tuple[str, str]]:
    params = client.get_parameters(Names=NAMES, WithDecryption=True)["Parameters"]
    return {p["Name"]: (p["Type"], p["Value"]) for p in params}


# -- the template readers ------------------------------------------------------------------
def test_the_readers_agree_with_the_template_as_cloudformation_reads_it() -> None:
    defaults = settings.parameter_defaults()
    for name, param in T["Parameters"].items():
        if isinstance(param.get("Default"), str | int):
            assert defaults[name] == str(param["Default"]), name
    retained = {
        name: res["Type"]
        for name, res in T["Resources"].items()
        if res.get("DeletionPolicy") == "Retain"
    }
    assert settings.retained_resources() == retained
    assert set(retained) == {"SessionsTable", "AccountsTable", "MediaTable", "MediaBucket"}


def test_samconfig_defaults_name_the_stack_and_region() -> None:
    where = settings.target()
    assert where.stack_name == "tgscraper" and where.region
    assert settings.target("other", "eu-west-1") == settings.Target("other", "eu-west-1")


# -- SSM parameters ------------------------------------------------------------------------
def test_missing_parameters_are_created_as_secure_strings_and_secrets_never_printed(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    key = "k" * 40
    created = ssm.ensure(client, WHERE, ask=_answers(API_ID, API_HASH, key))
    assert created == NAMES
    assert _stored(client) == {
        NAMES[0]: ("SecureString", API_ID),
        NAMES[1]: ("SecureString", API_HASH),
        NAMES[2]: ("SecureString", key),
    }
    out = capsys.readouterr()
    assert API_HASH not in out.out + out.err and key not in out.out + out.err


def test_existing_parameters_are_left_alone(client: Any) -> None:
    client.put_parameter(Name=NAMES[2], Value="existing-key-" + "x" * 20, Type="SecureString")
    created = ssm.ensure(client, WHERE, ask=_answers(API_ID, API_HASH))
    assert created == NAMES[:2]
    assert _stored(client)[NAMES[2]][1] == "existing-key-" + "x" * 20
    assert ssm.ensure(client, WHERE, ask=_answers()) == []  # a second run asks nothing


def test_an_empty_api_key_generates_one_into_a_private_file(
    client: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ssm.ensure(client, WHERE, ask=_answers(API_ID, API_HASH, ""))
    path = ssm.key_file(WHERE)
    key = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert _stored(client)[NAMES[2]][1] == key
    assert parse_keys(key) == (key.encode(),), "the authorizer accepts it"
    out = capsys.readouterr().out
    assert str(path) in out and key not in out


def test_bad_answers_are_asked_again_and_three_bad_ones_create_nothing(client: Any) -> None:
    created = ssm.ensure(client, WHERE, ask=_answers("12a", API_ID, API_HASH, "short", "k" * 30))
    assert created == NAMES
    client.delete_parameters(Names=NAMES)
    with pytest.raises(SystemExit, match="api-hash"):
        ssm.ensure(client, WHERE, ask=_answers(API_ID, "nothex", "x", "y" * 32))
    assert _stored(client) == {}, "the valid api_id was not stored alone"


def test_secrets_are_read_without_echo(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []

    def reader(kind: str) -> Any:
        def read(prompt: str) -> str:
            used.append(kind)
            return "v"

        return read

    monkeypatch.setattr("getpass.getpass", reader("getpass"))
    monkeypatch.setattr("builtins.input", reader("input"))
    for spec in ssm.SPECS:
        ssm.ask_interactively(spec, "/name")
    assert used == ["input", "getpass", "getpass"]  # api_id is not secret; the rest are
    assert [s.secret for s in ssm.SPECS] == [False, True, True]


# -- stack outputs and what a deletion keeps -------------------------------------------------
class _FakeCfn:
    def describe_stacks(self, StackName: str) -> dict[str, Any]:
        url = "https://abc123.execute-api.us-east-1.amazonaws.com"
        return {"Stacks": [{"Outputs": [{"OutputKey": "ApiUrl", "OutputValue": url}]}]}

    def describe_stack_resources(self, StackName: str) -> dict[str, Any]:
        return {
            "StackResources": [
                {"LogicalResourceId": "SessionsTable", "PhysicalResourceId": "t-Sessions-1"},
                {"LogicalResourceId": "MediaTable", "PhysicalResourceId": "t-Media-1"},
                {"LogicalResourceId": "MediaBucket", "PhysicalResourceId": "t-bucket-1"},
                {"LogicalResourceId": "QrTable", "PhysicalResourceId": "t-Qr-1"},
            ]
        }


def test_outputs_print_the_api_url_and_a_first_curl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    stack.print_outputs(_FakeCfn(), WHERE)
    out = capsys.readouterr().out
    assert "curl -s https://abc123.execute-api.us-east-1.amazonaws.com/health" in out
    assert 'X-API-Key: <your API key>"' in out


def test_retained_names_each_kept_resource_and_how_to_remove_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    commands = stack.retained(_FakeCfn(), WHERE)
    assert "aws dynamodb delete-table --table-name t-Sessions-1 --region us-east-1" in commands
    assert any("aws s3 rb s3://t-bucket-1" in c for c in commands)
    assert not any("t-Qr-1" in c for c in commands), "deleted with the stack"
    assert any(
        c.startswith("aws ssm delete-parameters --names " + " ".join(NAMES)) for c in commands
    )


# -- the scripts ---------------------------------------------------------------------------
def _script(name: str, *args: str, path: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHON": shutil.which("python3") or "python3"}
    env["PYTHONPATH"] = str(ROOT)
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [BASH, str(ROOT / "deploy" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("name", ["deploy.sh", "destroy.sh"])
def test_scripts_parse(name: str) -> None:
    subprocess.run(["bash", "-n", str(ROOT / "deploy" / name)], check=True, timeout=30)


def test_deploy_dry_run_prints_every_step_with_the_chosen_target() -> None:
    out = _script(
        "deploy.sh",
        "--dry-run",
        "--stack-name",
        "tg-prod",
        "--region",
        "eu-west-1",
        "--parameter-overrides",
        "LogLevel=DEBUG",
    )
    assert out.returncode == 0, out.stderr
    steps = [line for line in out.stdout.splitlines() if line.startswith("+ ")]
    assert steps[0] == "+ sam build"
    assert "-m deploy.ssm ensure --stack-name tg-prod --region eu-west-1" in steps[1]
    assert steps[2].startswith("+ sam deploy --stack-name tg-prod --region eu-west-1")
    assert steps[2].endswith("--region eu-west-1 --parameter-overrides LogLevel=DEBUG")
    assert "-m deploy.stack outputs --stack-name tg-prod" in steps[3]


def test_destroy_dry_run_says_what_stays_without_calling_aws() -> None:
    out = _script("destroy.sh", "--dry-run", "--yes", "--region", "eu-west-1")
    assert out.returncode == 0, out.stderr
    assert "+ sam delete --region eu-west-1 --no-prompts" in out.stdout
    for kept in (
        "SessionsTable",
        "AccountsTable",
        "MediaTable",
        "MediaBucket",
        "aws ssm delete-parameters",
    ):
        assert kept in out.stdout


@pytest.mark.parametrize("name", ["deploy.sh", "destroy.sh"])
@pytest.mark.parametrize("args", [["--bogus"], ["--region"], ["--stack-name", ""]])
def test_bad_arguments_are_refused_with_the_usage(name: str, args: list[str]) -> None:
    out = _script(name, *args)
    assert out.returncode == 2
    assert "usage:" in out.stderr and out.stdout == ""


def test_without_sam_the_scripts_stop_before_touching_anything(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("dirname", "python3"):
        found = shutil.which(tool)
        assert found
        (bin_dir / tool).symlink_to(found)
    out = _script("deploy.sh", path=str(bin_dir))
    assert out.returncode == 1 and "SAM CLI" in out.stderr
    assert out.stdout == "", "no step ran"


def test_without_credentials_the_ssm_step_says_so_in_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "PYTHONPATH"}
    env.update(
        PYTHONPATH=str(ROOT),
        HOME=str(tmp_path),
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        # Never ask the instance metadata address for credentials from a test.
        AWS_EC2_METADATA_DISABLED="true",
    )
    out = subprocess.run(
        [sys.executable, "-m", "deploy.ssm", "ensure", "--region", "us-east-1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert out.returncode == 1
    assert "no AWS credentials" in out.stderr and "Traceback" not in out.stderr
