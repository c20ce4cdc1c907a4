"""Dialog search and folders: the cached dialog list of an account, its filters and rules.

model (records), loader (Telegram -> records), cache (per-user snapshot in the store),
matching (title scorer), folders (DialogFilter rules), query (parameters and predicates),
service (the one entry point the handlers call).
"""
