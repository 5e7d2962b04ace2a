"""Song identity, offline: invented genres, artists and titles from word lists,
unique titles, "surprise me", and the artist carried into the sidecar, the ID3 tags and the list."""

import functools
import json

import pytest

from scripts import settings, temporary
from scripts.library.song_library import SongLibrary
from scripts.library.titles import unique_title
from scripts.model.models import LocalModel
from scripts.song import identity
from scripts.song.pipeline import batch_job, generate_song
from scripts.style.style_library import load_library
from scripts.style.style_match import match_style
from scripts.user_input import InputError, checked_styles
from tests.audio_probe import tags
from tests.conftest import run_launcher

SEEDS = range(2000)


def test_the_same_seed_gives_the_same_identity():
    for seed in (0, 7, 2**31 - 1):
        assert identity.invent_genre(seed) == identity.invent_genre(seed)
        assert identity.invent_artist(seed) == identity.invent_artist(seed)
        assert identity.invent_title(seed) == identity.invent_title(seed)
    # ... and other seeds give other names (the lists are not a handful of words).
    assert len({identity.invent_genre(seed) for seed in range(200)}) > 150
    assert len({identity.invent_artist(seed)["name"] for seed in range(200)}) > 150
    assert len({identity.invent_title(seed) for seed in range(200)}) > 120


def test_the_real_genre_list_is_a_few_hundred_lower_case_names():
    lines = temporary.REAL_GENRES_PATH.read_text(encoding="utf-8").splitlines()
    assert 300 <= len(lines) == len(set(lines))
    assert all(line == line.strip().lower() and line for line in lines)
    # Spelling variants of a listed genre are the same genre.
    assert identity.is_real_genre("Nu-Disco") and identity.is_real_genre("post punk")
    assert not identity.is_real_genre("czech pianostep")


@functools.cache
def shipped_styles():
    return load_library()


def matched(text: str) -> bool:
    """The text names a style of the library (it is not played as the fallback)."""
    return match_style(text, shipped_styles()).how != "fallback"


def test_invented_genres_are_never_real_and_always_drive_the_arrangement():
    rejected = []
    for seed in SEEDS:
        genre = identity.invent_genre(seed)
        assert not identity.is_real_genre(genre), (seed, genre)
        assert genre == genre.lower() and matched(genre), (seed, genre)
        first = next(identity.genre_candidates(seed))
        if identity.is_real_genre(first):
            rejected.append(first)
            assert genre != first
    # The lists can make real names ("neo-swing", "nordic folk"): the check is not idle.
    assert rejected


def test_every_genre_base_names_a_style():
    for base in identity.words()["genre"]["words"]["base"]:
        assert matched(base), base


def test_artists_have_one_to_five_members_with_names_and_instruments():
    counts = set()
    for seed in range(500):
        artist = identity.invent_artist(seed)
        members = artist["members"]
        low, high = temporary.ARTIST_MEMBERS
        assert artist["name"].strip() and low <= len(members) <= high
        assert all(m["name"].count(" ") >= 1 and m["instrument"] for m in members)
        assert len({m["name"] for m in members}) == len(members)
        assert len({m["instrument"] for m in members}) == len(members)
        counts.add(len(members))
    assert counts == {1, 2, 3, 4, 5}


def test_titles_are_made_unique_with_sequel_numerals():
    assert unique_title("Kite Song", []) == "Kite Song"
    assert unique_title("Kite Song", ["kite song"]) == "Kite Song II"
    assert unique_title("Kite Song", ["Kite Song", "Kite Song II"]) == "Kite Song III"
    assert unique_title("Rocky II", ["Rocky II"]) == "Rocky III"
    assert unique_title("Mix", ["Mix"]) == "Mix II"  # a word, not a numeral
    library = []
    for seed in range(300):  # invented titles repeat across seeds; the library's never do
        library.append(unique_title(identity.invent_title(seed), library))
    assert len({title.casefold() for title in library}) == 300
    assert any(title.endswith(" II") for title in library)


def test_blank_or_question_mark_means_surprise():
    assert checked_styles("?") == checked_styles(" ? ") == checked_styles("") == ()
    assert checked_styles("?", blank_is_surprise=False) == ()
    assert checked_styles("Chill, Jazz") == ("Chill", "Jazz")
    with pytest.raises(InputError, match="styles are empty.*give \\? for a surprise"):
        checked_styles("", blank_is_surprise=False)
    with pytest.raises(InputError, match="styles are empty.*leave it blank"):
        checked_styles(" , ,")  # commas only: a slip, so the message, not a surprise


def test_a_surprise_batch_invents_one_genre_and_artist_from_the_seed(tmp_path):
    job = batch_job((), settings.defaults(), SongLibrary(tmp_path), 7)
    genre = identity.invent_genre(7)
    assert job.styles == (genre,) and job.genre_invented
    assert job.artist == identity.invent_artist(7)
    # The genre's words choose the style, as typed styles would.
    assert job.blend.name == match_style(genre, load_library()).style.name
    typed = batch_job(("Jazz",), settings.defaults(), SongLibrary(tmp_path), 7)
    assert typed.styles == ("Jazz",) and not typed.genre_invented
    assert typed.artist == job.artist


@pytest.mark.heavy
def test_songs_carry_their_artist_and_titles_stay_unique(abc_model, tmp_path):
    config = settings.defaults()
    model = LocalModel(abc_model, config["settings"])
    library = SongLibrary(tmp_path)
    job = batch_job((), config, library, 11)
    first = generate_song(model, job, 1, base_seed=11)
    again = generate_song(model, job, 1, base_seed=11)  # the same seed: the same tune and title
    assert again["raw_text"] == first["raw_text"]
    assert again["title"] == f"{first['title']} II"
    artist = identity.invent_artist(11)
    for sidecar in (first, again):
        assert sidecar["artist"] == artist["name"]
        assert sidecar["artist_members"] == artist["members"]
        assert sidecar["lyrics"] is None and sidecar["instrumental"] is True
        assert sidecar["styles"] == [identity.invent_genre(11)] and sidecar["genre_invented"]
        found = tags(tmp_path / sidecar["files"]["mp3"])
        assert found["artist"] == artist["name"] and found["title"] == sidecar["title"]
        assert found["genre"] == identity.invent_genre(11)
    saved = library.sidecar(first["files"]["mp3"].removesuffix(".mp3"))  # as written on disk
    assert saved["artist_members"] == artist["members"] and saved["lyrics"] is None
    assert [song.artist for song in library.songs()] == [artist["name"]] * 2


def test_generate_with_a_question_mark_prints_the_genre_and_artist(abc_model, data_dir, tmp_path):
    out = tmp_path / "songs"
    args = ("--model", str(abc_model), "--seed", "7", "--out", str(out))
    result = run_launcher("generate", "--styles", "?", *args, "--json", data=data_dir)
    assert result.returncode == 0, result.stderr
    genre, artist = identity.invent_genre(7), identity.invent_artist(7)
    assert f"Surprise genre: {genre}\n" in result.stderr
    assert f"Artist: {artist['name']} ({artist['members'][0]['name']}: " in result.stderr
    [song] = [json.loads(line) for line in result.stdout.splitlines()]
    assert song["styles"] == [genre] and song["artist"] == artist["name"]
    assert tags(out / song["files"]["mp3"])["artist"] == artist["name"]
    listed = run_launcher("list", "--out", str(out), data=data_dir)
    assert f"{song['title']} by {artist['name']}  [{genre}]" in listed.stdout
