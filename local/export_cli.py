"""`tgscraper export DIALOG --format jsonl|csv|tdesktop -o FILE [--media DIR]`: export a
dialog's history from a running server (`tgscraper serve`) into a file, with a progress
bar of messages and bytes; run the same command again after Ctrl-C to continue.

The CLI reads GET /api/v3/export/{dialog_id}?format=jsonl and writes each message as it
arrives (jsonl and csv: into FILE; tdesktop: into FILE.partial.jsonl, turned into FILE's
result.json document at the end). It follows `continue` records (a Lambda budget), and
resumes after the last complete message already in the file (local/export_spool.py).
With --media DIR each message's file is downloaded through /api/v3/files/{uuid} before
the message is written, and referenced by its path relative to FILE (docs/export.md).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from local.export_http import Api, ApiError, download
from local.export_progress import progress_bar
from local.export_spool import Resume, SpoolError, Writer, resume_point
from tgscraper.export.csv_format import columns
from tgscraper.export.tdesktop import DialogInfo, TdesktopEncoder

FORMATS = ("jsonl", "csv", "tdesktop")
_FAR_FUTURE = "9999-12-31"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "dialog", help="marked dialog id (-100... for channels), @username or a t.me link"
    )
    parser.add_argument("--format", choices=FORMATS, default="jsonl")
    parser.add_argument("-o", "--output", required=True, type=Path, help="the file to write")
    parser.add_argument("--media", type=Path, help="download media files into this folder")
    parser.add_argument(
        "--server", default=os.environ.get("TGSCRAPER_SERVER", "http://localhost:8000")
    )
    parser.add_argument("--username", default=os.environ.get("TELEGRAM_USERNAME"))
    parser.add_argument("--api-key", default=os.environ.get("API_KEY"), help="X-API-Key")
    parser.add_argument(
        "--token",
        default=os.environ.get("TGSCRAPER_TOKEN"),
        help="access token (AUTH_MODE=token servers; default $TGSCRAPER_TOKEN)",
    )
    parser.add_argument("--start-date", help="YYYY-MM-DD[ HH:MM:SS] UTC, inclusive")
    parser.add_argument("--end-date", help="YYYY-MM-DD[ HH:MM:SS] UTC, inclusive")
    parser.add_argument("--fields", choices=("contract", "extended"), default="contract")
    parser.add_argument("--include-edits", action="store_true")
    parser.add_argument("--include-deleted", action="store_true")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _params(args: argparse.Namespace, resume: Resume) -> dict[str, Any]:
    params: dict[str, Any] = {"format": "jsonl"}
    params["fields"] = "extended" if args.format == "tdesktop" else args.fields
    for name in ("include_edits", "include_deleted"):
        if getattr(args, name):
            params[name] = "true"
    if args.start_date:
        params["start_date"] = args.start_date
    if args.end_date:
        params["end_date"] = args.end_date
    if resume.last_id is not None:
        # The API's continuation: the messages after the last one the file has.
        params["start_date"], params["after_id"] = resume.date, resume.last_id
    return params


def _export_path(dialog: str) -> str:
    # An id, @username or t.me link goes in the path as typed (the route takes slashes).
    return f"/api/v3/export/{quote(dialog.strip(), safe='/:@')}"


def _header(api: Api, dialog: str) -> DialogInfo:
    """The tdesktop document's name/type/id: a tdesktop export of an empty range."""
    body = api.get_json(_export_path(dialog), {"format": "tdesktop"}, _FAR_FUTURE)
    return DialogInfo(body["name"], body["type"], body["id"])


