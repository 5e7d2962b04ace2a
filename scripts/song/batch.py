"""One batch of songs, the same for the command line and the text UI: the output folder resolved
and checked, the model opened, the artist named, each song made, the disk checked before each;
what happens goes to one callback as events (batch_events.py). No printing and no curses
here: the CLI prints the events, the TUI's worker posts them to the screen.
"""

from __future__ import annotations

import errno
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts import settings as settings_store
from scripts import temporary
from scripts.library.song_library import LibraryError, SongLibrary, writable_folder
from scripts.model.model_choice import open_model, prompt_kind
from scripts.model.models import Cancelled, check_gguf
from scripts.model.prompts import PromptError, check_template
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
from scripts.song.identity_chat import identity_from_model
from scripts.song.pipeline import Job, SongFailed, batch_job, generate_song, song_seed

CONTINUOUS = 0  # a count of 0 keeps generating until cancelled
FULL_DISK_ERRORS = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))

EventCallback = Callable[[BatchEvent], None]


class BatchError(Exception):
    """The batch cannot start (or go on); the message is one sentence for the user."""


def check_disk(folder: Path) -> None:
    """BatchError when the folder's disk has no room for another song."""
    if shutil.disk_usage(folder).free < temporary.MIN_FREE_DISK_BYTES:
        raise BatchError(
            f"the disk is almost full: less than {temporary.MIN_FREE_DISK_BYTES >> 20} MB free "
            f"in {folder}"
        )


def prepare(
    styles: tuple[str, ...], config: dict, out: Path | None = None, base_seed: int | None = None
) -> Job:
    """The batch's job: the settings' paths checked (a bad SoundFont is said once, before any
    model time), the output folder (`out`, else the configured one) made and proven writable,
    with room for a song, and what interrupted saves left there cleared."""
    settings = config["settings"]
    try:
        settings_store.check_paths(settings)
        folder = writable_folder(out or settings_store.output_folder(settings))
        for (
            name
        ) in temporary.PROMPT_TEMPLATES:  # a broken one would skip every song: say so once, now
            check_template(name, config["prompts"][name])
    except (settings_store.SettingError, LibraryError) as error:
        raise BatchError(str(error)) from None
    except PromptError as error:
        raise BatchError(f"{error} (Options: {settings_store.label('prompts', name)})") from None
    check_disk(folder)
    library = SongLibrary(folder)
    library.remove_partials()
    seed = settings["seed"] if base_seed is None else base_seed
    return batch_job(styles, config, library, seed)


@dataclass
class Outcome:
    made: int = 0
    skipped: int = 0
    stopped: str = ""  # why the batch stopped before its count ("" when it did not)


class Batch:
    """`count` songs (CONTINUOUS: until cancelled) for a prepared job."""

    def __init__(
        self,
        job: Job,
        count: int,
        on_event: EventCallback,
        model_path: Path | None = None,
        base_seed: int | None = None,
    ):
        self.job, self.count, self.on_event = job, count, on_event
        self.model_path = model_path or settings_store.model_file(job.settings)
        self.base_seed = job.settings["seed"] if base_seed is None else base_seed
        job.on_progress = lambda progress: on_event(SongProgress(progress))

    @property
    def cancelled(self) -> bool:
        return self.job.cancel.is_set()

    def run(self) -> Outcome:
        """Make the songs; raises ModelError when the model cannot be used at all."""
        outcome = Outcome()
        model = self.open()
        try:
            self.job = identity_from_model(model, self.job, song_seed(self.base_seed, 1, 0))
        except Cancelled:
            return outcome
        self.on_event(Identity(self.job))
        self.on_event(Loaded())
        number = 1
        while not self.cancelled and (self.count == CONTINUOUS or number <= self.count):
            try:
                check_disk(self.job.library.folder)
                self.on_event(SongMade(generate_song(model, self.job, number, self.base_seed)))
                outcome.made += 1
            except BatchError as error:
                outcome.stopped = f"Stopped before song {number}: {error}."
                break
            except SongFailed as error:
                if error.errno in FULL_DISK_ERRORS:  # every song after it would fail the same way
                    outcome.stopped = f"Stopped at song {number}: {error.reason}."
                    break
                self.on_event(SongSkipped(number, str(error)))
                outcome.skipped += 1
            except Cancelled:
                break
            number += 1
        if outcome.stopped:
            self.on_event(BatchStopped(outcome.stopped))
        return outcome

    def open(self):
        server = self.job.settings["server_url"]
        if server:
            self.on_event(Loading(f"Connecting to {server}..."))
        else:
            check_gguf(self.model_path)
            self.on_event(Loading(f"Loading model {self.model_path.name}..."))
        model = open_model(self.job.settings, self.model_path)
        self.job.model_format = prompt_kind(model, self.job.settings)  # once, not every attempt
        if self.job.model_format == "chat":
            self.on_event(Loading("Naming the artist..."))
        return model
