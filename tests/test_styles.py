"""The style engine: the library's files and checks, what typed styles become, and the defining
traits of real songs made through the whole pipeline (a tiny GGUF through llama.cpp, abc2midi,
the synthesizer and its effects, ffmpeg), measured from their MIDI files and audio."""

from __future__ import annotations

import bisect
import difflib
import itertools
import json
from pathlib import Path

import numpy as np
import pytest
import symusic

from scripts import settings, temporary
from scripts.audio.audio_render import abc_to_midi, default_soundfont
from scripts.audio.mixdown import render_mix
from scripts.library.song_library import SongLibrary
from scripts.notation.abc_analysis import parse_key
from scripts.song.pipeline import Job, arrangement, first_usable_tune
from scripts.style import table_docs
from scripts.style.arranger import arrange_song
from scripts.style.parts import BASS_PATTERNS, VOICINGS
from scripts.style.song_form import MELODY_HALF
from scripts.style.style_library import load_library, read_style
from scripts.style.style_match import blend, match_style
from scripts.style.style_schema import check
from tests import production
from tests.audio_probe import PROBE_RATE
from tests.conftest import SONG_SEED, corpus_text, run_launcher, song_maker
from tests.song_features import KICKS, SNARES, Song

RATE = 22050

REQUIRED = (
    "rock",
    "heavy_metal",
    "punk",
    "pop",
    "jazz",
    "blues",
    "funk",
    "soul",
    "hip_hop",
    "trap",
    "lofi",
    "house",
    "techno",
    "trance",
    "dubstep",
    "drum_and_bass",
    "synthwave",
    "disco",
    "reggae",
    "ska",
    "bossa_nova",
    "salsa",
    "reggaeton",
    "afrobeat",
    "country",
    "folk",
    "classical",
    "cinematic",
    "ambient",
    "waltz",
    "march",
    "tango",
    "gospel",
    "chiptune",
)


@pytest.fixture(scope="module")
def library():
    return load_library()


# --- The library --------------------------------------------------------------------------------


def test_the_library_ships_every_style_and_every_file_passes_its_checks(library):
    assert library.problems == []
    assert len(library.styles) >= 30
    assert sorted(set(REQUIRED) - set(library.styles)) == []


def test_no_name_is_claimed_by_two_styles(library):
    owners: dict[str, str] = {}
    for style in library.styles.values():
        for name in style.names():
            key = " ".join(name.lower().split())
            assert owners.setdefault(key, style.name) == style.name, (key, owners[key], style.name)


@pytest.mark.parametrize(
    ("typed", "style", "meter", "how"),
    [
        ("Reggaeton", "reggaeton", "4/4", "name"),
        ("Sea shanty", "folk", "6/8", "name"),
        ("Funk", "funk", "4/4", "name"),
        ("Heavy metal", "heavy_metal", "4/4", "name"),
        ("R&B", "soul", "4/4", "name"),
        ("dark techno", "techno", "4/4", "synonym"),
        ("regae", "reggae", "4/4", "spelling"),
        ("Chill", "chillout", "4/4", "name"),
        ("Chillout", "chillout", "4/4", "name"),
        ("Downtempo", "chillout", "4/4", "name"),
        ("Ambient", "ambient", "4/4", "name"),
        ("lo-fi beats to study to", "lofi", "4/4", "synonym"),
        ("study beats", "lofi", "4/4", "name"),
        ("chillhop", "lofi", "4/4", "name"),
        ("Zorblax", temporary.FALLBACK_STYLE, "4/4", "fallback"),
    ],
)
def test_a_typed_style_finds_its_style(library, typed, style, meter, how):
    choice = match_style(typed, library)
    assert (choice.style.name, choice.style.spec.meter, choice.how) == (style, meter, how)


def test_the_sidecar_line_says_what_the_styles_were_arranged_as(library):
    assert blend(("Reggaeton",), library).arranged_as() == "Reggaeton → reggaeton"
    assert blend(("Sea shanty",), library).arranged_as() == "Sea shanty → folk, 6/8"
    assert "(no style matched)" in blend(("Zorblax",), library).arranged_as()
    # Issue 19: styles as a user types them, and the meter only of the style that sets it
    assert blend(("DnB", "Sea shanty"), library).arranged_as() == (
        "DnB → drum and bass; Sea shanty → folk"
    )


