"""Output Jukebox: the song playing with a moving MM:SS/MM:SS bar, a level meter and the lyrics,
and the library as a music service: Artists (members, top tracks), Genres, Songs, the Queue,
Playlists and search. The keys are the ones people know from terminal players (space, n, p,
arrows, +/-, s, r, /, Tab, ?). The views are in jukebox_views.py; the keys they share are here."""

from __future__ import annotations

import curses
import time

from scripts import library_views, temporary
from scripts import playlists as playlist_files
from scripts.lyrics import part_at
from scripts.tui import jukebox_views as views
from scripts.tui.music_service import library_song
from scripts.tui.ui_widgets import Canvas, LineEditor, clock, key_name, wrap_to_width
from scripts.utility import plural

FOOTER = "Space Pause  N Next  P Previous  Tab Views  ? Help  B Back  X Exit"
ASK_FOOTER = "Answer = Y / N"
PROMPT_FOOTER = "Enter = OK, Esc = Cancel"
DETAILS_FOOTER = "Up / Down = Scroll, Esc or I = Close"
HELP = (  # lines of at most 59 characters: the help fits the smallest screen (60x16)
    "Space pause   N next   P previous   Left/Right seek 5 s",
    "+ / - volume   S shuffle on / off   R repeat   M meter",
    "Tab / Shift+Tab: Playing Artists Genres Songs Queue Lists",
    "Arrows PgUp PgDn Home End choose; Enter plays from there",
    "/ search (title, artist, member, style, lyric); I details",
    "A add to the queue, Q play next; Del take out of a list",
    "L add to a playlist; W save artist/genre/queue as M3U8",
    "Playlists: Enter open, C new, E rename, D delete, [ ] move",
    "Queue: [ ] move, C clear; O order songs; D delete a song",
    "B back to the menu (the music goes on)   X exit   ? close",
)
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


