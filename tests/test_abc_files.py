"""Real-world ABC files (tests/abc_files, see SOURCES.md there) are played as written: every tune
renders, as long as the MIDI abc2midi writes for it, with the file's own instruments."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from scripts import settings, temporary
from scripts.library.song_library import SongLibrary
from scripts.notation.abc_file import written_tunes
from scripts.notation.abc_notation import AbcError
from scripts.song.pipeline import Job, render_text
from tests.audio_probe import seconds_and_rms
from tests.conftest import run_launcher

FILES = Path(__file__).parent / "abc_files"
PLAYABLE = sorted(path for path in FILES.glob("*.abc") if written_tunes(path.read_text()))
SILENCE_RMS = 0.005
MP3_SLACK_S = 0.1  # MP3 frames
HEARD_S = 0.05  # the last note sounds at least this long


def notes_span(path: Path) -> tuple[float, float]:
    """When the MIDI's last note starts and when its last note stops, read by mido (not by
    symusic, which renders it)."""
    clock = start = end = 0.0
    for message in mido.MidiFile(path):
        clock += message.time
        if message.type in ("note_on", "note_off"):
            end = clock
            if message.type == "note_on" and message.velocity:
                start = clock
    return start, end


@pytest.fixture(scope="module")
def render_file(tmp_path_factory):
    """`render_file(name)`: the file rendered in process, as `launcher.py render FILE` does, once
    a module: (the output folder, {(name, tune number): (sidecar, error)})."""
    folder = tmp_path_factory.mktemp("output")
    config = settings.defaults()
    config["settings"]["sample_rate"] = 22050  # half the work; the lengths are the same
    results: dict[str, dict] = {}

    def render(name: str) -> tuple[Path, dict]:
        if name not in results:
            results[name] = {}
            job = Job(styles=(), config=config, library=SongLibrary(folder))
            render_text(
                job,
                (FILES / name).read_text(),
                Path(name).stem,
                lambda number, sidecar, error: results[name].update(
                    {(name, number): (sidecar, error)}
                ),
            )
        return folder, results[name]

    return render


@pytest.fixture(scope="module")
def rendered(render_file):
    """Every file rendered: (the output folder, {(name, tune number): (sidecar, error)})."""
    results = {}
    for path in PLAYABLE:
        folder, found = render_file(path.name)
        results.update(found)
    return folder, results


def test_the_collection_is_varied():
    texts = [tune.text for path in PLAYABLE for tune in written_tunes(path.read_text())]
    assert len(texts) >= 70
    for feature in ("V:", "%%MIDI drum", "%%MIDI program", "gchord", "w:", "(3", "{", "[K:"):
        assert any(feature in text for text in texts), feature


@pytest.mark.heavy
def test_every_tune_renders_as_long_as_abc2midi_plays_it(rendered):
    folder, results = rendered
    errors = [error for _, error in results.values() if error]
    assert not errors
    assert len(results) == sum(len(written_tunes(path.read_text())) for path in PLAYABLE)
    for key, (sidecar, _) in results.items():
        seconds, rms = seconds_and_rms(folder / sidecar["files"]["mp3"])
        last_start, end = notes_span(folder / sidecar["files"]["mid"])
        assert rms > SILENCE_RMS, f"{key} is silent"
        # The last note is heard (a struck or plucked one may die away before its written
        # end, as it does in FluidSynth), and at most the room the mix leaves for its release.
        shortest = last_start + HEARD_S - MP3_SLACK_S
        longest = end + temporary.MIX_TAIL_S + MP3_SLACK_S
        assert shortest <= seconds <= longest, (key, seconds, last_start, end)


def test_a_tune_is_played_as_written(render_file):
    folder, results = render_file("abcmidi-drums.abc")
    sidecar, _ = results[("abcmidi-drums.abc", 1)]  # rests and %%MIDI drum lines only
    written = written_tunes((FILES / "abcmidi-drums.abc").read_text())[0]
    assert (folder / sidecar["files"]["abc"]).read_text() == written.text
    assert sidecar["as_written"] and sidecar["styles"] == [] and sidecar["title"] == "drums"
    # 12 bars of 2/4 at abc2midi's default 120 quarters a minute
    assert notes_span(folder / sidecar["files"]["mid"])[1] == pytest.approx(12.0, abs=0.1)
    folder, results = render_file("abcm2ps-voices.abc")
    sidecar, _ = results[("abcm2ps-voices.abc", 7)]  # three voices, each with its program
    assert sidecar["title"] == "Qui Tolis (Trio)"
    changes = {
        message.program
        for message in mido.MidiFile(folder / sidecar["files"]["mid"])
        if message.type == "program_change"
    }
    assert {78, 56} <= changes


def test_words_go_to_the_sidecar(render_file):
    _, results = render_file("abcm2ps-newfeatures.abc")
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


def test_a_midi_program_no_synthesizer_has_is_said_in_the_tunes_terms(tmp_path, data_dir):
    """Issue 19: "%%MIDI program 999" was "the MIDI cannot be read: Get program=231"."""
    source = tmp_path / "odd.abc"
    source.write_text("X:1\nT:Odd\nM:4/4\nL:1/8\n%%MIDI program 999\nK:C\nCDEF GABc|c8|]\n")
    result = run_launcher("render", str(source), "--out", str(tmp_path / "out"), data=data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'tune 1 skipped: "Odd" (X:1): convert: %%MIDI program 999: a MIDI program is 0 to 127'
    )


def test_a_tune_too_long_for_abc2midi_is_said_to_be_too_long(tmp_path, data_dir):
    """Issue 19: 10,000 bars played as written were "abc2midi wrote no notes"."""
    body = "|".join(["CDEF GABc"] * 10_000)
    lines = "\n".join(body[i : i + 80] for i in range(0, len(body), 80))
    source = tmp_path / "long.abc"
    source.write_text(f"X:1\nT:Long\nM:4/4\nL:1/8\nK:C\n{lines}|]\n")
    result = run_launcher("render", str(source), "--out", str(tmp_path / "out"), data=data_dir)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        'tune 1 skipped: "Long" (X:1): convert: about 10000 bars: too long (over 15 minutes at '
        "any tempo)"
    )


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
    sidecar = json.loads(result.stdout)
    assert not sidecar["as_written"] and sidecar["styles"] == ["Rock"]
    assert sidecar["arranged_as"] and sidecar["bars"] == 2  # no minimum for the user's own tune
    drums = [t for t in mido.MidiFile(out / sidecar["files"]["mid"]).tracks if is_drum_track(t)]
    assert drums, "the style's drums are not in the song"


def is_drum_track(track) -> bool:
    return any(m.type == "note_on" and m.channel == 9 for m in track)
