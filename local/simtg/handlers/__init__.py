"""Request handlers, one module per area; importing this package registers them."""

from . import auth, dialogs, files, history, peers, phone, search, system, threads, updates
from .base import REGISTRY, Ctx, Entry, handles

__all__ = [
    "REGISTRY",
    "Ctx",
    "Entry",
    "auth",
    "dialogs",
    "files",
    "handles",
    "history",
    "peers",
    "phone",
    "search",
    "system",
    "threads",
    "updates",
]
