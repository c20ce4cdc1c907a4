"""Accounts: who a username belongs to (its Telegram user id) and its access tokens."""
