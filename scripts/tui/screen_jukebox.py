"""Output Jukebox: the song playing with a moving MM:SS/MM:SS bar, the next five, and the keys
people know from terminal players (space, n, p, arrows, +/-, s, r, ?)."""

from __future__ import annotations

import curses

from scripts import temporary
from scripts.lyrics import part_at
from scripts.tui.music_service import library_song
from scripts.tui.ui_widgets import Canvas, clock, key_name

FOOTER = "Selection; Pause = Space, Next = N, Previous = P, Help = ?, Back to Main = B, Exit = X:"
ASK_FOOTER = "Answer = Y / N"
HELP = (
    "Space  pause / resume          N  next song          P  previous (or restart)",
    "Left / Right  seek 5 s         +  louder             -  softer",
    "S  shuffle on / off            R  repeat: off, one, all",
    "D  delete this song (asks first)",
    "B  back to the main menu (the music goes on)          X  exit",
    "?  close this help",
)


class JukeboxScreen:
    def __init__(self):
        self.asking = ""  # "resume" | "delete" while a yes/no question is open
        self.help = False

    def enter(self, app) -> None:
        service = app.music_service()
        self.help = False
        if service.started:
            return
        if service.resume is not None:
            self.asking = "resume"
            return
        made = app.batch.done if app.batch is not None else []  # this session's songs first
        service.start(from_song=library_song(made[0])["id"] if made else None)

    # --- drawing ----

    def draw(self, canvas: Canvas, app) -> None:
        service = app.music_service()
        footer = ASK_FOOTER if self.asking else FOOTER
        canvas.frame("Output Jukebox", footer, app.busy_text())
        song = service.current()
        if song is None:
            canvas.text(4, 0, "No songs yet: make some in Generate Music (1 on the main menu).")
            return
        if self.help:
            for row, line in enumerate(HELP):
                canvas.text(4 + row, 0, line)
            return
        paused = service.player.paused and service.loaded
        verb = "Paused" if paused else ("Playing song" if service.loaded else "Stopped")
        artist = f" by {song['artist']}" if song.get("artist") else ""
        canvas.text(4, 0, f"{verb}: {song['title']}{artist}", curses.A_BOLD)
        duration = service.duration()
        position = min(service.position(), duration)
        canvas.bar(
            5, position / duration if duration else 0, f"{clock(position)}/{clock(duration)}"
        )
        jukebox = service.jukebox
        canvas.text(
            6,
            0,
            f"Volume {service.player.volume:.0%}   Repeat: {jukebox.repeat}   "
            f"Shuffle: {'on' if jukebox.shuffle else 'off'}   ({service.player.name})",
            curses.A_DIM,
        )
        row = self.draw_lyrics(canvas, service.lyrics(), position, duration)
        upcoming = ", ".join(s["title"] for s in jukebox.upcoming(temporary.UPCOMING_COUNT))
        last = max(row, canvas.height - 5)
        row = canvas.wrapped(row, f"Next 5 Songs: {upcoming or '(none)'}", last)
        note = self.question(service) or service.message or service.notice or ""
        canvas.wrapped(row + 1, note, canvas.height - 3, curses.A_BOLD)

    @staticmethod
    def draw_lyrics(canvas: Canvas, parts: list[dict] | None, position: float, duration: float):
        """The part being sung, heading and lines, from row 7; returns the next free row. The
        lines of one part (at most LYRIC_LINES) fit the smallest screen with the rest."""
        if not parts:
            canvas.text(7, 0, "Instrumental", curses.A_DIM)
            return 8
        index = part_at(parts, position, duration)
        part = parts[index]
        canvas.text(7, 0, f"[{part['part']}]  ({index + 1}/{len(parts)})", curses.A_BOLD)
        lines = part["lines"][: temporary.LYRIC_LINES[1]]
        for row, line in enumerate(lines, start=8):
            canvas.text(row, 2, line)
        return 8 + len(lines)

    def question(self, service) -> str:
        if self.asking == "resume":
            song = service.current()
            return f"Resume {song['title']} at {clock(service.resume.position)}? (y/n)"
        if self.asking == "delete":
            return f"Delete {service.current()['title']} and its files? (y/n)"
        return ""

    # --- keys ----

    def key(self, key, app) -> None:
        service = app.music_service()
        name = key_name(key)
        if self.asking:
            self.answer(name, service)
        elif name in ("b", "B", "ESC"):
            app.show("menu")
        elif name in ("x", "X"):
            app.quit()
        elif name == "?":
            self.help = not self.help
        elif service.current() is not None:
            self.control(name, service)

    def answer(self, name: str, service) -> None:
        if name not in ("y", "Y", "n", "N", "ESC"):
            return
        yes = name in ("y", "Y")
        if self.asking == "resume":
            service.start(resume=yes)
        elif yes:
            service.message = f"Deleted {service.delete_current()}."
        self.asking = ""

    def control(self, name: str, service) -> None:
        service.message, service.notice = "", None
        actions = {
            " ": service.toggle_pause,
            "n": service.next,
            "p": service.previous,
            "KEY_LEFT": lambda: service.seek(-temporary.SEEK_STEP_S),
            "KEY_RIGHT": lambda: service.seek(temporary.SEEK_STEP_S),
            "+": lambda: service.change_volume(temporary.VOLUME_STEP),
            "=": lambda: service.change_volume(temporary.VOLUME_STEP),
            "-": lambda: service.change_volume(-temporary.VOLUME_STEP),
            "s": service.jukebox.toggle_shuffle,
            "r": service.jukebox.cycle_repeat,
        }
        action = actions.get(name if len(name) > 1 else name.lower())
        if name in ("d", "D"):
            self.asking = "delete"
        elif action is not None:
            action()