def test_a_users_style_named_like_a_shipped_synonym_is_that_style(tmp_path, library):
    folder = tmp_path / "styles"
    folder.mkdir()
    mine = {**library["synthwave"].data, "name": "vaporwave", "label": "Vaporwave"}
    mine.update(synonyms=[], tempo=[70, 85])
    (folder / "vaporwave.json").write_text(json.dumps(mine), encoding="utf-8")
    loaded = load_library(folder)
    assert loaded.problems == []
    assert match_style("Vaporwave", loaded).style.name == "vaporwave"
    assert match_style("Outrun", loaded).style.name == "synthwave"  # its other synonyms stay


def test_several_styles_blend_the_first_sets_the_groove_the_others_colour_it(library):
    mixed = blend(("Lofi", "Dubstep"), library)
    played, lofi, dubstep = mixed.spec, library["lofi"].spec, library["dubstep"].spec
    assert played.drums == lofi.drums and played.form == lofi.form
    assert played.melody.program == dubstep.melody.program
    assert all(p in played.harmony.progressions for p in dubstep.harmony.progressions)
    low, high = lofi.tempo
    assert all(low <= mixed.tempo_for(seed) <= high for seed in range(20))


def test_no_styles_fifty_styles_and_a_typed_tempo_have_documented_answers(library):
    assert blend((), library).name == temporary.FALLBACK_STYLE
    fifty = blend(tuple(f"Style {n}" for n in range(50)), library)
    assert len(fifty.choices) == temporary.MAX_STYLES_USED
    assert f"not used (at most {temporary.MAX_STYLES_USED})" in fifty.arranged_as()
    fast = blend(("Reggae 140 bpm",), library)
    assert fast.name == "reggae" and fast.tempo_for(1) == 140 and "140 bpm" in fast.arranged_as()
    absurd = blend(("Reggae 4000 bpm",), library)  # not a tempo a song can have: the style's
    low, high = library["reggae"].spec.tempo
    assert low <= absurd.tempo_for(1) <= high


def test_the_bass_patterns_and_voicings_styles_may_name_are_the_tables_and_each_is_played():
    tables = temporary.MUSIC_TABLES
    assert tuple(BASS_PATTERNS) == tuple(tables["bass_patterns"])
    assert tuple(VOICINGS) == tuple(tables["voicings"])
    readme = table_docs.README.read_text(encoding="utf-8")
    assert table_docs.with_lists(readme) == readme, "run: python -m scripts.style.table_docs"


MUSIC_TABLE_MISTAKES = [
    (
        ("effects", "reverb", "params", "room_size"),
        [2, 0, 1],
        "effects.reverb.room_size: the default",
    ),
    (("drum_voices", "kick"), 300, "drum_voices.kick: must be a General MIDI note 0..127, not 300"),
    (("voicings", "pad"), "", "voicings.pad: must be text"),
    (("effects", "ladder", "mode"), "notch", "effects.ladder.mode: must be one of its modes"),
    (("effects", "sub", "notes"), {"glide": "x"}, "effects.sub.notes.glide: is not one of its"),
]


@pytest.mark.parametrize(("place", "value", "message"), MUSIC_TABLE_MISTAKES)
def test_a_broken_music_table_is_named_in_one_line(tmp_path, place, value, message):
    data = json.loads(temporary.MUSIC_TABLES_PATH.read_text(encoding="utf-8"))
    inner = data
    for key in place[:-1]:
        inner = inner[key]
    inner[place[-1]] = value
    path = tmp_path / "music_tables.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError) as error:
        temporary.read_music_tables(path)
    assert str(error.value).startswith(f"music_tables.json: {message}"), str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.parametrize("text", ["{ not json", "[" * 100_000])
def test_a_music_table_file_that_is_no_json_is_named_in_one_line(tmp_path, text):
    path = tmp_path / "music_tables.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="^music_tables.json: the file: cannot be read as JSON"):
        temporary.read_music_tables(path)


