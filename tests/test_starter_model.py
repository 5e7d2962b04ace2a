"""The shipped starter model (data/starter-model.gguf): small, the default, faithful to the
trained PyTorch weights, and writing tunes the app turns into songs."""

import json

import gguf
import numpy as np
import pytest
import torch

from scripts import temporary
from scripts.settings import model_file
from tests.conftest import run_launcher
from tests.test_training import exact_llama
from training import corpus
from training.export_gguf import load_gguf

STARTER = temporary.STARTER_MODEL_PATH
MAX_BYTES = 25 * 1024 * 1024


@pytest.fixture(scope="module")
def validation():
    return corpus.split(corpus.load_tunes()).validation


@pytest.fixture(scope="module")
def starter_llama():
    return exact_llama(STARTER)


def test_it_is_small_a_llama_and_the_default():
    assert STARTER.stat().st_size <= MAX_BYTES
    reader = gguf.GGUFReader(str(STARTER))
    assert reader.fields["general.architecture"].contents() == "llama"
    assert reader.fields["llama.context_length"].contents() >= 1024
    assert model_file({"model_path": ""}) == STARTER


def test_llama_cpp_tokenizes_like_training(validation, starter_llama):
    _, tokenizer = load_gguf(STARTER)
    for tune in validation:
        assert starter_llama.tokenize(tune.encode(), add_bos=True) == tokenizer.encode(tune, True)


def test_llama_cpp_logits_match_pytorch(validation, starter_llama):
    model, tokenizer = load_gguf(STARTER)
    for tune in validation[:3]:
        ids = tokenizer.encode(tune, bos=True)[:300]
        starter_llama.reset()
        starter_llama.eval(ids)
        ours = np.array(starter_llama.scores[: len(ids)])
        with torch.no_grad():
            expected = model(torch.tensor([ids]))[0].numpy()
        np.testing.assert_allclose(ours, expected, atol=2e-3, rtol=1e-3)
        assert (ours.argmax(1) == expected.argmax(1)).mean() > 0.99


@pytest.mark.heavy
def test_generate_with_no_model_option_makes_a_song_with_the_starter_model(data_dir, tmp_path):
    out = tmp_path / "songs"
    result = run_launcher(
        "generate", "--styles", "Waltz", "--count", "2", "--seed", "3", "--out", str(out),
        "--json", data=data_dir,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    songs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [song["model"] for song in songs] == [STARTER.name] * 2
    for song in songs:
        assert song["meter"] == "3/4" and song["duration_seconds"] >= 20
        assert (out / song["files"]["mp3"]).stat().st_size > 10_000
        assert song["prompt"].startswith("X:1\nM:3/4\nL:1/8\nT:")
