"""Telegram adapter: Telethon sessions backed by the session store, and client provision."""
