"""Lazily created boto3 clients.

Clients are built on first use, never at import time: a client created before
moto's `mock_aws` starts would talk to real AWS, and Lambda cold starts should not
pay for clients a route never uses. AWS_ENDPOINT_URL (DynamoDB Local, LocalStack,
MinIO) is honoured by boto3 itself; `endpoint_url` overrides it per client.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

ClientFactory = Callable[[], Any]


def boto3_client_factory(service: str, endpoint_url: str | None = None) -> ClientFactory:
    def make() -> Any:
        import boto3  # deferred: keeps boto3 out of routes that do not need it

        return boto3.client(service, endpoint_url=endpoint_url)

    return make


class LazyClient:
    """Holds a client factory and builds the client once, on first access."""

    def __init__(self, factory: ClientFactory) -> None:
        self._factory = factory
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._factory()
        return self._client
