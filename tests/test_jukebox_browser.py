"""The Output Jukebox as a music service, driven through a pseudo-terminal as a user would:
artists with members and top tracks, search, playlists (read back as M3U8 files), the meter,
gapless playback, and libraries that are big, damaged or changed behind the app's back."""

import json
import re
import shutil
import time

import pytest

from scripts import temporary
from scripts.library import library_views
from scripts.library.song_library import SongLibrary, most_played
from tests.conftest import REPO
from tests.synthetic_library import SONGS_PER_ARTIST, make_library
from tests.test_tui import Terminal
from tests.test_tui_screens import configure

TAB, ENTER, ESC, DOWN, CTRL_U = b"\t", b"\r", b"\x1b", b"\x1bOB", b"\x15"
SONGS = 3 * SONGS_PER_ARTIST  # three artists


@pytest.fixture(scope="module")
def made_library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library") / "songs"
    make_library(folder, SONGS)
    return folder


@pytest.fixture
def songs_dir(made_library, data_dir, tmp_path):
    folder = tmp_path / "songs"
    shutil.copytree(made_library, folder)
    configure(data_dir, output_dir=str(folder))
    return folder


def open_jukebox(data_dir, again=False, **size) -> Terminal:
    """The jukebox playing; `again`: it was left mid-song before, and is not resumed."""
    term = Terminal(data_dir, **size)
    term.wait_for("Main Menu")
    term.send(b"2")
    if again:
        term.wait_for("Resume")
        term.send(b"n")
    term.wait_for("Playing song:", settle=False)  # the meter moves: the screen never settles
    return term


def playing(screen: str) -> str:
    return re.search(r"(?:Playing song|Paused): (.*) by ", screen).group(1)


def shown_top_tracks(screen: str) -> list[tuple[str, int]]:
    return [
        (title, int(plays)) for title, plays in re.findall(r"\d+\. (.+?) - (\d+) plays?", screen)
    ]


def test_an_artist_shows_its_members_and_top_tracks_most_played_first(songs_dir, data_dir):
    library = SongLibrary(songs_dir)
    first_playing = library.songs()[0]
    term = open_jukebox(data_dir)
    term.send(TAB)  # Artists
    screen = term.wait_for("Top tracks")
    artists = library_views.artists(library.songs())
    assert [a.name for a in artists] == sorted((a.name for a in artists), key=str.casefold)
    term.send(DOWN)
    artist = artists[1]
    screen = term.wait_for(f"Genre: {artist.genre}")
    for member in artist.members:
        assert f"{member['name']} - {member['instrument']}" in screen
    songs = [s for s in library.songs() if s.artist == artist.name]
    expected = [(song.title, song.plays) for song in most_played(songs)]
    if shown_top_tracks(screen) != expected[: len(shown_top_tracks(screen))]:
        for song in songs:  # the song playing played long enough to count meanwhile
            song.plays += song.id == first_playing.id
        expected = [(song.title, song.plays) for song in most_played(songs)]
    assert shown_top_tracks(screen) == expected[: len(shown_top_tracks(screen))]
    assert len(shown_top_tracks(screen)) >= 4
    term.send(ENTER)  # plays the artist's top tracks, the queue going on with them
    screen = term.wait_for(f"Playing song: {expected[0][0]} by {artist.name}")
    term.send(b"n")
    term.wait_for(f"Playing song: {expected[1][0]} by {artist.name}")
    term.send(b"x")
    assert term.exit_status() == 0


