"""Model Catalog (opened from Configure Options with M): the catalog's models with size, format,
RAM and whether each is here. Enter on a model that is here makes it the model (with its
recommended sampling); on a missing one it offers the download, which runs on a worker thread
with a progress bar that Esc cancels; on the audio-token model it explains why it cannot be used."""

from __future__ import annotations

import curses
from dataclasses import replace
from enum import Enum, auto

from scripts import settings as settings_store
from scripts.model.catalog import (
    CatalogEntry,
    CatalogError,
    chosen_settings,
    is_present,
    local_path,
)
from scripts.model.downloads import describe, partial_bytes
from scripts.model.own_models import all_entries
from scripts.settings import model_file
from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, key_name
from scripts.tui.workers.download import DownloadState, DownloadWorker
from scripts.utility import human_bytes

MOVE = Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "move", "choose a model", "Move")
CHOOSE = Binding(("ENTER",), "Enter", "choose", "use it, or download it (asks first)", "Choose")
EXIT = Binding(("x",), "X", "leave", "exit", "Exit Program")
KEYS = Keymap(
    "Choosing a model",
    MOVE,
    CHOOSE,
    Binding(("b", "ESC"), "B", "back", "back to Configure Options (Esc too)", "Back"),
    EXIT,
)
DOWNLOADING_KEYS = Keymap(
    "While a download runs",
    Binding(
        ("ESC",),
        "Esc",
        "cancel_download",
        "cancel it (the part fetched is kept)",
        "Cancel download",
    ),
    MOVE,
    replace(CHOOSE, footer=""),  # the footer has room for what is new here
    Binding(("b",), "B", "back", "back to Configure Options (it goes on)", "Back (goes on)"),
    EXIT,
)
CONFIRM_KEYS = Keymap(
    "Asked to download",
    Binding(("y",), "Y", "download", "download it", "Download"),
    Binding(("n", "ESC"), "N/Esc", "not_now", "not now", "Not now"),
)


class Mode(Enum):
    """What the keys do now: choose a model, the same while a download runs, or answer y/n."""

    CHOOSING = auto()
    DOWNLOADING = auto()
    CONFIRMING = auto()


MODE_KEYS = {Mode.CHOOSING: KEYS, Mode.DOWNLOADING: DOWNLOADING_KEYS, Mode.CONFIRMING: CONFIRM_KEYS}


def size_text(entry: CatalogEntry) -> str:
    return ("" if entry.size_exact else "~") + human_bytes(entry.size_bytes)


def status_text(entry: CatalogEntry, app) -> str:
    state = app.download_state
    if app.download_running() and state.name == entry.name:
        return f"getting {state.progress.fraction:.0%}" if state.progress else "starting"
    if not entry.usable:
        return "not usable"
    if not is_present(entry):
        return "-"
    if local_path(entry) == model_file(app.config["settings"]):
        return "in use"
    return "bundled" if entry.bundled else "your own" if entry.own else "downloaded"


def row_text(entry: CatalogEntry, app) -> str:
    ram, status = f"{entry.ram_gb:g} GB", status_text(entry, app)
    return f"{entry.name:17} {size_text(entry):>8} {entry.format:12} {ram:>6}  {status}"


