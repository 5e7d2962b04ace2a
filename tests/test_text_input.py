"""Typed text beyond ASCII (accents, CJK, emoji, combining marks) in the real app on a pty: what
the terminal holds is read back through pyte, whose cell widths come from wcwidth, not from
the app's own counting."""

import json
import sys

import pytest
from wcwidth import wcswidth

from scripts.tui.widgets import LineEditor, clip_to_width, display_width, wrap_to_width
from tests.test_tui import Terminal
from tests.test_tui_screens import BACKSPACE, DOWN, configure, open_generate, option_row

# 81 characters in 93 cells: wider than the field, so it scrolls
LINE = (
    "Café crème, Señor Niño, 日本の音楽, K-pop 🎵 ambient, Ölfarbe naïve résumé, 中文流行音乐 tail"
)
CTRL_U, UP = b"\x15", b"\x1bOA"
LABEL = "User Input: "


def row_text(term: Terminal, row: int) -> str:
    """The row as the terminal holds it, read cell by cell: pyte's `display` raises on what a
    half-overwritten wide character leaves."""
    line = term.screen.buffer[row]
    return "".join(line[column].data for column in range(term.screen.columns)).rstrip()


def settle(term: Terminal) -> None:
    """Until the app stops drawing (Terminal.settled, which renders through `display`)."""
    size = -1
    while size != len(term.raw):
        size = len(term.raw)
        term.read(0.3)


def cursor_columns(term: Terminal, row: int) -> list[int]:
    line = term.screen.buffer[row]
    return [column for column in range(term.screen.columns) if line[column].reverse]


def blank_below(term: Terminal, row: int) -> bool:
    """Nothing between `row` and the footer's rule: no part of a line spilled over."""
    return not any(row_text(term, below) for below in range(row + 1, term.screen.lines - 2))


def assert_field_shows(term: Terminal, row: int, label: str, value: str) -> None:
    """The field's row is the label and the part of `value` that ends at the cursor, which
    sits right after it, within the row; nothing spills onto the next rows."""
    text = row_text(term, row)
    assert text.startswith(label), text
    shown = text[len(label) :]
    assert value.endswith(shown), f"{shown!r} is not the end of {value!r}"
    assert wcswidth(shown) >= min(wcswidth(value), term.screen.columns - len(label) - 4)
    assert cursor_columns(term, row) == [len(label) + wcswidth(shown)]
    assert len(label) + wcswidth(shown) < term.screen.columns - 1


def test_display_width_counts_cells():
    assert display_width("Café") == 4 and display_width("日本の音楽") == 10
    assert display_width("Cafe\u0301") == 4  # e + a combining acute: one cell
    assert display_width("🎵") == 2 and display_width("a\u200bb") == 2  # zero-width space
    assert display_width(LINE) == wcswidth(LINE) == 93
    assert clip_to_width("日本の", 5) == "日本" and clip_to_width("a日", 2) == "a"
    assert clip_to_width("Cafe\u0301 x", 4) == "Cafe\u0301"  # the mark stays with its letter
    assert clip_to_width("日本", 0) == "" and clip_to_width("", 3) == ""
    assert wrap_to_width("日本の音楽 Jazz", 5) == ["日本", "の音", "楽", "Jazz"]


def test_the_cursor_steps_over_a_letter_with_its_marks():
    editor = LineEditor("Cafe\u0301s")
    editor.handle("KEY_LEFT")
    editor.handle("KEY_LEFT")  # from before "s" to before "e" and its accent
    assert editor.cursor == 3
    editor.handle("KEY_DC")
    assert editor.value == "Cafs"
    editor = LineEditor("Cafe\u0301")
    editor.handle(127)  # Backspace
    assert editor.value == "Caf" and editor.cursor == 3


def open_generate_on(data_dir, terminal_type: str) -> Terminal:
    """The Generate screen on a terminal of that type (Terminal sets TERM itself)."""
    program = ["/usr/bin/env", f"TERM={terminal_type}", sys.executable, "launcher.py"]
    term = Terminal(data_dir, program=program)
    term.wait_for("Main Menu")
    term.send(b"1")
    term.wait_for("What kind of music are we making today?")
    return term


# "screen" is what tmux and GNU screen tell programs: there the cursor cell, drawn over half of
# a wide character, left characters on the terminal after the whole line was deleted.
TERMINAL_TYPES = ["xterm-256color", "screen"]


@pytest.mark.parametrize("terminal_type", TERMINAL_TYPES)
def test_a_deleted_line_of_wide_characters_leaves_no_cell_behind(data_dir, terminal_type):
    short = "日本の音楽 Café 🎵 K-pop"
    term = open_generate_on(data_dir, terminal_type)
    term.send(short.encode())
    settle(term)
    assert row_text(term, 5) == LABEL + short
    assert cursor_columns(term, 5) == [len(LABEL) + wcswidth(short)]
    term.send(BACKSPACE * len(short))
    settle(term)
    assert row_text(term, 5) == LABEL.rstrip()
    term.send(b"\x1bx")
    assert term.exit_status() == 0


