"""Drawing helpers and a line editor for the curses screens (only curses calls that
windows-curses also has: addstr, attributes, getmaxyx, erase)."""

from __future__ import annotations

import curses
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from scripts import temporary
from scripts.utility import printable, progress_bar

ESCAPE = 27
ENTER_KEYS = (10, 13, curses.KEY_ENTER)
BACKSPACE_KEYS = (8, 127, curses.KEY_BACKSPACE)
ELLIPSIS = "…"  # ends a line cut at the screen's edge


def clock(seconds: float) -> str:
    """MM:SS (minutes keep counting past 59: a song is never an hour long)."""
    whole = max(0, int(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def key_name(key: int | str) -> str:
    """One spelling for a key whether curses gave an int or a str: 'x', 'KEY_UP', 'ESC', 'ENTER'."""
    if isinstance(key, str):
        code = ord(key) if len(key) == 1 else -1
        if code == ESCAPE:
            return "ESC"
        if code in (10, 13):
            return "ENTER"
        if code in (8, 127):
            return "BACKSPACE"
        return key
    if key in ENTER_KEYS:
        return "ENTER"
    if key in BACKSPACE_KEYS:
        return "BACKSPACE"
    if key == ESCAPE:
        return "ESC"
    return curses.keyname(key).decode("ascii", "replace") if key >= 0 else ""


@lru_cache(maxsize=4096)
def cell_width(char: str) -> int:
    """Terminal cells one code point takes, as terminals and ncurses count them: 2 for East
    Asian wide and full-width characters (CJK, most emoji), 0 for combining marks and
    zero-width format characters (joiners, variation selectors), else 1."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def display_width(text: str) -> int:
    return sum(map(cell_width, text))


def clip_to_width(text: str, cells: int) -> str:
    """The longest start of `text` that fits in `cells` cells; marks that follow the last
    character stay with it."""
    used = 0
    for index, char in enumerate(text):
        used += cell_width(char)
        if used > cells:
            return text[:index]
    return text


def fitted(text: str, cells: int) -> str:
    """`text` in `cells` cells, ending in "…" where something was cut off (not only spaces)."""
    clipped = clip_to_width(text, cells)
    if len(clipped) == len(text) or not text[len(clipped) :].strip() or cells < 2:
        return clipped
    return clip_to_width(text, cells - 1).rstrip() + ELLIPSIS


def wrap_to_width(text: str, cells: int) -> list[str]:
    """Lines of at most `cells` cells, broken at spaces (not at hyphens: a path or a name in a
    message stays whole where it can); a word longer than a line is broken anywhere, as CJK
    text without spaces is. textwrap counts characters, not cells."""
    lines, line = [], ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if display_width(joined) <= cells:
            line = joined
            continue
        if line:
            lines.append(line)
        while display_width(word) > cells:
            head = clip_to_width(word, cells) or word[0]
            lines.append(head)
            word = word[len(head) :]
        line = word
    return [*lines, line] if line or not lines else lines


class Canvas:
    """A window that clips every line to the screen instead of raising at its edges."""

    def __init__(self, window):
        self.window = window
        self.height, self.width = window.getmaxyx()

    def text(self, row: int, col: int, line: str, attribute: int = 0) -> None:
        if not 0 <= row < self.height or col >= self.width - 1:
            return
        # What a file or a model holds must never drive the terminal; clipped by cells, since
        # a line that reaches the edge is wrapped by curses onto the next row.
        line = fitted(printable(line), self.width - 1 - col)
        try:
            self.window.addstr(row, col, line, attribute)
        except curses.error:  # the bottom-right cell; nothing is lost
            pass

    def frame(self, title: str, footer: str, busy: str = "") -> None:
        """Every screen's layout: a ruled title block and a ruled footer with the keys."""
        rule = "=" * (self.width - 1)
        self.text(0, 0, rule)
        self.text(1, 4, f"{temporary.APP_NAME}: {title}", curses.A_BOLD)
        if busy:
            self.text(1, max(4, self.width - 2 - len(busy)), busy, curses.A_DIM)
        self.text(2, 0, rule)
        self.text(self.height - 2, 0, "-" * (self.width - 1))
        self.text(self.height - 1, 0, footer)

    def bar(self, row: int, fraction: float, suffix: str) -> None:
        width = max(10, min(temporary.UI_BAR_WIDTH, self.width - len(suffix) - 4))
        self.text(row, 0, f"{progress_bar(fraction, width)} {suffix}")

    def wrapped(self, row: int, text: str, last_row: int, attribute: int = 0) -> int:
        """Text wrapped at word boundaries from `row`; returns the next free row."""
        for line in wrap_to_width(text, self.width - 1):
            if row > last_row:
                break
            self.text(row, 0, line, attribute)
            row += 1
        return row


@dataclass
class LineEditor:
    """One line of typed input: printable keys insert, arrows move, Backspace/Delete erase,
    Ctrl+U clears. The cursor steps over a character with its combining marks as one."""

    value: str = ""
    cursor: int = 0
    limit: int = 500

    def __post_init__(self) -> None:
        self.cursor = len(self.value)

    def before(self, index: int) -> int:
        """Where the character (with its marks) that ends at `index` starts."""
        index = max(0, index - 1)
        while index and not cell_width(self.value[index]):
            index -= 1
        return index

    def after(self, index: int) -> int:
        """Where the character (with its marks) that starts at `index` ends."""
        index = min(len(self.value), index + 1)
        while index < len(self.value) and not cell_width(self.value[index]):
            index += 1
        return index

    def handle(self, key: int | str) -> bool:
        """Apply a key; False when the editor does not use it (Enter, Esc, ...)."""
        name = key_name(key)
        if isinstance(key, str) and len(key) == 1 and key.isprintable():
            if len(self.value) < self.limit:
                self.value = self.value[: self.cursor] + key + self.value[self.cursor :]
                self.cursor += 1
        elif name == "BACKSPACE":
            start = self.before(self.cursor)
            self.value = self.value[:start] + self.value[self.cursor :]
            self.cursor = start
        elif name == "KEY_DC":
            self.value = self.value[: self.cursor] + self.value[self.after(self.cursor) :]
        elif name == "KEY_LEFT":
            self.cursor = self.before(self.cursor)
        elif name == "KEY_RIGHT":
            self.cursor = self.after(self.cursor)
        elif name == "KEY_HOME":
            self.cursor = 0
        elif name == "KEY_END":
            self.cursor = len(self.value)
        elif name in ("\x15", "^U"):  # Ctrl+U, as in a shell: clear the line
            self.value, self.cursor = "", 0
        else:
            return False
        return True

    def draw(self, canvas: Canvas, row: int, col: int) -> None:
        """The value, scrolled so the cursor stays visible, with the cursor cell reversed.
        Counted in cells: a wide character takes two, a combining mark none."""
        room = max(1, canvas.width - 2 - col)
        under = self.value[self.cursor : self.after(self.cursor)] or " "
        start, used = self.cursor, display_width(under)
        while start:  # back from the cursor while the characters fit
            back = self.before(start)
            used += display_width(self.value[back:start])
            if used > room:
                break
            start = back
        canvas.text(row, col, clip_to_width(self.value[start:], room))
        at = col + display_width(self.value[start : self.cursor])
        canvas.text(row, at, under, curses.A_REVERSE)
