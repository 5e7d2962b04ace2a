"""The curses app: one main loop on the main thread that owns the screen and the keyboard; the
screens (screens/) draw from state and react to keys through their keymaps;
generation and playback run in the background and only post typed events (events.py): curses is
not thread-safe, so no worker ever calls it."""

from __future__ import annotations

import curses
import locale
import logging
import os
import queue
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

from scripts import settings as settings_store
from scripts import temporary
from scripts.song.batch_events import BatchEvent, Loaded, SongMade
from scripts.tui.events import DownloadEvent, GrammarChecked, TrainEvent
from scripts.tui.screens.menu import MenuScreen
from scripts.tui.widgets import Canvas

log = logging.getLogger(__name__)


class App:
    """State shared by the screens, and the services that outlive a screen."""

    def __init__(self, window, config: dict, notices: list[str]):
        self.window = window
        self.config = config
        self.events: queue.Queue = queue.Queue()
        self.worker = None  # GenerationWorker while a batch runs
        self.batch = None  # BatchState of the latest batch
        self.music = None  # MusicService once the jukebox has been opened or a song made
        self.download = None  # DownloadWorker of the latest model download
        self.download_state = None  # DownloadState: what the catalog screen shows of it
        self.train_events: list = []  # TrainEvents, for the training screen to take
        self.running = True
        self.repaint = False
        self.notice = " ".join(notices)
        self.screens = {"menu": MenuScreen()}  # the others import the pipeline: on first use
        self.screen = self.screens["menu"]

    # --- navigation ----

    def show(self, name: str) -> None:
        if name not in self.screens:
            self.screens[name] = make_screen(name)
        self.screen = self.screens[name]
        self.screen.enter(self)

    def quit(self) -> None:
        self.running = False

    # --- services ----

    def output_folder(self) -> Path:
        return settings_store.output_folder(self.config["settings"])

    def music_service(self):
        if self.music is None:
            from scripts.player.music_service import MusicService

            self.music = MusicService(self.output_folder())
        return self.music

    def download_running(self) -> bool:
        return self.download is not None and self.download.running

    def busy_text(self) -> str:
        parts = []
        if self.download_running() and self.download_state.progress is not None:
            parts.append(f"[downloading {self.download_state.progress.fraction:.0%}]")
        if self.worker is not None and self.worker.running:
            batch = self.batch
            total = "continuous" if batch.count == 0 else f"of {batch.count}"
            parts.append(f"[generating {batch.song} {total}]")
        if self.music is not None and self.music.playing_title():
            parts.append("[paused]" if self.music.player.paused else "[playing]")
        return " ".join(parts)

    def drain_events(self) -> None:
        while True:
            try:
                event = self.events.get_nowait()
            except queue.Empty:
                return
            match event:
                case DownloadEvent():
                    self.download_state.apply(event)
                case TrainEvent():
                    self.train_events.append(event)
                case GrammarChecked(grammar, problem):
                    self.screens["options"].grammar_checked(self, grammar, problem)
                case BatchEvent():
                    self.batch_event(event)

    def batch_event(self, event: BatchEvent) -> None:
        if self.batch is not None:
            self.batch.apply(event)
        match event:
            case SongMade(sidecar):
                self.music_service().add(sidecar)
            case Loaded():
                self.repaint = True  # llama.cpp pointed fd 1 at /dev/null while it loaded

    def tick(self) -> None:
        self.drain_events()
        if self.music is not None:
            self.music.tick()

    def shutdown(self) -> None:
        """Stop the background work so that nothing half-made is left and state is saved."""
        if self.worker is not None and self.worker.running:
            self.worker.cancel()
            self.worker.thread.join(timeout=10)
        if self.download_running():  # what was fetched stays for the next try
            self.download.cancel()
            self.download.thread.join(timeout=10)
        training = self.screens.get("train")
        if training is not None and training.running():  # a checkpoint is kept to resume from
            training.worker.cancel()
            training.worker.thread.join(timeout=60)
        if self.music is not None:
            self.music.close()

    # --- drawing ----

    def too_small(self) -> bool:
        height, width = self.window.getmaxyx()
        return height < temporary.UI_MIN_HEIGHT or width < temporary.UI_MIN_WIDTH

    def draw(self) -> None:
        if self.repaint:
            self.window.clearok(True)
            self.repaint = False
        self.window.erase()
        canvas = Canvas(self.window)
        if self.too_small():
            canvas.text(0, 0, "Please enlarge the window")
            canvas.text(1, 0, f"(at least {temporary.UI_MIN_WIDTH}x{temporary.UI_MIN_HEIGHT})")
        else:
            self.screen.draw(canvas, self)
        self.window.refresh()


