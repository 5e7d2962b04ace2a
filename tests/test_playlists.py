"""Playlists as M3U8 files other players open, and M3U files from other players read back whole:
real files in a temporary output folder (the songs' MP3s are empty placeholders)."""

import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

import pytest

from scripts.library.playlists import (
    PlaylistError,
    delete_playlist,
    entry_for,
    export_playlist,
    find_playlists,
    new_playlist,
    read_playlist,
    rename_playlist,
    safe_name,
    save_playlist,
)
from scripts.library.song_library import Song
from scripts.utility import unsafe_characters

ROOT = os.geteuid() == 0


def song(output: Path, stem: str, title: str = "", artist: str = "", seconds: float = 0.0):
    """A library song as the jukebox passes it, with its files on disk."""
    (output / f"{stem}.mp3").write_bytes(b"")
    (output / f"{stem}.json").write_text("{}")
    return Song(id=stem, title=title, artist=artist, duration_seconds=seconds)


def two_songs(output: Path) -> list[Song]:
    return [song(output, "a", "Blue Moon", "The Owls", 61.6), song(output, "b", "Reel", "", 30)]


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes and modification time: what "unchanged" means."""
    return {
        path: (path.read_bytes(), path.stat().st_mtime_ns)
        for path in folder.rglob("*")
        if path.is_file() and os.access(path, os.R_OK)
    }


def test_a_new_playlist_reads_back_as_the_songs_it_names(tmp_path):
    made = new_playlist(tmp_path, "Road trip", two_songs(tmp_path))
    assert made.path == tmp_path / "playlists" / "Road trip.m3u8"
    [found] = find_playlists(tmp_path)
    assert (found.name, found.path, found.problems) == ("Road trip", made.path, [])
    assert [(e.song_id, e.title, e.seconds) for e in found.entries] == [
        ("a", "The Owls - Blue Moon", 62.0),
        ("b", "Reel", 30.0),
    ]
    assert found.entries == made.entries


def test_the_file_is_extended_m3u_in_utf8_with_relative_paths(tmp_path):
    songs = [*two_songs(tmp_path), song(tmp_path, "c", "Ça \x1b[31mrouge\x07", "Åsa", 0)]
    made = new_playlist(tmp_path, "Mix", songs)
    assert (
        made.path.read_bytes()
        == (
            "#EXTM3U\n"
            "#EXTINF:62,The Owls - Blue Moon\n../a.mp3\n"
            "#EXTINF:30,Reel\n../b.mp3\n"
            "#EXTINF:-1,Åsa - Ça rouge\n../c.mp3\n"  # an unknown length is -1
        ).encode()
    )
    beside = read_playlist(write(tmp_path / "beside.m3u8", ""), tmp_path)
    assert entry_for(songs[0], beside).location == "a.mp3"  # a playlist beside the songs


def test_playlists_from_other_programs(tmp_path):
    a, b, c = (song(tmp_path, stem) for stem in ("a", "b", "c"))
    encoded_b = "file://" + quote(str(tmp_path / "b.mp3")).replace("b.mp3", "%62.mp3")
    lines = [
        "#EXTM3U",
        "#PLAYLIST:Mixed",
        "#EXTINF:123,Owls - Blue Moon",
        str(tmp_path / "a.mp3"),  # absolute, inside the output folder
        "",
        '#EXTINF:-1 tvg-id="r1" tvg-name="Radio, One",Radio One',
        "http://radio.example/stream",
        "#EXTVLCOPT:network-caching=1000",
        encoded_b,
        "..\\c.mp3",  # written on Windows
        "/elsewhere/music/x.mp3",
        "file:///home/someone/Music/y%20z.mp3",
        "C:\\Music\\w.mp3",
        "file://nas/share/v.mp3",
    ]
    path = write(tmp_path / "playlists" / "From VLC.m3u8", "\ufeff" + "\r\n".join(lines) + "\r\n")
    before = snapshot(tmp_path)
    [playlist] = find_playlists(tmp_path)
    assert snapshot(tmp_path) == before  # reading never writes
    assert playlist.path == path and playlist.header == ["#EXTM3U", "#PLAYLIST:Mixed"]
    assert [e.song_id for e in playlist.entries] == ["a", None, "b", "c", None, None, None, None]
    radio = playlist.entries[1]
    assert (radio.title, radio.seconds, radio.label) == ("Radio One", None, "Radio One")
    assert radio.attributes == ' tvg-id="r1" tvg-name="Radio, One"'
    assert playlist.entries[0].seconds == 123.0
    assert playlist.entries[2].extra == ["#EXTVLCOPT:network-caching=1000"]
    assert playlist.entries[3].label == "..\\c.mp3"  # no #EXTINF: the location is shown
    assert playlist.problems == [
        "From VLC.m3u8: 5 entries are not songs in this library (URLs or files elsewhere)"
    ]


def test_an_output_folder_reached_through_a_link(tmp_path):
    real, link = tmp_path / "real", tmp_path / "link"
    real.mkdir()
    link.symlink_to(real)
    song(real, "a")
    write(real / "playlists" / "Abs.m3u8", f"{real / 'a.mp3'}\n{link / 'a.mp3'}\n")
    [playlist] = find_playlists(link)
    assert [e.song_id for e in playlist.entries] == ["a", "a"] and playlist.problems == []


@pytest.mark.parametrize(
    ("data", "note"),
    [
        ("#EXTINF:200,Café – Crème\r\n..\\a.mp3\r\n".encode("cp1252"), "read as Windows-1252"),
        (b"#EXTINF:200,Caf\xe9 \x81\n../a.mp3\n", "read as Latin-1"),  # 0x81: not cp1252
        ("#EXTINF:200,Café\n../a.mp3\n".encode("utf-16"), None),  # Notepad's "Unicode"
    ],
)
def test_a_playlist_not_in_utf8_is_read_and_saved_as_utf8(tmp_path, data, note):
    song(tmp_path, "a")
    path = tmp_path / "playlists" / "Old.m3u"
    path.parent.mkdir()
    path.write_bytes(data)
    playlist = read_playlist(path, tmp_path)
    [entry] = playlist.entries
    assert (entry.song_id, entry.seconds, entry.title[:4]) == ("a", 200.0, "Café")
    assert playlist.problems == (
        [f"Old.m3u: not UTF-8, {note} (saving writes UTF-8)"] if note else []
    )
    save_playlist(playlist)
    written = f"#EXTM3U\n#EXTINF:200,{entry.title}\n{entry.location}\n"  # the path as it was
    assert path.read_text(encoding="utf-8") == written
    assert read_playlist(path, tmp_path).problems == []


def test_reorder_and_save_keeps_what_it_does_not_understand(tmp_path):
    songs = two_songs(tmp_path)
    path = write(
        tmp_path / "playlists" / "Hand made.m3u8",
        "#EXTM3U\n#PLAYLIST:Mixed\n#EXTENC:CP1252\n# made by hand\n"
        '#EXTINF:-1 tvg-id="r1",Radio One\nhttp://radio.example/one\n'
        "#EXTVLCOPT:start-time=10\n#EXTINF:123,Owls - Blue Moon\n../a.mp3\n"
        "/elsewhere/x.mp3\n# the end\n#EXTINF:5,Nothing after it\n",
    )
    playlist = read_playlist(path, tmp_path)
    playlist.entries.reverse()
    playlist.entries.append(entry_for(songs[1], playlist))
    save_playlist(playlist)
    assert path.read_text() == (
        "#EXTM3U\n#PLAYLIST:Mixed\n"
        "/elsewhere/x.mp3\n"
        "#EXTVLCOPT:start-time=10\n#EXTINF:123,Owls - Blue Moon\n../a.mp3\n"
        '# made by hand\n#EXTINF:-1 tvg-id="r1",Radio One\nhttp://radio.example/one\n'
        "#EXTINF:30,Reel\n../b.mp3\n"
        "# the end\n#EXTINF:5,Nothing after it\n"
    )
    assert read_playlist(path, tmp_path).entries == playlist.entries
    assert sorted(p.name for p in path.parent.iterdir()) == ["Hand made.m3u8"]  # no temp files


def test_a_song_gone_from_disk_is_still_named(tmp_path):
    song(tmp_path, "a")
    path = write(tmp_path / "playlists" / "Old.m3u8", "../a.mp3\n../gone.mp3\n")
    playlist = read_playlist(path, tmp_path)
    assert [e.song_id for e in playlist.entries] == ["a", "gone"]
    assert playlist.problems == ["Old.m3u8: 1 of its songs is gone from the output folder"]


def test_a_name_in_use_is_refused_in_any_case(tmp_path):
    new_playlist(tmp_path, "Road trip")
    new_playlist(tmp_path, "Café")
    write(tmp_path / "Night.m3u", "../a.mp3\n")  # another program's, beside the songs
    before = snapshot(tmp_path)
    for name in ("road TRIP", "Cafe\u0301", "night"):  # Cafe + combining accent: macOS's form
        with pytest.raises(PlaylistError, match="has that name"):
            new_playlist(tmp_path, name)
    assert snapshot(tmp_path) == before
    assert unicodedata.is_normalized("NFC", find_playlists(tmp_path)[0].name)


def test_rename_refuses_names_in_use_and_never_overwrites(tmp_path):
    road = new_playlist(tmp_path, "Road trip", two_songs(tmp_path))
    chill = new_playlist(tmp_path, "Chill")
    write(tmp_path / "Night.m3u", "../a.mp3\n")
    before = snapshot(tmp_path)
    for name in ("Road trip", "ROAD TRIP", "night"):
        with pytest.raises(PlaylistError, match='cannot rename "Chill" to .*has that name'):
            rename_playlist(chill, name)
    assert snapshot(tmp_path) == before
    text = road.path.read_text()
    morning = rename_playlist(road, "Morning")
    assert (morning.name, morning.path.read_text()) == ("Morning", text)
    assert not road.path.exists()
    shouting = rename_playlist(morning, "MORNING")  # only the case changes
    assert [p.name for p in find_playlists(tmp_path)] == ["Chill", "MORNING", "Night"]
    assert rename_playlist(shouting, "MORNING") == shouting
    night = find_playlists(tmp_path)[2]
    assert rename_playlist(night, "Late").path == tmp_path / "Late.m3u"  # folder and extension


def test_delete(tmp_path):
    playlist = new_playlist(tmp_path, "Gone soon", two_songs(tmp_path))
    delete_playlist(playlist)
    assert find_playlists(tmp_path) == []
    delete_playlist(playlist)  # already gone: nothing to do
    assert (tmp_path / "a.mp3").exists()  # the songs stay


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("  Road   trip  ", "Road trip"),
        ("AC/DC: live?", "AC-DC- live"),
        ("../../etc/passwd", "etc-passwd"),
        ('a<b>c"d|e*f\\g', "a-b-c-d-e-f-g"),
        ("..hidden", "hidden"),
        ("name. . ", "name"),
        ("red\x1b[31m alert\x07", "red alert"),
        ("tab\there", "tab here"),
        ("Console", "Console"),
        ("x" * 80, "x" * 80),
    ],
)
def test_typed_names_are_made_safe(tmp_path, typed, name):
    assert safe_name(typed) == name
    assert new_playlist(tmp_path, typed).path.name == f"{name}.m3u8"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "a playlist needs a name"),
        (" \x1b[0m ", "a playlist needs a name"),
        ("???", '"???" has no characters a file name can hold'),
        ("CON", '"CON" is a device name on Windows'),
        ("nul.txt", '"nul.txt" is a device name on Windows'),
        ("com1", '"com1" is a device name on Windows'),
        ("x" * 81, "at most 80 characters (this one has 81)"),
        ("\U0001f3b5" * 60, "too long for a file name"),  # 240 bytes in UTF-8
    ],
)
def test_unsafe_names_are_refused_in_one_line(tmp_path, typed, message):
    with pytest.raises(PlaylistError, match=re.escape(message)) as raised:
        new_playlist(tmp_path, typed)
    assert "\n" not in str(raised.value)
    assert list(tmp_path.rglob("*")) == []


def test_export_always_finds_a_name(tmp_path):
    songs = two_songs(tmp_path)
    names = [export_playlist(tmp_path, name, songs).name for name in ("Owls", "owls", "Owls")]
    assert names == ["Owls", "owls (2)", "Owls (3)"]
    assert export_playlist(tmp_path, "NUL", songs).name == "Songs - NUL"
    assert export_playlist(tmp_path, "???", songs).name == "Exported"
    long = "The Very Long Name " * 10
    first, second = (export_playlist(tmp_path, long, songs).name for _ in range(2))
    assert len(first) <= 80 and second == first[:76].rstrip() + " (2)"
    assert [e.song_id for e in find_playlists(tmp_path)[0].entries] == ["a", "b"]


def test_a_folder_or_a_binary_named_like_a_playlist(tmp_path):
    (tmp_path / "playlists" / "Folder.m3u8").mkdir(parents=True)
    (tmp_path / "Binary.m3u").write_bytes(b"ID3\x00\x00\x01")
    (tmp_path / "._Junk.m3u").write_bytes(b"\x00")  # macOS's resource forks are not listed
    (tmp_path / "Dangling.m3u8").symlink_to(tmp_path / "nowhere")
    playlists = find_playlists(tmp_path)
    assert [(p.name, p.problems, p.entries, p.readable) for p in playlists] == [
        ("Binary", ["Binary.m3u: not a text playlist (it holds NUL bytes)"], [], False),
        ("Dangling", ["Dangling.m3u8: does not exist"], [], False),
        ("Folder", ["Folder.m3u8: is a folder, not a file"], [], False),
    ]
    with pytest.raises(PlaylistError, match="cannot save Binary.m3u: it could not be read"):
        save_playlist(playlists[0])
    with pytest.raises(PlaylistError, match="cannot delete Folder.m3u8"):
        delete_playlist(playlists[2])
    assert (tmp_path / "playlists" / "Folder.m3u8").is_dir()


@pytest.mark.skipif(ROOT, reason="root can read and write anywhere")
def test_an_unreadable_playlist_is_listed_with_a_problem(tmp_path):
    path = write(tmp_path / "Private.m3u8", "../a.mp3\n")
    path.chmod(0)
    try:
        [playlist] = find_playlists(tmp_path)
        assert playlist.problems == ["Private.m3u8: cannot be read: Permission denied"]
        with pytest.raises(PlaylistError, match="could not be read"):
            save_playlist(playlist)
    finally:
        path.chmod(0o644)
    assert path.read_text() == "../a.mp3\n"


@pytest.mark.skipif(ROOT, reason="root can read and write anywhere")
def test_a_read_only_folder_refuses_changes_and_keeps_the_files(tmp_path):
    playlist = new_playlist(tmp_path, "Road trip", two_songs(tmp_path))
    folder = playlist.path.parent
    folder.chmod(0o555)
    try:
        before = snapshot(tmp_path)
        playlist.entries.reverse()
        with pytest.raises(PlaylistError, match="cannot save Road trip.m3u8: Permission denied"):
            save_playlist(playlist)
        with pytest.raises(PlaylistError, match="Permission denied"):
            rename_playlist(playlist, "Other")
        with pytest.raises(PlaylistError, match="cannot delete Road trip.m3u8"):
            delete_playlist(playlist)
        with pytest.raises(PlaylistError, match="cannot create New.m3u8: Permission denied"):
            new_playlist(tmp_path, "New")
        assert snapshot(tmp_path) == before
    finally:
        folder.chmod(0o755)


def test_control_characters_never_reach_what_is_shown(tmp_path):
    write(
        tmp_path / "playlists" / "Bad\x1b[31mname.m3u8",
        "#EXTINF:10,\x1b]0;pwned\x07Evil\x1b[2J title\n../a.mp3\nhttp://x/\x1b[5mblink\x9b\n",
    )
    [playlist] = find_playlists(tmp_path)
    shown = [playlist.name, *playlist.problems, *(entry.label for entry in playlist.entries)]
    assert not any(unsafe_characters(text) for text in shown), shown
    assert playlist.name == "Badname"
    assert [entry.label for entry in playlist.entries] == ["Evil title", "http://x/blink"]


def test_ten_thousand_entries(tmp_path):
    songs = [Song(f"song-{n:05d}", f"Tune {n}", "Band", duration_seconds=n) for n in range(10_000)]
    for kept in songs[:100]:  # the other songs' files are gone (20,000 files are slow to make)
        song(tmp_path, kept.id)
    made = new_playlist(tmp_path, "Everything", songs)
    playlist = read_playlist(made.path, tmp_path)
    assert playlist.problems == [
        "Everything.m3u8: 9900 of its songs are gone from the output folder"
    ]
    assert [(e.song_id, e.seconds) for e in playlist.entries] == [
        (s.id, s.duration_seconds or None) for s in songs
    ]
