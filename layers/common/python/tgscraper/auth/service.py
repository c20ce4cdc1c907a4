"""The QR login flow, stateless between requests.

start   -> a fresh temporary auth key (a new client's handshake) exports a login token;
           key, DC, status and deadline go to the QR store under our own random token.
poll    -> a fresh client around the stored key re-sends auth.exportLoginToken:
           loginToken (not scanned yet: a fresh qr_url when the shown one is about to
           expire),
           loginTokenMigrateTo (switch DC, import the token there; the new DC's key is
           stored), SESSION_PASSWORD_NEEDED (-> password_required) or loginTokenSuccess
           (-> the key becomes the account's session).
2fa     -> a fresh client around the stored key runs Telethon's SRP check.
cancel  -> the flow is forgotten; nothing else changes.

Any step may run in another process or Lambda than the one before it. The account's
existing session is touched only when a login succeeds (force=true replaces it then,
never earlier), so a cancelled, expired or failed forced login leaves it working.

Numbers: a flow expires `FLOW_SECONDS` (5 min) after it started; `MAX_PASSWORD_ATTEMPTS`
(3) wrong 2FA passwords end it with status "error". Telegram's own login token lives
about 30 s; every poll re-exports it, so polling every few seconds keeps the QR fresh.

Passwords and auth keys are never logged nor returned.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telethon import TelegramClient
from telethon import errors as tg_errors
from telethon.crypto import AuthKey
from telethon.password import compute_check
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tgscraper.auth.start_limits import StartLimiter
from tgscraper.auth.store import QrState, QrStore, Status, new_token
from tgscraper.errors import (
    BadRequest,
    Conflict,
    NotFound,
    RateLimited,
    TelegramUnavailable,
)
from tgscraper.identity import validate_username
from tgscraper.observability import flood_wait
from tgscraper.storage.ports import ConditionFailed, StorageError
from tgscraper.storage.sessions import EntityRow, SessionRecord, SessionStore
from tgscraper.telegram.clients import ClientFactory
from tgscraper.telegram.policy import network_detail

log = logging.getLogger("tgscraper.auth")

FLOW_SECONDS = 300
MAX_PASSWORD_ATTEMPTS = 3
QR_REFRESH_MARGIN = 5
"""A shown QR is replaced once its Telegram token has less than this many seconds left
(Telegram's tokens live about 30 s, so the picture changes about every 25 s)."""

_SCAN_HINT = "Telegram → Settings → Devices → Link Desktop Device"
_NETWORK_ERRORS = (OSError, ConnectionError, TimeoutError)


def _now() -> int:
    """The flow clock (tests move it to expire flows)."""
    return int(time.time())


@dataclass(frozen=True)
class QrStart:
    token: str
    qr_url: str
    message: str


@dataclass(frozen=True)
class QrStatus:
    status: Status
    username: str
    qr_url: str | None
    error: str | None
    message: str


def _epoch(when: object) -> int | None:
    return int(when.timestamp()) if isinstance(when, datetime) else None


def login_url(token: bytes) -> str:
    """The tg://login URL a Telegram app opens when it scans the QR (Telethon's format)."""
    return "tg://login?token=" + base64.urlsafe_b64encode(token).decode("ascii").rstrip("=")


def _message(state: QrState) -> str:
    if state.status == "pending":
        return (
            f"Scan the QR code in {_SCAN_HINT}; keep polling GET /api/v3/auth/qr/{state.token} "
            "(the QR refreshes itself)"
        )
    if state.status == "password_required":
        return (
            f"Two-step verification is on: POST the password to /api/v3/auth/qr/{state.token}/2fa"
        )
    if state.status == "success":
        return f"Logged in: send 'X-Telegram-Username: {state.username}' with every API request"
    if state.status == "expired":
        return f"The QR login expired ({FLOW_SECONDS // 60} minutes); start a new one"
    return "The QR login failed; start a new one with POST /api/v3/auth/qr"


def status_of(state: QrState) -> QrStatus:
    return QrStatus(state.status, state.username, state.qr_url, state.error, _message(state))


class _Busy(Exception):
    """Another request is talking to Telegram for this flow right now."""


_Step = Callable[[QrState, TelegramClient], Awaitable[QrState]]


@asynccontextmanager
async def _connected(client: TelegramClient) -> AsyncIterator[TelegramClient]:
    """A connected client, always disconnected again; network trouble is a 502."""
    try:
        await client.connect()
    except tg_errors.FloodWaitError as exc:
        # Telethon's own calls while connecting (GetConfig, getMe) can be told to wait.
        await client.disconnect()
        raise _flood(exc) from exc
    except _NETWORK_ERRORS as exc:
        raise TelegramUnavailable(network_detail("Failed to connect to Telegram", exc)) from exc
    try:
        yield client
    except _NETWORK_ERRORS as exc:
        detail = network_detail("Lost the connection to Telegram; retry", exc)
        raise TelegramUnavailable(detail) from exc
    finally:
        await client.disconnect()


def _key_fields(session: Any) -> dict[str, Any]:
    key = session.auth_key.key if session.auth_key is not None else None
    return {
        "dc_id": session.dc_id,
        "server_address": session.server_address,
        "port": session.port,
        "auth_key": key,
    }


def _session_of(state: QrState) -> MemorySession:
    session = MemorySession()
    session.set_dc(state.dc_id, state.server_address, state.port)
    session.auth_key = AuthKey(state.auth_key)
    return session


def record_of(session: Any) -> SessionRecord:
    """The login a Telethon session holds (its DC and auth key)."""
    return SessionRecord(**_key_fields(session))


def save_login(sessions: SessionStore, username: str, record: SessionRecord, user: object) -> None:
    """Store a fresh login, replacing any previous one with its entity cache."""
    sessions.replace(username, record)
    if isinstance(user, types.User) and user.access_hash is not None:
        # Telethon finds "self" as entity 0 (hash = own id); a cold client needs no getMe.
        name = " ".join(p for p in (user.first_name, user.last_name) if p) or None
        username_lc = (user.username or "").lower() or None
        sessions.put_entities(
            username,
            [
                EntityRow(0, user.id),
                EntityRow(user.id, user.access_hash, username_lc, user.phone, name),
            ],
        )


def _flood(exc: tg_errors.FloodWaitError) -> RateLimited:
    flood_wait(exc.seconds, "login")
    return RateLimited("Telegram asks to wait before the next login step", exc.seconds)


class AuthService:
    def __init__(
        self,
        qr: QrStore,
        sessions: SessionStore,
        factory: ClientFactory,
        *,
        limiter: StartLimiter | None = None,
    ) -> None:
        self._qr = qr
        self._sessions = sessions
        self._factory = factory
        self._limiter = limiter
        """Abuse limits on starts (None: unlimited, e.g. the in-process CLI)."""

    # -- public operations ----------------------------------------------------------------
    async def start(
        self, username: str, *, force: bool = False, client_address: str | None = None
    ) -> QrStart:
        """client_address: where the request came from (None: in-process, no address
        limit). Every well-formed start counts against the limits, a 409 included (it
        tells whether a session exists), before anything else is looked up."""
        validate_username(username)
        if self._limiter is not None:
            await self._limiter.admit(username, client_address)
        if not force and self._sessions.login_exists(username):
            raise Conflict(
                f"A session for '{username}' already exists; pass \"force\": true to replace it "
                "(the current one keeps working until the new login succeeds)"
            )
        session = MemorySession()
        client = self._client(session)
        async with _connected(client):
            response = await self._export(client)
        if not isinstance(response, types.auth.LoginToken):
            # A brand-new key cannot be logged in already; Telegram said something odd.
            raise TelegramUnavailable("Telegram did not issue a login token")
        state = QrState(
            token=new_token(),
            username=username,
            force=force,
            status="pending",
            deadline=_now() + FLOW_SECONDS,
            **_key_fields(session),
            qr_url=login_url(response.token),
            qr_expires=_epoch(response.expires),
        )
        self._qr.create(state)
        log.info("QR login started for %s (force=%s)", username, force)
        assert state.qr_url is not None
        return QrStart(state.token, state.qr_url, _message(state))

    async def poll(self, token: str) -> QrStatus:
        state = self._load(token)
        if state.status != "pending":
            return status_of(state)
        try:
            return status_of(await self._locked(state, self._refresh))
        except _Busy:
            return status_of(self._load(token))

    async def submit_password(self, token: str, password: str) -> QrStatus:
        if not password:
            raise BadRequest("Invalid body field 'password': must not be empty")
        state = self._load(token)
        if state.status != "password_required":
            raise Conflict(
                f"This login is '{state.status}', not waiting for a 2FA password"
                + (" (poll it until it asks for one)" if state.status == "pending" else "")
            )

        async def check(current: QrState, client: TelegramClient) -> QrState:
            return await self._check_password(current, client, password)

        try:
            return status_of(await self._locked(state, check))
        except _Busy:
            raise Conflict("Another request is working on this login; retry in a moment") from None

    def cancel(self, token: str) -> None:
        """End a pending flow. A finished one (success, expired, error) is a Conflict and
        keeps its status readable: nothing was cancelled."""
        state = self._load(token)  # 404 for unknown ones
        if not state.active:
            raise Conflict(
                f"QR login already finished with status '{state.status}': nothing to cancel"
            )
        self._qr.delete(token)
        log.info("QR login cancelled")

    def current_login_url(self, token: str) -> str | None:
        """The tg://login URL last issued for one of our flows (None if not pending).

        Demo tooling uses it to "scan" the QR as the simulated phone would.
        """
        state = self._qr.get(token)
        return state.qr_url if state is not None and state.status == "pending" else None

    # -- steps ----------------------------------------------------------------------------
    def _client(self, session: MemorySession) -> TelegramClient:
        client = self._factory(session)
        # Never sleep through a FLOOD_WAIT inside a request (Telethon's default sleeps up
        # to 60 s): the caller gets a 429 with Retry-After and decides.
        client.flood_sleep_threshold = 0
        return client

    def _load(self, token: str) -> QrState:
        state = self._qr.get(token)
        if state is None:
            raise NotFound("Unknown or cancelled QR login token")
        if state.active and _now() >= state.deadline:
            try:
                state = self._qr.update(state.finished("expired"))
            except ConditionFailed:
                return self._load(token)
        return state

    async def _locked(self, state: QrState, step: _Step) -> QrState:
        """Run `step` with a client on the flow's key, holding the flow's lock."""
        holder = self._qr.try_lock(state.token)
        if holder is None:
            raise _Busy
        try:
            state = self._load(state.token)  # fresh under the lock
            if not state.active or state.auth_key is None:
                return state
            session = _session_of(state)
            client = self._client(session)
            async with _connected(client):
                return await step(state, client)
        finally:
            self._qr.unlock(state.token, holder)

    async def _refresh(self, state: QrState, client: TelegramClient) -> QrState:
        try:
            response = await self._export(client)
            if isinstance(response, types.auth.LoginTokenMigrateTo):
                # The phone lives in another DC: move there (a new key) and import the token.
                await client._switch_dc(response.dc_id)
                response = await client(functions.auth.ImportLoginTokenRequest(response.token))
        except tg_errors.FloodWaitError as exc:
            raise _flood(exc) from exc
        except tg_errors.SessionPasswordNeededError:
            return self._save(
                state.evolve(
                    status="password_required",
                    qr_url=None,
                    qr_expires=None,
                    **_key_fields(client.session),
                )
            )
        except tg_errors.RPCError as exc:
            return self._save(
                state.finished("error", f"Telegram refused the login ({exc.message})")
            )
        if isinstance(response, types.auth.LoginToken):
            return self._save(self._shown_qr(state, response).evolve(**_key_fields(client.session)))
        if isinstance(response, types.auth.LoginTokenSuccess):
            return await self._succeed(state, client, response.authorization)
        return self._save(state.finished("error", "Telegram answered the login unexpectedly"))

    async def _check_password(
        self, state: QrState, client: TelegramClient, password: str
    ) -> QrState:
        try:
            settings = await client(functions.account.GetPasswordRequest())
            authorization = await client(
                functions.auth.CheckPasswordRequest(compute_check(settings, password))
            )
        except tg_errors.FloodWaitError as exc:
            raise _flood(exc) from exc
        except tg_errors.PasswordHashInvalidError:
            attempts = state.password_attempts + 1
            left = MAX_PASSWORD_ATTEMPTS - attempts
            if left <= 0:
                return self._save(
                    state.finished("error", f"Wrong 2FA password {MAX_PASSWORD_ATTEMPTS} times")
                )
            plural = "attempt" if left == 1 else "attempts"
            return self._save(
                state.evolve(
                    password_attempts=attempts,
                    error=f"Wrong 2FA password ({left} {plural} left)",
                )
            )
        except tg_errors.RPCError as exc:
            return self._save(
                state.finished("error", f"Telegram refused the password ({exc.message})")
            )
        return await self._succeed(state, client, authorization)

    async def _succeed(
        self, state: QrState, client: TelegramClient, authorization: object
    ) -> QrState:
        record = record_of(client.session)
        try:
            # The flow is marked done first: a cancel that won the race keeps the old session.
            done = self._qr.update(state.finished("success"))
        except ConditionFailed:
            log.info("QR login finished after it was cancelled or changed; not saved")
            return self._load(state.token)  # 404 when it was cancelled
        try:
            save_login(self._sessions, state.username, record, getattr(authorization, "user", None))
        except StorageError:
            # The new key is gone from the flow: say so instead of a "success" whose login
            # was never stored (the storage error itself answers 503).
            with contextlib.suppress(ConditionFailed, StorageError):
                self._qr.update(
                    done.finished("error", "The login could not be saved; start a new one")
                )
            raise
        log.info("QR login succeeded for %s (force=%s)", state.username, state.force)
        return done

    @staticmethod
    def _shown_qr(state: QrState, response: types.auth.LoginToken) -> QrState:
        """Keep showing the current QR while it is good for a while; else the new one.

        Every poll must re-export (that is how a scan is noticed), but a picture that
        changed every poll would be hard to scan.
        """
        if state.qr_url and (state.qr_expires or 0) - _now() > QR_REFRESH_MARGIN:
            return state
        return state.evolve(qr_url=login_url(response.token), qr_expires=_epoch(response.expires))

    def _save(self, state: QrState) -> QrState:
        try:
            return self._qr.update(state)
        except ConditionFailed:
            # Cancelled (-> 404) or finished by someone else meanwhile: theirs wins.
            return self._load(state.token)

    @staticmethod
    async def _export(client: TelegramClient) -> object:
        try:
            return await client(
                functions.auth.ExportLoginTokenRequest(
                    client.api_id, client.api_hash, except_ids=[]
                )
            )
        except tg_errors.FloodWaitError as exc:
            raise _flood(exc) from exc
