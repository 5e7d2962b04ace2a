"""The jukebox's engine without a screen: the queue a user chooses, the library browser's views
and search, and gapless playback on miniaudio's null device with plays counted off the UI thread."""

import time

import pytest

from scripts import temporary
from scripts.library import library_views
from scripts.library.song_library import Song, SongLibrary
from scripts.player.jukebox import Jukebox
from tests.synthetic_library import SONGS_PER_ARTIST, make_library


def playback_module_loads() -> bool:
    try:
        import miniaudio  # noqa: F401
    except ImportError:
        return False
    return True


def song(number: int, **fields) -> Song:
    return Song(id=f"s{number}", title=f"Song {number}", created=f"2026-01-{number:02d}", **fields)


SONGS = [song(number) for number in range(1, 7)]


def ids(songs) -> list[str]:
    return [item.id for item in songs]


def test_a_chosen_list_becomes_the_queue_and_added_songs_go_to_its_end():
    jukebox = Jukebox(SONGS)
    assert jukebox.is_library()
    jukebox.play([SONGS[4], SONGS[1], SONGS[2]], start=1)
    assert jukebox.current.id == "s2" and ids(jukebox.upcoming()) == ["s3"]
    assert not jukebox.is_library()
    assert jukebox.enqueue(SONGS[4]) == 2  # twice in the queue, two songs before it
    assert ids(jukebox.play_order) == ["s5", "s2", "s3", "s5"]
    assert jukebox.following().id == "s3"
    jukebox.set_shuffle(True)
    assert jukebox.current.id == "s2" and sorted(ids(jukebox.play_order)) == [
        "s2",
        "s3",
        "s5",
        "s5",
    ]
    jukebox.set_shuffle(False)
    assert ids(jukebox.play_order) == ["s5", "s2", "s3", "s5"] and jukebox.current.id == "s2"
    assert jukebox.drop(0).id == "s5" and jukebox.current.id == "s2"
    assert jukebox.jump(2).id == "s5" and jukebox.following() is None
    jukebox.set_repeat("all")
    assert jukebox.following().id == "s2"
    jukebox.remove("s5")  # deleted: every place it was queued
    assert ids(jukebox.play_order) == ["s2", "s3"] and jukebox.current.id == "s3"
    assert jukebox.drop(7) is None and jukebox.jump(-1) is None and jukebox.current.id == "s3"


def test_a_chosen_queue_is_resumed_without_the_songs_deleted_since(tmp_path):
    path = tmp_path / temporary.JUKEBOX_STATE_NAME
    jukebox = Jukebox(SONGS)
    jukebox.play([SONGS[5], SONGS[0], SONGS[3]], start=2)
    assert jukebox.save_state(path, 12.0)
    fewer = Jukebox([s for s in SONGS if s.id != "s1"])
    state = fewer.load_state(path)
    assert state.queue == ("s6", "s1", "s4") and state.song_id == "s4"
    assert ids(fewer.play_order) == ["s6", "s4"] and fewer.current.id == "s4"
    library_order = Jukebox(SONGS)
    library_order.save_state(path)
    assert Jukebox(SONGS).load_state(path).queue is None


def test_artists_genres_and_sorting():
    songs = [
        song(1, artist="The Owls", styles=["Jazz"], plays=2),
        song(2, artist="the owls", styles=["Jazz", "Rock"], plays=5),
        song(3, artist="Ada", styles=["rock"], members=[{"name": "Ada", "instrument": "oud"}]),
    ]
    artists = library_views.artists(songs)
    assert [a.name for a in artists] == ["Ada", "the owls"]  # one artist, its newest spelling
    assert ids(artists[1].songs) == ["s2", "s1"] and artists[1].plays == 7
    assert artists[1].genre in ("Jazz", "Jazz, Rock") and artists[0].members[0]["name"] == "Ada"
    genres = library_views.genres(songs)
    assert [(g.name, ids(g.songs)) for g in genres] == [
        ("Jazz", ["s2", "s1"]),
        ("Rock", ["s2", "s3"]),
    ]
    assert ids(library_views.sorted_songs(songs, "newest")) == ["s3", "s2", "s1"]
    assert ids(library_views.sorted_songs(songs, "most played")) == ["s2", "s1", "s3"]


def test_search_finds_every_word_in_any_field_and_narrowing_matches_a_fresh_search(tmp_path):
    make_library(tmp_path, 5 * SONGS_PER_ARTIST, seconds=1)
    songs = SongLibrary(tmp_path).songs()
    search = library_views.SongSearch(songs)
    member = songs[0].members[0]
    found = search.find(f"{member['instrument']} {member['name'].split()[0]}".upper())
    assert songs[0] in found
    for typed in ("o", "oh", "oh t", "oh th", "oh the", "oh th", "o"):
        fresh = library_views.SongSearch(songs).find(typed)
        assert search.find(typed) == fresh
        words = typed.split()
        assert all(all(w in library_views.search_text(s) for w in words) for s in fresh)
    assert search.find("   ") == [] and search.find("zzzz-nothing") == []


