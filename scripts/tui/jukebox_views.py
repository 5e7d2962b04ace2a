"""The Output Jukebox's browser views: Artists, Genres, Songs, Queue, Playlists and Search.

Each view draws a list in the rows the screen gives it and says which songs its selection means;
the screen (screen_jukebox.py) owns the keys every view shares. The lists come from
scripts/library_views.py and are rebuilt only when the library changes (MusicService.version),
so a keypress in a 10,000-song library redraws only the rows on screen.
"""

from __future__ import annotations

import curses

from scripts import library_views
from scripts.song_library import Song
from scripts.tui.ui_widgets import Canvas, LineEditor, clip_to_width, clock, display_width
from scripts.utility import plural

LIST_KEYS = {"KEY_UP": -1, "KEY_DOWN": 1, "KEY_PPAGE": -10, "KEY_NPAGE": 10}


class Cursor:
    """The selected row of a list and the first row shown."""

    def __init__(self) -> None:
        self.index = 0
        self.top = 0

    def move(self, name: str, count: int, page: int) -> bool:
        """Arrows, Page Up/Down, Home, End; False for any other key."""
        if name == "KEY_HOME":
            self.index = 0
        elif name == "KEY_END":
            self.index = count - 1
        elif name in LIST_KEYS:
            step = LIST_KEYS[name]
            self.index += step if abs(step) == 1 else step // abs(step) * page
        else:
            return False
        self.index = max(0, min(self.index, count - 1))
        return True

    def shown(self, count: int, rows: int) -> range:
        """The rows to draw, scrolled so the selection is among them."""
        self.index = max(0, min(self.index, count - 1))
        if self.index < self.top:
            self.top = self.index
        elif self.index >= self.top + rows:
            self.top = self.index - rows + 1
        self.top = max(0, min(self.top, count - rows))
        return range(self.top, min(count, self.top + rows))


def cut(text: str, width: int) -> str:
    """`text` in exactly `width` cells: padded, or cut with an ellipsis."""
    if width <= 0:
        return ""
    if display_width(text) > width:
        text = clip_to_width(text, width - 1) + "…"
    return text + " " * (width - display_width(text))


def song_columns(width: int) -> tuple[int, int, int]:
    """Widths of title, artist and style in a song row (length, plays, date and the five spaces
    between the columns take 25 cells)."""
    room = max(12, width - 25)
    title = room * 2 // 5
    artist = room * 3 // 10
    return title, artist, room - title - artist


def song_row(song: Song, width: int) -> str:
    title, artist, style = song_columns(width)
    return (
        f"{cut(song.title, title)} {cut(song.artist, artist)} "
        f"{cut(', '.join(song.styles), style)} {clock(song.duration_seconds):>5} "
        f"{song.plays:>5} {song.created[:10]:<10}"
    )


def song_header(width: int) -> str:
    title, artist, style = song_columns(width)
    return (
        f"{cut('Title', title)} {cut('Artist', artist)} {cut('Style', style)} "
        f"{'Time':>5} {'Plays':>5} {'Made':<10}"
    )


