"""Output Jukebox: the song playing with a moving MM:SS/MM:SS bar, a level meter and the lyrics,
and the library as a music service: Artists (members, top tracks), Genres, Songs, the Queue,
Playlists and search. The keys are the ones people know from terminal players (space, n, p,
arrows, +/-, s, r, /, Tab, ?).

A key goes to the first that takes it: an open question or prompt (only they), the open panel
(details, help), the view's keymap (not under a panel), the browser's keys, the player's."""

from __future__ import annotations

import curses

from scripts import temporary
from scripts.player.music_service import library_song
from scripts.tui.keymap import Binding, Keymap, help_lines
from scripts.tui.screens.jukebox.artists import ArtistsView
from scripts.tui.screens.jukebox.genres import GenresView
from scripts.tui.screens.jukebox.lists import view_keymap
from scripts.tui.screens.jukebox.modals import (
    DETAILS_KEYS,
    HELP_KEYS,
    PROMPT_KEYS,
    QUESTION_KEYS,
    Details,
    Help,
    Prompt,
    Question,
    details_of,
)
from scripts.tui.screens.jukebox.playing import draw_playing
from scripts.tui.screens.jukebox.playlist_edits import PlaylistEdits
from scripts.tui.screens.jukebox.playlists import PlaylistsView
from scripts.tui.screens.jukebox.queue_view import QueueView
from scripts.tui.screens.jukebox.search import SearchView
from scripts.tui.screens.jukebox.songs import SongsView
from scripts.tui.widgets import Canvas, LineEditor, clock, key_name, wrap_to_width
from scripts.utility import plural

BROWSER_KEYS = view_keymap(
    "Every view",
    Binding(("\t", "KEY_BTAB"), "Tab/Shift+Tab", "switch", "the next or previous view", "Views"),
    Binding(("/",), "/", "search", "search titles, artists, members, styles, lyrics"),
    Binding(("i",), "I", "show_details", "a song's details and lyrics"),
    Binding(("m",), "M", "toggle_meter", "the level meter on or off"),
)
HELP = Binding(("?",), "?", "open_help", "this help", "Help")
PLAYER_KEYS = view_keymap(
    "The player, on every view",
    Binding((" ",), "Space", "toggle_pause", "pause or play", "Pause"),
    Binding(("n",), "N", "next_song", "next song", "Next"),
    Binding(
        ("p",),
        "P",
        "previous_song",
        f"previous (the song again after {temporary.RESTART_THRESHOLD_S:g} s)",
        "Previous",
    ),
    Binding(("KEY_LEFT", "KEY_RIGHT"), "Left/Right", "seek", f"seek {temporary.SEEK_STEP_S:g} s"),
    Binding(("+", "=", "-"), "+/-", "change_volume", "volume"),
    Binding(("s",), "S", "toggle_shuffle", "shuffle on / off"),
    Binding(("r",), "R", "cycle_repeat", "repeat off / one / all"),
    Binding(("d",), "D", "delete_playing", "delete the song playing (asks first)"),
    HELP,
    Binding(("b", "ESC"), "B", "back", "back to the menu, Esc too (the music goes on)", "Back"),
    Binding(("x",), "X", "leave", "exit", "Exit"),
)


