"""An exclusive lock on a file, held between processes (and between threads: each holder opens
the file itself). flock on Unix, msvcrt.locking on Windows; the OS drops it when its holder ends,
so a crashed process never leaves a lock behind."""

from __future__ import annotations

import os
from pathlib import Path

if os.name == "nt":
    import msvcrt

    def _lock(fd: int, wait: bool) -> bool:
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
                return True
            except OSError:  # held elsewhere (LK_LOCK would give up after 10 s)
                if not wait:
                    return False
                import time

                time.sleep(0.05)

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, wait: bool) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class FileLock:
    """`with FileLock(path):` waits for the lock; acquire(wait=False) only tries. Raises OSError
    when the lock file cannot be created (a read-only folder)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def acquire(self, wait: bool = True) -> bool:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        if not _lock(fd, wait):
            os.close(fd)
            return False
        self.fd = fd
        return True

    def release(self) -> None:
        if self.fd is not None:
            _unlock(self.fd)
            os.close(self.fd)
            self.fd = None

    def __enter__(self) -> FileLock:
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def held_elsewhere(path: Path) -> bool:
    """Another holder has the lock on `path` now (False when the file is missing)."""
    if not path.exists():
        return False
    lock = FileLock(path)
    try:
        if not lock.acquire(wait=False):
            return True
    except OSError:
        return False
    lock.release()
    return False
