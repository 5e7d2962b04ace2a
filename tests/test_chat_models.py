"""Chat models and grammars, through the real llama.cpp: a tiny bigram model that carries a ChatML
template stands in for an instruct model; the starter model runs the grammar checks."""

import threading

import pytest

from scripts import settings
from scripts.library.song_library import SongLibrary
from scripts.model import catalog, grammars
from scripts.model.models import LocalModel, ModelError, Sampling, check_gguf, load_model
from scripts.notation.abc_notation import extract_tunes
from scripts.song.pipeline import Job, SongFailed, generate_song, job_format
from scripts.temporary import STARTER_MODEL_PATH
from tests.conftest import corpus_text, tune_bodies
from tests.tiny_gguf import CHATML, bigram_gguf


@pytest.fixture(scope="module")
def chat_model_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("models") / "tiny-chat.gguf"
    return bigram_gguf(path, tune_bodies(corpus_text()), damp={"\n": 0.5}, chat_template=CHATML)


def job_for(tmp_path, **changes) -> Job:
    config = settings.defaults()
    config["settings"].update(changes)
    return Job(("Folk",), config, SongLibrary(tmp_path))


@pytest.mark.heavy
def test_a_model_with_a_chat_template_is_asked_in_words(chat_model_path, tmp_path):
    job = job_for(tmp_path, max_tokens=400)
    model = LocalModel(chat_model_path, job.settings)
    assert model.has_chat_template and job_format(model, job) == "chat"
    sidecar = generate_song(model, job, 1, base_seed=11)
    assert sidecar["prompt"].startswith("Write an original Folk tune in ABC notation")
    # The grammar held the model to one ABC tune from its first character: no prose around it.
    assert sidecar["raw_text"].startswith("X:")
    assert [tune.number for tune in extract_tunes(sidecar["raw_text"])] == [1]
    assert (tmp_path / sidecar["files"]["mp3"]).stat().st_size > 10_000


@pytest.mark.heavy
def test_without_the_grammar_the_reply_is_searched_for_a_tune(chat_model_path, tmp_path):
    job = job_for(tmp_path, max_tokens=400, use_grammar=False, retries=5)
    sidecar = generate_song(LocalModel(chat_model_path, job.settings), job, 1, base_seed=11)
    assert not sidecar["raw_text"].startswith("X:")  # bare bars: the header came from defaults
    assert sidecar["bars"] >= job.settings["min_bars"]


@pytest.mark.heavy
def test_chatmusician_format_wraps_the_request_in_its_template(abc_model, tmp_path):
    job = job_for(tmp_path, max_tokens=300, prompt_format="chatmusician")
    sidecar = generate_song(LocalModel(abc_model, job.settings), job, 1, base_seed=5)
    assert sidecar["prompt"].startswith("Human: Write an original Folk tune")
    assert sidecar["prompt"].endswith(" </s> Assistant: ")
    assert sidecar["raw_text"].startswith("X:")  # the grammar applies to it too


def test_the_shipped_grammar_makes_the_starter_write_a_tune_the_app_reads(tmp_path):
    model = LocalModel(STARTER_MODEL_PATH, settings.defaults()["settings"])
    sampling = Sampling.from_settings({**settings.defaults()["settings"], "max_tokens": 400})
    grammar = grammars.shipped_abc_grammar()
    text = model.complete("", sampling, 3, [], lambda n: None, threading.Event(), grammar)
    tune = extract_tunes(text)[0]
    assert set("XMLK") <= {name for name, _ in tune.headers}
    assert "".join(tune.body).count("|") >= 8


@pytest.mark.parametrize(
    ("grammar", "complaint"),
    [
        ("root ::= foo", "Undefined rule identifier 'foo'"),
        ('root ::= "unclosed', "unexpected end of input"),
    ],
)
def test_an_invalid_grammar_is_refused_without_crashing_the_app(grammar, complaint):
    # In this process, llama.cpp would segfault on it; the check runs it in a child process.
    with pytest.raises(grammars.GrammarError, match=complaint):
        grammars.checked(grammar)


def test_a_broken_user_grammar_skips_the_song_with_the_reason(chat_model_path, tmp_path):
    job = job_for(tmp_path, max_tokens=100)
    job.config["prompts"]["abc_grammar"] = "root ::= tune"
    with pytest.raises(SongFailed, match="grammar.*Undefined rule identifier 'tune'"):
        generate_song(LocalModel(chat_model_path, job.settings), job, 1, base_seed=1)
    assert not any(job.library.folder.glob("*.mp3"))


def test_header_facts_are_read_without_loading(chat_model_path):
    starter = check_gguf(STARTER_MODEL_PATH)
    assert (starter.architecture, starter.context_length, starter.chat_template) == (
        "llama",
        1024,
        None,
    )
    assert check_gguf(chat_model_path).chat_template == CHATML


def test_the_context_never_exceeds_what_the_model_was_trained_on():
    config = settings.defaults()["settings"]
    assert config["n_ctx"] > 1024
    assert LocalModel(STARTER_MODEL_PATH, config).llama.n_ctx() == 1024


def test_the_loaded_model_is_kept_between_batches(abc_model):
    config = settings.defaults()["settings"]
    first = load_model(abc_model, config)
    assert load_model(abc_model, dict(config)) is first
    assert load_model(abc_model, {**config, "n_ctx": 512}) is not first


def test_an_unknown_architecture_is_named(tmp_path):
    path = bigram_gguf(tmp_path / "odd.gguf", "abc |", architecture="nosucharch")
    with pytest.raises(ModelError, match="odd.gguf.*'nosucharch'"):
        LocalModel(path, settings.defaults()["settings"])


def test_a_file_cut_inside_its_weights_is_named(abc_model, tmp_path):
    path = tmp_path / "cut.gguf"
    path.write_bytes(abc_model.read_bytes()[: abc_model.stat().st_size // 2])
    with pytest.raises(ModelError, match="could not load cut.gguf"):
        LocalModel(path, settings.defaults()["settings"])


def catalog_file(name: str) -> str:
    return next(entry.file for entry in catalog.load_catalog() if entry.name == name)


def test_a_catalog_model_is_prompted_as_the_catalog_says(abc_model, tmp_path):
    path = tmp_path / catalog_file("chatmusician")
    path.write_bytes(abc_model.read_bytes())
    job = job_for(tmp_path)
    assert job_format(LocalModel(path, job.settings), job) == "chatmusician"
    job.settings["prompt_format"] = "abc"  # the user's choice wins
    assert job_format(LocalModel(path, job.settings), job) == "abc"


def test_the_audio_token_model_is_refused_with_the_reason(abc_model, tmp_path):
    path = tmp_path / catalog_file("scrapegoat-stage2")
    path.write_bytes(abc_model.read_bytes())
    job = job_for(tmp_path)
    with pytest.raises(ModelError, match="audio-codec tokens"):
        generate_song(LocalModel(path, job.settings), job, 1, base_seed=1)
