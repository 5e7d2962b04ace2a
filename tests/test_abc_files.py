"""Real-world ABC files (tests/abc_files, see SOURCES.md there) are played as written: every tune
renders, as long as the MIDI abc2midi writes for it, with the file's own instruments."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from scripts import settings
from scripts.abc_file import written_tunes
from scripts.abc_notation import AbcError
from scripts.pipeline import Job, render_text
from scripts.song_library import SongLibrary
from tests.audio_probe import seconds_and_rms
from tests.conftest import run_launcher

FILES = Path(__file__).parent / "abc_files"
PLAYABLE = sorted(path for path in FILES.glob("*.abc") if written_tunes(path.read_text()))
SILENCE_RMS = 0.005
LENGTH_TOLERANCE_S = 0.6  # MP3 frames and the synthesizer's last release


def notes_end(path: Path) -> float:
    """When the MIDI's last note stops, read by mido (not by symusic, which renders it)."""
    clock = end = 0.0
    for message in mido.MidiFile(path):
        clock += message.time
        if message.type in ("note_on", "note_off"):
            end = clock
    return end


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Every file rendered once, in process, as `launcher.py render FILE` does."""
    folder = tmp_path_factory.mktemp("output")
    config = settings.defaults()
    config["settings"]["sample_rate"] = 22050  # half the work; the lengths are the same
    results = {}
    for path in PLAYABLE:
        job = Job(styles=(), config=config, library=SongLibrary(folder))
        render_text(
            job,
            path.read_text(),
            path.stem,
            lambda number, sidecar, error, name=path.name: results.update(
                {(name, number): (sidecar, error)}
            ),
        )
    return folder, results


def test_the_collection_is_varied():
    texts = [tune.text for path in PLAYABLE for tune in written_tunes(path.read_text())]
    assert len(texts) >= 70
    for feature in ("V:", "%%MIDI drum", "%%MIDI program", "gchord", "w:", "(3", "{", "[K:"):
        assert any(feature in text for text in texts), feature


def test_every_tune_renders_as_long_as_abc2midi_plays_it(rendered):
    folder, results = rendered
    errors = [error for _, error in results.values() if error]
    assert not errors
    assert len(results) == sum(len(written_tunes(path.read_text())) for path in PLAYABLE)
    for key, (sidecar, _) in results.items():
        seconds, rms = seconds_and_rms(folder / sidecar["files"]["mp3"])
        expected = notes_end(folder / sidecar["files"]["mid"])
        assert rms > SILENCE_RMS, f"{key} is silent"
        assert abs(seconds - expected) <= LENGTH_TOLERANCE_S, (key, seconds, expected)


def test_a_tune_is_played_as_written(rendered):
    folder, results = rendered
    sidecar, _ = results[("abcmidi-drums.abc", 1)]  # rests and %%MIDI drum lines only
    written = written_tunes((FILES / "abcmidi-drums.abc").read_text())[0]
    assert (folder / sidecar["files"]["abc"]).read_text() == written.text
    assert sidecar["as_written"] and sidecar["styles"] == [] and sidecar["title"] == "drums"
    assert sidecar["duration_seconds"] == pytest.approx(12.0, abs=0.3)  # 12 bars of 2/4 at 120
    sidecar, _ = results[("abcm2ps-voices.abc", 7)]  # three voices, each with its program
    assert sidecar["title"] == "Qui Tolis (Trio)"
    changes = {
        message.program
        for message in mido.MidiFile(folder / sidecar["files"]["mid"])
        if message.type == "program_change"
    }
    assert {78, 56} <= changes


def test_words_go_to_the_sidecar(rendered):
    _, results = rendered
    sidecar, _ = results[("abcm2ps-newfeatures.abc", 4)]  # "Vocals"
    assert sidecar["lyrics"] and sidecar["lyrics"][0]["lines"]


def test_a_file_without_tunes_says_so():
    job = Job(styles=(), config=settings.defaults(), library=SongLibrary(Path("/nonexistent")))
    with pytest.raises(AbcError, match="no ABC tune"):
        render_text(job, (FILES / "abcm2ps-glyphs.abc").read_text(), "glyphs", print)


def test_cli_reports_only_the_unplayable_tune(tmp_path, data_dir):
    source = tmp_path / "mine.abc"
    source.write_text(
        "X:1\nT:Two bars\nM:2/4\nL:1/8\nK:G\nGABc|d4|]\n\n"
        "X:2\nT:Nothing to play\nK:C\n\n"
        "X:3\nT:Round\nM:3/4\nL:1/4\nK:D\nDEF|AFD|ABc|d3|]\n"
    )
    result = run_launcher("render", str(source), "--out", str(tmp_path / "out"), data=data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'tune 2 skipped: "Nothing to play" (X:2): convert: abc2midi wrote no notes'
    )
    assert len(result.stdout.splitlines()) == 2


def test_cli_file_without_tunes_is_one_line(tmp_path, data_dir):
    result = run_launcher("render", str(FILES / "abcm2ps-glyphs.abc"), data=data_dir)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no ABC tune found" in result.stderr


def test_styles_arrange_a_short_tune(tmp_path, data_dir):
    source = tmp_path / "short.abc"
    source.write_text("X:1\nT:Exercise\nM:4/4\nL:1/8\nK:C\nCDEF GABc|c8|]\n")
    out = tmp_path / "out"
    result = run_launcher(
        "render", str(source), "--styles", "Rock", "--out", str(out), "--json", data=data_dir
    )
    assert result.returncode == 0, result.stderr
    abc = next(out.glob("*.abc")).read_text()
    assert "%%MIDI program" in abc and "CDEF" in abc.replace(" ", "")
