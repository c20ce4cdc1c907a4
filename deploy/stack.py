"""What a deployed stack gives the user, and what its deletion leaves behind.

    python -m deploy.stack outputs  [--stack-name N] [--region R] [--profile P]
    python -m deploy.stack retained [--stack-name N] [--region R] [--profile P] [--offline]

`outputs` prints the API URL and a first curl. `retained` lists, by physical name, the
resources template.yaml keeps on deletion (DeletionPolicy: Retain) and the SSM
parameters, each with the command that removes it; `--offline` (dry runs) names them
from the template alone.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from typing import Any

from deploy.settings import (
    Target,
    explain_aws_failure,
    parameter_defaults,
    retained_resources,
    target,
)
from deploy.ssm import SPECS, add_target_arguments, key_file

_REMOVE = {
    "AWS::DynamoDB::Table": "aws dynamodb delete-table --table-name {id}{sfx}",
    "AWS::S3::Bucket": "aws s3 rm s3://{id} --recursive{sfx} && aws s3 rb s3://{id}{sfx}",
}
_WHY = {
    "SessionsTable": "Telegram logins (deleting it logs every account out for good)",
    "AccountsTable": "username bindings and access token hashes (deleting it revokes every token)",
    "MediaTable": "the media uuids clients were given",
    "MediaBucket": "downloaded media bytes (re-downloadable)",
}


def _session(where: Target) -> Any:
    import boto3

    return boto3.Session(profile_name=where.profile, region_name=where.region)


def _suffix(where: Target) -> str:
    parts = [f"--region {shlex.quote(where.region)}" if where.region else ""]
    parts.append(f"--profile {shlex.quote(where.profile)}" if where.profile else "")
    return "".join(f" {p}" for p in parts if p)


def print_outputs(cfn: Any, where: Target) -> str:
    stack = cfn.describe_stacks(StackName=where.stack_name)["Stacks"][0]
    outputs = {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}
    url = outputs["ApiUrl"].rstrip("/")
    key = key_file(where)
    key_arg = f"$(cat {key})" if key.is_file() else "<your API key>"
    print(f"API: {url}")
    if "HistoryStreamUrl" in outputs:
        print(f"Streaming history: {outputs['HistoryStreamUrl']}")
    print("First calls:")
    print(f"  curl -s {url}/health")
    print(f'  curl -s -H "X-API-Key: {key_arg}" {url}/')
    print(f"Log in: open {url}/login in a browser")
    return url


def retained(cfn: Any | None, where: Target) -> list[str]:
    """The removal commands, one per resource left behind (printed with why)."""
    kept = retained_resources()
    physical = {name: f"<{name} of {where.stack_name}>" for name in kept}
    if cfn is not None:
        resources = cfn.describe_stack_resources(StackName=where.stack_name)["StackResources"]
        physical.update(
            {
                r["LogicalResourceId"]: r["PhysicalResourceId"]
                for r in resources
                if r["LogicalResourceId"] in kept
            }
        )
    commands = []
    print("Kept after the stack is deleted (DeletionPolicy: Retain), and how to remove each:")
    for name, kind in kept.items():
        command = _REMOVE[kind].format(id=physical[name], sfx=_suffix(where))
        print(f"  {name}: {physical[name]} - {_WHY.get(name, 'kept')}\n    {command}")
        commands.append(command)
    defaults = parameter_defaults()
    names = " ".join(defaults[s.template_parameter] for s in SPECS)
    command = f"aws ssm delete-parameters --names {names}{_suffix(where)}"
    print(f"  SSM parameters: {names}\n    {command}")
    commands.append(command)
    print(f"  The generated API key file, if any: rm -f {key_file(where)}")
    return commands


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.stack", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_target_arguments(sub.add_parser("outputs", help="the API URL and a first curl"))
    kept = sub.add_parser("retained", help="what a deletion leaves, and how to remove it")
    add_target_arguments(kept)
    kept.add_argument("--offline", action="store_true", help="from the template alone")
    args = parser.parse_args(argv)
    where = target(args.stack_name, args.region, args.profile)
    try:
        if args.command == "outputs":
            print_outputs(_session(where).client("cloudformation"), where)
        else:
            cfn = None if args.offline else _session(where).client("cloudformation")
            retained(cfn, where)
    except Exception as exc:
        reason = explain_aws_failure(exc)
        if reason is None:
            raise
        print(f"stack {where.stack_name}: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
