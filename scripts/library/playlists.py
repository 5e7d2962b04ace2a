"""Playlists: M3U8 files under the output folder, so other players (VLC, mpv, foobar2000, cmus)
open them too, and M3U files from those players, read back whoever wrote them.

A library song is `<output>/<id>.mp3` with its `<id>.json` sidecar; the app writes playlists to
`<output>/playlists/<name>.m3u8` and lists the .m3u and .m3u8 files in both folders.

API (no curses here; the jukebox UI calls these):

    PlaylistError(OSError)       a playlist could not be made, saved, renamed or deleted, or a
                                 name was refused; str() is one line naming the file and why.
    Entry(location, title="", seconds=None, song_id=None, extra=[], attributes="")
        .location   as written in the file: a relative path, an absolute path or a URL
        .title      the #EXTINF title ("Artist - Title"), control characters removed; "" if none
        .seconds    the #EXTINF length; None when absent or -1
        .song_id    the library song it names (the stem of `<output>/<stem>.mp3`), else None;
                    set even when that song is gone: check it against the library, show it as
                    missing and skip it when playing
        .extra      the other #-lines before it (#EXTVLCOPT, comments), written back verbatim
        .attributes the #EXTINF attributes (' tvg-id="x"'), written back verbatim
        .label      what to show for it (the title, else the location without control characters)
    Playlist(name, path, entries, problems, output, header=["#EXTM3U"], trailing=[], readable=True)
        .name       the file's stem without control characters: what to show
        .problems   one line each, naming the file, as read (not updated when entries change):
                    why the file could not be read, that it was not UTF-8, how many entries are
                    not library songs (URLs, files elsewhere) and how many songs are gone
        .readable   False when the file could not be read; such a playlist is never saved over
    playlists_folder(output) -> Path                 output / "playlists"
    find_playlists(output) -> list[Playlist]         sorted by name; never raises
    read_playlist(path, output, files=None) -> Playlist
                                                     never raises; reading never writes
    new_playlist(output, name, songs=()) -> Playlist refuses a name in use (any case)
    export_playlist(output, name, songs) -> Playlist new_playlist with a name that always works:
                                                     made to fit, " (2)" added when in use
    save_playlist(playlist) -> None                  atomic rewrite, same name and extension
    rename_playlist(playlist, new_name) -> Playlist  refuses a name in use; never overwrites
    delete_playlist(playlist) -> None
    entry_for(song, playlist) -> Entry               `song` has id, title, artist and
                                                     duration_seconds (song_library.Song does)
    safe_name(text) -> str                           the name a playlist would get, or
                                                     PlaylistError saying why it cannot
    name_in_use(output, name, ignore=None) -> Path | None   the playlist file that has the name
                                                     (any case), to warn while a name is typed

Writing: `#EXTM3U`, then per entry its extra lines, `#EXTINF:<whole seconds>,<Artist - Title>`
and its location (a relative path with forward slashes, which Windows players read too); UTF-8
without a BOM, "\\n" line ends. A rewrite keeps what it does not understand: entries that are not
library songs, extra lines and attributes; it drops #EXTENC (the file is UTF-8 from then on).

Reading is tolerant: a BOM (UTF-8 or UTF-16), CRLF or CR line ends, blank lines, EXTINF
attributes, file:// URLs, absolute paths, Windows paths with backslashes, http(s) and other URLs,
and a file that is not UTF-8 (read as Windows-1252, else Latin-1, with a note in problems).

Names: two names that differ only in case (or Unicode normalisation) are the same name on every
system, as they are on Windows and macOS. A typed name loses control characters, characters
Windows refuses (replaced by "-"), runs of spaces and leading or trailing dots, spaces and dashes;
it is refused when nothing is left, when it is a Windows device name (CON, NUL, COM1...), or when
it is longer than temporary.PLAYLIST_NAME_LIMIT characters.
"""

from __future__ import annotations

import codecs
import math
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from scripts import temporary
from scripts.input_files import read_bytes
from scripts.utility import atomic_write_text, printable

