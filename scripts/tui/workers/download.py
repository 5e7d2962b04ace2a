"""A model download on a worker thread for the text UI: it runs scripts/model/downloads.py and posts
what happens on the app's event queue, which the curses thread drains. No curses here: curses is
not thread-safe, so only the curses thread draws."""

from __future__ import annotations

import logging
import queue
from dataclasses import dataclass

from scripts.model.catalog import CatalogEntry
from scripts.model.downloads import DownloadCancelled, DownloadError, Progress, download
from scripts.tui.events import DownloadEnded, DownloadEvent, DownloadProgress, Outcome
from scripts.tui.workers.thread import WorkerThread

log = logging.getLogger(__name__)


@dataclass
class DownloadState:
    """What the catalog screen shows of the latest download, updated on the UI thread."""

    name: str
    progress: Progress | None = None
    outcome: Outcome | None = None  # None while it runs
    message: str = ""

    @property
    def running(self) -> bool:
        return self.outcome is None

    def apply(self, event: DownloadEvent) -> None:
        match event:
            case DownloadProgress(progress):
                self.progress = progress
            case DownloadEnded(outcome, message):
                self.outcome, self.message = outcome, message


class DownloadWorker(WorkerThread):
    """One catalog entry downloaded on a daemon thread; cancel() stops it between network reads
    and keeps what was fetched for the next try. Its events: DownloadProgress, DownloadEnded."""

    def __init__(self, entry: CatalogEntry, events: queue.Queue):
        super().__init__("download", events)
        self.entry = entry

    def run(self) -> None:
        name = self.entry.display_name
        try:
            path = download(self.entry, self.on_progress, self.cancel_event)
            self.post(
                DownloadEnded(Outcome.DONE, f"Downloaded {name} ({path.name}). Enter uses it.")
            )
        except DownloadCancelled as error:
            text = str(error)
            self.post(DownloadEnded(Outcome.CANCELLED, f"{text[:1].upper()}{text[1:]}."))
        except DownloadError as error:
            self.post(DownloadEnded(Outcome.FAILED, f"Download failed: {error}."))
        except Exception as error:  # a worker must always tell the UI it stopped
            log.exception("download failed")
            self.post(
                DownloadEnded(Outcome.FAILED, f"Download stopped: {error} (details in the log).")
            )

    def on_progress(self, progress: Progress) -> None:
        self.post(DownloadProgress(progress))