def sync_size() -> None:
    """Make curses use the terminal's real size: at start (some environments make ncurses fall
    back to 80x24) and after a resize."""
    try:
        size = os.get_terminal_size(sys.__stdout__.fileno())
    except (OSError, ValueError):
        return
    if (size.lines, size.columns) != (curses.LINES, curses.COLS):
        curses.resizeterm(size.lines, size.columns)


def make_screen(name: str):
    """Screens other than the menu, imported when first opened: the menu draws sooner."""
    if name == "generate":
        from scripts.tui.screens.generate import GenerateScreen

        return GenerateScreen()
    if name == "jukebox":
        from scripts.tui.screens.jukebox.screen import JukeboxScreen

        return JukeboxScreen()
    if name == "catalog":
        from scripts.tui.screens.catalog import CatalogScreen

        return CatalogScreen()
    if name == "train":
        from scripts.tui.screens.train import TrainScreen

        return TrainScreen()
    from scripts.tui.screens.options import OptionsScreen

    return OptionsScreen()


def read_key(window):
    """The next key (str for characters, int for special keys), or None when the tick passes.
    A terminal that has gone (its window closed while SIGHUP was not delivered to the app, as
    under requisites.py once it has ended) fails every read at once: the app ends instead of
    spinning on it."""
    try:
        return window.get_wch()
    except curses.error:
        try:
            os.tcgetpgrp(sys.__stdin__.fileno())
        except (OSError, ValueError):
            raise SystemExit("the terminal has gone") from None
        return None


def main_loop(window, config: dict, notices: list[str]) -> None:
    try:
        curses.curs_set(0)
    except curses.error:  # some terminals cannot hide the cursor
        pass
    window.keypad(True)
    window.timeout(temporary.UI_TICK_MS)
    sync_size()
    app = App(window, config, notices)
    try:
        while app.running:
            app.tick()
            app.draw()
            key = read_key(window)
            if key is None:
                continue
            if key == curses.KEY_RESIZE:
                sync_size()
                continue
            if app.too_small() and key not in ("x", "X"):
                continue  # nothing is shown: no key may act unseen (only X, to exit)
            app.screen.key(key, app)
    finally:
        app.shutdown()


@contextmanager
def stderr_to_log():
    """fd 2 goes to logs/app.log while the TUI runs: what llama.cpp, abc2midi, ffmpeg and ALSA
    print must never land on the curses screen. Python's own logging goes there too."""
    temporary.LOG_DIR.mkdir(parents=True, exist_ok=True)
    path = temporary.LOG_DIR / temporary.LOG_FILE_NAME
    saved = os.dup(2)
    with open(path, "a", encoding="utf-8") as handle:
        os.dup2(handle.fileno(), 2)
        logging.basicConfig(
            stream=handle, level=logging.INFO, format="%(asctime)s %(name)s: %(message)s"
        )
        try:
            yield path
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)


def utf8_text() -> None:
    """Under the plain C locale (LC_ALL=C) curses can neither decode typed UTF-8 (get_wch fails
    and the key is lost) nor draw it: use C.UTF-8 for characters, as Python itself does for
    LANG=C (PEP 538). Windows consoles are read as wide characters whatever the locale."""
    if sys.platform == "win32" or locale.setlocale(locale.LC_CTYPE) not in ("C", "POSIX"):
        return
    for name in temporary.UI_UTF8_LOCALES:
        try:
            locale.setlocale(locale.LC_CTYPE, name)
            return
        except locale.Error:  # not on this system; with none, ASCII input still works
            pass


def run_tui() -> int:
    os.environ.setdefault("ESCDELAY", "25")  # Esc cancels: do not wait a second for a sequence
    # Ctrl+C quits, even when whatever started the app ignored it (a shell's background job, a
    # launcher script): Python leaves an inherited "ignore" in place.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    utf8_text()  # before curses starts: it reads the character set once
    config, notices = settings_store.load()
    try:
        with stderr_to_log() as log_path:
            try:
                curses.wrapper(main_loop, config, notices)  # restores the terminal on any exit
            except KeyboardInterrupt:
                pass
            except Exception:
                log.exception("the app stopped")
                print(f"{temporary.APP_NAME} stopped by an error; see {log_path}", file=sys.stderr)
                return 1
    except OSError as error:  # the log folder cannot be written: run without the log
        print(f"cannot write the log file: {error}", file=sys.stderr)
        return 1
    return 0
