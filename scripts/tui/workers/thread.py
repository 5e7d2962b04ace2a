"""What every worker of the text UI shares: a daemon thread, a cancel Event, and events (events.py)
posted on the app's queue for the curses thread to drain. No curses here (workers never touch the
screen)."""

from __future__ import annotations

import queue
import threading


class WorkerThread:
    """Subclasses give run(); start() runs it on a daemon thread named `name`."""

    def __init__(self, name: str, events: queue.Queue, cancel: threading.Event | None = None):
        self.events = events
        self.cancel_event = cancel or threading.Event()
        self.thread = threading.Thread(target=self.run, name=name, daemon=True)

    def run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self.thread.start()

    def cancel(self) -> None:
        self.cancel_event.set()

    @property
    def running(self) -> bool:
        return self.thread.is_alive()

    def post(self, event: object) -> None:
        self.events.put(event)