HEADER_TAGS = ("#EXTM3U", "#PLAYLIST:")  # playlist-wide lines: they stay at the top
DROPPED_TAGS = ("#EXTENC:",)  # a rewrite is UTF-8, whatever the file said before
# "#EXTINF:<seconds> <attributes>,<title>": a comma inside a quoted attribute is not the split.
EXTINF = re.compile(r'#EXTINF:\s*([^\s,]*)((?:[^,"]|"[^"]*")*),?(.*)', re.IGNORECASE | re.DOTALL)
URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")  # a scheme of two letters or more: "C:\" is a drive
FILE_URL = re.compile(r"file:", re.IGNORECASE)
URL_DRIVE = re.compile(r"/[A-Za-z]:")  # file:///C:/Music/x.mp3
WINDOWS_ABSOLUTE = re.compile(r"[A-Za-z]:[\\/]|\\\\")  # C:\Music or \\server\share
LINE_BREAK = re.compile(r"\r\n?|\n")  # not str.splitlines: it also splits on \x1c, \x85...
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
SONG_AUDIO, SONG_SIDECAR = ".mp3", ".json"


class PlaylistError(OSError):
    """What could not be done to a playlist and why, in one line that names the file."""


class SongLike(Protocol):
    """What a playlist needs of a library song (scripts/library/song_library.Song has it)."""

    id: str
    title: str
    artist: str
    duration_seconds: float


@dataclass
class Entry:
    location: str
    title: str = ""
    seconds: float | None = None
    song_id: str | None = None
    extra: list[str] = field(default_factory=list)
    attributes: str = ""

    @property
    def label(self) -> str:
        """What to show for the entry: a location may hold control characters, a title not."""
        return self.title or printable(self.location)


@dataclass
class Playlist:
    name: str
    path: Path
    entries: list[Entry]
    problems: list[str]
    output: Path  # the library's folder: entries are resolved and written relative to it
    header: list[str] = field(default_factory=lambda: ["#EXTM3U"])
    trailing: list[str] = field(default_factory=list)  # #-lines after the last entry
    readable: bool = True


# --- Finding and reading -------------------------------------------------------------------------


def playlists_folder(output: Path) -> Path:
    return output / temporary.PLAYLISTS_DIR_NAME


def find_playlists(output: Path) -> list[Playlist]:
    """Every playlist in the output folder and its playlists folder, sorted by name."""
    files = output_files(output)  # listed once for all the playlists
    playlists = [read_playlist(path, output, files) for path in playlist_paths(output)]
    return sorted(playlists, key=lambda playlist: (name_key(playlist.name), str(playlist.path)))


def playlist_paths(output: Path) -> list[Path]:
    paths = []
    for folder in (output, playlists_folder(output)):
        try:
            names = os.listdir(folder)
        except OSError:
            continue  # not made yet, or unreadable: there is nothing to list there
        # Hidden files are not playlists: atomic_write's temporary files, macOS's "._x.m3u".
        paths += [
            folder / name
            for name in names
            if not name.startswith(".") and name.lower().endswith(temporary.PLAYLIST_EXTENSIONS)
        ]
    return paths


def read_playlist(path: Path, output: Path, files: set[str] | None = None) -> Playlist:
    """The playlist in `path`: what could not be used is in its problems, never an exception.
    `files`, the output folder's file names, saves listing it again for each playlist."""
    playlist = Playlist(printable(path.stem) or printable(path.name), path, [], [], output)
    label = printable(path.name)
    try:
        text, encoding_note = text_of(read_bytes(path, temporary.PLAYLIST_MAX_BYTES))
    except (OSError, ValueError) as error:
        playlist.readable = False
        playlist.problems.append(f"{label}: {reason(error)}")
        return playlist
    if encoding_note:
        playlist.problems.append(f"{label}: {encoding_note}")
    parse(playlist, LINE_BREAK.split(text), SongResolver(output, path.parent))
    files = output_files(output) if files is None else files
    playlist.problems += [f"{label}: {problem}" for problem in entry_problems(playlist, files)]
    return playlist


