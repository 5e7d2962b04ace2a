"""Every tune of the folk-rnn corpus (real model output) becomes a playable song."""

import pytest

from scripts import settings
from scripts.library.song_library import SongLibrary
from scripts.notation.abc_analysis import analyse
from scripts.notation.abc_notation import extract_tunes, repair
from scripts.song.pipeline import Job, render_text
from tests.audio_probe import seconds_and_rms, tags
from tests.conftest import corpus_text

LENGTH_TOLERANCE = 0.10
SILENCE_RMS = 0.005


def render(text: str, folder):
    """The tunes of `text` rendered in process, as `launcher.py render` does: ({number: (sidecar,
    error)}, the number that failed)."""
    job = Job(styles=(), config=settings.defaults(), library=SongLibrary(folder))
    results = {}
    failures = render_text(
        job,
        text,
        "folk-rnn",
        lambda number, sidecar, error: results.update({number: (sidecar, error)}),
    )
    return results, failures


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """All 64 tunes rendered once: (the output folder, results, failures)."""
    folder = tmp_path_factory.mktemp("output")
    return folder, *render(corpus_text(), folder)


@pytest.mark.heavy
def test_every_tune_renders(rendered):
    _, results, failures = rendered
    assert failures == 0, [error for _, error in results.values() if error]
    assert len(results) == len(extract_tunes(corpus_text())) == 64


@pytest.mark.heavy
def test_every_mp3_is_audible_and_as_long_as_its_tune(rendered):
    folder, results, _ = rendered
    for number, (sidecar, _) in results.items():
        seconds, rms = seconds_and_rms(folder / sidecar["files"]["mp3"])
        # The tune's own length: bars and repeats read from the ABC at its tempo (not abc2midi's).
        bpm = int(sidecar["tempo"])
        expected = _tune_seconds(folder / sidecar["files"]["abc"], bpm)
        assert rms > SILENCE_RMS, f"tune {number} is silent"
        assert abs(seconds - expected) <= LENGTH_TOLERANCE * expected, (number, seconds, expected)


def test_sidecar_and_tags_describe_the_song(tmp_path):
    first = corpus_text().split("\n\n")[0]  # the first tune alone
    results, failures = render(first, tmp_path)
    assert failures == 0 and list(results) == [1]
    sidecar, _ = results[1]
    folder = tmp_path
    for extension in ("mp3", "abc", "mid"):
        assert (folder / sidecar["files"][extension]).stat().st_size > 0
    found = tags(folder / sidecar["files"]["mp3"])
    assert found["title"] == sidecar["title"] == "folk-rnn 1"
    assert found["artist"] == sidecar["artist"]
    assert "seed" in found["comment"]
    assert not list(folder.glob("*.part"))


def _tune_seconds(abc_path, bpm) -> float:
    raw = extract_tunes(abc_path.read_text())[0]
    return analyse(repair(raw, {})).seconds(bpm)
