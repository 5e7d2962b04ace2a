"""Generation in a worker thread for the text UI: it runs a batch (scripts/song/batch.py) and posts
what happens on a queue that the curses thread drains. No curses here: curses is not thread-safe,
so only the curses thread draws."""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass, field

from scripts.model.models import ModelError
from scripts.song.batch import CONTINUOUS, Batch
from scripts.song.batch_events import (
    BatchEvent,
    BatchStopped,
    Identity,
    Loaded,
    Loading,
    SongMade,
    SongProgress,
    SongSkipped,
)
from scripts.song.pipeline import Job, Progress
from scripts.tui.events import BatchFinished
from scripts.tui.workers.thread import WorkerThread

log = logging.getLogger(__name__)


@dataclass
class BatchState:
    """What the Generate screen shows, updated from the worker's events on the UI thread."""

    styles: tuple[str, ...]
    count: int
    artist: str = ""
    arranged_as: str = ""  # "Reggaeton → reggaeton": what the styles play as
    song: int = 1
    generate: float = 0.0
    convert: float = 0.0
    convert_stage: str = ""
    done: list[dict] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    status: str = ""
    error: str = ""  # kept under the final status, so the reason a batch stopped stays readable
    finished: bool = False

    def apply(self, event: BatchEvent) -> None:
        match event:
            case SongProgress(progress):
                self.follow(progress)
            case SongMade(sidecar):
                self.done.append(sidecar)
            case SongSkipped(number, reason):
                self.skipped.append(f"Song {number} skipped: {reason}")
            case Loading(text):
                self.status = text
            case BatchStopped(text):
                self.status = self.error = text
            case Loaded():
                self.status = ""
            case Identity(job):  # a chat model may have named the genre and the artist
                self.styles, self.artist = job.styles, job.artist["name"]
                self.arranged_as = job.blend.arranged_as()
            case BatchFinished(text):
                self.finished, self.status = True, f"{text} {self.error}".strip()

    def follow(self, progress: Progress) -> None:
        if progress.song != self.song:
            self.song, self.generate, self.convert, self.convert_stage = progress.song, 0, 0, ""
        if progress.stage == "generate":
            self.generate = progress.fraction
        else:
            self.generate, self.convert = 1.0, progress.fraction
            self.convert_stage = progress.message

    @property
    def settled(self) -> int:
        return len(self.done) + len(self.skipped)

    def overall(self) -> float:
        """Share of the batch done, counting the current song's progress."""
        if self.count == CONTINUOUS:
            return 0.0
        current = 0.0 if self.finished else 0.8 * self.generate + 0.2 * self.convert
        return min(1.0, (self.settled + current) / self.count)

    def eta_seconds(self) -> float | None:
        """Time left at the pace so far; None until there is a pace to go by."""
        share = self.overall()
        if self.count == CONTINUOUS or share <= 0.02 or self.finished:
            return None
        elapsed = time.monotonic() - self.started
        return elapsed * (1 - share) / share


class GenerationWorker(WorkerThread):
    """One batch (or a continuous run) of songs on a daemon thread; it posts the batch's events
    (scripts/song/batch.py) and, last, BatchFinished."""

    def __init__(self, job: Job, count: int, events: queue.Queue):
        """The job (styles, artist) is made on the UI thread, so the screen can show its genre."""
        super().__init__("generation", events, job.cancel)
        self.batch = Batch(job, count, self.post)

    def run(self) -> None:
        try:
            outcome = self.batch.run()
            word = "cancelled" if self.cancel_event.is_set() else "finished"
            self.post(
                BatchFinished(f"Batch {word}: {outcome.made} made, {outcome.skipped} skipped.")
            )
        except ModelError as error:
            self.post(BatchStopped(f"The model cannot be used: {error}"))
            self.post(BatchFinished("Nothing was generated."))
        except Exception as error:  # a worker must always tell the UI it stopped
            log.exception("generation failed")
            self.post(BatchStopped(f"Generation stopped: {error} (details in the log)"))
            self.post(BatchFinished("Generation stopped by an error."))
