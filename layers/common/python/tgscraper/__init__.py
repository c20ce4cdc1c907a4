"""Shared layer of the Telegram scraper: domain, ports, adapters, services and API glue.

Data flows one way: HTTP handler (functions/) -> service (this package) -> ports -> adapters.
"""