@pytest.mark.skipif(not playback_module_loads(), reason="miniaudio is not installed")
def test_the_next_song_follows_without_a_gap_and_plays_are_counted(tmp_path, data_dir, monkeypatch):
    from scripts.player.music_service import MusicService

    monkeypatch.setenv(temporary.AUDIO_BACKEND_ENV, "null")
    folder = tmp_path / "songs"
    made = make_library(folder, 3, seconds=1.5)
    service = MusicService(folder)
    assert service.player.name == "miniaudio"
    service.start()
    assert service.loaded == made[0]
    seen, deadline = [service.loaded], time.monotonic() + 15
    while len(seen) < 3 and time.monotonic() < deadline:
        service.tick()
        assert not service.player.finished()  # each song went on into the next one itself
        if service.loaded != seen[-1]:
            seen.append(service.loaded)
        time.sleep(0.02)
    assert seen == made
    plays = {s.id: s.plays for s in service.jukebox.songs}
    service.close()
    counted = {s.id: s.plays for s in SongLibrary(folder).songs()}
    assert all(counted[i] == plays[i] for i in made) and all(plays[i] >= 1 for i in made[:2])


@pytest.mark.skipif(not playback_module_loads(), reason="miniaudio is not installed")
def test_a_play_counts_after_half_the_song_not_on_a_skip(tmp_path, data_dir, monkeypatch):
    """Issue 19, item 10: as players count, after PLAY_COUNT_S or half the song (2 s of these
    4 s songs), whichever comes first; N right after the start counts nothing."""
    from scripts.player.music_service import MusicService

    monkeypatch.setenv(temporary.AUDIO_BACKEND_ENV, "null")
    folder = tmp_path / "songs"
    made = make_library(folder, 3, seconds=4)
    before = {s.id: s.plays for s in SongLibrary(folder).songs()}
    service = MusicService(folder)
    try:
        service.start()
        service.tick()
        service.next()  # skipped at once
        assert service.loaded == made[1]
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # not yet half of it
            service.tick()
            time.sleep(0.05)
        assert service.jukebox.song(made[1]).plays == before[made[1]]
        deadline = time.monotonic() + 10
        while service.position() < 2.2 and time.monotonic() < deadline:
            service.tick()
            time.sleep(0.05)
        service.tick()
        assert service.jukebox.song(made[1]).plays == before[made[1]] + 1
        service.next()  # the same rule for the next song: skipped, not counted
    finally:
        service.close()
    counted = {s.id: s.plays for s in SongLibrary(folder).songs()}
    assert counted == {**before, made[1]: before[made[1]] + 1}


def test_a_play_counts_after_thirty_seconds_or_half_the_song():
    from scripts.player.jukebox import counts_as_play

    assert not counts_as_play(29.9, 600) and counts_as_play(30, 600)
    assert not counts_as_play(1.9, 4) and counts_as_play(2, 4)
    assert counts_as_play(30, 0) and not counts_as_play(5, 0)  # length unknown: 30 s


@pytest.mark.skipif(not playback_module_loads(), reason="miniaudio is not installed")
def test_taking_the_song_playing_out_of_the_queue_plays_the_next(tmp_path, data_dir, monkeypatch):
    from scripts.player.music_service import MusicService

    monkeypatch.setenv(temporary.AUDIO_BACKEND_ENV, "null")
    made = make_library(tmp_path / "songs", 3, seconds=5)
    service = MusicService(tmp_path / "songs")
    try:
        service.start()
        assert service.drop(service.jukebox.index).id == made[0]
        assert service.loaded == made[1] and not service.player.paused
        assert service.jukebox.song(made[0]) is not None  # still in the library
        assert service.play_at(1) and service.loaded == made[2]
        assert not service.play_at(5) and service.loaded == made[2]
    finally:
        service.close()


def test_the_queue_is_reordered_cleared_and_given_a_play_next():
    """Issue 19: the queue could not be reordered, cleared or given a "play next"."""
    jukebox = Jukebox(SONGS)
    jukebox.play(SONGS[:4], start=1)  # s2 playing
    assert jukebox.move(2, -1) and ids(jukebox.play_order) == ["s1", "s3", "s2", "s4"]
    assert jukebox.current.id == "s2" and jukebox.following().id == "s4"
    assert not jukebox.move(3, 1) and not jukebox.move(0, -1)
    jukebox.play_next([SONGS[5], SONGS[4]])
    assert ids(jukebox.play_order) == ["s1", "s3", "s2", "s6", "s5", "s4"]
    assert jukebox.current.id == "s2" and jukebox.following().id == "s6"
    jukebox.clear()
    assert ids(jukebox.play_order) == ["s2"] and jukebox.current.id == "s2"
    assert jukebox.following() is None
    empty = Jukebox([])
    empty.play_next([SONGS[0]])
    assert empty.current.id == "s1"
