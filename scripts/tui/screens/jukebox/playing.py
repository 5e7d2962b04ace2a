"""The Playing view: the song playing with its bar, volume, repeat and shuffle, a level meter,
the part of the lyrics being sung, and the next songs. It has no list: the screen's keys (the
player's, on every view) are all it takes."""

from __future__ import annotations

import curses

from scripts import temporary
from scripts.song.lyrics import part_at
from scripts.tui.widgets import Canvas

METER_STEPS = " ▁▂▃▄▅▆▇█"


def meter_lines(levels: list[float], rows: int) -> list[str]:
    """Bars of block characters, two columns a band, the loudest reaching the top row."""
    lines = []
    for row in range(rows):
        floor = rows - 1 - row  # how many full rows lie below this one
        cells = []
        for level in levels:
            fill = min(1.0, max(0.0, level * rows - floor))
            cells.append(METER_STEPS[round(fill * (len(METER_STEPS) - 1))] * 2)
        lines.append(" ".join(cells))
    return lines


def draw_playing(canvas: Canvas, service, screen) -> None:
    song = service.current()
    if song is None:
        canvas.text(4, 0, "No songs yet: make some in Generate Music (1 on the main menu).")
        screen.draw_note(canvas, service, canvas.height - 4)
        return
    screen.draw_now_line(canvas, service, 4)
    jukebox = service.jukebox
    canvas.text(
        6,
        0,
        f"Volume {service.player.volume:.0%}   Repeat: {jukebox.repeat}   "
        f"Shuffle: {'on' if jukebox.shuffle else 'off'}   ({service.output_name()})",
        curses.A_DIM,
    )
    row = 7 + (draw_meter(canvas, service, 7) if screen.meter else 0)
    duration = service.duration()
    position = min(service.position(), duration)
    row = draw_lyrics(canvas, service.lyrics(), position, duration, row)
    upcoming = ", ".join(s.title for s in jukebox.upcoming(temporary.UPCOMING_COUNT))
    last = max(row, canvas.height - 5)
    row = canvas.wrapped(row, f"Next 5 Songs: {upcoming or '(none)'}", last)
    screen.draw_note(canvas, service, row + 1)


def draw_meter(canvas: Canvas, service, row: int) -> int:
    """The level meter from `row`, when it fits; returns the rows it took."""
    if canvas.height < temporary.METER_MIN_HEIGHT:
        return 0
    bands = min(temporary.METER_BANDS, (canvas.width - 1) // 3)
    levels = service.levels(bands)
    if levels is None:
        return 0
    for offset, line in enumerate(meter_lines(levels, temporary.METER_ROWS)):
        canvas.text(row + offset, 0, line)
    return temporary.METER_ROWS


def draw_lyrics(canvas: Canvas, parts, position: float, duration: float, row: int) -> int:
    """The part being sung, heading and lines, from `row`; returns the next free row. The lines
    of one part (at most LYRIC_LINES) fit the smallest screen with the rest."""
    if not parts:
        canvas.text(row, 0, "Instrumental", curses.A_DIM)
        return row + 1
    index = part_at(parts, position, duration)
    part = parts[index]
    canvas.text(row, 0, f"[{part['part']}]  ({index + 1}/{len(parts)})", curses.A_BOLD)
    lines = part["lines"][: temporary.LYRIC_LINES[1]]
    for offset, line in enumerate(lines, start=1):
        canvas.text(row + offset, 2, line)
    return row + 1 + len(lines)
