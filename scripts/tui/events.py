"""The events the workers post on the app's queue, one small class each: the curses thread drains
the queue and dispatches on the type (match), never on a name. No curses here: workers make them.
The payload types are only named for the reader: importing them here would load the pipeline
before the menu is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from scripts.song.batch_events import BatchEvent

# --- a batch of songs: scripts/song/batch_events.py, and the worker's last word ----


@dataclass(frozen=True)
class BatchFinished(BatchEvent):
    text: str  # "Batch finished: 2 made, 0 skipped." - always the last


# --- a model download (download_worker.py) ----


class DownloadEvent:
    """What a download says; the app gives them to its DownloadState."""


@dataclass(frozen=True)
class DownloadProgress(DownloadEvent):
    progress: object  # scripts.model.downloads.Progress


@dataclass(frozen=True)
class DownloadEnded(DownloadEvent):
    outcome: Literal["done", "cancelled", "failed"]
    message: str


# --- training a model, installing its tools (train_worker.py) ----


class TrainEvent:
    """What training says; the training screen takes them."""


@dataclass(frozen=True)
class TunesCounted(TrainEvent):
    summary: str  # "12 tunes found, 9 kept; left out: ..."
    problems: list[str]


@dataclass(frozen=True)
class TrainingProgress(TrainEvent):
    progress: object  # training.finetune.TrainProgress


@dataclass(frozen=True)
class ToolsMissing(TrainEvent):
    message: str


@dataclass(frozen=True)
class TrainEnded(TrainEvent):
    outcome: Literal["done", "cancelled", "failed", "installed"]
    message: str


# --- the grammar check (grammar_worker.py) ----


@dataclass(frozen=True)
class GrammarChecked:
    grammar: str
    problem: str | None  # None: llama.cpp took it
