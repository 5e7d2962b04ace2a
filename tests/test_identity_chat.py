"""Song identity from a chat model, through the real llama.cpp: tiny bigram models with a
ChatML template answer under the JSON-schema grammar, so every reply parses; the checks, the
retries, the offline fallbacks, and the lyrics in the sidecar, the MP3's USLT frame, the .abc's
w: lines (rendered by abc2midi) and the jukebox."""

import json
import math
import threading
import time

import pytest

from scripts import settings, temporary
from scripts.audio.audio_render import abc_to_midi
from scripts.library.song_library import SongLibrary
from scripts.model.chat_json import Rejected, ask_json, chat_sampling
from scripts.model.models import LocalModel
from scripts.model.prompts import messages
from scripts.notation.abc_notation import extract_tunes
from scripts.song import identity
from scripts.song.identity_chat import checked_genre, genre_schema, identity_from_model
from scripts.song.lyrics import as_text, model_lyrics, part_at
from scripts.song.pipeline import (
    Job,
    batch_job,
    generate_song,
    prepare_tune,
    render_song,
    song_lyrics,
)
from scripts.style.style_library import load_library
from tests.conftest import corpus_text, run_launcher, tune_bodies
from tests.test_tui import Terminal
from tests.tiny_gguf import CHATML, bigram_gguf

LETTERS = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ _'\n"  # the keys' characters
# JSON with words: the grammar writes the shape, the bigram statistics the words inside.
WORDS = (
    LETTERS
    + """{"genre": "velvet moss polka", "closest_style": "folk"}
{"name": "The Lantern Crows", "members": [{"name": "Milo Novak", "instrument": "banjo"}]}
{"Verse 1": ["we ride the silver morning light", "and sing along the river road"],
"Chorus": ["hold the lantern high tonight", "the crows are calling home"]}
{"Verse 2": ["under every bridge a song", "the wind will carry on"],
"Bridge": ["slow the water turning", "over stone and over time"]}
"""
    * 3
)
# Greedy, this one writes "polka" (a real genre) into every string it can.
POLKA = LETTERS + '{"a": "polka"}\n' + '"polka"\n' * 60

STYLE_NAMES = load_library().names()


def chat_model(path, text: str, temperature: float) -> LocalModel:
    config = {**settings.defaults()["settings"], "temperature": temperature}
    model = LocalModel(bigram_gguf(path, text, chat_template=CHATML), config)
    model.test_settings = config  # what the steps asked directly sample with
    return model


@pytest.fixture(scope="module")
def words_model(tmp_path_factory) -> LocalModel:
    return chat_model(tmp_path_factory.mktemp("models") / "words.gguf", WORDS, 0.0)


@pytest.fixture(scope="module")
def polka_model(tmp_path_factory) -> LocalModel:
    return chat_model(tmp_path_factory.mktemp("models") / "polka.gguf", POLKA, 0.0)


def test_a_chat_model_names_the_surprise_genre_and_the_artist(words_model, tmp_path):
    config = settings.defaults()
    config["settings"]["temperature"] = 0.9
    job = identity_from_model(words_model, batch_job((), config, SongLibrary(tmp_path), 7), 7)
    assert job.identity_sources == {"genre": "model", "artist": "model"}
    [genre] = job.styles
    assert genre != identity.invent_genre(7) and not identity.is_real_genre(genre)
    low, high = temporary.GENRE_LENGTH
    assert low <= len(genre) <= high and genre == genre.lower()
    assert job.blend.styles == job.styles  # the genre is what the prompt names...
    assert job.blend.name == job.base_styles[0]  # ... and it plays as its closest style
    low, high = temporary.ARTIST_MEMBERS
    assert job.artist != identity.invent_artist(7) and job.artist["name"].strip()
    assert low <= len(job.artist["members"]) <= high
    assert all(m["name"].strip() and m["instrument"].strip() for m in job.artist["members"])


def test_a_typed_style_nothing_matches_plays_as_the_style_the_chat_model_hears(
    words_model, tmp_path
):
    config = settings.defaults()
    config["settings"]["temperature"] = 0.9
    typed = batch_job(("Zorblax wave", "Reggae"), config, SongLibrary(tmp_path), 7)
    assert typed.blend.choices[0].how == "fallback"
    job = identity_from_model(words_model, typed, 7)
    unknown, reggae = job.blend.choices
    assert unknown.how == "model" and unknown.style.name in STYLE_NAMES
    assert job.base_styles == (unknown.style.name,) and reggae.style.name == "reggae"
    shown = unknown.style.name.replace("_", " ")  # as a user types it
    assert job.blend.arranged_as().startswith(f"Zorblax wave → {shown}")
    known = batch_job(("Reggae",), config, SongLibrary(tmp_path), 7)
    assert identity_from_model(words_model, known, 7).base_styles == ()  # nothing to ask


