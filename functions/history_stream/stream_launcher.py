"""Serves functions/history/app.py under uvicorn for the Lambda Web Adapter (streaming SSE).

The same FastAPI app as the buffered history function, but behind a Function URL in
RESPONSE_STREAM mode, so frames reach the client as they are produced. A Function URL
bypasses the API's authorizer, so the app's own X-API-Key guard is switched on: the key is
read once from the SSM parameter named by API_KEY_PARAM (the first usable key of the
list the authorizer accepts) and handed to the app as API_KEY. Without a usable key the
launcher refuses to start: a public URL without a key would expose every account.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

FUNCTIONS_DIR = Path(__file__).resolve().parents[1]


def use_layers(opt: Path | None = None) -> None:
    """Give this process the sys.path Lambda gives a handler: the function dir, then the
    layers' `python/lib/pythonX.Y/site-packages` and `python/` under /opt.

    The runtime builds that path for its own bootstrap only; a `python3` started by run.sh
    (the Web Adapter's start command) sees neither, so the layer's packages (uvicorn,
    tgscraper, the pinned boto3) must be put first here. TGSCRAPER_OPT_DIR stands in for
    /opt in the build check, which cannot mount layers there (docs/build.md).
    """
    root = opt or Path(os.environ.get("TGSCRAPER_OPT_DIR") or "/opt")
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    first = [
        str(FUNCTIONS_DIR),
        str(root / "python" / "lib" / version / "site-packages"),
        str(root / "python"),
    ]
    sys.path[:] = first + [p for p in sys.path if p not in first]


def _ssm_value(name: str) -> str:
    import boto3

    value: str = boto3.client("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"][
        "Value"
    ]
    return value


def configure(loader: Callable[[str], str] = _ssm_value) -> None:
    """Put the API key into API_KEY (read by tgscraper.config) and make the history
    module importable; SystemExit when no usable key exists."""
    if str(FUNCTIONS_DIR) not in sys.path:
        sys.path.insert(0, str(FUNCTIONS_DIR))
    from authorizer.authorizer_app import parse_keys

    name = os.environ.get("API_KEY_PARAM", "").strip()
    keys = parse_keys(loader(name)) if name else ()
    if not keys:
        raise SystemExit("no usable API key in API_KEY_PARAM: refusing to serve a public URL")
    os.environ["API_KEY"] = keys[0].decode()
    sys.path.insert(0, str(FUNCTIONS_DIR / "history"))


def main() -> None:
    use_layers()
    configure()
    import uvicorn

    uvicorn.run(
        "app:app",
        host="127.0.0.1",
        port=int(os.environ.get("AWS_LWA_PORT", "8080")),
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),
        access_log=False,
    )


if __name__ == "__main__":
    main()