def text_of(data: bytes) -> tuple[str, str]:
    """The file's text, and a note when it was not UTF-8."""
    if data.startswith(UTF16_BOMS):  # Windows' Notepad "Unicode"
        return data.decode("utf-16", errors="replace"), ""
    if b"\0" in data:
        raise ValueError("not a text playlist (it holds NUL bytes)")
    try:
        return data.decode("utf-8-sig"), ""
    except UnicodeDecodeError:
        pass
    try:  # an .m3u that is not UTF-8 was most likely written on Windows
        return data.decode("cp1252"), "not UTF-8, read as Windows-1252 (saving writes UTF-8)"
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined; Latin-1 decodes any byte
        return data.decode("latin-1"), "not UTF-8, read as Latin-1 (saving writes UTF-8)"


def parse(playlist: Playlist, lines: list[str], resolver: SongResolver) -> None:
    """Fill the playlist's header, entries and trailing lines from the file's lines."""
    playlist.header, extra, info = [], [], ""  # info: the #EXTINF line of the next entry
    for line in lines:
        line = line.strip()
        if not line or line.upper().startswith(DROPPED_TAGS):
            continue
        if not line.startswith("#"):
            entry = Entry(line, song_id=resolver.song_id(line), extra=extra)
            if info:
                entry.seconds, entry.attributes, entry.title = extinf_fields(info)
            playlist.entries.append(entry)
            extra, info = [], ""
        elif line.upper().startswith("#EXTINF:"):
            if info:  # two in a row: the first stays, as it was
                extra.append(info)
            info = line
        elif line.upper().startswith(HEADER_TAGS) and not (playlist.entries or extra or info):
            playlist.header.append(line)
        else:
            extra.append(line)
    playlist.trailing = extra + ([info] if info else [])  # lines that name no entry
    if not playlist.header or not playlist.header[0].upper().startswith("#EXTM3U"):
        playlist.header.insert(0, "#EXTM3U")  # a plain M3U gains the header with its #EXTINFs


def extinf_fields(line: str) -> tuple[float | None, str, str]:
    """(seconds or None, attributes verbatim, title without control characters)."""
    duration, attributes, title = EXTINF.match(line).groups()
    try:
        seconds = float(duration)
    except ValueError:
        seconds = -1.0
    known = math.isfinite(seconds) and seconds >= 0  # -1 means "unknown" (a stream)
    return (seconds if known else None), attributes.rstrip(), printable(title).strip()


class SongResolver:
    """Which library song a location names, however the path to `<output>/<stem>.mp3` is
    written: relative to the playlist, absolute, a file:// URL, with backslashes."""

    def __init__(self, output: Path, base: Path):
        self.base = str(base)
        self.roots = {folder_key(output), folder_key(os.path.realpath(output))}
        self.in_output: dict[str, bool] = {}  # folder → whether it is the output folder

    def song_id(self, location: str) -> str | None:
        path = local_path(location, self.base)
        if path is None:
            return None
        folder, name = os.path.split(path)
        stem, extension = os.path.splitext(name)
        if not stem or extension.lower() != SONG_AUDIO:
            return None
        if folder not in self.in_output:  # resolved once a folder: a link to the output counts
            self.in_output[folder] = bool(
                {folder_key(folder), folder_key(os.path.realpath(folder))} & self.roots
            )
        return stem if self.in_output[folder] else None


def folder_key(folder: str | Path) -> str:
    return os.path.normcase(os.path.abspath(folder))


def local_path(location: str, base: str) -> str | None:
    """The file a location names on this machine, or None for a URL or another machine's path."""
    if FILE_URL.match(location):
        parts = urlsplit(location)
        if parts.netloc.lower() not in ("", "localhost"):
            return None  # a network share
        location = unquote(parts.path)
        if URL_DRIVE.match(location):
            location = location[1:]
    elif URL.match(location):
        return None
    if os.sep == "/":  # on Windows both slashes already separate
        if WINDOWS_ABSOLUTE.match(location):
            return None  # a path on a Windows machine
        location = location.replace("\\", "/")
    return os.path.normpath(os.path.join(base, location))


def output_files(output: Path) -> set[str] | None:
    try:
        return set(os.listdir(output))  # one listing, not a stat a song
    except OSError:
        return None  # then whether songs are gone is not known


