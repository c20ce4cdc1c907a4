"""The export CLI's progress bar (rich): messages, bytes written, rate and ETA.

The total is the dialog's message count when the server knows it (whole-history
exports); otherwise the bar is indeterminate and shows what was done so far."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class _Bar:
    def __init__(self, progress: Any, done: int, size: Callable[[int], str] = str) -> None:
        self._progress = progress
        self._size = size
        self._task = None
        if progress is not None:
            self._task = progress.add_task("export", total=None, completed=done, written=size(0))
        self._written = 0

    def total(self, count: int) -> None:
        if self._progress is not None:
            self._progress.update(self._task, total=count)

    def advance(self, size: int) -> None:
        self._written += size
        if self._progress is not None:
            self._progress.update(self._task, advance=1, written=self._size(self._written))


@contextmanager
def progress_bar(disabled: bool, done: int) -> Iterator[_Bar]:
    if disabled:
        yield _Bar(None, done)
        return
    from rich.filesize import decimal
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("messages"),
        TextColumn("{task.fields[written]}", markup=False),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    )
    from rich.console import Console

    # On stderr: stdout stays free for a pipe.
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        bar = _Bar(progress, done, decimal)
        yield bar
