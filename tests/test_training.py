"""The starter model's training code: corpus, transposition, tokenizer, resumable training and a
faithful GGUF export (PyTorch and llama.cpp agree on tokens and logits)."""

import llama_cpp
import numpy as np
import pytest
import torch

from scripts.notation import abc_analysis
from scripts.notation.abc_notation import extract_tunes, repair
from training import corpus, train
from training.export_gguf import export, load_gguf
from training.model import Config, Llama
from training.tokenizer import CharTokenizer
from training.transpose import INTERVALS, Unplayable, transpose

RYAN = """X: 1
T: LANIGAN'S BALL -- JIG
B: Ryan's Mammoth Collection
R: jig
M: 6/8
L: 1/8
Z: Contributed by John Chambers
K: Em
uF \\
| E2F G2A |.B2^A B^cd | D2E    F2G | AdB AFD \\
| E2F G2A | B2^A B^cd | e2B {d}cBA | BBB E2 :|
|: uB \\
| e2e !trill!g2g | fag fe^d | "Em"e2e g2g  | f^ef B2B \\
| e2e g2g | fag fe^d | e2B cB^A | BBB  E2 :|
"""


@pytest.fixture(scope="module")
def tunes():
    return corpus.load_tunes()


def pitches(text: str) -> list[int]:
    stats = abc_analysis.analyse(repair(extract_tunes(text)[0], {}))
    return [note.pitch for bar in stats.bars for note in bar.notes]


def test_normalize_keeps_the_music_and_the_fields_the_app_asks_for():
    text = corpus.normalize(RYAN)
    head, body = text.split("K:Em\n")
    assert head == "X:1\nR:jig\nM:6/8\nL:1/8\nT:Lanigan's Ball\n"
    assert "!" not in body and "u" not in body and "." not in body  # decorations gone
    assert '"Em"' in body  # chord symbols stay
    assert pitches(text) == pitches(RYAN)


@pytest.mark.parametrize(
    ("title", "clean"),
    [("Swaggering Jig, The", "The Swaggering Jig"), ("Niel Gow.", "Niel Gow"), ("A B", "A B")],
)
def test_titles_read_as_titles(title, clean):
    assert corpus.clean_title(title) == clean


def test_split_is_by_tune_fixed_and_disjoint(tunes):
    first, again = corpus.split(tunes), corpus.split(tunes)
    assert first == again
    assert not set(first.train) & set(first.validation)
    assert len(first.train) + len(first.validation) == len(tunes) > 3000


def test_transposition_moves_every_pitch_by_the_interval(tunes):
    moved = 0
    for tune in tunes[:300]:
        for interval in INTERVALS:
            try:
                text = transpose(tune, interval)
            except Unplayable:
                continue
            assert pitches(text) == [p + interval[1] for p in pitches(tune)]
            moved += 1
    assert moved > 1500


def test_tokenizer_round_trips_with_byte_fallback():
    tokenizer = CharTokenizer(list("abc |"))
    text = "ab c|é"
    ids = tokenizer.encode(text, bos=True, eos=True)
    assert ids[0] == 1 and ids[-1] == 2 and len(ids) == 5 + 2 + 2  # é is two byte tokens
    assert tokenizer.decode(ids) == text


def exact_llama(path) -> llama_cpp.Llama:
    """llama.cpp with an F32 KV cache (its default F16 cache rounds keys and values: a runtime
    choice, not part of the export)."""
    f32 = llama_cpp.GGML_TYPE_F32
    return llama_cpp.Llama(
        str(path), n_ctx=1024, logits_all=True, verbose=False, type_k=f32, type_v=f32
    )


def llama_cpp_logits(path, ids: list[int]) -> np.ndarray:
    llm = exact_llama(path)
    llm.eval(ids)
    return np.array(llm.scores[: len(ids)])


def test_export_is_faithful_to_pytorch(tmp_path, tunes):
    """A seeded random model of the real vocabulary: llama.cpp reads its GGUF as PyTorch runs it."""
    tokenizer = CharTokenizer.from_texts(tunes)
    torch.manual_seed(7)
    model = Llama(Config(vocab=len(tokenizer), width=64, layers=2, heads=4, feed_forward=160))
    with torch.no_grad():  # larger weights than at initialization, so logits differ a lot
        for parameter in model.parameters():
            parameter.mul_(8)
    path = export(model.eval(), tokenizer, tmp_path / "random.gguf")
    ids = tokenizer.encode(tunes[0], bos=True)
    with torch.no_grad():
        expected = model(torch.tensor([ids]))[0].numpy()
    assert np.abs(expected).max() > 1.0
    np.testing.assert_allclose(llama_cpp_logits(path, ids), expected, atol=2e-3, rtol=1e-3)
    loaded, loaded_tokenizer = load_gguf(path)
    assert loaded_tokenizer.tokens == tokenizer.tokens
    for name, tensor in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name


def run_training(out, *extra):
    small = ["--width", "32", "--layers", "1", "--heads", "2", "--feed-forward", "64"]
    quick = ["--steps", "6", "--batch", "2", "--context", "64", "--tunes", "60", "--augment", "1"]
    every = ["--eval-every", "3", "--checkpoint-every", "2", "--threads", "1"]
    return train.train(train.arguments(["--out", str(out), *small, *quick, *every, *extra]))


@pytest.mark.heavy
def test_training_resumes_where_it_stopped(tmp_path):
    straight = torch.load(run_training(tmp_path / "straight"), weights_only=False)
    assert run_training(tmp_path / "broken", "--pause-at", "3").name == "checkpoint.pt"
    resumed = torch.load(run_training(tmp_path / "broken"), weights_only=False)
    for name, tensor in straight["model"].items():
        assert torch.equal(resumed["model"][name], tensor), name
    losses = (tmp_path / "broken" / "losses.json").read_text()
    assert '"step": 3' in losses and '"step": 6' in losses and "validation_bits" in losses
