"""Creates the SSM parameters the stack reads, when they are missing.

    python -m deploy.ssm ensure [--stack-name N] [--region R] [--profile P]

For each of the template's three parameter names (their Defaults in template.yaml) that
does not exist yet, asks for the value and stores it as a SecureString; existing ones are
never overwritten. Secrets are read with getpass (no echo) and never printed. For the API
key, an empty answer generates one and writes it to a 0600 file whose path is printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deploy.settings import Target, explain_aws_failure, parameter_defaults, target

MIN_KEY_LENGTH = 20
"""As the authorizer (functions/authorizer/authorizer_app.py): shorter keys are ignored."""
ATTEMPTS = 3


@dataclass(frozen=True)
class Spec:
    template_parameter: str
    label: str
    secret: bool
    validate: Callable[[str], str | None]
    """None when the value is fine, else what is wrong with it."""
    generate: bool = False


def _api_id(value: str) -> str | None:
    return None if value.isdigit() else "the api_id is a number (my.telegram.org > API development)"


def _api_hash(value: str) -> str | None:
    if re.fullmatch(r"[0-9a-fA-F]{32}", value):
        return None
    return "the api_hash is 32 hexadecimal characters"


def _api_key(value: str) -> str | None:
    if len(value) < MIN_KEY_LENGTH:
        return f"an API key has at least {MIN_KEY_LENGTH} characters"
    if re.search(r"[,\s]", value):
        return "an API key has no commas or spaces (they separate keys during a rotation)"
    return None


SPECS = (
    Spec("TelegramApiIdParameter", "Telegram api_id", secret=False, validate=_api_id),
    Spec("TelegramApiHashParameter", "Telegram api_hash", secret=True, validate=_api_hash),
    Spec(
        "ApiKeyParameter",
        "API key clients send as X-API-Key (Enter = generate one)",
        secret=True,
        validate=_api_key,
        generate=True,
    ),
)


def key_file(where: Target) -> Path:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "tgscraper"
    return base / f"{where.stack_name}-{where.region or 'default'}.api-key"


def _write_private(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
    os.chmod(path, 0o600)


def missing(ssm: Any, names: list[str]) -> list[str]:
    found = ssm.get_parameters(Names=names, WithDecryption=False)
    return [n for n in names if n in set(found.get("InvalidParameters", []))]


Ask = Callable[[Spec, str], str]


def ask_interactively(spec: Spec, name: str) -> str:
    prompt = f"{spec.label} for {name}: "
    return getpass.getpass(prompt) if spec.secret else input(prompt)


def ensure(ssm: Any, where: Target, ask: Ask = ask_interactively) -> list[str]:
    """Create every missing parameter; the names created, in template order."""
    defaults = parameter_defaults()
    names = {spec.template_parameter: defaults[spec.template_parameter] for spec in SPECS}
    absent = set(missing(ssm, list(names.values())))
    # Every answer first, then the writes: a bad answer leaves nothing half-created.
    values = {}
    for spec in SPECS:
        name = names[spec.template_parameter]
        if name in absent:
            values[name] = (spec, _value(spec, name, where, ask))
        else:
            print(f"SSM {name}: exists, left as it is")
    for name, (spec, value) in values.items():
        ssm.put_parameter(
            Name=name,
            Value=value,
            Type="SecureString",
            Overwrite=False,
            Description=f"tgscraper: {spec.label.split(' (')[0]}",
        )
        print(f"SSM {name}: created (SecureString)")
    return list(values)


def _value(spec: Spec, name: str, where: Target, ask: Ask) -> str:
    for _ in range(ATTEMPTS):
        value = ask(spec, name).strip()
        if not value and spec.generate:
            value = secrets.token_urlsafe(32)
            path = key_file(where)
            _write_private(path, value)
            print(f"generated an API key; it is in {path} (mode 0600)")
            return value
        problem = spec.validate(value)
        if problem is None:
            return value
        print(f"not stored: {problem}", file=sys.stderr)
    raise SystemExit(f"{name}: no valid value after {ATTEMPTS} tries; nothing else was changed")


def client(where: Target) -> Any:
    import boto3

    session = boto3.Session(profile_name=where.profile, region_name=where.region)
    return session.client("ssm")


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stack-name")
    parser.add_argument("--region")
    parser.add_argument("--profile")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.ssm", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_target_arguments(sub.add_parser("ensure", help="create the missing parameters"))
    args = parser.parse_args(argv)
    where = target(args.stack_name, args.region, args.profile)
    try:
        ensure(client(where), where)
    except Exception as exc:
        reason = explain_aws_failure(exc)
        if reason is None:
            raise
        print(f"SSM parameters not checked: {reason}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