def draw_panes(canvas, cursor, labels, top, bottom, focused=True) -> tuple[int, int]:
    """The list of a two-pane view on the left (the chosen item's contents go on the right);
    returns the right pane's column and width."""
    left = min(34, canvas.width // 2 - 1)
    draw_list(canvas, cursor, labels, top, bottom, left, focused=focused)
    return left + 2, canvas.width - left - 3


def draw_list(canvas, cursor, lines, top, bottom, width, col=0, focused=True) -> None:
    """Lines from row `top` to `bottom`, the selected one reversed (dim when not focused)."""
    rows = bottom - top + 1
    for row, index in enumerate(cursor.shown(len(lines), rows), start=top):
        selected = index == cursor.index
        attribute = (curses.A_REVERSE if focused else curses.A_BOLD) if selected else 0
        canvas.text(row, col, cut(lines[index], width), attribute)


class View:
    """A list of things; Enter plays what is selected."""

    name = ""
    footer = "Enter Play  A Queue  L Playlist  / Search  I Info  Tab View  ? Help"
    empty = "No songs yet: make some in Generate Music (1 on the main menu)."

    def __init__(self) -> None:
        self.cursor = Cursor()
        self.made: tuple[int, list] = (-1, [])  # (service.version, items)

    def build(self, service) -> list:
        raise NotImplementedError

    def items(self, service) -> list:
        if self.made[0] != service.version:
            self.made = (service.version, self.build(service))
        return self.made[1]

    def selected(self, service):
        found = self.items(service)
        return found[self.cursor.index] if 0 <= self.cursor.index < len(found) else None

    def songs(self, service) -> list[Song]:
        """The songs the selection stands for (an artist's top tracks, one song...)."""
        raise NotImplementedError

    def song(self, service) -> Song | None:
        """The one song `i` (details) and `d` (delete) act on."""
        songs = self.songs(service)
        return songs[0] if songs else None

    def play(self, service) -> str:
        songs = self.songs(service)
        service.play_songs(songs)
        return "" if songs else "Nothing to play here."

    def key(self, name: str, screen, service) -> bool:
        """Keys of this view only; True when used."""
        return self.cursor.move(name, len(self.items(service)), screen.page)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        raise NotImplementedError


class GroupView(View):
    """A list of groups (artists, genres) on the left, the selected one's songs on the right."""

    songs_heading = "Top tracks"

    def label(self, group) -> str:
        return f"{group.name} ({len(group.songs)})"

    def about(self, group) -> list[tuple[str, int]]:
        """The right pane's lines (text, attribute) above the songs."""
        return []

    def songs(self, service) -> list[Song]:
        group = self.selected(service)
        return list(group.songs) if group is not None else []

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        groups = self.items(service)
        if not groups:
            canvas.text(top, 0, self.empty)
            return
        labels = [self.label(group) for group in groups]
        col, width = draw_panes(canvas, self.cursor, labels, top, bottom)
        group = groups[self.cursor.index]
        lines = [*self.about(group), (self.songs_heading, curses.A_BOLD)]
        for number, song in enumerate(group.songs, start=1):
            lines.append((f"{number:>2}. {song.title} - {plural(song.plays, 'play')}", 0))
        for row, (line, attribute) in enumerate(lines[: bottom - top + 1], start=top):
            canvas.text(row, col, cut(line, width), attribute)


class ArtistsView(GroupView):
    name = "Artists"
    empty = "No artists yet: every song's artist is listed here with its members."

    def build(self, service) -> list:
        return library_views.artists(service.jukebox.songs)

    def about(self, artist) -> list[tuple[str, int]]:
        lines = [(artist.name, curses.A_BOLD)]
        if artist.genre:
            lines.append((f"Genre: {artist.genre}", 0))
        lines.append((f"{plural(artist.plays, 'play')} in all", curses.A_DIM))
        if artist.members:
            lines.append(("Members", curses.A_BOLD))
            lines += [(f"  {m['name']} - {m['instrument']}", 0) for m in artist.members]
        return lines


class GenresView(GroupView):
    name = "Genres"
    empty = "No styles yet: the styles songs were made in are listed here."
    songs_heading = "Most played"

    def build(self, service) -> list:
        return library_views.genres(service.jukebox.songs)

    def about(self, genre) -> list[tuple[str, int]]:
        artists = len({song.artist.casefold() for song in genre.songs})
        return [(genre.name, curses.A_BOLD), (plural(artists, "artist"), curses.A_DIM)]


class SongTable(View):
    """Songs in columns: title, artist, style, length, plays, date."""

    def songs(self, service) -> list[Song]:
        song = self.selected(service)
        return [song] if song is not None else []

    def play(self, service) -> str:
        """The list from the chosen song on becomes the queue."""
        found = self.items(service)
        if not found:
            return "Nothing to play here."
        service.play_songs(found, self.cursor.index)
        return ""

    def draw_table(self, canvas, top, bottom, found, mark=None) -> None:
        """A header and the rows on screen (only they are formatted: a list may hold 10,000);
        `mark`: the row of the song playing."""
        if not found:
            canvas.text(top + 1, 0, self.empty)
            return
        width = canvas.width - 3
        canvas.text(top, 2, song_header(width), curses.A_DIM)
        for row, index in enumerate(self.cursor.shown(len(found), bottom - top), start=top + 1):
            attribute = curses.A_REVERSE if index == self.cursor.index else 0
            canvas.text(row, 0, "▶ " if index == mark else "  ")
            canvas.text(row, 2, song_row(found[index], width), attribute)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        self.draw_table(canvas, top, bottom, self.items(service))


class SongsView(SongTable):
    name = "Songs"
    footer = "Enter Play  A Queue  L Playlist  O Order  I Info  D Delete  ? Help"

    def __init__(self) -> None:
        super().__init__()
        self.order = library_views.SORTS[0]

    def build(self, service) -> list:
        return library_views.sorted_songs(service.jukebox.songs, self.order)

    def key(self, name: str, screen, service) -> bool:
        if name in ("o", "O"):
            sorts = library_views.SORTS
            self.order = sorts[(sorts.index(self.order) + 1) % len(sorts)]
            self.made = (-1, [])
            screen.say(f"Songs in order: {self.order}.")
            return True
        return super().key(name, screen, service)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        songs = plural(len(self.items(service)), "song")
        canvas.text(top, 0, f"{songs}, {self.order} first", curses.A_DIM)
        self.draw_table(canvas, top + 1, bottom, self.items(service))


class QueueView(SongTable):
    name = "Queue"
    footer = "Enter Play  [ ] Move  Del Take out  C Clear  W Save  ? Help"
    empty = "The queue is empty."

    def items(self, service) -> list:  # the queue changes without a library change
        return service.jukebox.play_order

    def play(self, service) -> str:
        return "" if service.play_at(self.cursor.index) else "Nothing to play here."

    def key(self, name: str, screen, service) -> bool:
        if name == "KEY_DC":
            song = service.drop(self.cursor.index)
            if song is not None:
                screen.say(f"Took {song.title} out of the queue.")
            return True
        if name in ("[", "]"):
            step = -1 if name == "[" else 1
            if service.jukebox.move(self.cursor.index, step):
                self.cursor.index += step
            return True
        if name in ("c", "C"):
            service.jukebox.clear()
            self.cursor.index = 0
            screen.say("Cleared the queue: the song playing plays on.")
            return True
        return super().key(name, screen, service)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        jukebox = service.jukebox
        source = "every song" if jukebox.is_library() else "chosen songs"
        canvas.text(top, 0, f"{len(jukebox)} in the queue ({source})", curses.A_DIM)
        self.draw_table(canvas, top + 1, bottom, jukebox.play_order, mark=jukebox.index)


class PlaylistsView(View):
    """Playlists on the left; Enter opens one, and its songs can then be played and reordered."""

    name = "Playlists"
    empty = "No playlists yet: C makes one, W in Artists, Genres or Queue saves one."
    list_footer = "Enter Open  C New  E Rename  D Delete  A Queue all  ? Help"
    open_footer = "Enter Play  [ ] Move  Del Take out  I Info  Esc Back"

    def __init__(self) -> None:
        super().__init__()
        self.entries = Cursor()
        self.opened = False

    @property
    def footer(self) -> str:
        return self.open_footer if self.opened else self.list_footer

    def items(self, service) -> list:  # playlists change without a library change
        return service.playlists

    def songs(self, service) -> list[Song]:
        playlist = self.selected(service)
        return service.playlist_songs(playlist)[0] if playlist is not None else []

    def entry_song(self, service) -> Song | None:
        playlist = self.selected(service)
        if playlist is None or not 0 <= self.entries.index < len(playlist.entries):
            return None
        entry = playlist.entries[self.entries.index]
        return service.jukebox.song(entry.song_id) if entry.song_id else None

    def song(self, service) -> Song | None:
        return self.entry_song(service) if self.opened else super().song(service)

    def play(self, service) -> str:
        playlist = self.selected(service)
        if playlist is None:
            return "No playlist to play."
        if not self.opened:
            self.opened, self.entries = True, Cursor()
            return ""
        songs, missing = service.playlist_songs(playlist)
        if not songs:
            return f"None of {playlist.name}'s songs are in the library."
        chosen = self.entry_song(service)
        service.play_songs(songs, songs.index(chosen) if chosen in songs else 0)
        return f"{missing} of its entries are not in the library: skipped." if missing else ""

    def key(self, name: str, screen, service) -> bool:
        playlist = self.selected(service)
        if not self.opened:
            return super().key(name, screen, service)
        if name in ("ESC", "BACKSPACE"):
            self.opened = False
            return True
        if playlist is None:
            return False
        if name in ("[", "]", "KEY_DC"):
            screen.edit_playlist(playlist, self.entries, name)
            return True
        return self.entries.move(name, len(playlist.entries), screen.page)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        found = self.items(service)
        if not found:
            canvas.text(top, 0, self.empty)
            return
        labels = [f"{p.name} ({len(p.entries)})" for p in found]
        col, width = draw_panes(canvas, self.cursor, labels, top, bottom, not self.opened)
        playlist = found[self.cursor.index]
        seconds = sum(entry.seconds or 0 for entry in playlist.entries)
        canvas.text(top, col, cut(f"{playlist.name}  {clock(seconds)}", width), curses.A_BOLD)
        problems = " ".join(playlist.problems)
        first = top + 1
        if problems:
            canvas.text(first, col, cut(problems, width), curses.A_DIM)
            first += 1
        lines = [self.entry_line(entry, service) for entry in playlist.entries]
        if not lines:
            canvas.text(first, col, "(empty: L in the other views adds songs)", curses.A_DIM)
        draw_list(canvas, self.entries, lines, first, bottom, width, col, focused=self.opened)

    @staticmethod
    def entry_line(entry, service) -> str:
        song = service.jukebox.song(entry.song_id) if entry.song_id else None
        if song is not None:
            return f"{song.title} - {song.artist}"
        if entry.song_id:
            return f"(missing) {entry.label}"
        return f"(not in the library) {entry.label}"


class SearchView(SongTable):
    """`/`: results as you type, across title, artist, members, style and lyrics."""

    name = "Search"
    typing_footer = "Type to search  Enter Play  Tab Results  Esc Close"
    results_footer = "Enter Play  A Queue  L Playlist  I Info  / Type  Esc Close"
    empty = "No song matches."

    @property
    def footer(self) -> str:
        return self.typing_footer if self.typing else self.results_footer

    def __init__(self) -> None:
        super().__init__()
        self.editor = LineEditor(limit=200)
        self.typing = True
        self.search: tuple[int, library_views.SongSearch | None] = (-1, None)
        self.found: tuple[str, list[Song]] = ("", [])

    def open(self) -> None:
        self.typing = True

    def play(self, service) -> str:
        self.typing = False  # the player's keys (n, p, space...) work on the results again
        return super().play(service)

    def finder(self, service) -> library_views.SongSearch:
        if self.search[0] != service.version:
            self.search = (service.version, library_views.SongSearch(service.jukebox.songs))
        return self.search[1]

    def items(self, service) -> list:
        query = self.editor.value
        if self.found[0] != query or self.search[0] != service.version:
            self.found = (query, self.finder(service).find(query))
        return self.found[1]

    def key(self, name: str, screen, service) -> bool:
        if self.typing and name not in LIST_KEYS and name not in ("KEY_HOME", "KEY_END"):
            if name == "\t":
                self.typing = False
                return True
            if self.editor.handle(screen.raw_key):
                self.cursor = Cursor()
                return True
            return False
        if name == "/":
            self.typing = True
            return True
        return super().key(name, screen, service)

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        canvas.text(top, 0, "Search:", curses.A_BOLD)
        if self.typing:
            self.editor.draw(canvas, top, 8)
        else:
            canvas.text(top, 8, self.editor.value)
        if not self.editor.value.strip():
            canvas.text(top + 2, 0, "Type words from a title, artist, member, style or lyric.")
            return
        found = self.items(service)
        canvas.text(top + 1, 0, f"{len(found)} found", curses.A_DIM)
        self.draw_table(canvas, top + 2, bottom, found)
