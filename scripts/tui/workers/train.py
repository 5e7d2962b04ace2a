"""Training a model of the user's own on a worker thread for the text UI (and installing the
training tools it needs): the same code as `launcher.py train`, reporting through events on the
app's queue. No curses here (workers never touch the screen)."""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from scripts import temporary
from scripts.model.train_command import enough_tunes, training_tools_missing
from scripts.tui.events import (
    Outcome,
    ToolsMissing,
    TrainEnded,
    TrainEvent,
    TrainingProgress,
    TunesCounted,
)
from scripts.tui.workers.thread import WorkerThread

log = logging.getLogger(__name__)


@dataclass
class TrainState:
    """What the training screen shows of the latest run, updated on the UI thread."""

    name: str
    counts: str = ""  # "12 tunes found, 9 kept; left out: ..."
    problems: list[str] = field(default_factory=list)
    progress: object = None  # training.finetune.TrainProgress
    outcome: Outcome | None = None  # None while it runs
    message: str = ""

    def apply(self, event: TrainEvent) -> None:
        match event:
            case TunesCounted(summary, problems):
                self.counts, self.problems = summary, problems
            case TrainingProgress(progress):
                self.progress = progress
            case ToolsMissing(message):
                self.outcome, self.message = Outcome.NEEDS_TOOLS, message
            case TrainEnded(outcome, message):
                self.outcome, self.message = outcome, message


class TrainWorker(WorkerThread):
    """Collect the tunes, then fine-tune; cancel() stops between steps, keeping a checkpoint that
    the next run with the same tunes and name resumes from. Events: TunesCounted,
    TrainingProgress, then TrainEnded or ToolsMissing."""

    def __init__(self, paths: list[Path], name: str, events: queue.Queue):
        super().__init__("train", events)
        self.paths, self.name = paths, name

    def run(self) -> None:
        sys.path.insert(0, str(temporary.REPO_ROOT))
        try:
            from training.user_tunes import TuneSourceError, collect

            try:
                collection = collect(self.paths)
            except TuneSourceError as error:
                self.post(TrainEnded(Outcome.FAILED, str(error)))
                return
            self.post(TunesCounted(collection.summary(), collection.file_problems))
            if reason := enough_tunes(collection.kept):
                self.post(TrainEnded(Outcome.FAILED, reason[:1].upper() + reason[1:] + "."))
                return
            if missing := training_tools_missing():
                self.post(ToolsMissing(missing[:1].upper() + missing[1:] + "."))
                return
            self.train(collection)
        except Exception as error:  # a worker must always tell the UI it stopped
            log.exception("training failed")
            self.post(
                TrainEnded(Outcome.FAILED, f"Training stopped: {error} (details in the log).")
            )

    def train(self, collection) -> None:
        from training.finetune import TrainingCancelled, TrainingError, finetune

        try:
            result = finetune(
                self.name,
                collection.tunes,
                collection.sources,
                collection.summary(),
                lambda progress: self.post(TrainingProgress(progress)),
                self.cancel_event,
            )
        except TrainingCancelled as error:
            self.post(TrainEnded(Outcome.CANCELLED, f"Cancelled: {error}. Enter resumes."))
            return
        except TrainingError as error:
            self.post(TrainEnded(Outcome.FAILED, f"{error}."))
            return
        bits = result.record["validation_bits"]
        loss = f", validation {bits:.3f} bits/char" if bits is not None else ""
        self.post(
            TrainEnded(
                Outcome.DONE,
                f"Trained {self.name}{loss}; it is in the Model Catalog (M): {result.path}",
            )
        )


class InstallWorker(WorkerThread):
    """`requisites.py train-tools` in a child process, its output to the log."""

    def __init__(self, events: queue.Queue):
        super().__init__("train-tools", events)

    def run(self) -> None:
        command = [sys.executable, str(temporary.REPO_ROOT / "requisites.py"), "train-tools"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, errors="replace")
        except OSError as error:
            self.post(TrainEnded(Outcome.FAILED, f"Could not run {command[1]}: {error}."))
            return
        log.info("train-tools:\n%s%s", result.stdout, result.stderr)
        if result.returncode == 0:
            self.post(TrainEnded(Outcome.INSTALLED, "Training tools installed: Enter trains."))
        else:
            self.post(
                TrainEnded(Outcome.FAILED, "Installing the training tools failed (see the log).")
            )
