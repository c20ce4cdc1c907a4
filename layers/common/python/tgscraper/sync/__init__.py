"""Incremental sync of cached dialogs from Telegram's update sequences (pts).

`state` keeps where each cached dialog was last brought up to date, the history cache's
change log (`tgscraper.history.change_log`) the previous versions and tombstones a sync
found, `service` runs a sync and `report` tells how complete
a dialog's cache is. See docs/sync.md.
"""