def test_a_real_genre_is_asked_for_again_then_the_word_lists_name_it(polka_model, tmp_path):
    config = settings.defaults()
    sampling = chat_sampling({**config["settings"], "temperature": 0.0}, 200)
    answer = ask_json(
        polka_model,
        messages("sys", "a genre"),
        genre_schema(STYLE_NAMES),
        lambda reply: checked_genre(reply, STYLE_NAMES),
        sampling,
        1,
        threading.Event(),
    )
    assert answer.value is None and answer.tries == temporary.IDENTITY_CHAT_TRIES
    assert answer.reasons == ["'polka' is a real genre"] * temporary.IDENTITY_CHAT_TRIES
    config["settings"]["temperature"] = 0.0
    job = identity_from_model(polka_model, batch_job((), config, SongLibrary(tmp_path), 7), 7)
    assert job.styles == (identity.invent_genre(7),) and job.identity_sources["genre"] == "offline"


def test_a_rejected_answer_is_asked_again_with_another_seed(words_model):
    replies = []

    def second_only(reply: dict) -> dict:
        replies.append(reply)
        if len(replies) == 1:
            raise Rejected("not the first")
        return reply

    sampling = chat_sampling({**settings.defaults()["settings"], "temperature": 0.9}, 200)
    answer = ask_json(
        words_model,
        messages("sys", "a genre"),
        genre_schema(STYLE_NAMES),
        second_only,
        sampling,
        3,
        threading.Event(),
    )
    assert answer.tries == 2 and answer.value == replies[1] != replies[0]
    assert answer.reasons == ["not the first"]


def test_the_starter_kind_of_model_keeps_the_offline_identity(abc_model, tmp_path):
    job = batch_job((), settings.defaults(), SongLibrary(tmp_path), 7)
    model = LocalModel(abc_model, job.settings)
    assert identity_from_model(model, job, 7) is job
    assert song_lyrics(model, job, 1, "Kite", 7) == {"lyrics": None}


def id3_lyrics(data: bytes) -> str:
    """The text of the USLT frame, read from the ID3v2.3 tag's bytes by hand."""
    assert data[:3] == b"ID3" and data[3] == 3
    size = sum(byte << (7 * (3 - i)) for i, byte in enumerate(data[6:10]))
    offset = 10
    while offset < 10 + size and data[offset : offset + 4].strip(b"\0"):
        frame, length = data[offset : offset + 4], int.from_bytes(data[offset + 4 : offset + 8])
        body = data[offset + 10 : offset + 10 + length]
        if frame == b"USLT":
            assert body[0] == 1 and body[1:4] == b"eng"  # UTF-16, English
            text = body[4:]
            end = next(i for i in range(0, len(text), 2) if text[i : i + 2] == b"\0\0")
            return text[end + 2 :].decode("utf-16").rstrip("\0")  # a terminator may follow
        offset += 10 + length
    raise AssertionError("no USLT frame")


def song_with_lyrics(model: LocalModel, folder) -> dict:
    """A corpus tune with the model's lyrics, rendered and saved as the pipeline does."""
    job = Job(("Folk",), settings.defaults(), SongLibrary(folder), artist=identity.invent_artist(3))
    answer = model_lyrics(
        model, model.test_settings, "Kite", "Crows", ("Folk",), 5, threading.Event()
    )
    assert answer.value is not None, answer.reasons
    raw = extract_tunes(corpus_text())[0]
    defaults = {"X": "1", "T": "Kite Song", "M": "4/4", "K": "C"}
    tune, stats, tempo = prepare_tune(raw, defaults, job.blend.tempo_for(1), 8)
    meta = {"album": "Folk", "model": model.name, "seed": 5, "lyrics": answer.value}
    return render_song(job, 1, tune, stats, tempo, meta)


def test_lyrics_by_part_go_to_the_sidecar_the_id3_tag_and_under_the_notes(words_model, tmp_path):
    sidecar = song_with_lyrics(words_model, tmp_path)
    parts = sidecar["lyrics"]
    assert [part["part"] for part in parts] == list(temporary.LYRIC_ORDER)
    # The chorus comes back (later: each part starts with a section that carries the tune).
    assert parts[1]["lines"] == parts[4]["lines"] and parts[1]["start"] < parts[4]["start"]
    assert sidecar["instrumental"] is False
    low, high = temporary.LYRIC_LINES
    assert all(low <= len(part["lines"]) <= high for part in parts)
    saved = json.loads((tmp_path / sidecar["files"]["mp3"]).with_suffix(".json").read_text())
    assert saved["lyrics"] == parts
    mp3 = (tmp_path / sidecar["files"]["mp3"]).read_bytes()
    assert id3_lyrics(mp3) == as_text(parts) and as_text(parts).startswith("[Verse 1]\n")
    abc = (tmp_path / sidecar["files"]["abc"]).read_text()
    sung = [line for line in abc.splitlines() if line.startswith("w:")]
    assert sung and set(" ".join(sung).split()) - {"w:"}
    lines = abc.splitlines()
    assert all(lines[lines.index(line) - 1][:2] not in ("w:", "%%") for line in sung)
    midi, _ = abc_to_midi(abc)  # abc2midi reads the tune with its words
    assert midi[:4] == b"MThd"