class CatalogScreen:
    def __init__(self):
        self.entries: list[CatalogEntry] = []
        self.selected = 0
        self.top = 0
        self.message = ""
        self.confirming: CatalogEntry | None = None
        self.reported: DownloadState | None = None  # the download whose end is in the message

    def enter(self, app) -> None:
        self.confirming = None
        try:
            self.entries, self.message = all_entries(), ""
        except CatalogError as error:
            self.entries, self.message = [], str(error)
        self.selected = min(self.selected, max(0, len(self.entries) - 1))

    # --- drawing ----

    def mode(self, app) -> Mode:
        if self.confirming is not None:
            return Mode.CONFIRMING
        return Mode.DOWNLOADING if app.download_running() else Mode.CHOOSING

    def keys(self, app) -> Keymap:
        return MODE_KEYS[self.mode(app)]

    def draw(self, canvas: Canvas, app) -> None:
        canvas.frame("Model Catalog", self.keys(app).footer(), app.busy_text())
        head = f"{'Model':17} {'Size':>8} {'Format':12} {'RAM':>6}  Status"
        canvas.text(3, 0, head, curses.A_DIM)
        rows = max(1, canvas.height - 12)  # the rest holds the note, the download and messages
        self.top = min(max(self.top, self.selected - rows + 1), self.selected)
        for row, entry in enumerate(self.entries[self.top : self.top + rows]):
            chosen = self.top + row == self.selected
            canvas.text(4 + row, 0, row_text(entry, app), curses.A_REVERSE if chosen else 0)
        if self.entries:
            entry = self.entries[self.selected]
            canvas.text(canvas.height - 8, 0, f"{entry.display_name}: {entry.note}", curses.A_DIM)
        message_row = canvas.height - 7
        state = app.download_state
        if state is not None and not state.running and state is not self.reported:
            self.message, self.reported = state.message, state  # how it ended, said once
        if state is not None and (app.download_running() or self.showing(state.name)):
            self.draw_download(canvas, state)
            message_row = canvas.height - 4
        canvas.wrapped(message_row, self.message, canvas.height - 3, curses.A_BOLD)

    def showing(self, name: str) -> bool:
        """A finished download stays on screen while its model is the one selected."""
        return bool(self.entries) and self.entries[self.selected].name == name

    def draw_download(self, canvas: Canvas, state: DownloadState) -> None:
        progress = state.progress
        fraction = progress.fraction if progress else 0.0
        canvas.bar(canvas.height - 7, fraction, f"{fraction:4.0%} {state.name}")
        if state.running:
            text = describe(progress) if progress else "asking the hub for the file..."
            canvas.wrapped(canvas.height - 6, text, canvas.height - 5)

    # --- keys ----

    def key(self, key, app) -> None:
        self.keys(app).dispatch(key_name(key), self, app)

    def move(self, name: str, app) -> None:
        if self.entries:
            step = -1 if name == "KEY_UP" else 1
            self.selected = (self.selected + step) % len(self.entries)
            self.message = ""  # it was about the model left (its explanation, a choice)

    def choose(self, name: str, app) -> None:
        if self.entries:
            self.offer(self.entries[self.selected], app)

    def cancel_download(self, name: str, app) -> None:
        app.download.cancel()
        self.message = "Cancelling the download..."

    def back(self, name: str, app) -> None:
        app.show("options")

    def leave(self, name: str, app) -> None:
        app.quit()

    def download(self, name: str, app) -> None:
        self.start_download(self.confirming, app)
        self.confirming = None

    def not_now(self, name: str, app) -> None:
        self.confirming, self.message = None, "Not downloaded."

    def offer(self, entry: CatalogEntry, app) -> None:
        """Use the model when it is here, else offer its download (or say why not)."""
        state = app.download_state
        if not entry.usable:
            self.message = entry.explanation()
        elif app.download_running() and state.name == entry.name:
            self.message = "Still downloading; Esc cancels (the part fetched is kept)."
        elif is_present(entry):
            self.use(entry, app)
        elif app.download_running():
            self.message = f"Wait for {state.name} to finish, or Esc to cancel it."
        else:
            self.confirming = entry
            kept = partial_bytes(entry)
            resume = f", {human_bytes(kept)} already here" if kept else ""
            self.message = (
                f"Download {entry.name} ({size_text(entry)}{resume})? "
                f"It needs about {entry.ram_gb:g} GB of RAM to run. (y/n)"
            )

    def start_download(self, entry: CatalogEntry, app) -> None:
        app.download = DownloadWorker(entry, app.events)
        app.download_state = DownloadState(entry.name)
        app.download.start()
        self.message = ""

    def use(self, entry: CatalogEntry, app) -> None:
        """Make `entry` the model, with its recommended sampling, and save at once."""
        values = chosen_settings(entry)
        app.config["settings"].update(values)
        try:
            settings_store.save(app.config)
        except OSError as error:
            self.message = f"Could not save the settings: {error.strerror or error}"
            return
        self.message = (
            f"Model set: {entry.display_name} (temperature {values['temperature']:g}, "
            f"top-p {values['top_p']:g}, top-k {values['top_k']}, "
            f"repeat penalty {values['repeat_penalty']:g})."
        )