class _Export:
    def __init__(self, args: argparse.Namespace, api: Api, on_message: Callable[[int], None]):
        self.args = args
        self.api = api
        self.on_message = on_message
        self.spool = args.output
        if args.format == "tdesktop":
            self.spool = args.output.with_name(args.output.name + ".partial.jsonl")
        extended = args.fields == "extended" or args.format == "tdesktop"
        self.cols = columns(
            extended=extended, edits=args.include_edits, deleted=args.include_deleted
        )

    def media_path(self, record: dict[str, Any]) -> int:
        """Download the message's media (if any, and --media); the bytes downloaded."""
        media = record.get("media") or {}
        if self.args.media is None or not media.get("uuid"):
            return 0
        name = f"{record['message_id']}_{Path(str(media.get('filename') or media['uuid'])).name}"
        target = self.args.media / name
        got = 0 if target.exists() else download(self.api, f"/api/v3/files/{media['uuid']}", target)
        media["path"] = os.path.relpath(target, self.args.output.resolve().parent)
        return got

    def run(self) -> int:
        fmt = "csv" if self.args.format == "csv" else "jsonl"
        info = _header(self.api, self.args.dialog) if self.args.format == "tdesktop" else None
        self.args.output.parent.mkdir(parents=True, exist_ok=True)
        resume = resume_point(self.spool, fmt, self.cols)
        if resume.count:
            print(f"continuing after the {resume.count} messages in {self.spool}", file=sys.stderr)
        if self.args.media is not None:
            self.args.media.mkdir(parents=True, exist_ok=True)
        writer = Writer(self.spool, fmt, self.cols, fresh=resume.size == 0)
        params = _params(self.args, resume)
        try:
            with progress_bar(self.args.no_progress, resume.count) as bar:
                self._stream(writer, params, bar)
        finally:
            writer.close()
        if info is not None:
            _to_tdesktop(self.spool, self.args.output, info)
        print(f"export complete: {self.args.output}", file=sys.stderr)
        return 0

    def _stream(self, writer: Writer, params: dict[str, Any], bar: Any) -> None:
        path = _export_path(self.args.dialog)
        while True:
            with self.api.stream(path, params) as response:
                count = response.headers.get("X-Dialog-Message-Count")
                if count and not (self.args.start_date or self.args.end_date):
                    bar.total(int(count))
                for line in response:
                    if not line.endswith(b"\n"):
                        raise ApiError(None, "the server's response was cut off; run again")
                    record = json.loads(line)
                    event = record.pop("event", None)
                    if event == "end":
                        return
                    if event == "continue":
                        params = {**params, "start_date": record["next_start_date"]}
                        params.update(after_id=record["after_id"], end_date=record["end_date"])
                        break
                    if event is not None:
                        raise ApiError(record.get("status"), str(record.get("detail")))
                    got = self.media_path(record)
                    got += writer.message(record)
                    bar.advance(got)
                    self.on_message(record["message_id"])
                else:
                    raise ApiError(None, "the server's response ended early; run again")


def _to_tdesktop(spool: Path, output: Path, info: DialogInfo) -> None:
    """The spool's messages as the result.json document (one message at a time)."""
    encoder = TdesktopEncoder(info, lambda m: (m.get("media") or {}).get("path"))
    partial = output.with_name(output.name + ".tmp")
    with spool.open("rb") as source, partial.open("wb") as target:
        for line in source:
            target.write(encoder.messages([line.decode()], None))
        target.write(encoder.end(0, None))
    partial.replace(output)
    spool.unlink()


def run(args: argparse.Namespace, on_message: Callable[[int], None] | None = None) -> int:
    if not args.username and not args.token:
        print("export: --username (or TELEGRAM_USERNAME), or --token, is required", file=sys.stderr)
        return 2
    api = Api(args.server, args.username, args.api_key, token=args.token)
    try:
        return _Export(args, api, on_message or (lambda _id: None)).run()
    except KeyboardInterrupt:
        print(
            f"\nexport interrupted: {args.output} keeps every complete message; "
            "run the same command to continue",
            file=sys.stderr,
        )
        return 130
    except (ApiError, SpoolError, OSError, http.client.HTTPException) as exc:
        print(f"export failed: {exc}", file=sys.stderr)
        return 1