def entry_problems(playlist: Playlist, files: set[str] | None) -> list[str]:
    elsewhere = sum(entry.song_id is None for entry in playlist.entries)
    problems = []
    if elsewhere:
        problems.append(
            f"{elsewhere} entries are not songs in this library (URLs or files elsewhere)"
            if elsewhere > 1
            else "1 entry is not a song in this library (a URL or a file elsewhere)"
        )
    if files is None:
        return problems
    gone = sum(
        entry.song_id is not None
        and not (entry.song_id + SONG_AUDIO in files and entry.song_id + SONG_SIDECAR in files)
        for entry in playlist.entries
    )
    if gone:
        problems.append(
            f"{gone} of its songs are gone from the output folder"
            if gone > 1
            else "1 of its songs is gone from the output folder"
        )
    return problems


# --- Writing -------------------------------------------------------------------------------------


def entry_for(song: SongLike, playlist: Playlist) -> Entry:
    """An entry for a library song, its path relative to the playlist's folder."""
    audio = os.path.join(playlist.output, song.id + SONG_AUDIO)
    location = os.path.relpath(audio, playlist.path.parent).replace(os.sep, "/")
    title = f"{song.artist} - {song.title}" if song.artist else song.title or song.id
    seconds = round(song.duration_seconds) if song.duration_seconds > 0 else None
    return Entry(location, printable(title), seconds, song.id)


def playlist_text(playlist: Playlist) -> str:
    lines = list(playlist.header)
    for entry in playlist.entries:
        lines += entry.extra
        if entry.seconds is not None or entry.title or entry.attributes:
            seconds = -1 if entry.seconds is None else round(entry.seconds)
            lines.append(f"#EXTINF:{seconds}{entry.attributes},{printable(entry.title)}")
        lines.append(entry.location)
    return "\n".join(lines + playlist.trailing) + "\n"


def new_playlist(output: Path, name: str, songs: Iterable[SongLike] = ()) -> Playlist:
    """Write `<output>/playlists/<name>.m3u8` with `songs`; a name in use is refused."""
    name = safe_name(name)
    file_name = name + temporary.PLAYLIST_EXTENSION
    if (other := name_in_use(output, name)) is not None:
        raise PlaylistError(f"cannot create {file_name}: {in_use(other)}")
    folder = playlists_folder(output)
    playlist = Playlist(name, folder / file_name, [], [], output)
    playlist.entries = [entry_for(song, playlist) for song in songs]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        create(playlist.path, playlist_text(playlist).encode("utf-8"))
    except OSError as error:
        raise PlaylistError(f"cannot create {file_name}: {reason(error)}") from None
    return playlist


def export_playlist(output: Path, name: str, songs: Iterable[SongLike]) -> Playlist:
    """A new playlist named after what it holds (an artist, a genre, "Queue"): a name that cannot
    be a file name is made to fit, and " (2)", " (3)"... is added while it is in use."""
    base = clean_name(name) or "Exported"
    if is_device_name(base):
        base = f"Songs - {base}"
    number = 1
    while True:
        candidate = fitted(base, f" ({number})" if number > 1 else "")
        if name_in_use(output, candidate) is None:
            return new_playlist(output, candidate, songs)
        number += 1


def fitted(base: str, suffix: str) -> str:
    """`base` cut short enough to take `suffix`, ending on a letter, not on a space or a dash."""
    while not fits(base + suffix):
        base = base[: min(len(base) - 1, temporary.PLAYLIST_NAME_LIMIT)]
    return base.rstrip(" .-") + suffix


def save_playlist(playlist: Playlist) -> None:
    """Rewrite the playlist's file after its entries changed; the old file stays whole when the
    new one cannot be written (a full disk, a read-only folder)."""
    label = printable(playlist.path.name)
    if not playlist.readable:
        raise PlaylistError(f"cannot save {label}: it could not be read, saving would empty it")
    try:
        atomic_write_text(playlist.path, playlist_text(playlist))
    except OSError as error:
        raise PlaylistError(f"cannot save {label}: {reason(error)}") from None


