"""`tgscraper export` against a real uvicorn on 127.0.0.1 (both adapter sets): each format
parsed back and compared with the world, media downloaded to relative paths, and an
export interrupted by Ctrl-C (or cut mid-record) continued by running it again."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from local import export_cli
from local.__main__ import main
from local.simtg import SimulatedTelegram, World
from local.simtg.showcase import Showcase, add_showcase
from tests.support.browser import serve
from tests.support.exports import parse_tdesktop
from tests.support.history import ALICE, container, log_in, small_world
from tgscraper.api.app_factory import create_app
from tgscraper.config import Settings
from tgscraper.export.csv_format import CONTRACT_COLUMNS
from tgscraper.storage.factory import Stores


@pytest.fixture
def world() -> World:
    w = small_world()
    w.add_dialog(
        "channel",
        260,
        title="Big channel",
        created=datetime(2024, 1, 1, tzinfo=UTC),
        last_date=datetime(2024, 12, 31, tzinfo=UTC),
    )
    return w


@pytest.fixture
def showcase(world: World) -> Showcase:
    return add_showcase(world)


@pytest.fixture
def big(world: World) -> int:
    return next(d.peer_id for d in world.dialogs if d.title == "Big channel")


@pytest.fixture
def server(
    any_settings: Settings, stores: Stores, world: World, showcase: Showcase
) -> Iterator[str]:
    from functions.files.app import router as files_router
    from functions.history.app import router as history_router

    sim = SimulatedTelegram(world)
    log_in(stores, sim, ALICE)
    app = create_app([history_router, files_router], container=container(any_settings, stores, sim))
    with serve(app) as url:
        yield url


def _argv(url: str, peer: int, fmt: str, out: Path, *extra: str) -> list[str]:
    base = ["export", str(peer), "--format", fmt, "-o", str(out), "--server", url]
    return [*base, "--username", ALICE, "--no-progress", *extra]


def _ids(path: Path, fmt: str) -> list[int]:
    if fmt == "jsonl":
        return [json.loads(line)["message_id"] for line in path.read_text().splitlines()]
    if fmt == "csv":
        import csv

        with path.open(newline="", encoding="utf-8") as handle:
            header, *rows = list(csv.reader(handle, strict=True))
        assert tuple(header) == CONTRACT_COLUMNS
        return [int(r[0]) for r in rows]
    return [m["id"] for m in parse_tdesktop(path.read_text())["messages"]]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_export_writes_every_message_of_the_dialog(
    server: str, world: World, big: int, fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / f"export.{fmt}"
    assert main(_argv(server, big, fmt, out)) == 0
    assert _ids(out, fmt) == [m.id for m in world.messages(big)]
    assert not list(tmp_path.glob("*.partial*"))


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_media_are_downloaded_and_referenced_by_relative_path(
    server: str, world: World, showcase: Showcase, fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / "chat" / f"export.{fmt}"
    out.parent.mkdir()
    media = tmp_path / "chat" / "files"
    assert main(_argv(server, showcase.channel, fmt, out, "--media", str(media))) == 0
    refs = _media_refs(out, fmt)
    with_media = [r for r in world.messages(showcase.channel) if r.media is not None]
    assert with_media and set(refs) == {r.id for r in with_media}
    for rec in with_media:
        ref = refs[rec.id]
        assert not Path(ref).is_absolute() and ref.startswith("files/")
        assert (out.parent / ref).stat().st_size == rec.media.size


def _media_refs(out: Path, fmt: str) -> dict[int, str]:
    """Message id -> the media path the export wrote."""
    if fmt == "jsonl":
        lines = [json.loads(line) for line in out.read_text().splitlines()]
        return {
            m["message_id"]: m["media"]["path"] for m in lines if (m["media"] or {}).get("path")
        }
    if fmt == "csv":
        import csv

        with out.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        return {int(r["message_id"]): r["media_path"] for r in rows if r["media_path"]}
    doc = parse_tdesktop(out.read_text())
    found = {m["id"]: m.get("photo") or m.get("file") for m in doc["messages"]}
    assert not any("media_uuid" in m for m in doc["messages"])
    return {k: v for k, v in found.items() if v}


def _interrupt_after(n: int) -> Callable[[int], None]:
    seen: list[int] = []

    def hook(message_id: int) -> None:
        seen.append(message_id)
        if len(seen) == n:
            raise KeyboardInterrupt

    return hook


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tdesktop"])
def test_ctrl_c_then_the_same_command_continues_without_loss_or_duplicates(
    server: str, world: World, big: int, fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / f"export.{fmt}"
    parser = argparse.ArgumentParser()
    export_cli.add_arguments(parser)
    args = parser.parse_args(_argv(server, big, fmt, out)[1:])
    assert export_cli.run(args, on_message=_interrupt_after(117)) == 130
    want = [m.id for m in world.messages(big)]
    spool = out.with_name(out.name + ".partial.jsonl") if fmt == "tdesktop" else out
    assert _ids(spool, "jsonl" if fmt == "tdesktop" else fmt) == want[:117]
    assert main(_argv(server, big, fmt, out)) == 0
    assert _ids(out, fmt) == want


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_a_record_cut_in_the_middle_is_written_again_whole(
    server: str, world: World, big: int, fmt: str, tmp_path: Path
) -> None:
    out = tmp_path / f"export.{fmt}"
    assert main(_argv(server, big, fmt, out)) == 0
    data = out.read_bytes()
    out.write_bytes(data[: len(data) // 2])  # a hard kill in the middle of a record
    assert main(_argv(server, big, fmt, out)) == 0
    assert _ids(out, fmt) == [m.id for m in world.messages(big)]
    assert out.read_bytes() == data


def test_an_unknown_dialog_fails_with_the_servers_detail(
    server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(_argv(server, 987654321, "jsonl", tmp_path / "x.jsonl")) == 1
    assert "404" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["@{}", "t.me/{}", "https://t.me/{}/1"])
def test_the_dialog_can_be_named_by_username_or_link(
    server: str, world: World, spelling: str, tmp_path: Path
) -> None:
    chat = next(c for c in world.chats.values() if c.username and world.has_dialog(c.peer_id))
    out = tmp_path / "by-name.jsonl"
    argv = _argv(server, 0, "jsonl", out)
    argv[1] = spelling.format(chat.username)
    assert main(argv) == 0
    assert _ids(out, "jsonl") == [m.id for m in world.messages(chat.peer_id)]


def test_export_from_a_token_mode_server_with_an_access_token(
    any_settings: Settings, stores: Stores, world: World, big: int, tmp_path: Path
) -> None:
    """GIVEN a server that wants access tokens, WHEN `tgscraper export --token` runs,
    THEN it exports with the token alone; with only a username it fails with the reason."""
    from dataclasses import replace

    from functions.history.app import router as history_router
    from tgscraper.accounts.store import AccountStore

    settings = replace(any_settings, auth_mode="token")
    sim = SimulatedTelegram(world)
    log_in(stores, sim, ALICE)
    token = AccountStore(stores.accounts).issue(ALICE, "export").token
    app = create_app([history_router], container=container(settings, stores, sim))
    base = ["export", str(big), "--format", "jsonl", "--no-progress"]
    with serve(app) as url:
        out = tmp_path / "with-token.jsonl"
        argv = [*base, "-o", str(out), "--server", url, "--token", token]
        assert main(argv) == 0
        assert _ids(out, "jsonl") == [m.id for m in world.messages(big)]
        refused = tmp_path / "header-only.jsonl"
        assert main([*base, "-o", str(refused), "--server", url, "--username", ALICE]) != 0