@pytest.mark.parametrize("terminal_type", TERMINAL_TYPES)
def test_a_long_mixed_script_line_typed_and_deleted_leaves_nothing_behind(data_dir, terminal_type):
    term = open_generate_on(data_dir, terminal_type)
    term.send(LINE.encode())
    settle(term)
    assert_field_shows(term, 5, LABEL, LINE)
    assert blank_below(term, 5)
    term.send(BACKSPACE * 40)  # what is left fits: all of it shows, nothing of what went
    settle(term)
    assert row_text(term, 5) == LABEL + LINE[:-40]
    assert cursor_columns(term, 5) == [len(LABEL) + wcswidth(LINE[:-40])]
    assert blank_below(term, 5)
    term.send(BACKSPACE * (len(LINE) - 40))
    settle(term)
    assert row_text(term, 5) == LABEL.rstrip() and cursor_columns(term, 5) == [len(LABEL)]
    term.send(LINE.encode() + CTRL_U)
    settle(term)
    assert row_text(term, 5) == LABEL.rstrip() and blank_below(term, 5)
    term.send(b"\x1bx")
    assert term.exit_status() == 0


def test_a_resize_keeps_a_wide_line_within_its_row(data_dir):
    term = open_generate(data_dir)
    term.send(LINE.encode())
    term.settled()
    term.resize(20, 61)  # an odd width: a wide character may not fit in the last cells
    term.settled()
    assert_field_shows(term, 5, LABEL, LINE)
    assert blank_below(term, 5)
    term.send(BACKSPACE * 20)
    term.resize(24, 80)
    term.settled()
    assert_field_shows(term, 5, LABEL, LINE[:-20])
    assert blank_below(term, 5)
    term.send(b"\x1bx")
    assert term.exit_status() == 0


@pytest.mark.heavy
def test_typed_cjk_styles_are_the_styles_of_the_song(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    configure(data_dir, model_path=str(abc_model), output_dir=str(out))
    term = open_generate(data_dir)
    term.send("日本の音楽, Café 🎵\r1\r".encode())
    term.wait_for('Producing "日本の音楽, Café 🎵" themed song number 1', timeout=30, settle=False)
    term.wait_for("Batch finished: 1 made", timeout=120)
    (sidecar,) = (path for path in out.glob("*.json") if path.name != "library.json")
    assert json.loads(sidecar.read_text(encoding="utf-8"))["styles"] == ["日本の音楽", "Café 🎵"]
    term.send(b"x")
    assert term.exit_status() == 0


def test_an_options_text_field_with_cjk_keeps_to_its_row_and_is_saved(data_dir, tmp_path):
    folder = str(tmp_path / "音楽 ライブラリ" / "日本の音楽 🎵 Café crème, naïve résumé")
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    term.send(DOWN * option_row("styles_dir") + UP + b"\r")  # a row with one below it
    term.wait_for("Save = Enter")
    term.send(CTRL_U + folder.encode() + BACKSPACE * 3)
    term.settled()
    row = [line[:13] for line in term.screen.display].index("Output folder")
    assert_field_shows(term, row, f"{'Output folder':24} ", folder[:-3])
    assert row_text(term, row + 1) == "Styles folder"  # the next setting's row is untouched
    term.send(folder[-3:].encode() + b"\r")
    term.wait_for("Saved: Output folder")
    stored = json.loads((data_dir / "persistent.json").read_text(encoding="utf-8"))
    assert stored["settings"]["output_dir"] == folder
    assert row_text(term, row + 1) == "Styles folder"
    term.send(b"x")
    assert term.exit_status() == 0


def test_a_wide_value_at_the_right_edge_never_wraps_onto_the_next_row(data_dir):
    configure(data_dir, output_dir="/tmp/" + "日本の音楽" * 12)
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    term.send(DOWN * option_row("styles_dir"))  # scrolls the Output folder row into sight
    term.settled()
    row = [line[:13] for line in term.screen.display].index("Output folder")
    assert row_text(term, row).startswith(f"{'Output folder':24} /tmp/日本の音楽")
    assert wcswidth(row_text(term, row)) <= 79  # clipped short of the last column
    assert row_text(term, row + 1) == "Styles folder"
    term.send(b"x")
    assert term.exit_status() == 0


def test_non_ascii_keys_are_typed_under_the_c_locale(data_dir):
    term = open_generate(data_dir, LC_ALL="C")
    term.send("日本の音楽 Café 🎵".encode())
    term.settled()
    assert row_text(term, 5) == LABEL + "日本の音楽 Café 🎵"
    term.send(b"\x1bx")
    assert term.exit_status() == 0


def test_a_message_that_quotes_wide_text_wraps_by_cells_and_loses_nothing(data_dir):
    term = Terminal(data_dir, cols=60)
    term.wait_for("Main Menu")
    term.send(b"1")
    term.wait_for("What kind of music")
    term.send("Jazz\r一二三四五六七八九十一二\r".encode())
    screen = term.wait_for("must be a whole number")
    message = (
        "the number of songs must be a whole number, not '一二三四五六七八九十一二'. Please "
        "answer again."
    )
    assert message in " ".join(screen.split())
    assert all(wcswidth(line.rstrip()) <= 59 for line in term.screen.display)
    term.send(b"\x1b\x1bx")
    assert term.exit_status() == 0
