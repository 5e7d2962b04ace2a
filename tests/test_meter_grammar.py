"""The meter grammar: built for every meter the styles ask for, parsed by the real llama.cpp (in a
child process: a bad grammar would crash this one), and holding a real model's bars to the meter."""

import threading

import pytest

from scripts import settings
from scripts.model import grammars
from scripts.model.models import LocalModel, Sampling
from scripts.notation import abc_analysis
from scripts.notation.abc_notation import extract_tunes, repair
from scripts.notation.meter_grammar import bar_quarters, bars_lasting, meter_grammar
from scripts.song.pipeline import body_grammar
from scripts.style.style_library import load_library
from scripts.temporary import METER_GRAMMAR_BARS

STYLES = load_library().styles.values()
METERS = sorted({style.spec.meter for style in STYLES})


@pytest.mark.parametrize("meter", METERS)
def test_every_styles_meter_has_a_grammar_llama_cpp_accepts(meter):
    grammar = meter_grammar(meter, "1/8", *METER_GRAMMAR_BARS)
    assert grammars.checked(grammar) == grammar


@pytest.mark.parametrize(
    ("meter", "unit", "quarters"),
    [
        ("4/4", "1/8", 32),
        ("6/8", "1/8", 24),
        ("3/4", "1/8", 24),
        ("C|", "1/8", 32),
        ("2/4", "1/16", 32),
    ],
)
def test_a_bar_is_counted_in_quarters_of_the_unit(meter, unit, quarters):
    assert bar_quarters(meter, unit) == quarters


def test_a_meter_without_a_grammar_leaves_the_model_free():
    config = settings.defaults()["settings"]
    assert body_grammar(config, {"meter": "free", "unit": "1/8"}, 120) is None  # no bar length
    off = {**config, "meter_grammar": False}
    assert body_grammar(off, {"meter": "4/4", "unit": "1/8"}, 120) is None


@pytest.mark.parametrize(
    ("meter", "tempo", "bars"),
    [("4/4", 120, 10), ("3/4", 132, 15), ("3/4", 240, 27), ("6/8", 60, 7)],
)
def test_enough_bars_are_asked_for_twenty_seconds(meter, tempo, bars):
    assert bars_lasting(20, meter, tempo) == bars
    grammar = body_grammar(settings.defaults()["settings"], {"meter": meter, "unit": "1/8"}, tempo)
    assert f"bar{{{max(bars, METER_GRAMMAR_BARS[0])}," in grammar


@pytest.mark.parametrize(("meter", "seed"), [("4/4", 1), ("6/8", 2), ("3/4", 3)])
def test_a_model_under_the_grammar_writes_every_bar_in_meter(abc_model, meter, seed):
    config = {**settings.defaults()["settings"], "max_tokens": 1500}
    model = LocalModel(abc_model, config)
    header = f"X:1\nM:{meter}\nL:1/8\nK:D\n"
    text = model.complete(
        header,
        Sampling.from_settings(config),
        seed,
        ["\n\n"],
        lambda count: None,
        threading.Event(),
        meter_grammar(meter, "1/8", *METER_GRAMMAR_BARS),
    )
    stats = abc_analysis.analyse(repair(extract_tunes(header + text)[0], {}))
    # The bigram model alone fills about one bar in five (bench/quality.py); here every one but
    # a pickup and the last.
    full = [bar for bar in stats.bars if bar.duration == bar.meter]
    assert len(full) >= len(stats.bars) - 2 and len(full) >= METER_GRAMMAR_BARS[0]