def rename_playlist(playlist: Playlist, new_name: str) -> Playlist:
    """The playlist under a new name, in the same folder with the same extension."""
    name = safe_name(new_name)
    target = playlist.path.with_name(name + playlist.path.suffix)
    action = f'cannot rename "{playlist.name}" to "{name}"'
    if target.name == playlist.path.name:
        return playlist
    if (other := name_in_use(playlist.output, name, ignore=playlist.path)) is not None:
        raise PlaylistError(f"{action}: {in_use(other)}")
    try:
        # When only the case changes, the "target" is this very file on Windows and macOS, and no
        # other playlist has the name (checked above).
        if name_key(name) == name_key(playlist.path.stem):
            os.rename(playlist.path, target)
        else:
            move_without_replacing(playlist.path, target)
    except OSError as error:
        raise PlaylistError(f"{action}: {reason(error)}") from None
    return replace(playlist, name=name, path=target)


def delete_playlist(playlist: Playlist) -> None:
    try:
        playlist.path.unlink(missing_ok=True)
    except OSError as error:
        label = printable(playlist.path.name)
        raise PlaylistError(f"cannot delete {label}: {reason(error)}") from None


def create(path: Path, data: bytes) -> None:
    """Write a new file; one that exists (made since its name was checked) is never replaced."""
    with path.open("xb") as stream:
        try:
            stream.write(data)
        except OSError:
            stream.close()
            path.unlink(missing_ok=True)  # half a new playlist is nobody's
            raise


def move_without_replacing(source: Path, target: Path) -> None:
    """Rename `source`; os.rename would silently replace a `target` on Linux and macOS, a hard
    link cannot."""
    try:
        os.link(source, target)
    except FileExistsError:
        raise
    except OSError:  # no hard links on this file system (FAT, some shares)
        if os.path.lexists(target):
            raise FileExistsError(f"{target.name} exists") from None
        os.rename(source, target)
        return
    try:
        os.unlink(source)
    except OSError:
        os.unlink(target)  # keep one copy, under the old name
        raise


def reason(error: Exception) -> str:
    if isinstance(error, OSError):
        return printable(error.strerror or str(error))
    return printable(str(error))


# --- Names ---------------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Names that Windows or macOS would take for the same file compare equal."""
    return unicodedata.normalize("NFC", name).casefold()


def name_in_use(output: Path, name: str, ignore: Path | None = None) -> Path | None:
    key = name_key(name)
    for path in playlist_paths(output):
        if name_key(path.stem) == key and path != ignore:
            return path
    return None


def in_use(other: Path) -> str:
    folder = printable(other.parent.name)
    return (
        f'the playlist "{printable(other.stem)}" has that name ({folder}/{printable(other.name)})'
    )


def clean_name(text: str) -> str:
    """`text` as a file name every system takes, or "" when nothing of it is left."""
    name = unicodedata.normalize("NFC", printable(text))
    name = "".join("-" if char in temporary.WINDOWS_RESERVED_CHARACTERS else char for char in name)
    # A leading dot hides the file; trailing dots and spaces Windows drops; "-x" reads as an option.
    return " ".join(name.split()).strip(" .-")


def is_device_name(name: str) -> bool:
    return name.split(".")[0].rstrip().upper() in temporary.WINDOWS_RESERVED_NAMES


def fits(name: str) -> bool:
    return (
        len(name) <= temporary.PLAYLIST_NAME_LIMIT
        and len(name.encode("utf-8")) <= temporary.PLAYLIST_NAME_BYTES
    )


def safe_name(text: str) -> str:
    """The name a playlist typed as `text` gets, or PlaylistError saying why it cannot."""
    shown = printable(text).strip()[: temporary.PLAYLIST_NAME_LIMIT]  # for the message
    name = clean_name(text)
    if not shown:
        raise PlaylistError("a playlist needs a name")
    if not name:
        raise PlaylistError(f'"{shown}" has no characters a file name can hold')
    if is_device_name(name):
        raise PlaylistError(f'"{name}" is a device name on Windows: choose another name')
    if len(name) > temporary.PLAYLIST_NAME_LIMIT:
        raise PlaylistError(
            f"a playlist name has at most {temporary.PLAYLIST_NAME_LIMIT} characters"
            f" (this one has {len(name)})"
        )
    if not fits(name):
        raise PlaylistError(f"the name is too long for a file name ({len(name)} characters)")
    return name
