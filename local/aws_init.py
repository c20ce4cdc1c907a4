"""`python -m local aws-init`: create every DynamoDB table and the S3 bucket exactly as
template.yaml declares them, on AWS or any compatible endpoint (moto server, LocalStack).

The template is read, not copied: each table and bucket is found by its `Type`, its
physical name comes from the environment variable the template's function environment
binds to it (`SESSIONS_TABLE: !Ref SessionsTable` -> $SESSIONS_TABLE, default from
tgscraper.config), and its properties (keys, billing, TTL, SSE, PITR, public-access block,
encryption, ownership, lifecycle, versioning, bucket policy) are applied as declared.
A second run creates nothing: it says what exists and re-applies the configuration.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from local import cfn_template
from local.cfn_template import Resolver, TemplateError
from tgscraper.config import Settings

TABLE = "AWS::DynamoDB::Table"
BUCKET = "AWS::S3::Bucket"
BUCKET_POLICY = "AWS::S3::BucketPolicy"


class InitError(RuntimeError):
    """A configuration problem that stops aws-init (no region, an unusable resource)."""


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def say(self, line: str) -> None:
        self.lines.append(line)
        print(line, flush=True)

    def problem(self, line: str) -> None:
        self.problems.append(line)
        print(f"ERROR: {line}", flush=True)


def region_of_env() -> str | None:
    """AWS_REGION (what Lambda sets) or AWS_DEFAULT_REGION (what boto3 reads)."""
    return (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    ).strip() or None


def storage_bindings(template: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> environment variable naming it, from the functions' environments."""
    scopes = [template.get("Globals", {}).get("Function", {})]
    scopes += [
        res.get("Properties", {})
        for res in template.get("Resources", {}).values()
        if res.get("Type") == "AWS::Serverless::Function"
    ]
    bindings: dict[str, str] = {}
    for scope in scopes:
        for env, value in scope.get("Environment", {}).get("Variables", {}).items():
            if isinstance(value, dict) and set(value) == {"Ref"}:
                bindings.setdefault(str(value["Ref"]), env)
    return bindings


def physical_names(template: Mapping[str, Any], settings: Settings) -> dict[str, tuple[str, str]]:
    """Logical id -> (physical name, env var) of every table and bucket in the template."""
    bindings = storage_bindings(template)
    names: dict[str, tuple[str, str]] = {}
    for logical, res in template.get("Resources", {}).items():
        if res.get("Type") not in (TABLE, BUCKET):
            continue
        env = bindings.get(logical)
        if env is None or not hasattr(settings, env.lower()):
            raise TemplateError(
                f"{logical} is not bound to a function environment variable that "
                "tgscraper.config reads, so the app could never find it"
            )
        names[logical] = (str(getattr(settings, env.lower())), env)
    return names


def run(
    settings: Settings,
    *,
    template_path: Path = cfn_template.TEMPLATE,
    parameters: Mapping[str, str] | None = None,
    client_factory: Callable[[str], Any] | None = None,
) -> Report:
    region = region_of_env()
    if client_factory is None:
        if region is None:
            import boto3

            region = boto3.session.Session().region_name  # ~/.aws/config
        if region is None:
            raise InitError("no AWS region: set AWS_REGION (or AWS_DEFAULT_REGION)")
        client_factory = _boto3_factory(settings.aws_endpoint_url, region)
    template = cfn_template.load(template_path)
    names = physical_names(template, settings)
    resolver = Resolver(
        template,
        physical={k: name for k, (name, _) in names.items()},
        region=region or "us-east-1",
        parameters=parameters,
    )
    report = Report()
    where = settings.aws_endpoint_url or f"AWS ({region})"
    report.say(f"aws-init: {len(names)} resources from {template_path.name} on {where}")
    dynamodb, s3 = client_factory("dynamodb"), client_factory("s3")
    from local.aws_init_apply import apply_bucket, apply_bucket_policy, apply_table

    resources: dict[str, Any] = template["Resources"]
    for logical, (name, env) in names.items():
        res = resources[logical]
        if not resolver.include(res):
            report.say(f"skipped {logical}: its condition is false")
            continue
        props = resolver.resolve(res.get("Properties", {}))
        label = f"{name} ({logical}, ${env})"
        if res["Type"] == TABLE:
            apply_table(dynamodb, name, props, label, report)
        else:
            apply_bucket(s3, name, props, label, report, region=region or "us-east-1")
    for logical, res in resources.items():
        if res.get("Type") == BUCKET_POLICY and resolver.include(res):
            props = resolver.resolve(res["Properties"])
            bucket, document = str(props["Bucket"]), props["PolicyDocument"]
            if apply_bucket_policy(s3, bucket, document, report, settings.aws_endpoint_url):
                report.say(f"bucket policy {logical} applied to {bucket}")
    return report


def _boto3_factory(endpoint_url: str | None, region: str) -> Callable[[str], Any]:
    import boto3

    def make(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint_url, region_name=region)

    return make


def main(args: Any) -> int:
    """CLI entry (see local/__main__.py): 0 done, 1 a resource differs, 2 cannot start."""
    from botocore.exceptions import BotoCoreError, ClientError

    params: dict[str, str] = {}
    for pair in args.parameter or []:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"--parameter needs NAME=VALUE, got {pair!r}")
            return 2
        params[key] = value
    try:
        report = run(Settings.from_env(), template_path=Path(args.template), parameters=params)
    except (InitError, TemplateError) as exc:
        print(f"aws-init: {exc}")
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"aws-init: AWS call failed: {exc}")
        return 2
    if report.problems:
        print(f"aws-init: {len(report.problems)} problem(s); see ERROR lines above")
        return 1
    print("aws-init: done")
    return 0


def add_arguments(parser: Any) -> None:
    parser.add_argument(
        "--template", default=str(cfn_template.TEMPLATE), help="template path (template.yaml)"
    )
    parser.add_argument(
        "--parameter",
        action="append",
        metavar="NAME=VALUE",
        help="template parameter override, e.g. MediaCacheDays=30 (repeatable)",
    )
