"""Shared fixtures: tiny GGUF models run by the real llama.cpp, the folk-rnn corpus, temp dirs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tiny_gguf import bigram_gguf, random_gguf

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO.parent / "shared" / "corpus" / "folk-rnn-samples.abc"


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
