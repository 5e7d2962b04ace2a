"""The library on disk: partial files never count, the index heals itself."""

import json

from scripts.song_library import SongLibrary


def make_song(library: SongLibrary, title: str) -> dict:
    stem = library.new_stem(title)
    for extension in (".abc", ".mid", ".mp3"):
        library.partial_path(stem, extension).write_bytes(b"data")
    return library.commit(stem, {"title": title, "created": title})


def test_songs_are_listed_oldest_first(tmp_path):
    library = SongLibrary(tmp_path)
    make_song(library, "A")
    make_song(library, "B")
    assert [song["title"] for song in library.songs()] == ["A", "B"]


def test_partial_files_are_not_songs_and_are_cleaned(tmp_path):
    library = SongLibrary(tmp_path)
    make_song(library, "Kept")
    (tmp_path / "20990101-000000-half.mp3.part").write_bytes(b"half")  # its writer is gone
    assert [song["title"] for song in library.songs()] == ["Kept"]
    assert library.remove_partials() == 1
    assert not list(tmp_path.glob("*.part"))


def test_a_corrupt_or_stale_index_is_rebuilt_from_sidecars(tmp_path):
    library = SongLibrary(tmp_path)
    first = make_song(library, "One")
    make_song(library, "Two")
    library.index_path.write_text("{not json")
    assert [song["title"] for song in library.songs()] == ["One", "Two"]
    (tmp_path / first["files"]["mp3"]).unlink()  # deleted by the user behind our back
    assert [song["title"] for song in library.songs()] == ["Two"]
    assert [s["title"] for s in json.loads(library.index_path.read_text())["songs"]] == ["Two"]


def test_same_title_twice_gets_two_files(tmp_path):
    library = SongLibrary(tmp_path)
    first, second = make_song(library, "Same"), make_song(library, "Same")
    assert first["files"]["mp3"] != second["files"]["mp3"]