class JukeboxScreen:
    def __init__(self):
        self.asking = ""  # "resume" | "delete" | "delete-playlist" while a yes/no question is open
        self.target = None  # the song or playlist the question is about
        self.prompt: tuple[str, LineEditor, object] | None = None  # (question, editor, action)
        self.help = False
        self.details: list[tuple[str, int]] | None = None  # the details panel's lines
        self.details_top = 0
        self.meter = True
        self.views = {
            view.name: view
            for view in (
                views.ArtistsView(),
                views.GenresView(),
                views.SongsView(),
                views.QueueView(),
                views.PlaylistsView(),
                views.SearchView(),
            )
        }
        self.view = temporary.JUKEBOX_VIEWS[0]
        self.before_search = self.view
        self.page = 10  # rows Page Up/Down move: the list's height less one, set as drawn
        self.raw_key = None
        self.service = None
        self.last_playlist = ""

    def enter(self, app) -> None:
        service = self.service = app.music_service()
        self.help = False
        if service.started:
            return
        if service.resume is not None:
            self.asking = "resume"
            return
        made = app.batch.done if app.batch is not None else []  # this session's songs first
        service.start(from_song=library_song(made[0]).id if made else None)

    def say(self, message: str) -> None:
        self.service.message, self.service.notice = message, None

    def list_view(self):
        return self.views.get(self.view)

    # --- drawing ----

    def footer(self) -> str:
        if self.asking:
            return ASK_FOOTER
        if self.prompt:
            return PROMPT_FOOTER
        if self.details is not None:
            return DETAILS_FOOTER
        view = self.list_view()
        return FOOTER if view is None or self.help else view.footer

    def draw(self, canvas: Canvas, app) -> None:
        service = app.music_service()
        canvas.frame("Output Jukebox", self.footer(), app.busy_text())
        self.draw_tabs(canvas)
        if self.help:  # the whole screen: it fits the smallest one
            for row, line in enumerate(HELP[: canvas.height - 6], start=4):
                canvas.text(row, 0, line)
            return
        view = self.list_view()
        if view is None and self.details is None:
            self.draw_playing(canvas, service)
            return
        last = canvas.height - 7
        self.page = max(1, last - 4)
        if self.details is not None:
            self.draw_details(canvas, last)
        else:
            view.draw(canvas, 4, last, service)
        self.draw_now_line(canvas, service, canvas.height - 6)
        self.draw_note(canvas, service, canvas.height - 4)

    def draw_tabs(self, canvas: Canvas) -> None:
        col = 0
        for name in temporary.JUKEBOX_VIEWS:
            attribute = curses.A_REVERSE if name == self.view else curses.A_DIM
            canvas.text(3, col, f" {name} ", attribute)
            col += len(name) + 2  # the Search tab still fits in 60 columns
        if self.view == "Search":
            canvas.text(3, col, " Search ", curses.A_REVERSE)

    def draw_now_line(self, canvas: Canvas, service, row: int) -> None:
        """The seed's "Playing song" line and bar, on every view."""
        song = service.current()
        if song is None:
            canvas.text(row, 0, "Nothing playing.", curses.A_DIM)
            return
        paused = service.player.paused and service.loaded
        verb = "Paused" if paused else ("Playing song" if service.loaded else "Stopped")
        artist = f" by {song.artist}" if song.artist else ""
        canvas.text(row, 0, f"{verb}: {song.title}{artist}", curses.A_BOLD)
        duration = service.duration()
        position = min(service.position(), duration)
        canvas.bar(
            row + 1, position / duration if duration else 0, f"{clock(position)}/{clock(duration)}"
        )

    def draw_note(self, canvas: Canvas, service, row: int) -> None:
        if self.prompt:
            question, editor, _ = self.prompt
            canvas.text(row, 0, question, curses.A_BOLD)
            editor.draw(canvas, row, len(question) + 1)
            return
        note = self.question(service) or service.message or service.notice or ""
        canvas.wrapped(row, note, canvas.height - 3, curses.A_BOLD)

    def draw_playing(self, canvas: Canvas, service) -> None:
        song = service.current()
        if song is None:
            canvas.text(4, 0, "No songs yet: make some in Generate Music (1 on the main menu).")
            self.draw_note(canvas, service, canvas.height - 4)
            return
        self.draw_now_line(canvas, service, 4)
        jukebox = service.jukebox
        canvas.text(
            6,
            0,
            f"Volume {service.player.volume:.0%}   Repeat: {jukebox.repeat}   "
            f"Shuffle: {'on' if jukebox.shuffle else 'off'}   ({service.output_name()})",
            curses.A_DIM,
        )
        row = 7 + self.draw_meter(canvas, service, 7)
        duration = service.duration()
        position = min(service.position(), duration)
        row = self.draw_lyrics(canvas, service.lyrics(), position, duration, row)
        upcoming = ", ".join(s.title for s in jukebox.upcoming(temporary.UPCOMING_COUNT))
        last = max(row, canvas.height - 5)
        row = canvas.wrapped(row, f"Next 5 Songs: {upcoming or '(none)'}", last)
        self.draw_note(canvas, service, row + 1)

    def draw_meter(self, canvas: Canvas, service, row: int) -> int:
        """The level meter from `row`, when it is on and fits; returns the rows it took."""
        if not self.meter or canvas.height < temporary.METER_MIN_HEIGHT:
            return 0
        bands = min(temporary.METER_BANDS, (canvas.width - 1) // 3)
        levels = service.levels(bands)
        if levels is None:
            return 0
        for offset, line in enumerate(meter_lines(levels, temporary.METER_ROWS)):
            canvas.text(row + offset, 0, line)
        return temporary.METER_ROWS

    @staticmethod
    def draw_lyrics(canvas: Canvas, parts, position: float, duration: float, row: int) -> int:
        """The part being sung, heading and lines, from `row`; returns the next free row. The
        lines of one part (at most LYRIC_LINES) fit the smallest screen with the rest."""
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

    def draw_details(self, canvas: Canvas, last: int) -> None:
        """The details panel, wrapped to the screen's width and scrolled."""
        lines = [
            (piece, attribute)
            for line, attribute in self.details
            for piece in wrap_to_width(line, canvas.width - 1)
        ]
        rows = last - 3
        self.details_top = max(0, min(self.details_top, len(lines) - rows))
        for row, (line, attribute) in enumerate(lines[self.details_top :][:rows], start=4):
            canvas.text(row, 0, line, attribute)

    def question(self, service) -> str:
        if self.asking == "resume":
            song = service.current()
            return f"Resume {song.title} at {clock(service.resume.position)}? (y/n)"
        if self.asking == "delete":
            return f"Delete {self.target.title} and its files? (y/n)"
        if self.asking == "delete-playlist":
            return f"Delete the playlist {self.target.name}? Its songs stay. (y/n)"
        return ""

    # --- keys ----

    def key(self, key, app) -> None:
        service = self.service = app.music_service()
        self.raw_key = key
        name = key_name(key)
        if self.asking:
            self.answer(name, service)
        elif self.prompt:
            self.edit_prompt(key, name)
        elif not self.view_took(name, service) and not self.browse(name, service):
            self.control(name, app, service)

    def view_took(self, name: str, service) -> bool:
        """The details panel's keys, else the view's own, come first."""
        if self.details is not None:
            return self.scroll_details(name)
        view = self.list_view()
        return view is not None and not self.help and view.key(name, self, service)

    def answer(self, name: str, service) -> None:
        if name not in ("y", "Y", "n", "N", "ESC"):
            return
        yes = name in ("y", "Y")
        asked, target = self.asking, self.target
        self.asking, self.target = "", None
        if asked == "resume":
            if not yes:  # not that song where it was left: the queue from its start
                service.jukebox.jump(0)
            service.start(resume=yes)
        elif yes and asked == "delete":
            self.say(f"Deleted {service.delete(target)}.")
        elif yes and asked == "delete-playlist":
            self.playlist_change(
                lambda: playlist_files.delete_playlist(target),
                lambda _: f"Deleted the playlist {target.name}.",
            )

    def edit_prompt(self, key, name: str) -> None:
        _, editor, action = self.prompt
        if name == "ESC":
            self.prompt = None
        elif name == "ENTER":
            self.prompt = None
            if editor.value.strip():
                action(editor.value.strip())
        else:
            editor.handle(key)

    def ask_for(self, question: str, action, value: str = "") -> None:
        self.prompt = (question, LineEditor(value, limit=temporary.PLAYLIST_NAME_LIMIT), action)

    def scroll_details(self, name: str) -> bool:
        """The details panel's keys; the player's keys (and X) still work under it."""
        if name in ("ESC", "i", "I", "ENTER"):
            self.details = None
        elif name in views.LIST_KEYS:
            self.details_top = max(0, self.details_top + views.LIST_KEYS[name])
        else:
            return False
        return True

    def switch(self, step: int) -> None:
        names = temporary.JUKEBOX_VIEWS
        current = self.before_search if self.view == "Search" else self.view
        self.view = names[(names.index(current) + step) % len(names)]
        self.help = False

    def browse(self, name: str, service) -> bool:
        """The keys of the library browser; False for the player's keys."""
        view = self.list_view()
        if name in ("\t", "KEY_BTAB"):
            self.switch(-1 if name == "KEY_BTAB" else 1)
        elif name == "/":
            if self.view != "Search":
                self.before_search = self.view
            self.view = "Search"
            self.views["Search"].open()
        elif name == "ESC" and self.view == "Search":
            self.view = self.before_search
        elif name in ("i", "I"):
            song = view.song(service) if view is not None else service.current()
            self.show_details(song, service)
        elif name in ("m", "M"):
            self.meter = not self.meter
            self.say(f"Meter {'on' if self.meter else 'off'}.")
        elif view is None:
            return False
        elif name == "ENTER":
            self.say("")
            note = view.play(service)  # a song skipped on the way leaves its own message
            if note:
                self.say(note)
        elif name in ("a", "A"):
            self.enqueue(view.songs(service), service)
        elif name in ("q", "Q") and view.songs(service):
            songs = view.songs(service)
            service.play_next(songs)
            what = songs[0].title if len(songs) == 1 else plural(len(songs), "song")
            self.say(f"{what} will play next.")
        elif name in ("l", "L"):
            self.add_to_playlist(view.songs(service))
        elif name in ("w", "W"):
            self.export(view, service)
        elif name in ("d", "D"):
            self.ask_delete(view, service)
        elif self.view == "Playlists" and name in ("c", "C", "e", "E"):
            self.name_playlist(view, service, new=name in ("c", "C"))
        else:
            return False
        return True

    def control(self, name: str, app, service) -> None:
        """The player's keys, on every view."""
        if name in ("b", "B", "ESC"):
            service.message = ""  # said here, about this visit
            app.show("menu")
            return
        if name in ("x", "X"):
            app.quit()
            return
        if name == "?":
            self.help = not self.help
            return
        if service.current() is None:
            return
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
            self.asking, self.target = "delete", service.current()
        elif action is not None:
            action()

    # --- what the browser's keys do ----

    def show_details(self, song, service) -> None:
        if song is None:
            self.say("No song chosen.")
            return
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
        self.details, self.details_top = lines, 0

    def enqueue(self, songs, service) -> None:
        if not songs:
            self.say("Nothing to add.")
            return
        ahead = service.enqueue(songs)
        what = songs[0].title if len(songs) == 1 else plural(len(songs), "song")
        self.say(f"Added {what} to the queue ({ahead} to play before).")

    def ask_delete(self, view, service) -> None:
        if isinstance(view, views.PlaylistsView) and not view.opened:
            playlist = view.selected(service)
            if playlist is not None:
                self.asking, self.target = "delete-playlist", playlist
            return
        song = view.song(service)
        if song is not None:
            self.asking, self.target = "delete", song

    def playlist_change(self, change, said) -> None:
        """Change the playlist files and say what was done (`said` of the change's result); a
        refused name or a disk error is said instead, never raised."""
        try:
            result = change()
        except playlist_files.PlaylistError as error:
            self.say(str(error))
            return
        finally:
            self.service.reload_playlists()
        self.say(said(result))

    def add_to_playlist(self, songs) -> None:
        if not songs:
            self.say("Nothing to add.")
            return
        songs = list({song.id: song for song in songs}.values())  # a song once, however queued
        service = self.service

        def add(name: str) -> None:
            self.last_playlist = name
            try:
                found = playlist_files.name_in_use(
                    service.library.folder, playlist_files.safe_name(name)
                )
            except playlist_files.PlaylistError as error:
                self.say(str(error))
                return
            same = [p for p in service.playlists if p.path == found]
            if not same:
                self.playlist_change(
                    lambda: playlist_files.new_playlist(service.library.folder, name, songs),
                    lambda made: (
                        f"Added {plural(len(songs), 'song')} to the new playlist {made.name}."
                    ),
                )
                return
            playlist = same[0]
            present = {entry.song_id for entry in playlist.entries}
            new = [song for song in songs if song.id not in present]
            there = f"{plural(len(songs) - len(new), 'song')} already there"
            if not new:
                self.say(f"Nothing added: {there}, in the playlist {playlist.name}.")
                return
            playlist.entries += [playlist_files.entry_for(s, playlist) for s in new]
            added = f"Added {plural(len(new), 'song')} to the playlist {playlist.name}"
            self.playlist_change(
                lambda: playlist_files.save_playlist(playlist),
                lambda _: f"{added} ({there})." if len(new) < len(songs) else f"{added}.",
            )

        self.ask_for("Add to playlist (a new name makes one):", add, self.last_playlist)

    def export(self, view, service) -> None:
        if isinstance(view, views.QueueView):  # a queue has no name of its own: ask, offering one
            songs = service.jukebox.play_order
            self.ask_for(
                "Save the queue as the playlist:",
                lambda name: self.save_as(name, songs),
                f"Queue {time.strftime('%Y-%m-%d %H.%M')}",
            )
        elif isinstance(view, views.GroupView) and view.selected(service) is not None:
            self.save_as(view.selected(service).name, view.songs(service))
        else:
            self.say("W saves a playlist in Artists, Genres and the Queue.")

    def save_as(self, name: str, songs) -> None:
        self.playlist_change(
            lambda: playlist_files.export_playlist(self.service.library.folder, name, songs),
            lambda made: (
                f"Saved {plural(len(songs), 'song')} as {made.path.name} (in {made.path.parent})."
            ),
        )

    def name_playlist(self, view, service, new: bool) -> None:
        """C: a new, empty playlist; E: the chosen one renamed."""
        folder, playlist = service.library.folder, view.selected(service)

        def make(name: str) -> None:
            self.playlist_change(
                lambda: playlist_files.new_playlist(folder, name),
                lambda made: f"Made the playlist {made.name}: L in the other views adds songs.",
            )

        def rename(name: str) -> None:
            self.playlist_change(
                lambda: playlist_files.rename_playlist(playlist, name),
                lambda made: f"Renamed {playlist.name} to {made.name}.",
            )

        if new:
            self.ask_for("Name of the new playlist:", make)
        elif playlist is not None:
            self.ask_for("Rename to:", rename, playlist.name)

    def edit_playlist(self, playlist, cursor, name: str) -> None:
        """[ and ] move the chosen entry, Del takes it out; the file is saved at once."""
        place, entries = cursor.index, playlist.entries
        if not 0 <= place < len(entries):
            return
        if name == "KEY_DC":
            del entries[place]
        else:
            other = place - 1 if name == "[" else place + 1
            if not 0 <= other < len(entries):
                return
            entries[place], entries[other] = entries[other], entries[place]
            cursor.index = other
        self.playlist_change(lambda: playlist_files.save_playlist(playlist), lambda _: "")
