"""Telegram API credentials: plain environment values (local runner), or SSM Parameter
Store names (Lambda), read once, lazily, with decryption, on the first Telegram call."""

from __future__ import annotations

from tgscraper.config import Settings
from tgscraper.errors import TelegramUnavailable


def resolve_credentials(settings: Settings) -> tuple[int, str]:
    if settings.telegram_api_id and settings.telegram_api_hash:
        return settings.telegram_api_id, settings.telegram_api_hash
    if settings.telegram_api_id_param and settings.telegram_api_hash_param:
        return _from_ssm(settings)
    raise TelegramUnavailable(
        "Telegram API credentials are not configured (TELEGRAM_API_ID / TELEGRAM_API_HASH)"
    )


def _from_ssm(settings: Settings) -> tuple[int, str]:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    names = [settings.telegram_api_id_param, settings.telegram_api_hash_param]
    try:
        resp = boto3.client("ssm", endpoint_url=settings.aws_endpoint_url).get_parameters(
            Names=names, WithDecryption=True
        )
    except (BotoCoreError, ClientError) as exc:
        raise TelegramUnavailable("Could not read the Telegram API credentials from SSM") from exc
    values = {p["Name"]: p["Value"] for p in resp.get("Parameters", [])}
    api_id, api_hash = values.get(names[0], ""), values.get(names[1], "")
    if not api_id.strip().isdigit() or not api_hash.strip():
        raise TelegramUnavailable("The Telegram API credentials in SSM are missing or malformed")
    return int(api_id), api_hash.strip()