BROKEN_FILES = {
    "notjson": ("{ this is not json", "is not valid JSON"),
    "wrongtype": ({"tempo": "fast"}, "tempo: must be [low, high]"),
    "slowfast": ({"tempo": [10, 400]}, "tempo[0]: 10 is out of range 30..300"),
    "onetempo": ({"tempo": 100}, "tempo: must be [low, high]"),
    "badgroove": (
        {"drums": {"main": {"kick": "x..x"}}},
        "drums.main.kick: has 4 steps: a bar here is 16",
    ),
    "typo": ({"tempoo": [90, 100]}, "tempoo: is not a field of a style"),
    "badeffect": ({"effects": {"master": [{"type": "wobbel"}]}}, "wobbel"),
    "effectobject": ({"effects": {"master": [{"type": {}}]}}, "unknown type {}"),
}


def write_broken_styles(folder: Path, library) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, (change, _) in BROKEN_FILES.items():
        if isinstance(change, str):
            (folder / f"{name}.json").write_text(change, encoding="utf-8")
            continue
        data = {**library["rock"].data, "name": name, "synonyms": [], **change}
        (folder / f"{name}.json").write_text(json.dumps(data), encoding="utf-8")


def test_a_malformed_style_file_gets_one_line_and_is_skipped(tmp_path, library):
    folder = tmp_path / "styles"
    write_broken_styles(folder, library)
    mine = {**library["reggae"].data, "label": "My reggae", "tempo": [90, 95]}
    (folder / "reggae.json").write_text(json.dumps(mine), encoding="utf-8")
    loaded = load_library(folder)
    for name, (_, message) in BROKEN_FILES.items():
        [line] = [p for p in loaded.problems if p.startswith(f"{name}.json:")]
        assert message in line and line.endswith("(skipped)") and "\n" not in line
        assert name not in loaded
    # The rest loads, and the user's own file replaces the shipped style of its name.
    assert len(loaded.styles) == len(library.styles)
    assert loaded["reggae"].label == "My reggae"


def test_the_cli_lists_the_styles_and_the_files_it_skipped(tmp_path, library):
    folder = tmp_path / "styles"
    write_broken_styles(folder, library)
    data = tmp_path / "data"
    data.mkdir()
    listed = run_launcher("styles", "--json", "--dir", str(folder), data=data)
    assert listed.returncode == 1  # some files were skipped
    names = [json.loads(line)["name"] for line in listed.stdout.splitlines()]
    assert names == library.names()
    warnings = [line for line in listed.stderr.splitlines() if line.startswith("warning: style")]
    assert len(warnings) == len(BROKEN_FILES) and "Traceback" not in listed.stderr
    clean = run_launcher("styles", data=data)
    assert clean.returncode == 0 and "reggaeton" in clean.stdout


def test_a_style_that_leaves_out_the_optional_fields_gets_the_schemas_defaults(library):
    data = json.loads(json.dumps(library["rock"].data))
    data["feel"] = {"swing": 0.5}
    data["parts"] = {role: {"program": 0, "rhythm": "x" * 16} for role in ("bass", "comp")}
    data["parts"]["bass"]["pattern"], data["parts"]["comp"]["voicing"] = "root", "triad"
    data["melody"] = {k: data["melody"][k] for k in ("program", "rhythm", "lengths", "register")}
    data["harmony"].pop("fit", None)
    data["harmony"].pop("sevenths", None)
    data.pop("mastering", None)
    spec = check(data)
    assert (spec.feel.swing_unit, spec.feel.humanize, spec.feel.crash) == (8, 0.0, True)
    bass, comp = spec.parts["bass"], spec.parts["comp"]
    assert (bass.octave, comp.octave, bass.velocity, bass.gate) == (2, 4, 90, 0.9)
    assert bass.rhythm_in("drop") == bass.rhythm and comp.voicing == "triad"
    melody = spec.melody
    assert (melody.idiom, melody.anticipate, melody.rests, melody.octave_double) == (
        "tune",
        0.0,
        True,
        False,
    )
    assert (spec.harmony.fit, spec.harmony.sevenths) == (0.5, 0.0)
    assert spec.mastering.balance == temporary.ROLE_BALANCE_LU
    assert spec.mastering.lufs == temporary.DEFAULT_LUFS


