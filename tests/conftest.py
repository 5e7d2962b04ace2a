"""Shared fixtures: tiny GGUF models run by the real llama.cpp, the folk-rnn corpus, temp dirs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_gguf import bigram_gguf, random_gguf

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "folk-rnn-samples.abc"

# A shell starts a background job (`pytest &`, nohup, a CI step) with Ctrl+C ignored, and every
# process the tests start would inherit that: the apps they start get Ctrl+C as they do from an
# interactive terminal (a handled signal is reset to the default in a child; an ignored one is not).
signal.signal(signal.SIGINT, signal.default_int_handler)


def corpus_text() -> str:
    return CORPUS.read_text(encoding="utf-8")


def tune_bodies(text: str) -> str:
    """The corpus's tune bodies, four bars a line, one blank line between tunes: what a model
    that continues an ABC header should write."""
    tunes = []
    for block in text.split("\n\n"):
        body = [line for line in block.strip().splitlines() if line[1:2] != ":"]
        bars = " ".join(body).split(" | ")
        tunes.append("\n".join(" | ".join(bars[i : i + 4]) for i in range(0, len(bars), 4)))
    return "\n\n".join(tunes) + "\n\n"


@pytest.fixture(scope="session")
def abc_model(tmp_path_factory) -> Path:
    """A tiny llama GGUF that writes folk-rnn-like tune bodies (see tests/tiny_gguf.py)."""
    path = tmp_path_factory.mktemp("models") / "bigram-abc.gguf"
    return bigram_gguf(path, tune_bodies(corpus_text()), damp={"\n": 0.5})


SONG_SEED = 7  # every style's song in a session is made at this seed


def song_maker(model_path: Path, folder: Path, config: dict, seed: int):
    """`song(style)`: a song of one typed style, made by the real pipeline (the model through
    llama.cpp, abc2midi, the arranger, the synthesizer and its effects, mastering, the MP3) into
    `folder` at `seed`, once however often it is asked for. Returns (the saved sidecar, the MP3's
    path, the Job that made it)."""
    from scripts.library.song_library import SongLibrary
    from scripts.model.models import LocalModel
    from scripts.song.pipeline import Job, generate_song

    model = LocalModel(model_path, config["settings"])
    made: dict[str, tuple] = {}

    def song(style: str) -> tuple[dict, Path, Job]:
        if style not in made:
            job = Job((style,), config, SongLibrary(folder))
            sidecar = generate_song(model, job, 1, base_seed=seed)
            made[style] = (sidecar, folder / sidecar["files"]["mp3"], job)
        return made[style]

    return song


@pytest.fixture(scope="session")
def style_song(abc_model, tmp_path_factory):
    """`style_song(style)` (see song_maker) at the default settings and SONG_SEED, made once a
    session for every test that uses it (the style and the production tests)."""
    from scripts import settings

    folder = tmp_path_factory.mktemp("style-songs")
    return song_maker(abc_model, folder, settings.defaults(), SONG_SEED)


@pytest.fixture(scope="session")
def garbage_model(tmp_path_factory) -> Path:
    """A tiny llama GGUF with random weights: it writes no music."""
    return random_gguf(tmp_path_factory.mktemp("models") / "random.gguf", corpus_text())


@pytest.fixture(autouse=True)
def end_terminals():
    """Apps a TUI test started are ended after it, whatever happened in it."""
    yield
    from tests.test_tui import Terminal

    while Terminal.started:
        Terminal.started.pop().end()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """Settings live here instead of the repo's data/."""
    folder = tmp_path / "data"
    folder.mkdir()
    monkeypatch.setenv("LLM_MUSIC_GEN_DATA", str(folder))
    return folder


def run_launcher(
    *args: str, data: Path, timeout: float = 300, env: dict | None = None
) -> subprocess.CompletedProcess:
    """launcher.py as a user runs it, in a subprocess (`env` adds to the environment)."""
    env = {**os.environ, "LLM_MUSIC_GEN_DATA": str(data), **(env or {})}
    return subprocess.run(
        [sys.executable, str(REPO / "launcher.py"), *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture
def fake_hub():
    """A local server answering like the Hugging Face Hub and its CDN (tests/fake_hub.py)."""
    from tests.fake_hub import FakeHub

    hub = FakeHub().start()
    yield hub
    hub.stop()


@pytest.fixture
def models_folder(tmp_path, monkeypatch) -> Path:
    """Downloads go here instead of data/models."""
    folder = tmp_path / "models"
    monkeypatch.setenv("LLM_MUSIC_GEN_MODELS", str(folder))
    return folder
