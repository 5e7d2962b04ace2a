"""Generate Music: two questions, then per-song bars (model tokens, conversion) and an overall bar
with ETA; Esc cancels, J opens the jukebox while it goes on."""

from __future__ import annotations

import curses
from enum import Enum, auto

from scripts import temporary
from scripts.song.batch import CONTINUOUS, BatchError, prepare
from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, LineEditor, clock, key_name
from scripts.tui.workers.generation import BatchState, GenerationWorker
from scripts.user_input import InputError, checked_count, checked_styles
from scripts.utility import plural

NAME = temporary.APP_NAME
STYLES_QUESTION = f"{NAME}: What kind of music are we making today? (Styles, separated, by, commas)"
COUNT_QUESTION = f"{NAME}: How many songs should I generate? (1-{{maximum}}, or C: until Esc)"
EXIT_QUESTION = "Exit now? The song being made is dropped; finished songs stay. (y/n)"
JUKEBOX = Binding(("j",), "J", "open_jukebox", "the jukebox", "Jukebox")
STYLES_KEYS = Keymap(
    "Typing the styles",
    Binding(("ENTER",), "Enter", "styles_typed", "on to the count", "Next"),
    Binding(("ESC",), "Esc", "back", "back to the menu", "Back to Main"),
    frame="{}; blank or ? = surprise me",
)
COUNT_KEYS = Keymap(
    "Typing the count",
    Binding(("ENTER",), "Enter", "count_typed", "start the batch", "Start"),
    Binding(("ESC",), "Esc", "back_to_styles", "back to the styles", "Back to Styles"),
)
RUNNING_KEYS = Keymap(
    "While it runs",
    Binding(("ESC",), "Esc", "cancel", "cancel (finished songs stay)", "Cancel"),
    JUKEBOX,
    Binding(("b",), "B", "back", "back to the menu (it keeps going)", "Back to Main (keeps going)"),
    Binding(("x",), "X", "ask_exit", "exit (asks first)", "Exit Program"),
)
FINISHED_KEYS = Keymap(
    "When it is done",
    Binding(("n", "ENTER"), "N", "new_batch", "a new batch (Enter too)", "New Batch"),
    JUKEBOX,
    Binding(("b", "ESC"), "B", "back", "back to the menu (Esc too)", "Back to Main"),
    Binding(("x",), "X", "leave", "exit", "Exit Program"),
)
EXIT_KEYS = Keymap(
    "Asked to exit",
    Binding(("y",), "Y", "leave", "exit (any other key: stay)"),
)


class Phase(Enum):
    """What the screen is doing: asking for the styles, asking for the count, or showing the batch
    (running or finished: the app's BatchState says which)."""

    STYLES = auto()
    COUNT = auto()
    BATCH = auto()


ANSWER_KEYS = {Phase.STYLES: STYLES_KEYS, Phase.COUNT: COUNT_KEYS}


def checked_count_or_continuous(text: str, maximum: int) -> int:
    if text.strip().lower() in temporary.CONTINUOUS_WORDS:
        return CONTINUOUS
    return checked_count(text, maximum)


def start_batch(app, styles: tuple[str, ...], count: int) -> None:
    """Start a worker; raises BatchError (a sentence for the screen) when it cannot start.
    No styles means "surprise me": the batch's job invents a genre (and, always, an artist)."""
    job = prepare(styles, app.config)
    app.batch = BatchState(job.styles, count, job.artist["name"], job.blend.arranged_as())
    app.worker = GenerationWorker(job, count, app.events)
    app.worker.start()


