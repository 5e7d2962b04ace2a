"""Finding, repairing and reading ABC tunes in model output."""

import contextlib
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.notation.abc_analysis import analyse, parse_key, validate
from scripts.notation.abc_notation import AbcError, extract_tunes, repair
from scripts.song.pipeline import first_usable_tune, prepare_tune
from tests.conftest import corpus_text

DEFAULTS = {"X": "1", "T": "Untitled", "M": "4/4", "K": "C"}
TUNE = """X:1
T:Blue Reel
M:4/4
L:1/8
K:G
|:GABc dedB|dedB dedB|c2ec B2dB|c2A2 A2BA|
GABc dedB|dedB dedB|c2ec B2dB|A2F2 G4:|
"""


def test_finds_the_tune_inside_prose_and_a_code_fence():
    text = f"Sure! Here is a reel for you:\n\n```abc\n{TUNE}```\n\nEnjoy playing it!"
    [raw] = extract_tunes(text)
    tune = repair(raw, DEFAULTS)
    assert tune.title == "Blue Reel"
    assert tune.headers["K"] == "G"
    assert analyse(tune).full_bars == 8


def test_finds_every_tune_of_several():
    text = TUNE + "\n" + TUNE.replace("X:1", "X:2").replace("Blue Reel", "Green Jig")
    titles = [repair(raw, DEFAULTS).title for raw in extract_tunes(text)]
    assert titles == ["Blue Reel", "Green Jig"]


def test_a_text_with_no_tune_says_so():
    with pytest.raises(AbcError, match="no ABC tune"):
        extract_tunes("I am sorry, I cannot write music.\nBad bed, a faded cafe.")


def test_folk_rnn_output_gets_headers_and_joined_lengths():
    raw = extract_tunes("M:6/8\nK:Cmaj\nd | e ^d e c G E | G 3 F E D | E G c B c d |\n")[0]
    tune = repair(raw, DEFAULTS)
    assert tune.headers["X"] == "1" and tune.headers["L"] == "1/8"
    assert any("joined" in r for r in tune.repairs)
    assert "G3" in tune.to_text()
    assert [bar.duration for bar in analyse(tune).bars[1:3]] == [Fraction(3, 4)] * 2


def test_garbage_inside_a_music_line_is_dropped_not_fatal():
    raw = extract_tunes("X:1\nK:D\n|: ABcd efga | b2a2 g2f2 | e4 d4 | A8 :| c9999 dj |\n")[0]
    tune = repair(raw, DEFAULTS)
    text = tune.to_text()
    assert "j" not in text.split("K:D")[1] and "9999" not in text
    assert any("absurd" in r for r in tune.repairs)


def test_a_cut_off_last_bar_is_dropped():
    text = "X:1\nM:4/4\nL:1/8\nK:C\n" + "CDEF GABc | " * 8 + "cBA"
    tune, stats, _ = prepare_tune(extract_tunes(text)[0], DEFAULTS, None, 8)
    assert stats.full_bars == 8
    assert "dropped an unfinished last bar" in tune.repairs
    assert tune.to_text().rstrip().endswith("|]")


def test_unreadable_headers_fall_back_to_defaults():
    text = "X:1\nM:banana\nK:|:1/8\n" + "|CDEF GABc" * 8 + "|\n"
    tune, _, _ = prepare_tune(extract_tunes(text)[0], DEFAULTS, None, 8)
    assert tune.headers["M"] == "4/4" and tune.headers["K"] == "C"


def test_one_note_repeated_is_not_a_melody():
    raw = extract_tunes("X:1\nK:C\n" + "|C2C2 C2C2" * 10 + "|\n")[0]
    with pytest.raises(AbcError, match="different notes"):
        validate(analyse(repair(raw, DEFAULTS)), 120, 8)


def test_too_few_bars_is_rejected_with_the_count():
    with pytest.raises(AbcError, match="only 2 bars"):
        first_usable_tune("X:1\nK:C\n|CDEF GABc|cBAG FEDC|\n", DEFAULTS, None, 8)


@pytest.mark.parametrize(
    ("field", "tonic", "mode", "fifths"),
    [
        ("G", "G", "maj", 1),
        ("Dm", "D", "min", -1),
        ("Ador", "A", "dor", 1),
        ("F#m", "F#", "min", 3),
        ("Bb", "Bb", "maj", -2),
        ("Cmix", "C", "mix", -1),
        ("E minor", "E", "min", 1),
        ("HP", "C", "maj", 0),
    ],
)
def test_key_signatures(field, tonic, mode, fifths):
    key = parse_key(field)
    assert (key.tonic, key.mode, key.fifths) == (tonic, mode, fifths)


def test_repeats_and_endings_count_in_the_play_length():
    text = "X:1\nM:4/4\nL:1/4\nK:C\n|: CDEF | GABc |1 cBAG :|2 cBAc |]\n"
    stats = analyse(repair(extract_tunes(text)[0], DEFAULTS))
    # body (2 bars) twice, each ending once: 6 bars of 4/4
    assert stats.play_whole_notes == 6


def test_every_corpus_tune_survives_preparation():
    raws = extract_tunes(corpus_text())
    assert len(raws) == 64
    for raw in raws:
        prepare_tune(raw, DEFAULTS, 180, 8)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.text(
        alphabet=st.sampled_from(list("ABCDEFGabcdefgzxXMLKT:|[]()\"!^_=,'/<>{}-~.0123456789 \n%"))
        | st.characters(),
        max_size=400,
    )
)
def test_any_text_gives_a_tune_or_an_abc_error(text):
    with contextlib.suppress(AbcError):
        first_usable_tune(text, DEFAULTS, 76, 1)