def test_search_as_you_type_then_play_and_the_queue_goes_on(songs_dir, data_dir):
    songs = SongLibrary(songs_dir).songs()
    member = songs[SONGS_PER_ARTIST].members[-1]["name"]  # the second artist's last member
    found = library_views.SongSearch(songs).find(member)
    assert len(found) == SONGS_PER_ARTIST
    term = open_jukebox(data_dir)
    term.send(b"/")
    term.wait_for("Search:")
    term.send(member.encode())
    screen = term.wait_for(f"{len(found)} found")
    assert f"Search: {member}" in screen and found[0].title[:20] in screen
    term.send(ENTER)
    term.wait_for(f"Playing song: {found[0].title}")
    term.send(b"n")
    term.wait_for(f"Playing song: {found[1].title}")
    lyric = next(s for s in songs if s.lyrics_text).lyrics_text.split(" / ")[0]
    term.send(b"/" + CTRL_U + lyric.encode())
    term.wait_for(f"{len(library_views.SongSearch(songs).find(lyric))} found")
    term.send(TAB + b"i")  # the results, then the chosen song's details with its lyrics
    screen = term.wait_for("[Verse 1]")
    assert "Arranged as:" in screen and "Tempo:" in screen and lyric in screen
    term.send(b"x")
    assert term.exit_status() == 0