def test_a_chat_song_whose_lyrics_fail_is_still_made(tmp_path, monkeypatch):
    monkeypatch.setattr(temporary, "LYRICS_MAX_TOKENS", 40)  # cut off: never complete JSON
    path = bigram_gguf(
        tmp_path / "chat.gguf", tune_bodies(corpus_text()), damp={"\n": 0.5}, chat_template=CHATML
    )
    job = Job(("Folk",), settings.defaults(), SongLibrary(tmp_path))
    job.settings["max_tokens"] = 400
    sidecar = generate_song(LocalModel(path, job.settings), job, 1, base_seed=11)
    assert sidecar["lyrics"] is None and sidecar["instrumental"] is True
    tries = temporary.IDENTITY_CHAT_TRIES
    assert sidecar["lyrics_note"].startswith(f"instrumental: no usable lyrics in {tries} tries")
    assert "not complete JSON" in sidecar["lyrics_note"]
    assert (tmp_path / sidecar["files"]["mp3"]).stat().st_size > 10_000


def test_the_part_sung_follows_the_playback_position():
    parts = [{"part": name, "lines": ["la la"]} for name in temporary.LYRIC_ORDER]
    assert [part_at(parts, second, 50) for second in (0, 9.9, 10, 35, 49, 60)] == [0, 0, 1, 3, 4, 4]


def test_the_jukebox_shows_the_part_being_sung_and_counts_plays(
    words_model, abc_model, data_dir, tmp_path
):
    out = tmp_path / "songs"
    out.mkdir()
    sidecar = song_with_lyrics(words_model, out)
    config = settings.defaults()
    config["settings"]["output_dir"] = str(out)
    settings.save(config, data_dir)
    term = Terminal(data_dir, rows=temporary.UI_MIN_HEIGHT, cols=temporary.UI_MIN_WIDTH)
    term.wait_for("Main Menu")
    term.send(b"2")
    screen = term.wait_for("[Verse 1]  (1/5)")
    assert "Playing song: Kite Song" in screen
    assert sidecar["lyrics"][0]["lines"][0][:40] in screen
    assert "Next 5 Songs:" in screen
    # The parts start with the sections that carry the tune: seek (5 s a key) into the second.
    second = sidecar["lyrics"][1]["start"]
    assert 0 < sidecar["lyrics"][0]["start"] < second < sidecar["duration_seconds"]
    term.send(b"\x1bOC" * math.ceil((second + 2) / temporary.SEEK_STEP_S))
    screen = term.wait_for("(2/5)")
    assert f"[{sidecar['lyrics'][1]['part']}]" in screen
    term.send(b"x")
    assert term.exit_status() == 0
    listed = run_launcher("list", "--artist", sidecar["artist"].upper(), data=data_dir)
    assert listed.returncode == 0, listed.stderr
    assert f"{sidecar['title']} by {sidecar['artist']}" in listed.stdout
    assert "  1 play\n" in listed.stdout


@pytest.mark.heavy
def test_top_tracks_are_the_most_played_and_plays_survive_a_rebuild(words_model, tmp_path):
    library = SongLibrary(tmp_path)
    first = song_with_lyrics(words_model, tmp_path)
    time.sleep(1)  # another created time: the newer song would come first at equal plays
    second = song_with_lyrics(words_model, tmp_path)
    ids = [song["files"]["mp3"].removesuffix(".mp3") for song in (first, second)]
    assert [s.id for s in library.top_tracks(first["artist"])] == ids[::-1]
    library.record_play(ids[0])
    library.index_path.write_text(library.index_path.read_text() + " ")  # still readable
    (tmp_path / "stray.mp3").write_bytes(b"")  # the index is stale now: it is rebuilt
    assert [s.id for s in library.top_tracks(first["artist"])] == ids
    assert library.top_tracks(first["artist"])[0].plays == 1
    assert library.top_tracks("Nobody") == []


def test_a_reply_of_endless_brackets_is_rejected_not_a_crash():
    """A server that ignores the grammar may send any text: 100,000 brackets used to overflow
    json's recursion (RecursionError) instead of being an answer asked for again."""
    from scripts.model.chat_json import parse

    for reply in ("[" * 100_000, '{"a": ' * 100_000):
        with pytest.raises(Rejected, match="nests deeper"):
            parse(reply)
    assert parse('{"genre": "Polka"}') == {"genre": "Polka"}
