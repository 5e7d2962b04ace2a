"""What the jukebox opens over its views: a yes/no Question, a Prompt for a name, and the
panels (a song's Details, the Help) that scroll. Each has its keymap; the screen does the keys."""

from __future__ import annotations

import curses
from collections.abc import Callable
from dataclasses import dataclass, field

from scripts.library import library_views
from scripts.library.song_library import Song
from scripts.tui.keymap import Binding
from scripts.tui.screens.jukebox.lists import STEPS, view_keymap
from scripts.tui.widgets import LineEditor

SCROLL = Binding(tuple(STEPS), "Up/Down PgUp/PgDn", "scroll", "scroll", "Scroll")
QUESTION_KEYS = view_keymap(
    "A question",
    Binding(("y",), "Y", "answer_yes", "yes", "Yes"),
    Binding(("n", "ESC"), "N/Esc", "answer_no", "no", "No"),
)
PROMPT_KEYS = view_keymap(
    "A name asked for (other keys type)",
    Binding(("ENTER",), "Enter", "prompt_done", "OK", "OK"),
    Binding(("ESC",), "Esc", "prompt_cancelled", "cancel", "Cancel"),
)
DETAILS_KEYS = view_keymap(
    "A song's details",
    SCROLL,
    Binding(("ESC", "i", "ENTER"), "Esc/I", "close_panel", "close", "Close"),
    Binding(("d",), "D", "delete_detailed", "delete the song (asks first)", "Delete"),
)
HELP_KEYS = view_keymap(
    "This help",
    SCROLL,
    Binding(("?",), "?", "close_panel", "close", "Close"),
)


def no_answer() -> None:
    pass


@dataclass
class Question:
    text: str  # ends in "(y/n)"
    yes: Callable[[], None]
    no: Callable[[], None] = no_answer


@dataclass
class Prompt:
    text: str
    done: Callable[[str], None]  # called with what was typed, when it is not blank
    editor: LineEditor = field(default_factory=LineEditor)


@dataclass
class Panel:
    """Lines over the view, scrolled from `top`."""

    top: int = 0

    def scroll(self, name: str) -> None:
        self.top = max(0, self.top + STEPS[name])


@dataclass
class Help(Panel):
    """The keys of the view shown and of every view (built from the keymaps as drawn)."""


@dataclass
class Details(Panel):
    song: Song | None = None
    lines: list[tuple[str, int]] = field(default_factory=list)  # (text, attribute)


def details_of(song: Song, service) -> Details:
    """A song's facts and its lyrics, from its sidecar (or the index's facts when it is gone)."""
    sidecar = service.sidecar(song)
    lines = [
        (" · ".join(f"{label}: {value}" for label, value in group), 0)
        for group in library_views.details(song, sidecar)
    ]
    lines.append((f"File: {service.song_path(song)}", curses.A_DIM))
    for part, words in library_views.lyric_parts(sidecar):
        lines += [(" ", 0), (f"[{part}]", curses.A_BOLD), *((f"  {w}", 0) for w in words)]
    if not sidecar:
        lines.append(("(its sidecar is missing or damaged: only the index's facts)", 0))
    return Details(song=song, lines=lines)