def test_a_style_file_must_be_named_for_its_style(tmp_path, library):
    path = tmp_path / "other.json"
    path.write_text(json.dumps(library["rock"].data), encoding="utf-8")
    with pytest.raises(ValueError, match="differs from the file name"):
        read_style(path)


# --- Songs: every style through the real pipeline ------------------------------------------------


# A style's own traits are measured on its song alone (tests/conftest.py makes each once a
# session, shared with the production tests); the checks over every style's song are heavy, on
# songs of their own.


@pytest.fixture(scope="module")
def song_of(style_song, library):
    """`song_of(name)`: the song of the shipped style `name`, read from its MIDI file."""

    def read(name: str) -> Song:
        sidecar, mp3, _ = style_song(library[name].label)
        return Song.read(mp3.parent / sidecar["files"]["mid"])

    return read


EVERY_STYLE_SEED = 20261201


@pytest.fixture(scope="module")
def songs(abc_model, library, tmp_path_factory) -> dict[str, tuple[dict, Song]]:
    """One song per shipped style, all at one seed, with their audio."""
    config = settings.defaults()
    config["settings"]["sample_rate"] = 22050  # half the work; the traits are the same
    song = song_maker(abc_model, tmp_path_factory.mktemp("every-style"), config, EVERY_STYLE_SEED)
    made = {}
    for name in library.names():
        sidecar, mp3, _ = song(library[name].label)
        made[name] = (sidecar, Song.read(mp3.parent / sidecar["files"]["mid"], mp3))
    return made


@pytest.mark.heavy
def test_every_style_makes_a_song_of_a_song_length(songs):
    for name, (sidecar, song) in songs.items():
        assert sidecar["arrangement"]["style"] == name
        assert 85 <= song.seconds() <= 250, (name, song.seconds())
        assert float(np.sqrt(np.mean(song.audio**2))) > 0.01, name
        assert abs(song.seconds() - sidecar["duration_seconds"]) < 1.0


@pytest.mark.heavy
def test_every_song_is_heard_at_its_written_tempo_in_its_styles_range(songs, library):
    """From the MP3: the tempo the MIDI and sidecar say is what the audio pulses at, and it lies
    in the style's range (the arranger's own figure alone would prove nothing)."""
    for name, (sidecar, song) in songs.items():
        low, high = library[name].spec.tempo
        assert low <= sidecar["tempo"] <= high, (name, sidecar["tempo"])
        assert heard_pulse(song, sidecar["tempo"]) >= PULSE, (name, sidecar["tempo"])


@pytest.mark.heavy
def test_every_songs_low_end_is_in_its_styles_band(songs, library):
    """The share of the MP3's power at 60-250 Hz lies in the band the style's records fall in
    (mastering.low_band). Before the mix was measured, metal had 1.7%, rock 2.7% and blues
    3.8% there, and a lullaby's harp bass 2%."""
    for name, (_, song) in songs.items():
        low, high = library[name].spec.mastering.low_band
        share = 100 * production.band_shares(song.audio[np.newaxis], PROBE_RATE)["low"]
        assert low <= share <= high, (name, round(share, 1), (low, high))


@pytest.mark.heavy
def test_songs_have_an_intro_the_tune_returning_and_an_ending(songs):
    for name, (sidecar, song) in songs.items():
        form = [part["section"] for part in sidecar["arrangement"]["form"]]
        assert form.count("A") + form.count("solo") >= 1 and form[-1] == "ending", name
        assert len(form) >= 4, (name, form)
        if song.notes("drums") and load_library()[name].spec.feel.crash:
            assert len(song.sections()) >= 4, (name, song.sections())  # a crash opens each


