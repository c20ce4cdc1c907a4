"""What the deploy scripts read from the repository: samconfig.toml's stack and region,
and from template.yaml the SSM parameter names and the resources kept on deletion.

template.yaml is read as text (its short-form tags need a CloudFormation-aware YAML
loader, which the runtime install does not have); tests check these readers against
the template as cfn-lint parses it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "template.yaml"
SAMCONFIG = ROOT / "samconfig.toml"


@dataclass(frozen=True)
class Target:
    stack_name: str
    region: str | None
    profile: str | None = None


def target(
    stack_name: str | None = None, region: str | None = None, profile: str | None = None
) -> Target:
    """The command line's choice, else samconfig.toml's [default.global.parameters]."""
    config = tomllib.loads(SAMCONFIG.read_text()) if SAMCONFIG.is_file() else {}
    glob = config.get("default", {}).get("global", {}).get("parameters", {})
    return Target(
        stack_name=stack_name or glob.get("stack_name") or "tgscraper",
        region=region or glob.get("region"),
        profile=profile,
    )


def parameter_defaults(text: str | None = None) -> dict[str, str]:
    """Template parameter -> its Default, for parameters with a scalar default."""
    text = TEMPLATE.read_text() if text is None else text
    body = _section(text, "Parameters")
    out: dict[str, str] = {}
    for block in re.split(r"^  (?=\w)", body, flags=re.MULTILINE):
        name = re.match(r"(\w+):\n", block)
        default = re.search(r"^    Default: (.*)$", block, flags=re.MULTILINE)
        if name and default:
            out[name[1]] = default[1].strip().strip('"')
    return out


def retained_resources(text: str | None = None) -> dict[str, str]:
    """Logical id -> resource type, for every resource with DeletionPolicy: Retain."""
    text = TEMPLATE.read_text() if text is None else text
    body = _section(text, "Resources")
    out: dict[str, str] = {}
    for block in re.split(r"^  (?=\w)", body, flags=re.MULTILINE):
        name = re.match(r"(\w+):\n", block)
        kind = re.search(r"^    Type: (\S+)$", block, flags=re.MULTILINE)
        if name and kind and re.search(r"^    DeletionPolicy: Retain$", block, re.MULTILINE):
            out[name[1]] = kind[1]
    return out


def _section(text: str, name: str) -> str:
    """The indented body of a top-level template section."""
    body = text.split(f"\n{name}:\n", 1)[1]
    end = re.search(r"^\S", body, flags=re.MULTILINE)
    return body if end is None else body[: end.start()]


def explain_aws_failure(exc: Exception) -> str | None:
    """A one-line reason for the usual first-deploy failures, or None (re-raise)."""
    from botocore import exceptions as bx

    if isinstance(exc, bx.NoCredentialsError | bx.PartialCredentialsError):
        return "no AWS credentials: run `aws configure` (or set AWS_PROFILE) first"
    if isinstance(exc, bx.NoRegionError):
        return "no AWS region: pass --region or set it in samconfig.toml"
    if isinstance(exc, bx.ProfileNotFound):
        return f"AWS profile not found: {exc}"
    if isinstance(exc, bx.ClientError):
        error = exc.response.get("Error", {})
        return f"AWS refused: {error.get('Code', '?')}: {error.get('Message', exc)}"
    if isinstance(exc, bx.EndpointConnectionError):
        return f"cannot reach AWS: {exc}"
    return None
