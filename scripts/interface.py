"""The curses face of the app. For now the main menu; its screens arrive with the TUI issue, and
until then each says how to do the same from the command line."""

from __future__ import annotations

import curses

from scripts import temporary

RULE = "=" * 80
MENU = (("1", "Generate Music"), ("2", "Output Jukebox"), ("3", "Configure Options"))
PLACEHOLDER = {
    "1": 'Not in this version yet. Meanwhile: python launcher.py generate --styles "Chill" '
    "--count 3 --model FILE.gguf",
    "2": "Not in this version yet. Meanwhile: python launcher.py list, then play the MP3s in "
    "output/ with any player.",
    "3": "Not in this version yet. Meanwhile: edit data/persistent.json.",
}
MIN_HEIGHT, MIN_WIDTH = 12, 40


def draw(screen, selected: int, notice: str) -> None:
    screen.erase()
    height, width = screen.getmaxyx()
    if height < MIN_HEIGHT or width < MIN_WIDTH:
        screen.addstr(0, 0, "Please enlarge the window"[: width - 1])
        screen.refresh()
        return
    rule = RULE[: width - 1]
    lines = [rule, f"    {temporary.APP_NAME}: Main Menu", rule, ""]
    lines += [f"    {key}. {label}" for key, label in MENU]
    for row, line in enumerate(lines):
        attribute = curses.A_REVERSE if 4 <= row < 4 + len(MENU) and row - 4 == selected else 0
        screen.addstr(row, 0, line[: width - 1], attribute)
    if notice:
        screen.addstr(len(lines) + 1, 4, notice[: width - 5])
    screen.addstr(height - 2, 0, "-" * (width - 1))
    screen.addstr(height - 1, 0, "Selection; Menu Option = 1-3, Exit Program = X:"[: width - 1])
    screen.refresh()


def menu_loop(screen) -> None:
    curses.curs_set(0)
    selected, notice = 0, ""
    while True:
        draw(screen, selected, notice)
        key = screen.getch()
        if key in (ord("x"), ord("X")):
            return
        if key == curses.KEY_UP:
            selected = (selected - 1) % len(MENU)
        elif key == curses.KEY_DOWN:
            selected = (selected + 1) % len(MENU)
        elif key in (curses.KEY_ENTER, 10, 13):
            notice = PLACEHOLDER[MENU[selected][0]]
        elif chr(key) in PLACEHOLDER if 0 <= key < 256 else False:
            selected = int(chr(key)) - 1
            notice = PLACEHOLDER[chr(key)]


def run_tui() -> int:
    try:
        curses.wrapper(menu_loop)  # restores the terminal however the loop ends
    except KeyboardInterrupt:
        pass
    return 0