@pytest.mark.heavy
def test_no_drum_bar_repeats_unchanged_for_more_than_eight_bars(songs):
    for name, (_, song) in songs.items():
        bars: dict[int, set] = {}
        for note in song.notes("drums"):
            bar = int(note.time // song.bar)
            bars.setdefault(bar, set()).add((note.pitch, round((note.time % song.bar) * 4)))
        run = longest = 1
        for bar in range(1, max(bars, default=0) + 1):
            run = run + 1 if bars.get(bar) and bars.get(bar) == bars.get(bar - 1) else 1
            longest = max(longest, run)
        assert longest <= 8, (name, longest)


LEAD_BARS = 8  # of each half of the tune, where a section first plays it


def first_corpus_tunes() -> dict[str, str]:
    """The corpus's first tune in each meter, as the model writes one (its M: and K: lines)."""
    tunes: dict[str, str] = {}
    for block in corpus_text().split("\n\n"):
        meter = next((line[2:] for line in block.splitlines() if line.startswith("M:")), None)
        if meter:
            tunes.setdefault(meter.strip(), block.strip())
    return tunes


def lead_shapes(song) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    """For each half of the tune ("A", "B"), the lead the first section that plays it plays in
    its first LEAD_BARS bars: the onsets (sixteenths from the section's start) and the intervals
    from note to note (the top note of each onset: an octave double is one note)."""
    score = song.score.to("quarter")
    melody = next(track for track in score.tracks if track.name == "melody")
    shapes = {}
    for half in ("A", "B"):
        section = next(
            (s for s in song.sections if "melody" in s.roles and MELODY_HALF.get(s.name) == half),
            None,
        )
        if section is None:
            continue
        begin = section.start_bar * song.bar
        end = begin + min(section.bars, LEAD_BARS) * song.bar
        notes = sorted(
            (n for n in melody.notes if begin <= n.time < end), key=lambda n: (n.time, -n.pitch)
        )
        onsets = [round((n.time - begin) * 4) for n in notes]
        tops = [n for i, n in enumerate(notes) if i == 0 or onsets[i] != onsets[i - 1]]
        shapes[half] = (
            tuple(dict.fromkeys(onsets)),
            tuple(b.pitch - a.pitch for a, b in itertools.pairwise(tops)),
        )
    return shapes


def test_one_tune_is_led_differently_by_each_idiom(library, tmp_path):
    """The corpus's first tune in each style's meter, repaired and arranged as the pipeline does
    it, in every shipped style. Two styles of different idioms (melody.idiom) never play the
    same lead over the same tune, nor nearly the same, and leads of one idiom are more alike than
    leads of two (their intervals, from the score's melody track)."""
    config = settings.defaults()
    tunes = first_corpus_tunes()
    leads = {}
    for name in library.names():
        style = library[name]
        text = tunes[style.spec.meter]
        key = next(line[2:] for line in text.splitlines() if line.startswith("K:"))
        job = Job((style.label,), config, SongLibrary(tmp_path))
        defaults = {"X": "1", "T": "t", "M": style.spec.meter, "K": key}
        tune, stats, tempo = first_usable_tune(
            text, defaults, job.blend.tempo_for(1), config["settings"]["min_bars"]
        )
        song, _ = arrangement(job, tune, stats, tempo, SONG_SEED)
        assert job.blend.name == name and song.summary["meter"] == style.spec.meter
        leads[name] = lead_shapes(song)

    def idiom(name: str) -> str:
        return library[name].spec.melody.idiom

    def halves(a: str, b: str) -> list[str]:  # what both play: techno's melody waits for B
        return sorted(set(leads[a]) & set(leads[b]))

    def likeness(a: str, b: str) -> float:
        """How alike two leads' intervals are (difflib's ratio), 1.0 for the same."""
        return float(
            np.mean(
                [
                    difflib.SequenceMatcher(None, leads[a][h][1], leads[b][h][1], False).ratio()
                    for h in halves(a, b)
                ]
            )
        )

    together = [  # same meter, so the same tune
        (a, b)
        for a, b in itertools.combinations(leads, 2)
        if library[a].spec.meter == library[b].spec.meter and halves(a, b)
    ]
    apart = [(a, b) for a, b in together if idiom(a) != idiom(b)]
    assert len(apart) >= 100 and len({idiom(name) for name in leads}) >= 6
    same = [(a, b) for a, b in apart if all(leads[a][h] == leads[b][h] for h in halves(a, b))]
    assert same == []
    # Nor nearly the same: two idioms' leads are at most 0.61 alike (country's pentatonic lead
    # and jazz's tune as written; 0.54 to 0.61 at six seeds, a pentatonic lead one of the two at
    # five of them), where one note changed in a lead of 45 would leave about 0.95.
    nearest = max(apart, key=lambda pair: likeness(*pair))
    assert likeness(*nearest) < 0.8, (nearest, likeness(*nearest))
    # And the idiom shapes the lead more than the rest of the style does: measured 0.68 alike
    # within an idiom at the median, 0.33 across idioms (0.66-0.69 and 0.32-0.35 at six seeds).
    within = [likeness(a, b) for a, b in together if idiom(a) == idiom(b)]
    across = [likeness(a, b) for a, b in apart]
    assert np.median(within) >= np.median(across) + 0.2, (np.median(within), np.median(across))


@pytest.mark.heavy
def test_reggae_drops_kick_and_snare_on_beat_three(song_of):
    song = song_of("reggae")
    kick, snare = song.beat_share(KICKS), song.beat_share(SNARES)
    assert kick[2] > 0.8 and kick[0] < 0.1 and snare[2] > 3 * max(snare[0], snare[1], snare[3])


def test_house_has_the_kick_on_every_beat_and_claps_on_two_and_four(song_of):
    song = song_of("house")
    kick = song.beat_share(KICKS)
    assert all(0.2 <= share <= 0.3 for share in kick)
    claps = song.beat_share((39,))
    assert claps[1] + claps[3] > 0.9


@pytest.mark.heavy
def test_jazz_walks_four_to_the_bar_and_swings_near_two_to_one(song_of):
    song = song_of("jazz")
    assert song.bass_motion()["walking"] > 0.6
    assert 0.6 <= song.swing_ratio() <= 0.72
    assert song.seventh_share() > 0.8
    # The rhythm guitar comps just above the walking bass: none of its notes sits on the bass note
    # sounding under it or a tone above (a muddy low end).
    bass = sorted(song.notes("bass"), key=lambda note: note.time)
    starts = [note.time for note in bass]
    guitar = song.notes("pad")
    on_the_bass = 0
    for note in guitar:
        under = bisect.bisect_right(starts, note.time) - 1
        sounding = under >= 0 and bass[under].time + bass[under].duration > note.time
        on_the_bass += sounding and note.pitch <= bass[under].pitch + 2
    assert on_the_bass <= 0.02 * len(guitar), (on_the_bass, len(guitar))


def heard_pulse(song: Song, tempo: float) -> float:
    """How strongly the song's MP3 pulses at `tempo` (tests/production.py)."""
    pcm, rate = production.decode(song.path.with_suffix(".mp3"))
    return production.pulse_strength(pcm, rate, tempo)


# The written tempo (or its eighths, triplets, sixteenths) pulses at half the song's strongest
# pulse at least; a tempo 7-20% off reads 0.0-0.4 on the shipped styles' songs.
PULSE = 0.5


def test_dubstep_puts_its_snare_on_three_at_about_140(song_of):
    song = song_of("dubstep")
    assert 135 <= song.tempo <= 145 and heard_pulse(song, song.tempo) >= PULSE
    snare = song.beat_share(SNARES)  # half time: the backbeat on 3, not on 2 and 4
    assert snare[2] > 3 * max(snare[1], snare[3])


@pytest.mark.heavy
def test_a_waltz_is_in_three_with_the_bass_on_one(song_of):
    song = song_of("waltz")
    assert song.meter == (3, 4)
    bass = song.notes("bass")
    on_one = sum(abs(n.time % song.bar) < 0.1 or song.bar - n.time % song.bar < 0.1 for n in bass)
    assert on_one / len(bass) > 0.5


def test_ambient_has_no_kick(song_of):
    assert song_of("ambient").drum_hits(KICKS) == []


@pytest.mark.heavy
def test_metal_drums_harder_than_rock_and_funk_is_not_a_happy_vibraphone(song_of):
    rock, metal = song_of("rock").features(), song_of("heavy_metal").features()
    assert metal["drums_per_bar"] > rock["drums_per_bar"]
    assert song_of("funk").track("melody").program != 11  # vibraphone


def test_a_rendered_file_is_arranged_by_the_same_engine(tmp_path):
    tune = tmp_path / "tune.abc"
    tune.write_text(corpus_text().split("\n\n")[0], encoding="utf-8")  # one tune will do
    data = tmp_path / "data"
    data.mkdir()
    out = tmp_path / "out"
    done = run_launcher("render", str(tune), "--styles", "Reggae", "--out", str(out), data=data)
    assert done.returncode == 0, done.stderr
    sidecars = [json.loads(p.read_text(encoding="utf-8")) for p in out.glob("*-*.json")]
    [sidecar] = sidecars
    assert sidecar["arranged_as"] == "Reggae → reggae"
    assert sidecar["arrangement"]["form"][0]["section"] == "intro"


@pytest.mark.heavy
def test_house_pads_pump_against_the_kick_in_the_audio(abc_model, style_song, tmp_path):
    """Two songs made by the whole pipeline at one seed: shipped house, and house from a user's
    styles folder where a copy of it, by the same name, has no sidechain. The MIDI files are the
    same byte for byte, so the two MP3s differ only by the ducking. In the pad's band, over the
    beats the pad holds, the sidechained song is quieter than the plain one just after each kick
    and not later in the beat; over the beats without the pad the two move alike."""
    shipped, shipped_mp3, _ = style_song("House")
    house = json.loads((temporary.STYLES_DIR / "house.json").read_text(encoding="utf-8"))
    for chain in house["effects"]["tracks"].values():
        chain[:] = [effect for effect in chain if effect["type"] != "sidechain"]
    styles = tmp_path / "styles"
    styles.mkdir()
    (styles / "house.json").write_text(json.dumps(house), encoding="utf-8")
    config = settings.defaults()  # style_song's settings, but for the user's styles folder
    config["settings"]["styles_dir"] = str(styles)
    (tmp_path / "songs").mkdir()
    plain, plain_mp3, _ = song_maker(abc_model, tmp_path / "songs", config, SONG_SEED)("House")
    assert "sidechain" in shipped["arrangement"]["effects"]["pad"]
    assert "sidechain" not in plain["arrangement"]["effects"]["pad"]  # the user's house played
    midi = shipped_mp3.parent / shipped["files"]["mid"]
    assert (plain_mp3.parent / plain["files"]["mid"]).read_bytes() == midi.read_bytes()

    pumped, rate = production.decode(shipped_mp3)
    steady, _ = production.decode(plain_mp3)
    assert pumped.shape == steady.shape
    frame_s = 0.01
    # The pad's chords (program 89 at octave 4) sound from 150 to 500 Hz.
    ratio_db = production.band_envelope(pumped, rate, 150, 500, frame_s) - production.band_envelope(
        steady, rate, 150, 500, frame_s
    )
    starts, beat = production.beat_starts(midi, KICKS)
    seconds = symusic.Score.from_file(str(midi)).to("second")
    pad = [note for track in seconds.tracks if track.name == "pad" for note in track.notes]

    def pad_holds(start: float) -> bool:
        return any(n.time <= start + 0.05 and n.time + n.duration >= start + beat for n in pad)

    with_pad = [start for start in starts if pad_holds(start)]
    without = [
        start
        for start in starts
        if not any(n.time < start + beat and n.time + n.duration > start for n in pad)
    ]
    assert len(with_pad) >= 64 and len(without) >= 64, (len(with_pad), len(without))

    def dip(beats: list[float]) -> tuple[float, np.ndarray]:
        """How many dB the sidechained song is under the plain one in the first three eighths of
        the beat, against the last half (the mastering's overall level cancels out)."""
        shape = production.folded_on_beats(ratio_db, frame_s, beats, beat)
        return float(shape[4:].mean() - shape[:3].mean()), shape

    pumping, shape = dip(with_pad)
    untouched, control = dip(without)
    # Measured: 1.24 dB where the pad holds, 0.03 dB where there is none (1.15 and 1.07 dB at
    # two other seeds); the broadband level dips by only 0.3 dB, the bass and hats hide it.
    assert pumping >= 0.6, (pumping, shape.round(2))
    assert int(np.argmin(shape)) < 3 and abs(untouched) <= 0.2, (untouched, control.round(2))


def test_a_song_is_rebuilt_exactly_from_its_seed_and_styles(abc_model, style_song, tmp_path):
    """The session's funk song made again, in another folder at another sample rate (the
    audio's, which the arrangement does not depend on): the same MIDI, the same arrangement."""
    first, mp3, _ = style_song("Funk")
    config = settings.defaults()
    config["settings"]["sample_rate"] = 22050
    again, _, _ = song_maker(abc_model, tmp_path, config, SONG_SEED)("Funk")
    first_midi = (mp3.parent / first["files"]["mid"]).read_bytes()
    assert (tmp_path / again["files"]["mid"]).read_bytes() == first_midi
    assert first["arrangement"] == again["arrangement"] and first["seed"] == again["seed"]
    assert first["arrangement"]["effects"]["bass"]  # the chains it went through are named


@pytest.mark.parametrize(("meter", "signature"), [("C", (4, 4)), ("C|", (2, 2)), ("6/8", (6, 8))])
def test_a_tune_in_any_written_meter_is_arranged(library, meter, signature):
    tune = f"X:1\nT:t\nM:{meter}\nL:1/8\nQ:1/4=120\nK:G\n|:GABc dedB|dedB dedB|c2ec B2dB:|\n"
    melody, _ = abc_to_midi(tune)
    song = arrange_song(melody, blend(("Rock",), library), parse_key("G"), 120, meter, 1)
    written = song.score.time_signatures[0]
    assert (written.numerator, written.denominator) == signature
    assert song.summary["meter"] == f"{signature[0]}/{signature[1]}" and song.score.note_num()


def rising_crossings_hz(wave: np.ndarray) -> np.ndarray:
    """The frequency of each cycle of a sine, from one upward zero crossing to the next."""
    up = np.flatnonzero((wave[:-1] < 0) & (wave[1:] >= 0))
    return RATE / np.diff(up)


def test_traps_808_moves_at_each_note_and_its_sub_slides_into_the_new_pitch(library):
    """The glide pattern gives the 808 a new pitch at nearly every note; trap's sub, rendered
    alone from the real arrangement, starts a new note at the pitch before and slides to its
    own, where a sub without glide_ms is at its pitch from the first cycle."""
    tune = "X:1\nT:t\nM:4/4\nL:1/8\nQ:1/4=140\nK:Am\n|:A2cA e2dc|B2GB d2cB|A2cA e2a2|g2e2 a4:|\n"
    melody, _ = abc_to_midi(tune)
    song = arrange_song(melody, blend(("Trap",), library), parse_key("Am"), 140, "4/4", 1)
    seconds = song.score.to("second")
    bass = next(track for track in seconds.tracks if track.name == "bass")
    pitches = [note.pitch for note in bass.notes]
    assert sum(a != b for a, b in itertools.pairwise(pitches)) >= 0.75 * (len(pitches) - 1)
    first_bars = bass.clip(0.0, bass.notes[0].time + 6.0, False, False)
    alone = symusic.Score(seconds.ticks_per_quarter, ttype="second")
    alone.tempos = seconds.tempos
    alone.tracks.append(first_bars)
    sub = next(e for e in library["trap"].spec.effects.tracks["bass"] if e["type"] == "sub")
    assert sub["glide_ms"] > 0

    def sub_sound(entry: dict) -> np.ndarray:
        chain = {"tracks": {"bass": [entry]}, "master": []}
        with_sub = render_mix(alone, chain, default_soundfont(), RATE, 1)[0]
        plain = render_mix(alone, {"master": []}, default_soundfont(), RATE, 1)[0]
        return with_sub[: len(plain)] - plain[: len(with_sub)]

    gliding, plain = sub_sound(sub), sub_sound({**sub, "glide_ms": 0})
    notes = first_bars.notes
    moves = [
        (before, note)
        for before, note in itertools.pairwise(notes)
        if before.pitch != note.pitch and note.duration >= 0.25
    ]
    assert moves
    for before, note in moves:
        start, end = round((note.time + 0.004) * RATE), round((note.time + 0.25) * RATE)
        old, new = (440 * 2 ** ((p - 69) / 12) for p in (before.pitch, note.pitch))
        low, high = sorted((old, new))
        slide = rising_crossings_hz(gliding[start:end])
        between = [hz for hz in slide if low + 0.2 * (high - low) < hz < high - 0.2 * (high - low)]
        assert between, (old, new, slide)
        assert abs(slide[-1] - new) < 0.08 * new, (old, new, slide)
        jump = rising_crossings_hz(plain[start:end])
        assert abs(jump[0] - new) < 0.08 * new, (old, new, jump)