class GenerateScreen:
    def __init__(self):
        self.styles = LineEditor(limit=temporary.MAX_STYLES_LENGTH + 50)
        self.count = LineEditor(limit=12)
        self.phase = Phase.STYLES
        self.error = ""
        self.asking_exit = False  # X while a batch runs: asked first

    def enter(self, app) -> None:
        if app.batch is not None and (not app.batch.finished or self.phase is Phase.BATCH):
            self.phase = Phase.BATCH

    # --- drawing ----

    def draw(self, canvas: Canvas, app) -> None:
        canvas.frame("Generate Music", self.keys(app).footer(), app.busy_text())
        maximum = app.config["settings"]["max_songs_per_batch"]
        canvas.text(4, 0, STYLES_QUESTION)
        canvas.text(5, 0, "User Input: ")
        if self.phase is Phase.STYLES:
            self.styles.draw(canvas, 5, 12)
        else:
            canvas.text(5, 12, self.styles.value.strip() or "(blank: surprise me)")
        if self.phase is not Phase.STYLES:
            canvas.text(6, 0, COUNT_QUESTION.format(maximum=maximum))
            canvas.text(7, 0, "User Input: ")
            if self.phase is Phase.COUNT:
                self.count.draw(canvas, 7, 12)
            else:
                canvas.text(7, 12, self.count.value)
        if self.error:
            canvas.wrapped(8, self.error, canvas.height - 3, curses.A_BOLD)
        if self.phase is Phase.BATCH:
            arranged = f"; arranged as {app.batch.arranged_as}" if app.batch.arranged_as else ""
            canvas.text(8, 0, f"{NAME}: Artist for this batch: {app.batch.artist}{arranged}")
            self.draw_batch(canvas, app.batch)
        if self.asking_exit:
            canvas.wrapped(canvas.height - 4, EXIT_QUESTION, canvas.height - 3, curses.A_BOLD)

    def draw_batch(self, canvas: Canvas, batch: BatchState) -> None:
        themed = ", ".join(batch.styles)
        row = 9
        if not batch.finished:
            canvas.text(row, 0, f'{NAME}: Producing "{themed}" themed song number {batch.song}...')
            canvas.bar(row + 1, batch.generate, f"{batch.generate:4.0%} Complete")
            stage = f" ({batch.convert_stage})" if batch.convert_stage else ""
            canvas.text(
                row + 2, 0, f"{NAME}: Converting song number {batch.song} from ABC to Mp3...{stage}"
            )
            canvas.bar(row + 3, batch.convert, f"{batch.convert:4.0%} Complete")
        row += 4
        if batch.count == CONTINUOUS:
            canvas.text(row, 0, f"Continuous: {len(batch.done)} made so far; Esc stops.")
        else:
            eta = batch.eta_seconds()
            left = f", ETA {clock(eta)}" if eta is not None else ""
            done = f"{batch.settled}/{plural(batch.count, 'song')}"
            canvas.bar(row, batch.overall(), f"{done}{left}")
        row += 1
        if batch.status:
            row = canvas.wrapped(row, batch.status, canvas.height - 3, curses.A_BOLD)
        lines = [f"Made: {s['title']} ({clock(s['duration_seconds'])})" for s in batch.done]
        lines = (lines + batch.skipped)[-temporary.UI_RECENT_SONGS :]
        for line in lines:
            if row > canvas.height - 3:
                break
            canvas.text(row, 0, line)
            row += 1

    # --- keys ----

    def keys(self, app) -> Keymap:
        """The keys of the phase: the footer while asked to exit stays the running one's."""
        if self.phase is Phase.BATCH:
            return FINISHED_KEYS if app.batch.finished else RUNNING_KEYS
        return ANSWER_KEYS[self.phase]

    def key(self, key, app) -> None:
        name = key_name(key)
        if self.asking_exit:
            self.asking_exit = False
            EXIT_KEYS.dispatch(name, self, app)
        elif not self.keys(app).dispatch(name, self, app):
            self.typed(key)

    def typed(self, key) -> None:
        """A key no binding takes goes to the answer being typed."""
        editor = {Phase.STYLES: self.styles, Phase.COUNT: self.count}.get(self.phase)
        if editor is not None and editor.handle(key):
            self.error = ""

    def styles_typed(self, name: str, app) -> None:
        try:
            checked_styles(self.styles.value)
            self.phase, self.error = Phase.COUNT, ""
        except InputError as error:
            self.error = f"{error}. Please type them again."

    def count_typed(self, name: str, app) -> None:
        maximum = app.config["settings"]["max_songs_per_batch"]
        try:
            count = checked_count_or_continuous(self.count.value, maximum)
            start_batch(app, checked_styles(self.styles.value), count)
            self.phase, self.error = Phase.BATCH, ""
        except InputError as error:
            self.error = f"{error}. Please answer again."
        except BatchError as error:  # not the answer's fault: say where to change it
            self.error = f"Cannot start: {error}. (Configure Options on the main menu.)"

    def back_to_styles(self, name: str, app) -> None:
        self.phase, self.error = Phase.STYLES, ""

    def back(self, name: str, app) -> None:
        self.error = ""
        app.show("menu")

    def cancel(self, name: str, app) -> None:
        app.worker.cancel()
        app.batch.status = "Cancelling: the current song is dropped, finished songs stay..."

    def open_jukebox(self, name: str, app) -> None:
        app.show("jukebox")

    def ask_exit(self, name: str, app) -> None:
        self.asking_exit = True

    def leave(self, name: str, app) -> None:
        app.quit()

    def new_batch(self, name: str, app) -> None:
        """A new batch starts from empty answers."""
        self.styles = LineEditor(limit=self.styles.limit)
        self.count = LineEditor(limit=self.count.limit)
        self.phase, self.error = Phase.STYLES, ""
