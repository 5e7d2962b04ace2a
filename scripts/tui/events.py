"""The events the workers post on the app's queue, one small class each: the curses thread drains
the queue and dispatches on the type (match), never on a name. No curses here: workers make them.
The payload types are only named for the reader: importing them here would load the pipeline
before the menu is drawn."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from scripts.song.batch_events import BatchEvent

# --- a batch of songs: scripts/song/batch_events.py, and the worker's last word ----


@dataclass(frozen=True)
class BatchFinished(BatchEvent):
    text: str  # "Batch finished: 2 made, 0 skipped." - always the last


class Outcome(Enum):
    """How a download, a training run or the install of the training tools ended."""

    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"
    INSTALLED = "installed"  # the training tools: Enter trains now
    NEEDS_TOOLS = "needs-tools"  # training did not start: PyTorch is missing


# --- a model download (workers/download.py) ----


class DownloadEvent:
    """What a download says; the app gives them to its DownloadState."""


@dataclass(frozen=True)
class DownloadProgress(DownloadEvent):
    progress: object  # scripts.model.downloads.Progress


@dataclass(frozen=True)
class DownloadEnded(DownloadEvent):
    outcome: Outcome  # DONE, CANCELLED or FAILED
    message: str


# --- training a model, installing its tools (workers/train.py) ----


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
    outcome: Outcome  # DONE, CANCELLED, FAILED or INSTALLED
    message: str


# --- the grammar check (workers/grammar.py) ----


@dataclass(frozen=True)
class GrammarChecked:
    grammar: str
    problem: str | None  # None: llama.cpp took it
