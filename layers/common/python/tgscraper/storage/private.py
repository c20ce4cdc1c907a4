"""Owner-only files and folders for the embedded data folder (auth keys live there).

Every folder the embedded adapters create is 0700 and every file 0600, whatever the
process umask: modes are set explicitly (fchmod/chmod), not left to `umask`. SQLite
gives a database's -wal, -shm and -journal files the mode of the database file itself,
so creating the database file 0600 before SQLite opens it covers those too.

`tighten(root)` fixes a folder left readable by an earlier version (run at start by the
local runner's sweep).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path | str) -> Path:
    """Create `path` and any missing parents as 0700 folders (existing ones untouched)."""
    path = Path(path)
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=DIR_MODE)
        except FileExistsError:
            continue  # made by a concurrent writer meanwhile
        os.chmod(folder, DIR_MODE)
    return path


def create_private(path: Path | str, *, exclusive: bool = False) -> int:
    """Open `path` for writing (created 0600 if absent); returns the descriptor.

    exclusive: fail with FileExistsError if it exists (temporary files)."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    try:
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE and os.fstat(fd).st_size == 0:
            os.fchmod(fd, FILE_MODE)  # the umask may have taken bits away, never added
    except BaseException:
        os.close(fd)
        raise
    return fd


def touch_private(path: Path | str) -> None:
    """Make sure the file exists; a new one is 0600 (an empty file is a valid SQLite db)."""
    private_dir(Path(path).parent)
    os.close(create_private(path))


def tighten(root: Path | str) -> list[Path]:
    """Take group and other permissions away from everything under root (root included):
    0755 -> 0700, 0644 -> 0600. Returns the paths that were changed; symlinks are not
    followed."""
    root = Path(root)
    if not root.is_dir():
        return []
    changed: list[Path] = []
    for folder, dirs, files in os.walk(root):
        base = Path(folder)
        if _fix(base):
            changed.append(base)
        for name in files:
            if _fix(base / name):
                changed.append(base / name)
        dirs[:] = [d for d in dirs if not (base / d).is_symlink()]
    return changed


def _fix(path: Path) -> bool:
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False  # removed meanwhile (a finished .part, a SQLite -journal)
    mode = stat.S_IMODE(info.st_mode)
    if stat.S_ISLNK(info.st_mode) or not mode & 0o077:
        return False
    try:
        os.chmod(path, mode & 0o700)
    except FileNotFoundError:
        return False
    return True
