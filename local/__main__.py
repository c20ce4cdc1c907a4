"""`python -m local [serve] [--host H] [--port P]`: run the API on http://127.0.0.1:8000.

The same commands are the `tgscraper` console script once the project is installed
(`pip install -e .`, done by the Makefile): `tgscraper serve`, `tgscraper auth ...`.

`python -m local auth <username> [--phone] [--force]`: log in to Telegram from the terminal.

`python -m local export DIALOG --format jsonl|csv|tdesktop -o FILE [--media DIR]`: export a
dialog's history from a running server into a file, resumable (docs/export.md).

`python -m local aws-init [--parameter NAME=VALUE]`: create the tables and bucket of
template.yaml on AWS_ENDPOINT_URL (or AWS), named by the *_TABLE / MEDIA_BUCKET variables.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tgscraper.config import Settings


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def effective_settings(settings: Settings, host: str) -> Settings:
    """Off loopback, accounts need access tokens unless AUTH_MODE says otherwise: there
    the username header alone would let anyone who reaches the port act as anyone."""
    if _is_loopback(host) or settings.auth_mode_explicit:
        return settings
    return replace(settings, auth_mode="token")


def _serve(args: argparse.Namespace) -> int:
    from local.app import create_local_app
    from local.server import serve
    from tgscraper.config import get_settings

    settings = effective_settings(get_settings(), args.host)
    if not _is_loopback(args.host) and not settings.api_key and not args.allow_public:
        print(
            f"Refusing to bind {args.host}: set API_KEY (clients then send X-API-Key) or pass "
            "--allow-public-without-key",
            file=sys.stderr,
        )
        return 2
    app = create_local_app(settings)
    from tgscraper.readiness import log_checks

    log_checks(app.state.container)  # configuration errors show at start, not per request
    # Hardened uvicorn (timeouts, connection cap, shutdown grace): see local/server.py.
    serve(
        app,
        settings,
        host=args.host,
        port=args.port,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
    )
    return 0


def _prog() -> str:
    """`tgscraper` when run as the console script, `python -m local` otherwise."""
    name = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
    return "python -m local" if name in ("", "__main__.py", "-c") else name


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO").upper(),
        format="%(levelname)s %(name)s: %(message)s",
    )
    parser = argparse.ArgumentParser(prog=_prog(), description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the HTTP API (default)")
    for p in (parser, serve):
        p.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        p.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        p.add_argument("--allow-public-without-key", dest="allow_public", action="store_true")
    from local.auth_cli import add_arguments

    add_arguments(sub.add_parser("auth", help="log in to Telegram from this terminal"))
    from local import aws_init

    aws_init.add_arguments(
        sub.add_parser("aws-init", help="create the template's tables and bucket (AWS/moto)")
    )
    from local import export_cli

    export_cli.add_arguments(
        sub.add_parser("export", help="export a dialog's history into a file (docs/export.md)")
    )
    args = parser.parse_args(argv)
    if args.command == "export":
        return export_cli.run(args)
    if args.command == "aws-init":
        return aws_init.main(args)
    if args.command == "auth":
        from local.auth_cli import run

        return run(args)
    return _serve(args)


if __name__ == "__main__":
    sys.exit(main())
