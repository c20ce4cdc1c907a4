"""Per-app wiring: settings, stores and the Telegram client provider, built lazily.

Each app (a Lambda handler's, or the local runner's) owns one Container in
`app.state.container`; tests build apps around containers that share stores, which is
how "another Lambda" is simulated.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tgscraper.config import Settings, get_settings

if TYPE_CHECKING:
    from tgscraper.storage.factory import Stores
    from tgscraper.telegram.clients import ClientFactory, ClientProvider


class Container:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        stores: Stores | None = None,
        client_factory: ClientFactory | None = None,
        mode: str = "telegram",
    ) -> None:
        self.settings = settings or get_settings()
        self.mode = mode
        """"telegram" (real Telegram) or "demo" (the simulated Telegram)."""
        if stores is not None:
            self.__dict__["stores"] = stores
        self._client_factory = client_factory

    @cached_property
    def stores(self) -> Stores:
        from tgscraper.storage.factory import build_stores

        return build_stores(self.settings)

    @cached_property
    def telegram(self) -> ClientProvider:
        from tgscraper.telegram.clients import ClientProvider, real_client_factory

        factory = self._client_factory
        if factory is None:
            from tgscraper.telegram.credentials import resolve_credentials
            from tgscraper.telegram.network import Network
            from tgscraper.telegram.policy import Policy

            network = Network.from_settings(self.settings)
            policy = Policy.from_settings(self.settings)
            factory = real_client_factory(*resolve_credentials(self.settings), network, policy)
        return ClientProvider(self.stores.sessions, factory, leases=self.stores.leases)
