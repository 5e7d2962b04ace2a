"""The model stage and whole songs, through the real llama.cpp with tiny GGUF models."""

import threading

import pytest

from scripts import settings
from scripts.library.song_library import SongLibrary
from scripts.model.models import Cancelled, LocalModel, ModelError, Sampling
from scripts.song.pipeline import Job, SongFailed, generate_song
from scripts.style.style_library import load_library
from scripts.temporary import KEYS_BY_MODE
from tests.audio_probe import seconds_and_rms, tags

PROMPT = "X:1\nM:4/4\nL:1/8\nK:Am\n"


@pytest.fixture(scope="module")
def config():
    return settings.defaults()


@pytest.fixture(scope="module")
def model(abc_model, config):
    return LocalModel(abc_model, config["settings"])


def complete(model, config, seed, cancel=None, on_token=lambda n: None):
    sampling = Sampling.from_settings(config["settings"])
    return model.complete(PROMPT, sampling, seed, ["\n\n"], on_token, cancel or threading.Event())


@pytest.mark.heavy
def test_streams_with_progress_and_is_reproducible(model, config):
    counts = []
    first = complete(model, config, seed=7, on_token=counts.append)
    assert counts == list(range(1, len(counts) + 1)) and len(counts) > 20
    assert complete(model, config, seed=7) == first
    assert complete(model, config, seed=8) != first


def test_cancel_stops_between_tokens(model, config):
    cancel = threading.Event()
    seen = []

    def on_token(count):
        seen.append(count)
        if count == 5:
            cancel.set()

    with pytest.raises(Cancelled):
        complete(model, config, seed=1, cancel=cancel, on_token=on_token)
    assert seen[-1] == 5


def test_a_song_end_to_end(model, config, tmp_path):
    events = []
    job = Job(("Chill", "Dubstep"), config, SongLibrary(tmp_path), on_progress=events.append)
    sidecar = generate_song(model, job, 1, base_seed=11)
    mp3 = tmp_path / sidecar["files"]["mp3"]
    seconds, rms = seconds_and_rms(mp3)
    assert rms > 0.005 and abs(seconds - sidecar["duration_seconds"]) < 0.5
    # The first style sets the groove and tempo range; the second colours the sound.
    chillout = load_library()["chillout"]
    low, high = chillout.spec.tempo
    assert low <= sidecar["tempo"] <= high
    assert sidecar["arranged_as"] == "Chill → chillout; Dubstep → dubstep"
    # the model writes the title line after the style's header fields, in the style's mode
    assert sidecar["raw_text"] and "\nT:" in sidecar["prompt"]
    assert sidecar["key"] in KEYS_BY_MODE[chillout.spec.harmony.mode]
    assert tags(mp3)["genre"] == "Chill, Dubstep"
    stages = [(e.stage, e.message) for e in events]
    assert ("generate", "") in stages and ("convert", "done") in stages
    assert [song.id for song in SongLibrary(tmp_path).songs()] == [mp3.stem]


def test_garbage_model_is_retried_then_skipped_with_the_reason(garbage_model, config, tmp_path):
    # The meter grammar off: the model's own garbage must reach the pipeline.
    changes = {"retries": 2, "max_tokens": 64, "meter_grammar": False}
    config = {**config, "settings": {**config["settings"], **changes}}
    job = Job(("Rock",), config, SongLibrary(tmp_path))
    with pytest.raises(SongFailed, match="no usable tune after 3 tries") as failure:
        generate_song(LocalModel(garbage_model, config["settings"]), job, 1, base_seed=3)
    assert failure.value.stage == "abc"
    assert list(tmp_path.iterdir()) == []


def test_cancel_during_conversion_leaves_no_files(model, config, tmp_path):
    job = Job(("Jazz",), config, SongLibrary(tmp_path))

    def cancel_when_converting(progress):
        if progress.stage == "convert" and progress.message == "mp3":
            job.cancel.set()

    job.on_progress = cancel_when_converting
    with pytest.raises(Cancelled):
        generate_song(model, job, 1, base_seed=5)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "not a GGUF"),
        (b"PK\x03\x04 a zip file", "not a GGUF"),
        (b"GGUF\x03\x00\x00\x00truncated", "truncated"),
    ],
)
def test_unusable_model_files_name_the_file(tmp_path, config, content, message):
    path = tmp_path / "broken.gguf"
    path.write_bytes(content)
    with pytest.raises(ModelError, match=message) as error:
        LocalModel(path, config["settings"])
    assert "broken.gguf" in str(error.value)


def test_missing_model_file(tmp_path, config):
    with pytest.raises(ModelError, match="not found"):
        LocalModel(tmp_path / "nope.gguf", config["settings"])
