"""The auth router's dependencies: an AuthService on the app's stores and Telegram, and
who is asking (for force=true in token mode)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from telethon import TelegramClient
from telethon.sessions import Session

from tgscraper.accounts.store import AccountStore
from tgscraper.api.deps import CallerDep, ContainerDep
from tgscraper.auth.binding import AccountGuard, Requester
from tgscraper.auth.service import AuthService
from tgscraper.auth.start_limits import StartLimiter, StartLimits
from tgscraper.auth.store import QrStore
from tgscraper.container import Container


def account_guard(container: Container) -> AccountGuard:
    stores = container.stores

    def wipe(username: str) -> None:
        from tgscraper.accounts.wipe import wipe_account_data

        # The login being finished is one of the username's flows: spare it.
        wipe_account_data(stores, username, qr_flows=False)

    return AccountGuard(
        AccountStore(stores.accounts), stores.sessions, container.settings.auth_mode, wipe
    )


def get_auth_service(container: ContainerDep) -> AuthService:
    def factory(session: Session) -> TelegramClient:
        # Resolved on first use: status, cancel and the QR picture need no Telegram
        # credentials, so they keep working where none are configured.
        return container.telegram.factory(session)

    settings = container.settings
    limits = StartLimits(
        per_address=settings.qr_start_limit_per_address,
        per_username=settings.qr_start_limit_per_username,
        window=settings.qr_start_limit_window,
    )
    return AuthService(
        QrStore(container.stores.qr),
        container.stores.sessions,
        factory,
        account_guard(container),
        limiter=StartLimiter(container.stores.qr, limits),
    )


def get_requester(caller: CallerDep) -> Requester:
    return Requester(caller.username, caller.operator)


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
RequesterDep = Annotated[Requester, Depends(get_requester)]