class JukeboxScreen(PlaylistEdits):
    def __init__(self):
        self.question: Question | None = None  # a yes/no question: only Y, N and Esc work
        self.prompt: Prompt | None = None  # a name asked for: the keys type it
        self.panel: Details | Help | None = None  # over the view
        self.meter = True
        self.views = {
            view.name: view
            for view in (
                ArtistsView(),
                GenresView(),
                SongsView(),
                QueueView(),
                PlaylistsView(),
                SearchView(),
            )
        }
        self.view = temporary.JUKEBOX_VIEWS[0]
        self.before_search = self.view
        self.page = 10  # rows Page Up/Down move: the list's height less one, set as drawn
        self.raw_key = None
        self.app = None
        self.service = None
        self.last_playlist = ""

    def enter(self, app) -> None:
        self.app = app
        service = self.service = app.music_service()
        if isinstance(self.panel, Help):
            self.panel = None
        if service.started:
            return
        if service.resume is not None:
            self.ask_resume(service)
            return
        made = app.batch.done if app.batch is not None else []  # this session's songs first
        service.start(from_song=library_song(made[0]).id if made else None)

    def say(self, message: str) -> None:
        self.service.message, self.service.notice = message, None

    def list_view(self):
        return self.views.get(self.view)

    # --- drawing ----

    def footer(self) -> str:
        if self.question is not None:
            return QUESTION_KEYS.footer()
        if self.prompt is not None:
            return PROMPT_KEYS.footer()
        if self.panel is not None:
            return self.panel_keys().footer()
        view = self.list_view()
        if view is None:  # the Playing view: what a 60-column footer cuts off is in the help
            return PLAYER_KEYS.footer(*BROWSER_KEYS.bindings)
        return view.keymap().footer(HELP)

    def draw(self, canvas: Canvas, app) -> None:
        service = app.music_service()
        canvas.frame("Output Jukebox", self.footer(), app.busy_text())
        self.draw_tabs(canvas)
        view = self.list_view()
        if view is None and self.panel is None:
            draw_playing(canvas, service, self)
            return
        last = canvas.height - 7
        self.page = max(1, last - 4)
        if isinstance(self.panel, Help):  # the whole screen, scrolled where it does not fit
            lines = help_lines(self.help_keymaps(), canvas.width - 1)
            bold = [(text, curses.A_BOLD if title else 0) for text, title in lines]
            self.draw_panel(canvas, bold, canvas.height - 3)
            return
        if self.panel is not None:
            self.draw_panel(canvas, self.panel.lines, last)
        else:
            view.draw(canvas, 4, last, service)
        self.draw_now_line(canvas, service, canvas.height - 6)
        self.draw_note(canvas, service, canvas.height - 4)

    def help_keymaps(self) -> list[Keymap]:
        """What the help lists: the keys of the view as it is now, then those of every view."""
        view = self.list_view()
        return [*([view.keymap()] if view else []), PLAYER_KEYS, BROWSER_KEYS, HELP_KEYS]

    def draw_tabs(self, canvas: Canvas) -> None:
        col = 0
        for name in temporary.JUKEBOX_VIEWS:
            attribute = curses.A_REVERSE if name == self.view else curses.A_DIM
            canvas.text(3, col, f" {name} ", attribute)
            col += len(name) + 2  # the Search tab still fits in 60 columns
        if self.view == "Search":
            canvas.text(3, col, " Search ", curses.A_REVERSE)

    def draw_now_line(self, canvas: Canvas, service, row: int) -> None:
        """The "Playing song" line and its bar, the same on every view."""
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
            canvas.text(row, 0, self.prompt.text, curses.A_BOLD)
            self.prompt.editor.draw(canvas, row, len(self.prompt.text) + 1)
            return
        question = self.question.text if self.question else ""
        note = question or service.message or service.notice or ""
        canvas.wrapped(row, note, canvas.height - 3, curses.A_BOLD)

    def draw_panel(self, canvas: Canvas, lines: list[tuple[str, int]], last: int) -> None:
        """The open panel's lines, wrapped to the screen's width and scrolled, from row 4."""
        lines = [
            (piece, attribute)
            for line, attribute in lines
            for piece in wrap_to_width(line, canvas.width - 1)
        ]
        rows = last - 3
        self.panel.top = max(0, min(self.panel.top, len(lines) - rows))
        for row, (line, attribute) in enumerate(lines[self.panel.top :][:rows], start=4):
            canvas.text(row, 0, line, attribute)

    # --- keys ----

    def key(self, key, app) -> None:
        self.app = app
        service = self.service = app.music_service()
        self.raw_key = key
        name = key_name(key)
        if self.question is not None:
            QUESTION_KEYS.dispatch(name, self, service)
        elif self.prompt is not None:
            if not PROMPT_KEYS.dispatch(name, self, service):
                self.prompt.editor.handle(key)
        elif not self.first_take(name, service) and not BROWSER_KEYS.dispatch(name, self, service):
            PLAYER_KEYS.dispatch(name, self, service)

    def first_take(self, name: str, service) -> bool:
        """The open panel's keys, else (no panel over it) the view's."""
        if self.panel is not None:
            return self.panel_keys().dispatch(name, self, service)
        view = self.list_view()
        return view is not None and view.key(name, self, service)

    def panel_keys(self) -> Keymap:
        return DETAILS_KEYS if isinstance(self.panel, Details) else HELP_KEYS

    # the question's and the prompt's keys

    def answer_yes(self, name: str, service) -> None:
        question, self.question = self.question, None
        question.yes()

    def answer_no(self, name: str, service) -> None:
        question, self.question = self.question, None
        question.no()

    def ask_for(self, question: str, done, value: str = "") -> None:
        self.prompt = Prompt(question, done, LineEditor(value, limit=temporary.PLAYLIST_NAME_LIMIT))

    def prompt_done(self, name: str, service) -> None:
        prompt, self.prompt = self.prompt, None
        if prompt.editor.value.strip():
            prompt.done(prompt.editor.value.strip())

    def prompt_cancelled(self, name: str, service) -> None:
        self.prompt = None

    def ask_resume(self, service) -> None:
        def from_start() -> None:  # not that song where it was left: the queue from its start
            service.jukebox.jump(0)
            service.start(resume=False)

        self.question = Question(
            f"Resume {service.current().title} at {clock(service.resume.position)}? (y/n)",
            lambda: service.start(resume=True),
            from_start,
        )

    def ask_delete(self, song, service) -> None:
        self.question = Question(
            f"Delete {song.title} and its files? (y/n)",
            lambda: self.say(f"Deleted {service.delete(song)}."),
        )

    # the panels' keys

    def scroll(self, name: str, service) -> None:
        self.panel.scroll(name)

    def close_panel(self, name: str, service) -> None:
        self.panel = None

    def delete_detailed(self, name: str, service) -> None:
        self.ask_delete(self.panel.song, service)

    # the browser's keys

    def switch(self, name: str, service) -> None:
        names = temporary.JUKEBOX_VIEWS
        current = self.before_search if self.view == "Search" else self.view
        step = -1 if name == "KEY_BTAB" else 1
        self.view = names[(names.index(current) + step) % len(names)]
        if isinstance(self.panel, Help):
            self.panel = None

    def search(self, name: str, service) -> None:
        if self.view != "Search":
            self.before_search = self.view
        self.view = "Search"
        self.views["Search"].open()

    def close_search(self) -> None:
        self.view = self.before_search

    def show_details(self, name: str, service) -> None:
        view = self.list_view()
        song = view.song(service) if view is not None else service.current()
        if song is None:
            self.say("No song chosen.")
        else:
            self.panel = details_of(song, service)

    def toggle_meter(self, name: str, service) -> None:
        self.meter = not self.meter
        self.say(f"Meter {'on' if self.meter else 'off'}.")

    def enqueue(self, songs, service) -> None:
        if not songs:
            self.say("Nothing to add.")
            return
        ahead = service.enqueue(songs)
        what = songs[0].title if len(songs) == 1 else plural(len(songs), "song")
        self.say(f"Added {what} to the queue ({ahead} to play before).")

    # the player's keys

    def playing(self, service) -> bool:
        """The player's keys act on a song only; what was said makes room for what they do."""
        if service.current() is None:
            return False
        service.message, service.notice = "", None
        return True

    def toggle_pause(self, name: str, service) -> None:
        if self.playing(service):
            service.toggle_pause()

    def next_song(self, name: str, service) -> None:
        if self.playing(service):
            service.next()

    def previous_song(self, name: str, service) -> None:
        if self.playing(service):
            service.previous()

    def seek(self, name: str, service) -> None:
        if self.playing(service):
            service.seek(temporary.SEEK_STEP_S * (-1 if name == "KEY_LEFT" else 1))

    def change_volume(self, name: str, service) -> None:
        if self.playing(service):
            service.change_volume(temporary.VOLUME_STEP * (-1 if name == "-" else 1))

    def toggle_shuffle(self, name: str, service) -> None:
        if self.playing(service):
            service.jukebox.toggle_shuffle()

    def cycle_repeat(self, name: str, service) -> None:
        if self.playing(service):
            service.jukebox.cycle_repeat()

    def delete_playing(self, name: str, service) -> None:
        if self.playing(service):
            self.ask_delete(service.current(), service)

    def open_help(self, name: str, service) -> None:
        self.panel = Help()

    def back(self, name: str, service) -> None:
        service.message = ""  # said here, about this visit
        self.app.show("menu")

    def leave(self, name: str, service) -> None:
        self.app.quit()
