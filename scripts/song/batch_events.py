"""What a batch of songs says while it runs (batch.py), one small class each: the command
line prints them, the text UI's worker posts them to the screen; both dispatch on the type. No
imports of the pipeline here: the payload types are named for the reader only, so the UI can load
this before the menu is drawn."""

from __future__ import annotations

from dataclasses import dataclass


class BatchEvent:
    """What a batch says."""


@dataclass(frozen=True)
class Loading(BatchEvent):
    text: str  # "Loading model ...", "Naming the artist..."


@dataclass(frozen=True)
class Identity(BatchEvent):
    job: object  # pipeline.Job, its genre and artist settled (a chat model may name them)


@dataclass(frozen=True)
class Loaded(BatchEvent):
    """The model is open (llama.cpp pointed fd 1 at /dev/null while it loaded: repaint)."""


@dataclass(frozen=True)
class SongProgress(BatchEvent):
    progress: object  # scripts.song.pipeline.Progress


@dataclass(frozen=True)
class SongMade(BatchEvent):
    sidecar: dict


@dataclass(frozen=True)
class SongSkipped(BatchEvent):
    number: int
    reason: str


@dataclass(frozen=True)
class BatchStopped(BatchEvent):
    text: str  # why the batch stopped early (or could not start)
