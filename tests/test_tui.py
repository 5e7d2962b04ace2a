"""The text UI in a real pseudo-terminal, read back through pyte as a user would see it."""

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time

import pyte

from tests.conftest import REPO

ROWS, COLS = 24, 80
ENTER_ALTERNATE_SCREEN, LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049h", b"\x1b[?1049l"


class ScrollingScreen(pyte.Screen):
    """pyte's screen with the scroll-up and scroll-down sequences (CSI n S, CSI n T) that real
    terminals have and ncurses sends when a list moves: without them pyte keeps rows that the
    app has cleared, and a test would see text that no user sees."""

    def scroll_up(self, count: int = 1, *_, **__) -> None:
        self.shift(max(1, count))

    def scroll_down(self, count: int = 1, *_, **__) -> None:
        self.shift(-max(1, count))

    def shift(self, count: int) -> None:
        top, bottom = self.margins or pyte.screens.Margins(0, self.lines - 1)
        rows = [self.buffer[y] for y in range(top, bottom + 1)]
        blank = [None] * abs(count)
        moved = rows[count:] + blank if count > 0 else blank + rows[: len(rows) + count]
        for y, line in enumerate(moved, start=top):
            if line is None:
                self.buffer.pop(y, None)
            else:
                self.buffer[y] = line
        self.dirty.update(range(self.lines))


class ScrollingStream(pyte.ByteStream):
    csi = {**pyte.ByteStream.csi, "S": "scroll_up", "T": "scroll_down"}
    events = pyte.ByteStream.events | {"scroll_up", "scroll_down"}


class Terminal:
    """launcher.py (no arguments: the TUI) on a pty, rendered by the pyte terminal emulator."""

    started: list["Terminal"] = []  # ended after each test (conftest), even when it failed

    def __init__(self, data_dir, rows=ROWS, cols=COLS, env=None, program=None):
        Terminal.started.append(self)
        self.screen = ScrollingScreen(cols, rows)
        self.stream = ScrollingStream(self.screen)
        self.raw = b""
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            # The size goes on the terminal, not in LINES/COLUMNS, so a resize is seen.
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
            for name in ("LINES", "COLUMNS"):
                os.environ.pop(name, None)
            os.environ.update(
                TERM="xterm-256color",
                LLM_MUSIC_GEN_DATA=str(data_dir),
                LLM_MUSIC_GEN_AUDIO="null",  # the null device: real playback, no sound card
                **(env or {}),
            )
            os.chdir(REPO)
            program = program or [sys.executable, "launcher.py"]
            os.execv(program[0], program)

    def read(self, timeout=0.3):
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.fd], [], [], min(0.05, left))
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return
                self.raw += chunk
                self.stream.feed(chunk)

    def text(self) -> str:
        return "\n".join(self.screen.display)

    def wait_for(self, needle, timeout=10.0, settle=True) -> str:
        """The screen once `needle` is on it: settled, or as first seen (for a screen that
        changes all the time, such as progress bars)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.1)
            if needle in self.text():
                return self.settled() if settle else self.text()
        raise AssertionError(f"{needle!r} never appeared on:\n{self.text()}")

    def settled(self, quiet=0.3, limit=10.0) -> str:
        """The screen once the app has stopped drawing (a redraw can arrive in several reads),
        or after `limit` seconds of a screen that keeps changing (progress bars)."""
        size, deadline = -1, time.monotonic() + limit
        while size != len(self.raw) and time.monotonic() < deadline:
            size = len(self.raw)
            self.read(quiet)
        return self.text()

    def restored(self) -> bool:
        """curses' endwin() ran after the last initscr(): the shell gets its screen back."""
        return LEAVE_ALTERNATE_SCREEN in self.raw[self.raw.rfind(ENTER_ALTERNATE_SCREEN) :]

    def resize(self, rows: int, cols: int) -> None:
        """Like dragging the window's corner: the kernel tells the app with SIGWINCH."""
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.screen.resize(rows, cols)

    def send(self, keys: bytes):
        os.write(self.fd, keys)

    def end(self) -> None:
        """Kill the app if it still runs: a failed test must not leave it using the CPU."""
        try:
            if os.waitpid(self.pid, os.WNOHANG)[0] == 0:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # already reaped by exit_status
        os.close(self.fd)

    def exit_status(self, timeout=10.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        raise AssertionError("the app did not exit")


def test_main_menu_navigation_and_exit(data_dir):
    term = Terminal(data_dir)
    screen = term.wait_for("Llm-Music-Gen: Main Menu")
    for item in ("1. Generate Music", "2. Output Jukebox", "3. Configure Options"):
        assert item in screen
    assert "Exit Program = X" in screen
    term.send(b"1")
    term.wait_for("What kind of music are we making today?")
    term.send(b"\x1b")  # Esc: back to the menu
    term.wait_for("Main Menu")
    term.send(b"\x1bOB\x1bOB\r")  # down, down (xterm keypad mode), Enter: Configure Options
    term.wait_for("Temperature")
    term.send(b"b")
    term.wait_for("Main Menu")
    term.send(b"x")
    assert term.exit_status() == 0
    assert term.restored()


def test_ctrl_c_leaves_cleanly(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"\x03")
    assert term.exit_status() == 0
    assert term.restored()


def test_ctrl_c_quits_even_when_the_app_was_started_ignoring_it(data_dir):
    """A shell starts a background job with Ctrl+C ignored, and a child inherits that."""
    ignore_ctrl_c = (
        "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_IGN); "
        "os.execv(sys.executable, [sys.executable, 'launcher.py'])"
    )
    term = Terminal(data_dir, program=[sys.executable, "-c", ignore_ctrl_c])
    term.wait_for("Main Menu", timeout=60)
    term.send(b"\x03")
    assert term.exit_status() == 0
    assert term.restored()


def test_a_tiny_terminal_asks_to_be_enlarged(data_dir):
    term = Terminal(data_dir, rows=6, cols=30)
    term.wait_for("Please enlarge the window")
    term.send(b"x")
    assert term.exit_status() == 0


def test_resizing_redraws_and_asks_to_enlarge_when_too_small(data_dir):
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.resize(10, 40)
    term.wait_for("Please enlarge the window")
    term.resize(30, 100)
    screen = term.wait_for("Main Menu")
    assert "=" * 99 in screen  # the rules follow the new width
    term.send(b"x")
    assert term.exit_status() == 0 and term.restored()


def test_question_mark_on_the_main_menu_says_what_each_item_does(data_dir):
    """The help is the menu's keymap: what each numbered screen does, then the other keys."""
    from scripts.tui.screens.menu import KEYS

    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"?")
    screen = term.wait_for("Generate Music: songs from")
    assert all(entry in screen for entry in KEYS.entries()), screen
    term.send(b"\x1bOB")  # any key puts the help away
    assert "Generate Music: songs from" not in term.settled()
    term.send(b"x")
    assert term.exit_status() == 0


def test_the_app_ends_when_its_terminal_goes_away(data_dir):
    """A window closed under an app that gets no SIGHUP (its parent, as requisites.py, had the
    session and ended first) used to spin at 100% CPU forever on reads that fail at once."""
    ignore_hangup = (
        "import os, signal, sys; signal.signal(signal.SIGHUP, signal.SIG_IGN); "
        "os.execv(sys.executable, [sys.executable, 'launcher.py'])"
    )
    term = Terminal(data_dir, program=[sys.executable, "-c", ignore_hangup])
    term.wait_for("Main Menu", timeout=60)
    os.close(term.fd)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        pid, _ = os.waitpid(term.pid, os.WNOHANG)
        if pid:
            return
        time.sleep(0.1)
    os.kill(term.pid, signal.SIGKILL)
    raise AssertionError("the app kept running with no terminal")
