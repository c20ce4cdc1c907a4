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

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable

from telethon import TelegramClient
from telethon import errors as tg_errors
from telethon.password import compute_check
from telethon.sessions import MemorySession
from telethon.tl import functions, types

from tgscraper.auth.binding import AccountGuard, AccountMismatch, Requester
from tgscraper.auth.login_keys import (
    NETWORK_ERRORS,
    connected,
    epoch,
    flood_error,
    key_fields,
    login_url,
    record_of,
    save_login,
    session_of,
)
from tgscraper.auth.start_limits import StartLimiter
from tgscraper.auth.status import FLOW_SECONDS, QrStart, QrStatus, message_of, status_of
from tgscraper.auth.store import QrState, QrStore, new_token
from tgscraper.errors import (
    BadRequest,
    Conflict,
    NotFound,
    TelegramUnavailable,
)
from tgscraper.identity import validate_username
from tgscraper.storage.ports import ConditionFailed, StorageError
from tgscraper.storage.sessions import SessionStore
from tgscraper.telegram.clients import ClientFactory

log = logging.getLogger("tgscraper.auth")

MAX_PASSWORD_ATTEMPTS = 3
QR_REFRESH_MARGIN = 5
"""A shown QR is replaced once its Telegram token has less than this many seconds left
(Telegram's tokens live about 30 s, so the picture changes about every 25 s)."""


def _now() -> int:
    """The flow clock (tests move it to expire flows)."""
    return int(time.time())


class _Busy(Exception):
    """Another request is talking to Telegram for this flow right now."""


_Step = Callable[[QrState, TelegramClient], Awaitable[QrState]]


def _mismatch(username: str) -> str:
    return (
        f"'{username}' belongs to another Telegram account; log in under another username "
        "(or ask the operator to move it)"
    )


class AuthService:
    def __init__(
        self,
        qr: QrStore,
        sessions: SessionStore,
        factory: ClientFactory,
        guard: AccountGuard | None = None,
        *,
        limiter: StartLimiter | None = None,
    ) -> None:
        """`guard`: account bindings and tokens (tgscraper.auth.binding); None only in
        tests of the flow itself (no binding checks, no tokens). `limiter`: abuse limits
        on starts (None: unlimited, e.g. the in-process CLI)."""
        self._qr = qr
        self._sessions = sessions
        self._factory = factory
        self._guard = guard
        self._limiter = limiter
        self._handed_out: dict[str, str] = {}
        """flow token -> the access token of a login this request completed (one service
        per request, so it reaches exactly the answer of that request)."""

    # -- public operations ----------------------------------------------------------------
    async def start(
        self,
        username: str,
        *,
        force: bool = False,
        requester: Requester | None = None,
        client_address: str | None = None,
    ) -> QrStart:
        """client_address: where the request came from (None: in-process, no address
        limit). Every well-formed start counts against the limits, a 403 or 409 included
        (a 409 tells whether a session exists), before anything else is looked up."""
        validate_username(username)
        if self._limiter is not None:
            await self._limiter.admit(username, client_address)
        rebind = True
        if self._guard is not None:
            who = requester or Requester()
            rebind = self._guard.may_rebind(username, force=force, requester=who)
        if not force and self._sessions.login_exists(username):
            raise Conflict(
                f"A session for '{username}' already exists; pass \"force\": true to replace it "
                "(the current one keeps working until the new login succeeds)"
            )
        session = MemorySession()
        client = self._client(session)
        async with connected(client):
            response = await self._export(client)
        if not isinstance(response, types.auth.LoginToken):
            # A brand-new key cannot be logged in already; Telegram said something odd.
            raise TelegramUnavailable("Telegram did not issue a login token")
        state = QrState(
            token=new_token(),
            username=username,
            force=force,
            rebind=rebind,
            status="pending",
            deadline=_now() + FLOW_SECONDS,
            **key_fields(session),
            qr_url=login_url(response.token),
            qr_expires=epoch(response.expires),
        )
        self._qr.create(state)
        log.info("QR login started for %s (force=%s)", username, force)
        assert state.qr_url is not None
        return QrStart(state.token, state.qr_url, message_of(state))

    async def poll(self, token: str) -> QrStatus:
        state = self._load(token)
        if state.status != "pending":
            return status_of(state)
        try:
            done = await self._locked(state, self._refresh)
            return status_of(done, self._handed_out.pop(token, None))
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
            done = await self._locked(state, check)
            return status_of(done, self._handed_out.pop(token, None))
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
            session = session_of(state)
            client = self._client(session)
            async with connected(client):
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
            raise flood_error(exc) from exc
        except tg_errors.SessionPasswordNeededError:
            return self._save(
                state.evolve(
                    status="password_required",
                    qr_url=None,
                    qr_expires=None,
                    **key_fields(client.session),
                )
            )
        except tg_errors.RPCError as exc:
            return self._save(
                state.finished("error", f"Telegram refused the login ({exc.message})")
            )
        if isinstance(response, types.auth.LoginToken):
            return self._save(self._shown_qr(state, response).evolve(**key_fields(client.session)))
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
            raise flood_error(exc) from exc
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
        user = getattr(authorization, "user", None)
        try:
            if self._guard is not None and isinstance(user, types.User):
                try:
                    # In a thread: moving a username wipes its data, seconds of storage.
                    await asyncio.to_thread(
                        self._guard.admit, state.username, user.id, rebind=bool(state.rebind)
                    )
                except AccountMismatch:
                    log.warning("QR login for %s refused: another Telegram account", state.username)
                    with contextlib.suppress(*NETWORK_ERRORS, tg_errors.RPCError):
                        await client(functions.auth.LogOutRequest())  # drop the new key
                    return self._save(done.finished("error", _mismatch(state.username)))
            save_login(self._sessions, state.username, record, user)
            if self._guard is not None:
                access_token = self._guard.hand_out(state.username)
                if access_token is not None:
                    self._handed_out[state.token] = access_token
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
        return state.evolve(qr_url=login_url(response.token), qr_expires=epoch(response.expires))

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
            raise flood_error(exc) from exc
