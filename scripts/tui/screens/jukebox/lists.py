"""What the jukebox's list views share: a cursor, song rows cut to the screen's width, the
two-pane drawing, and the View base class with the keys every list view has. The lists come from
library/library_views.py and are rebuilt only when the library changes (MusicService.version), so
a keypress in a 10,000-song library redraws only the rows on screen."""

from __future__ import annotations

import curses

from scripts.library.song_library import Song
from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, clip_to_width, clock, display_width
from scripts.utility import plural

# the rows a key moves; Page Up/Down move a page in a list (Cursor.move), 10 rows in a panel
STEPS = {"KEY_UP": -1, "KEY_DOWN": 1, "KEY_PPAGE": -10, "KEY_NPAGE": 10}


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
        elif name in STEPS:
            step = STEPS[name]
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


def view_keymap(title: str, *bindings: Binding, frame: str = "{}") -> Keymap:
    """A keymap as the jukebox's footers spell it: "Enter Play  A Queue"."""
    return Keymap(title, *bindings, footer_item="{key} {word}", separator="  ", frame=frame)


MOVE = Binding(
    ("KEY_UP", "KEY_DOWN", "KEY_PPAGE", "KEY_NPAGE", "KEY_HOME", "KEY_END"),
    "Arrows PgUp PgDn Home End",
    "move",
    "choose",
)
PLAY = Binding(("ENTER",), "Enter", "play_chosen", "play it, the queue going on from there", "Play")
ADD = Binding(("a",), "A", "add_to_queue", "add to the end of the queue", "Queue")
NEXT = Binding(("q",), "Q", "play_next", "play next")
TO_PLAYLIST = Binding(("l",), "L", "add_to_playlist", "add to a playlist", "Playlist")
DELETE = Binding(("d",), "D", "delete", "delete the chosen song (asks first)", "Delete")
SAVE = Binding(("w",), "W", "save", "save as an M3U8 playlist", "Save")


class View:
    """A list of things; Enter plays what is selected. `keys` is the view's keymap."""

    name = ""
    keys = view_keymap("A list", MOVE, PLAY, ADD, NEXT, TO_PLAYLIST, DELETE)
    empty = "No songs yet: make some in Generate Music (1 on the main menu)."

    def __init__(self) -> None:
        self.cursor = Cursor()
        self.made: tuple[int, list] = (-1, [])  # (service.version, items)

    def keymap(self) -> Keymap:
        """The keys of the view as it is now (a view with modes has one keymap for each)."""
        return self.keys

    def key(self, name: str, screen, service) -> bool:
        """The view's keys; True when used."""
        return self.keymap().dispatch(name, self, screen, service)

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

    def draw(self, canvas: Canvas, top: int, bottom: int, service) -> None:
        raise NotImplementedError

    # --- the keys every list view has ----

    def move(self, name: str, screen, service) -> bool:
        return self.cursor.move(name, len(self.items(service)), screen.page)

    def play_chosen(self, name: str, screen, service) -> None:
        screen.say("")
        note = self.play(service)  # a song skipped on the way leaves its own message
        if note:
            screen.say(note)

    def add_to_queue(self, name: str, screen, service) -> None:
        screen.enqueue(self.songs(service), service)

    def play_next(self, name: str, screen, service) -> None:
        songs = self.songs(service)
        if songs:
            service.play_next(songs)
            what = songs[0].title if len(songs) == 1 else plural(len(songs), "song")
            screen.say(f"{what} will play next.")

    def add_to_playlist(self, name: str, screen, service) -> None:
        screen.add_to_playlist(self.songs(service))

    def delete(self, name: str, screen, service) -> None:
        song = self.song(service)
        if song is not None:
            screen.ask_delete(song, service)


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

    def save(self, name: str, screen, service) -> None:
        group = self.selected(service)
        if group is not None:
            screen.save_as(group.name, self.songs(service))

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