def read_m3u(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


@pytest.mark.heavy
def test_a_playlist_is_made_reordered_renamed_kept_and_exported(songs_dir, data_dir):
    songs = SongLibrary(songs_dir).songs()
    term = open_jukebox(data_dir)
    term.send(TAB * 3)  # Songs, newest first
    term.wait_for("newest first")
    newest = sorted(songs, key=lambda s: s.created, reverse=True)
    term.send(b"l")
    term.wait_for("Add to playlist")
    term.send(b"Road trip" + ENTER)
    term.wait_for("Added 1 song to the new playlist Road trip")
    term.send(DOWN + b"l" + ENTER)  # the last name is offered again
    term.wait_for("Added 1 song to the playlist Road trip")
    term.send(b"l" + ENTER)  # the same song again: said, not added twice
    term.wait_for("Nothing added: 1 song already there, in the playlist Road trip.")
    path = songs_dir / "playlists" / "Road trip.m3u8"
    lines = read_m3u(path)
    assert lines[0] == "#EXTM3U"
    assert lines[1:] == [
        f"#EXTINF:{round(newest[0].duration_seconds)},{newest[0].artist} - {newest[0].title}",
        f"../{newest[0].id}.mp3",
        f"#EXTINF:{round(newest[1].duration_seconds)},{newest[1].artist} - {newest[1].title}",
        f"../{newest[1].id}.mp3",
    ]
    term.send(TAB * 2)  # Queue, Playlists
    term.wait_for("Road trip (2)")
    term.send(ENTER + b"]")  # open it, move the first song down
    term.wait_for("Take out")
    time.sleep(0.5)
    assert read_m3u(path)[2::2] == [f"../{newest[1].id}.mp3", f"../{newest[0].id}.mp3"]
    term.send(ESC + b"e" + CTRL_U + b"Drive" + ENTER)
    term.wait_for("Renamed Road trip to Drive")
    assert not path.exists() and (songs_dir / "playlists" / "Drive.m3u8").exists()
    term.send(b"x")
    assert term.exit_status() == 0

    again = open_jukebox(data_dir, again=True)
    again.send(TAB * 5)
    again.wait_for("Drive (2)")
    again.send(ENTER + ENTER)  # open it, play from its first song
    again.wait_for(f"Playing song: {newest[1].title}")
    again.send(TAB * 2)  # Artists
    again.wait_for("Top tracks")
    again.send(b"w")
    screen = " ".join(again.wait_for("Saved").split())
    now = SongLibrary(songs_dir).songs()  # with the plays counted meanwhile (top tracks' order)
    artist = library_views.artists(now)[0]
    exported = songs_dir / "playlists" / f"{artist.name}.m3u8"
    assert f"Saved {len(artist.songs)} songs as {exported.name}" in screen
    assert read_m3u(exported)[2::2] == [f"../{s.id}.mp3" for s in artist.songs]
    again.send(TAB + b"w")  # Genres: the first style's songs, most played first
    genre = library_views.genres(now)[0]
    again.wait_for(f"as {genre.name}.m3u8")
    exported = songs_dir / "playlists" / f"{genre.name}.m3u8"
    assert read_m3u(exported)[2::2] == [f"../{s.id}.mp3" for s in genre.songs]
    again.send(b"x")
    assert again.exit_status() == 0


def meter_rows(term: Terminal) -> list[str]:
    rows = term.screen.display[7:11]
    assert all(set(row.strip()) <= set(" ▁▂▃▄▅▆▇█") for row in rows), rows
    return rows


def test_the_meter_moves_while_a_song_plays_and_stops_when_paused(songs_dir, data_dir):
    term = open_jukebox(data_dir)
    seen = set()
    for _ in range(20):
        term.read(0.15)
        seen.add(tuple(meter_rows(term)))
    assert len(seen) >= 5  # the bars follow the notes
    assert any(row.strip() for frame in seen for row in frame)
    term.send(b" ")
    term.wait_for("Paused:")
    time.sleep(0.5)
    paused = meter_rows(term)
    assert not any(row.strip() for row in paused)  # nothing is sent: the bars fall
    time.sleep(1)
    term.read(0.3)
    assert meter_rows(term) == paused
    term.send(b"m")
    term.wait_for("Meter off")
    term.send(b"x")
    assert term.exit_status() == 0


def test_the_meter_is_off_by_itself_on_a_small_terminal(songs_dir, data_dir):
    term = open_jukebox(data_dir, rows=16, cols=60)
    time.sleep(1)
    screen = term.settled()
    assert not set(screen) & set("▁▂▃▄▅▆▇█") and "Next 5 Songs" in screen
    term.send(b"x")
    assert term.exit_status() == 0


def test_playlists_from_other_programs_and_songs_gone_are_shown_and_skipped(songs_dir, data_dir):
    songs = SongLibrary(songs_dir).songs()
    gone = songs[3]
    foreign = songs_dir / "From VLC.m3u"
    text = (
        "#EXTM3U\r\n"
        "#EXTINF:-1,Radio \x1b[31mStream\x07\r\n"
        "http://radio.example/stream\r\n"
        f"{songs_dir / songs[1].id}.mp3\r\n"  # an absolute path into the library
        "/elsewhere/other.mp3\r\n"
        f"#EXTINF:30,{gone.title}\r\n"
        f"{gone.id}.mp3\r\n"
        f"{songs[2].id}.mp3\r\n"
    ).encode("cp1252")
    foreign.write_bytes(text)
    (songs_dir / "playlists").mkdir()
    (songs_dir / "playlists" / "broken.m3u8").mkdir()  # a folder with a playlist's name
    (songs_dir / f"{gone.id}.mp3").unlink()  # deleted behind the app's back
    term = open_jukebox(data_dir)
    term.send(TAB * 5)
    screen = term.wait_for("From VLC (5)")
    assert "broken" in screen
    term.send(DOWN)
    screen = term.wait_for("(not in the library) Radio Stream")
    assert f"(missing) {gone.title}" in screen
    term.send(ENTER + ENTER)  # open it and play: the songs it has, the others skipped
    screen = " ".join(term.wait_for(f"Playing song: {songs[1].title}").split())
    assert "of its entries are not in the library: skipped" in screen
    term.send(b"n")
    term.wait_for(f"Playing song: {songs[2].title}")
    listed = library_views.SongSearch([s for s in songs if s is not gone])
    later = next(s for s in songs[5:] if listed.find(s.title)[0] is s)  # found first by title
    (songs_dir / f"{later.id}.mp3").unlink()  # deleted while the jukebox lists it
    term.send(b"/" + later.title.encode())
    term.wait_for(f"{len(listed.find(later.title))} found")
    term.send(ENTER)
    screen = " ".join(term.wait_for("Skipped:").split())
    assert f"cannot play {later.id}.mp3" in screen
    term.send(b"x")
    assert term.exit_status() == 0
    assert foreign.read_bytes() == text  # nothing the user did not ask to change is changed
    assert (songs_dir / "playlists" / "broken.m3u8").is_dir()


def test_ten_thousand_songs_open_and_search(tmp_path, data_dir):
    folder = tmp_path / "songs"
    make_library(folder, 10_000)
    configure(data_dir, output_dir=str(folder))
    songs = SongLibrary(folder).songs()
    term = open_jukebox(data_dir)
    term.send(b"/")
    term.wait_for("Search:")
    for typed in ("h", "ha", "har", "harb"):
        term.send(typed[-1].encode())
        count = len(library_views.SongSearch(songs).find(typed))
        term.wait_for(f"{count} found")
    term.send(ESC + TAB)
    term.wait_for("Top tracks")
    term.send(b"x")
    assert term.exit_status(timeout=30) == 0
    assert json.loads((folder / "library.json").read_text())["songs"][0]["id"] == songs[0].id


def test_songs_are_added_to_the_queue_taken_out_and_the_queue_saved(songs_dir, data_dir):
    songs = SongLibrary(songs_dir).songs()
    term = open_jukebox(data_dir)
    term.send(TAB)  # Artists: the first one's songs go to the end of the queue
    term.wait_for("Top tracks")
    term.send(b"a")
    term.wait_for(f"Added {SONGS_PER_ARTIST} songs to the queue")
    term.send(TAB * 3)
    term.wait_for(f"{SONGS + SONGS_PER_ARTIST} in the queue (chosen songs)")
    term.send(b"\x1b[3~")  # Delete: the first entry out of the queue (the song stays)
    term.wait_for(f"Took {songs[0].title} out of the queue")
    term.wait_for(f"{SONGS + SONGS_PER_ARTIST - 1} in the queue")
    term.send(b"w")
    term.wait_for("Save the queue as the playlist: Queue ")  # a name is asked for, one offered
    term.send(ENTER)
    screen = " ".join(term.wait_for("Saved").split())
    [saved] = (songs_dir / "playlists").glob("Queue *.m3u8")
    assert f"Saved {SONGS + SONGS_PER_ARTIST - 1} songs as {saved.name}" in screen
    assert len(read_m3u(saved)) == 1 + 2 * (SONGS + SONGS_PER_ARTIST - 1)
    term.send(TAB)
    term.wait_for(f"{saved.stem} ({SONGS + SONGS_PER_ARTIST - 1})")
    term.send(b"d")
    term.wait_for(f"Delete the playlist {saved.stem}? Its songs stay. (y/n)")
    term.send(b"y")
    term.wait_for(f"Deleted the playlist {saved.stem}")
    assert not saved.exists() and len(list(songs_dir.glob("*.mp3"))) == SONGS
    term.send(b"x")
    assert term.exit_status() == 0


def test_a_damaged_index_is_said_on_the_jukebox_and_in_the_log(songs_dir, data_dir):
    """Issue 19, item 9: the user is told on screen and in logs/app.log, with the play counts
    the damaged index still held (all but the entry cut in half)."""
    before = {song.id: song.plays for song in SongLibrary(songs_dir).songs()}
    index = songs_dir / "library.json"
    index.write_text(index.read_text()[:-300])  # the last entry cut short
    log = REPO / "logs" / "app.log"
    logged_before = log.stat().st_size if log.exists() else 0
    term = open_jukebox(data_dir)
    screen = " ".join(term.wait_for("recovered").split())
    assert "was unreadable (is not valid JSON" in screen and "library.json.corrupt-" in screen
    assert f"with {SONGS - 1} play counts recovered" in screen
    term.send(b"x")
    assert term.exit_status() == 0
    logged = log.read_bytes()[logged_before:].decode("utf-8", "replace")
    assert f"with {SONGS - 1} play counts recovered" in logged
    after = {song.id: song.plays for song in SongLibrary(songs_dir).songs()}
    *whole, cut = before  # the first song may have played long enough to count meanwhile
    assert all(before[key] <= after[key] <= before[key] + 1 for key in whole)


@pytest.mark.parametrize("answer", [b"n", ESC])
def test_saying_no_to_resuming_plays_the_queue_from_its_start(songs_dir, data_dir, answer):
    """Issue 19: "n" or Esc to "Resume ... at 00:34?" no longer starts that song at 00:00."""
    songs = SongLibrary(songs_dir).songs()
    term = open_jukebox(data_dir)
    term.send(b"n")
    term.wait_for(f"Playing song: {songs[1].title}", settle=False)
    term.send(b"n")
    term.wait_for(f"Playing song: {songs[2].title}", settle=False)
    time.sleep(1.5)  # a song left after a second or more is offered for resuming
    term.send(b"x")
    assert term.exit_status() == 0
    again = Terminal(data_dir)
    again.wait_for("Main Menu")
    again.send(b"2")
    again.wait_for(f"Resume {songs[2].title} at")
    again.send(answer)
    again.wait_for(f"Playing song: {songs[0].title}", settle=False)
    again.send(b"x")
    assert again.exit_status() == 0


def test_keys_do_nothing_unseen_while_the_window_is_too_small(songs_dir, data_dir):
    """Issue 19: Space, or D then y, acted while "Please enlarge the window" hid the jukebox."""
    term = open_jukebox(data_dir)
    term.resize(10, 40)
    term.wait_for("Please enlarge the window")
    term.send(b" ")
    term.send(b"d")
    term.send(b"y")
    term.send(b"n")
    time.sleep(1)
    term.resize(24, 80)
    screen = term.wait_for("Playing song:", settle=False)
    assert "Paused" not in screen and "Delete" not in screen
    assert "(miniaudio null device, no sound)" in screen  # LLM_MUSIC_GEN_AUDIO=null
    assert playing(screen) == SongLibrary(songs_dir).songs()[0].title
    assert len(list(songs_dir.glob("*.mp3"))) == SONGS
    term.resize(10, 40)
    term.wait_for("Please enlarge the window")
    term.send(b"x")  # X still exits
    assert term.exit_status() == 0


@pytest.mark.heavy
def test_a_message_goes_after_a_while_and_when_the_jukebox_is_left(songs_dir, data_dir):
    """Issue 19: "Added ... to the queue" stayed for minutes, and across closing the jukebox."""
    term = open_jukebox(data_dir)
    term.send(TAB)  # Artists
    term.wait_for("Top tracks")
    term.send(b"a")
    term.wait_for(f"Added {SONGS_PER_ARTIST} songs to the queue")
    term.send(b"b")
    term.wait_for("Main Menu")
    term.send(b"2")
    screen = term.wait_for("Top tracks")
    assert "Added" not in screen
    term.send(b"a")
    term.wait_for(f"Added {SONGS_PER_ARTIST} songs to the queue")
    deadline = time.monotonic() + temporary.JUKEBOX_MESSAGE_S + 5
    while "Added" in term.settled() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "Added" not in term.text()
    term.send(b"x")
    assert term.exit_status() == 0


@pytest.mark.heavy
def test_the_queue_view_moves_clears_and_a_song_plays_next(songs_dir, data_dir):
    songs = SongLibrary(songs_dir).songs()
    term = open_jukebox(data_dir)
    term.send(TAB * 4)  # Queue: the library, the first song playing
    term.wait_for(f"{SONGS} in the queue")
    term.send(DOWN * 2 + b"[")  # the third song one place up: it plays next
    term.send(TAB * 2)  # Playlists, Playing
    term.wait_for(f"Next 5 Songs: {songs[2].title}, {songs[1].title}")
    term.send(TAB * 3)  # Artists, Genres, Songs (newest first): the newest plays next now
    term.wait_for("newest first")
    term.send(b"q")
    term.wait_for(f"{songs[-1].title} will play next.")
    term.send(b"n")
    term.wait_for(f"Playing song: {songs[-1].title}", settle=False)
    term.send(TAB + b"c")  # Queue: cleared but for the song playing
    term.wait_for("Cleared the queue: the song playing plays on.")
    term.wait_for("1 in the queue")
    term.send(b"x")
    assert term.exit_status() == 0
