"""`python -m local auth <username>`: log in from a terminal into the same session store.

QR (default): the same stateless flow as the HTTP API (tgscraper.auth.service), with the
QR drawn in the terminal and redrawn whenever Telegram's token is renewed; the 2FA
password is asked without echo. `--phone`: phone number and login code instead of a QR.
Either way the session lands where the server reads it (embedded `.session` file or
DynamoDB, per STORAGE_BACKEND), replacing an existing one only with `--force` and only
once the new login has succeeded.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TextIO

from telethon import TelegramClient
from telethon import errors as tg_errors
from telethon.sessions import MemorySession
from telethon.tl import types

from tgscraper.auth.binding import Requester
from tgscraper.auth.deps import account_guard
from tgscraper.auth.login_keys import record_of, save_login
from tgscraper.auth.qr_image import qr_text
from tgscraper.auth.service import MAX_PASSWORD_ATTEMPTS, AuthService
from tgscraper.auth.store import QrStore
from tgscraper.container import Container
from tgscraper.errors import ServiceError
from tgscraper.identity import is_valid_username

log = logging.getLogger("tgscraper.cli")

POLL_SECONDS = 2.0
MAX_CODE_ATTEMPTS = 3


@dataclass
class Terminal:
    """Everything the CLI reads or writes, so tests can play the user."""

    out: TextIO = field(default_factory=lambda: sys.stdout)
    ask: Callable[[str], str] = input
    ask_secret: Callable[[str], str] = getpass.getpass
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("username", help="the name you will send as X-Telegram-Username")
    parser.add_argument(
        "--force", action="store_true", help="replace an existing session (once logged in)"
    )
    parser.add_argument(
        "--phone",
        nargs="?",
        const="",
        default=None,
        metavar="NUMBER",
        help="log in with phone number + code instead of a QR (asked if not given)",
    )
    parser.add_argument(
        "--no-invert",
        dest="invert",
        action="store_false",
        help="draw the QR dark-on-light (for terminals with a light background)",
    )


DEMO_SCAN_SECONDS = 3.0


def _container() -> Container:
    from local.app import build_container
    from tgscraper.config import get_settings

    container = build_container(get_settings())
    if container.mode == "demo":
        # No phone can scan a simulated QR from a terminal: the demo phone "scans" it
        # after a few seconds, so the whole terminal flow can be seen working.
        from local.demo import demo_simulator

        sim = demo_simulator()
        sim.auto_approve_qr = DEMO_SCAN_SECONDS
        log.warning("demo mode: the simulated phone approves the QR in %.0f s", DEMO_SCAN_SECONDS)
        # The simulated account's number and the code its "phone" receives (README).
        log.warning(
            "demo mode: with --phone, log in as +%s with the code %s",
            sim.world.me.phone,
            sim.auth.login_code,
        )
    return container


def run(
    args: argparse.Namespace, *, container: Container | None = None, io: Terminal | None = None
) -> int:
    io = io or Terminal()
    if not is_valid_username(args.username):
        io.say(f"Invalid username {args.username!r}: use 1-64 of A-Z a-z 0-9 _ . - ")
        return 2
    container = container or _container()
    if not args.force and container.stores.sessions.login_exists(args.username):
        io.say(f"A session for '{args.username}' already exists; use --force to replace it.")
        return 1
    login = _phone_login if args.phone is not None else _qr_login
    try:
        return asyncio.run(login(args, container, io))
    except KeyboardInterrupt:
        io.say("\nCancelled; nothing was changed.")
        return 130
    except ServiceError as exc:
        io.say(f"Login failed: {exc.detail}")
        return 1


async def _qr_login(args: argparse.Namespace, container: Container, io: Terminal) -> int:
    service = AuthService(
        QrStore(container.stores.qr),
        container.stores.sessions,
        container.telegram.factory,
        account_guard(container),
    )
    # Whoever runs this has the store itself in hand: the operator (tgscraper.auth.binding).
    started = await service.start(
        args.username, force=args.force, requester=Requester(operator=True)
    )
    try:
        return await _follow(service, started.token, started.qr_url, args, io)
    except BaseException:
        service.cancel(started.token)
        raise


async def _follow(
    service: AuthService, token: str, qr_url: str, args: argparse.Namespace, io: Terminal
) -> int:
    shown: str | None = None
    while True:
        status = await service.poll(token)
        if status.status == "pending":
            url = status.qr_url or qr_url
            if url != shown:
                _draw(url, args.invert, io)
                shown = url
            await io.sleep(POLL_SECONDS)
            continue
        if status.status == "password_required":
            if status.error:
                io.say(status.error)
            password = io.ask_secret("Two-step verification password: ")
            if not password:
                io.say("The password must not be empty.")
                continue
            status = await service.submit_password(token, password)
            if status.status == "password_required":
                continue
        if status.status == "success":
            _logged_in(args.username, status.access_token, io)
            return 0
        io.say(f"Login {status.status}: {status.error or status.message}")
        return 1


def _draw(url: str, invert: bool, io: Terminal) -> None:
    if io.out.isatty():
        io.out.write("\x1b[2J\x1b[H")  # redraw in place instead of scrolling
    io.say(qr_text(url, invert=invert))
    io.say("Scan in Telegram → Settings → Devices → Link Desktop Device")
    io.say(f"(or open {url} on a device where Telegram is logged in)")


async def _phone_login(args: argparse.Namespace, container: Container, io: Terminal) -> int:
    phone = args.phone or io.ask("Phone number (international format): ").strip()
    session = MemorySession()
    client = container.telegram.factory(session)
    await client.connect()
    try:
        try:
            await client.send_code_request(phone)
        except tg_errors.RPCError as exc:  # e.g. PHONE_NUMBER_INVALID, FLOOD_WAIT
            io.say(f"Login failed: {exc}")
            return 1
        user = None
        for _ in range(MAX_CODE_ATTEMPTS):
            code = io.ask("Login code Telegram sent you: ").strip()
            try:
                user = await client.sign_in(phone, code)
                break
            except tg_errors.SessionPasswordNeededError:
                user = await _phone_password(client, io)
                break
            except (tg_errors.PhoneCodeInvalidError, tg_errors.PhoneCodeEmptyError):
                io.say("Wrong code.")
            except tg_errors.PhoneCodeExpiredError:
                io.say("The code expired; run the command again for a new one.")
                return 1
        if user is None:
            io.say("Login failed.")
            return 1
        guard = account_guard(container)
        if isinstance(user, types.User):
            guard.admit(args.username, user.id, rebind=True)
        save_login(container.stores.sessions, args.username, record_of(session), user)
    finally:
        await client.disconnect()
    _logged_in(args.username, guard.hand_out(args.username), io)
    return 0


def _logged_in(username: str, access_token: str | None, io: Terminal) -> None:
    if access_token is None:
        io.say(f"Logged in. Use the header 'X-Telegram-Username: {username}'.")
        return
    # The one place it is ever shown (stored only as a hash): the terminal, not a log.
    io.say("Logged in. Your access token (shown only now; keep it secret):")
    io.say(f"  {access_token}")
    io.say("Send it as 'Authorization: Bearer <token>' with every API request.")


async def _phone_password(client: TelegramClient, io: Terminal) -> object | None:
    for attempt in range(1, MAX_PASSWORD_ATTEMPTS + 1):
        password = io.ask_secret("Two-step verification password: ")
        try:
            return await client.sign_in(password=password)
        except (tg_errors.PasswordHashInvalidError, ValueError):
            left = MAX_PASSWORD_ATTEMPTS - attempt
            io.say(f"Wrong 2FA password ({left} attempts left)." if left else "Wrong 2FA password.")
    return None
