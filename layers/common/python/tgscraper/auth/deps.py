"""The auth router's dependency: an AuthService on the app's stores and Telegram."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from telethon import TelegramClient
from telethon.sessions import Session

from tgscraper.api.deps import ContainerDep
from tgscraper.auth.service import AuthService
from tgscraper.auth.start_limits import StartLimiter, StartLimits
from tgscraper.auth.store import QrStore


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
        limiter=StartLimiter(container.stores.qr, limits),
    )


AuthServiceDep = Annotated[AuthService, Depends(get_auth_service)]
