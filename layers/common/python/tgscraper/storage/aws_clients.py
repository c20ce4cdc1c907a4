"""Lazily created boto3 clients, and how their failures become storage errors.

Clients are built on first use, never at import time: a client created before
moto's `mock_aws` starts would talk to real AWS, and Lambda cold starts should not
pay for clients a route never uses. AWS_ENDPOINT_URL (DynamoDB Local, LocalStack,
MinIO) is honoured by boto3 itself; `endpoint_url` overrides it per client. The region
is AWS_REGION (what Lambda sets) or AWS_DEFAULT_REGION (the only one botocore reads).

A failure is either an outage (throttling, a timeout, a 5xx: `StorageError`, a
retryable 503) or a configuration error (no region, no credentials, a missing table or
bucket, access denied: `StorageMisconfigured`, a 500 naming what to fix). Each distinct
configuration error is logged once per process, not once per request.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

from tgscraper.errors import StorageMisconfigured
from tgscraper.storage.ports import StorageError

log = logging.getLogger("tgscraper.storage")

ClientFactory = Callable[[], Any]

NO_REGION = "No AWS region is configured: set AWS_REGION (or AWS_DEFAULT_REGION)"
NO_CREDENTIALS = (
    "No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
    "(or AWS_PROFILE)"
)

# Error codes that mean "the credentials are wrong", per AWS service family.
_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidSignatureException",
        "IncompleteSignatureException",
        "MissingAuthenticationTokenException",
        "ExpiredTokenException",
        "ExpiredToken",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "InvalidToken",
    }
)
_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied", "AllAccessDisabled", "403"})
_MISSING_CODES = frozenset({"ResourceNotFoundException", "NoSuchBucket"})
_WRONG_REGION_CODES = frozenset({"PermanentRedirect", "AuthorizationHeaderMalformed"})

_logged: set[str] = set()
_logged_lock = threading.Lock()


def aws_region() -> str | None:
    return (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or ""
    ).strip() or None


def boto3_client_factory(service: str, endpoint_url: str | None = None) -> ClientFactory:
    """A factory building one client (on first call) that every caller then shares:
    boto3 clients are thread-safe, and one per table would load the model five times."""
    built: list[Any] = []
    lock = threading.Lock()

    def make() -> Any:
        import boto3  # deferred: keeps boto3 out of routes that do not need it
        from botocore.exceptions import NoRegionError

        with lock:
            if built:
                return built[0]
            session = boto3.session.Session()
            region = aws_region() or session.region_name  # env, then ~/.aws/config
            if region is None:
                # boto3 would build an S3 client for us-east-1 regardless: refuse it for
                # every service alike, so the error says what to set.
                raise NoRegionError()
            built.append(session.client(service, endpoint_url=endpoint_url, region_name=region))
            return built[0]

    return make


def log_once(message: str) -> None:
    with _logged_lock:
        if message in _logged:
            return
        _logged.add(message)
    log.error("storage configuration error: %s", message)


def storage_failure(exc: Exception, op: str, what: str, env: str | None) -> StorageError:
    """The storage error for a failed boto3 call on `what` (e.g. "DynamoDB table 'x'"),
    whose name comes from the environment variable `env`."""
    from botocore.exceptions import (
        NoCredentialsError,
        NoRegionError,
        PartialCredentialsError,
    )

    check = f" (check {env})" if env else ""
    message: str | None = None
    if isinstance(exc, NoRegionError):
        message = NO_REGION
    elif isinstance(exc, NoCredentialsError | PartialCredentialsError):
        message = NO_CREDENTIALS
    else:
        code = str(getattr(exc, "response", {}).get("Error", {}).get("Code", ""))
        if code in _MISSING_CODES:
            message = f"{what} does not exist{check}"
        elif code in _CREDENTIAL_CODES:
            message = f"AWS rejected the credentials ({code}) on {what}: check the AWS access key"
        elif code in _DENIED_CODES:
            named = f" (named by {env})" if env else ""
            message = f"Access denied ({code}) to {what}{named}: check the IAM permissions"
        elif code in _WRONG_REGION_CODES:
            message = f"{what} is in another region ({code}): check AWS_REGION{check}"
        if message is None:
            return StorageError(f"{what}: {op} failed: {code or type(exc).__name__}")
    log_once(message)
    return StorageMisconfigured(message)


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
