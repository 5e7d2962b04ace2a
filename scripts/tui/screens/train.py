"""Train your own model (opened from Configure Options with T): the user types where the tunes are
and a name; Enter counts the tunes and fine-tunes the starter model on them on a worker thread,
with a bar, step, loss and ETA. Esc cancels (a checkpoint is kept: Enter again resumes). When the
training tools are missing the screen says so and offers to install them."""

from __future__ import annotations

import curses
from enum import Enum, auto
from pathlib import Path

from scripts.model.own_models import ModelNameError, checked_name
from scripts.model.train_command import progress_text
from scripts.tui.events import ToolsMissing, TrainEnded, TrainingProgress, TunesCounted
from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, LineEditor, key_name
from scripts.tui.workers.train import InstallWorker, TrainState, TrainWorker

KEYS = Keymap(
    "Typing where the tunes are and a name",
    Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "other_field", "the other field", "Field"),
    Binding(("ENTER",), "Enter", "start", "count the tunes and train", "Train"),
    Binding(("ESC",), "Esc", "back", "back to Configure Options", "Back"),
    frame="Type, {}",
)
RUNNING_KEYS = Keymap(
    "While it trains",
    Binding(("ESC",), "Esc", "cancel", "cancel (Enter later resumes)", "Cancel training"),
    frame="{} (it can resume)",
)
CONFIRM_KEYS = Keymap(
    "Asked to install the tools",
    Binding(("y",), "Y", "install", "install PyTorch (CPU)", "Install"),
    Binding(("n", "ESC"), "N/Esc", "not_now", "not now", "Not now"),
)
FIELDS = ("Tunes (files, folders; a;b)", "Name of the new model")


class Mode(Enum):
    """What the keys do now: type the fields, cancel the run, or answer y/n to the install."""

    TYPING = auto()
    RUNNING = auto()
    CONFIRMING = auto()


MODE_KEYS = {Mode.TYPING: KEYS, Mode.RUNNING: RUNNING_KEYS, Mode.CONFIRMING: CONFIRM_KEYS}


class TrainScreen:
    def __init__(self):
        self.editors = [LineEditor(), LineEditor()]
        self.field = 0
        self.worker = None  # TrainWorker or InstallWorker
        self.state: TrainState | None = None
        self.confirming = False
        self.cancelling = (
            False  # Esc was pressed: the run's own news no longer replaces the message
        )
        self.message = ""

    def enter(self, app) -> None:
        self.confirming = False

    def running(self) -> bool:
        return self.worker is not None and self.worker.running

    def drain(self, app) -> None:
        """Training events arrive on the app's queue, which keeps them for this screen."""
        events, app.train_events[:] = list(app.train_events), []
        for event in events:
            if self.state is not None:
                self.state.apply(event)
            match event:
                case TrainEnded(_, message):
                    self.message, self.cancelling = message, False
                case TunesCounted() if not self.cancelling:
                    self.message = "Preparing the training..."
                case TrainingProgress() if not self.cancelling:
                    self.message = ""  # the bar, step, loss and ETA say it now
                case ToolsMissing(message):
                    self.confirming, self.message = True, f"{message} Install them now? (y/n)"
                    self.cancelling = False

    def draw(self, canvas: Canvas, app) -> None:
        self.drain(app)
        canvas.frame("Train Your Own Model", self.keys().footer())
        for index, label in enumerate(FIELDS):
            attribute = curses.A_REVERSE if index == self.field and not self.running() else 0
            canvas.text(4 + index, 0, f"{label:28}", attribute)
            self.editors[index].draw(canvas, 4 + index, 29)
        row = 7
        state = self.state
        if state is not None and state.counts:
            canvas.text(row, 0, state.counts)
            for problem in state.problems[:2]:
                row += 1
                canvas.text(row, 2, f"skipped {problem}", curses.A_DIM)
        progress = state.progress if state is not None else None
        if progress is not None:
            canvas.bar(row + 2, progress.step / progress.steps, progress_text(progress))
        canvas.wrapped(canvas.height - 5, self.message, canvas.height - 3, curses.A_BOLD)

    def mode(self) -> Mode:
        if self.confirming:
            return Mode.CONFIRMING
        return Mode.RUNNING if self.running() else Mode.TYPING

    def keys(self) -> Keymap:
        return MODE_KEYS[self.mode()]

    def key(self, key, app) -> None:
        mode = self.mode()
        if not MODE_KEYS[mode].dispatch(key_name(key), self, app) and mode is Mode.TYPING:
            self.editors[self.field].handle(key)

    def install(self, name: str, app) -> None:
        self.confirming, self.message = False, "Installing PyTorch (CPU)..."
        self.worker = InstallWorker(app.events)
        self.worker.start()

    def not_now(self, name: str, app) -> None:
        self.confirming, self.message = False, "Not installed."

    def cancel(self, name: str, app) -> None:
        if isinstance(self.worker, TrainWorker):  # installing the tools cannot be stopped
            self.worker.cancel()
            self.message, self.cancelling = "Cancelling after this step...", True

    def other_field(self, name: str, app) -> None:
        self.field = 1 - self.field

    def back(self, name: str, app) -> None:
        app.show("options")

    def start(self, name: str, app) -> None:
        paths = [
            Path(p.strip()).expanduser() for p in self.editors[0].value.split(";") if p.strip()
        ]
        if not paths:
            self.field, self.message = (
                0,
                "Type where your tunes are: ABC or MIDI files, or folders.",
            )
            return
        try:
            name = checked_name(self.editors[1].value)
        except ModelNameError as error:
            self.field, self.message = 1, f"{str(error)[:1].upper()}{str(error)[1:]}."
            return
        self.state = TrainState(name)
        self.worker = TrainWorker(paths, name, app.events)
        self.worker.start()
        self.message, self.cancelling = "Counting your tunes...", False
