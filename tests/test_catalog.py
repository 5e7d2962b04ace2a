"""data/catalog.json: every entry is well formed, the starter entry matches the shipped file, bad
entries are rejected with the reason, and `launcher.py models` lists what is downloaded."""

import hashlib
import json

import pytest

from scripts import temporary
from scripts.model.catalog import (
    CatalogError,
    chosen_settings,
    find,
    is_present,
    load_catalog,
    local_path,
    models_dir,
)
from scripts.tui.screens.options import model_files
from tests.conftest import REPO, run_launcher
from tests.fake_hub import catalog_entry, write_catalog


def test_the_shipped_catalog_has_the_models_the_design_names():
    entries = load_catalog(temporary.CATALOG_PATH)
    names = [entry.name for entry in entries]
    for name in ("starter", "chatmusician", "ruby-music", "music-generation", "scrapegoat-stage2"):
        assert name in names
    formats = {entry.name: entry.format for entry in entries}
    assert formats["starter"] == "abc" and formats["chatmusician"] == "chatmusician"
    assert formats["scrapegoat-stage2"] == "audio-tokens"
    assert any(entry.format == "chat" and "lyrics" in entry.uses for entry in entries)
    for entry in entries:
        assert entry.verified and entry.note and entry.license
        assert entry.bundled or "/" in entry.repo
        assert entry.file.endswith(".gguf")
        seed_files = ("ILM3-8B-Ruby-Music", "ScrapeGoat-Music-Stage2", "music_generation_model")
        if entry.file.startswith(seed_files):
            assert entry.file.endswith(".Q6_K.gguf")  # the quantization the seed uses


def test_the_starter_entry_is_the_shipped_file_byte_for_byte():
    starter = find(load_catalog(temporary.CATALOG_PATH), "starter")
    assert starter.bundled and local_path(starter) == temporary.STARTER_MODEL_PATH
    data = temporary.STARTER_MODEL_PATH.read_bytes()
    assert starter.size_exact and starter.size_bytes == len(data)
    assert starter.sha256 == hashlib.sha256(data).hexdigest()
    assert chosen_settings(starter)["model_path"] == ""  # empty = the starter model


def test_names_are_found_ignoring_case_and_the_audio_model_explains_itself():
    entries = load_catalog(temporary.CATALOG_PATH)
    assert find(entries, "  ChatMusician ").name == "chatmusician"
    assert find(entries, "no-such-model") is None
    goat = find(entries, "SCRAPEGOAT-STAGE2")
    assert not goat.usable
    assert "audio-codec tokens (YuE stage 2)" in goat.explanation()
    assert "llama.cpp alone cannot turn them into music" in goat.explanation()
    assert find(entries, "chatmusician").explanation() == ""


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "midi"}, "format must be one of abc, chat, chatmusician, audio-tokens"),
        ({"sha256": "abc"}, "sha256 must be 64 lowercase hex digits or null"),
        ({"file": "../evil.gguf"}, "file must be a plain \\*.gguf name"),
        ({"uses": ["dancing"]}, "uses must be among music, names, lyrics"),
        ({"size_bytes": True}, "'size_bytes' has the wrong type"),
        ({"sampling": {"temperature": 9, "top_p": 1, "top_k": 1, "repeat_penalty": 1}}, "0..5"),
    ],
)
def test_a_malformed_entry_is_rejected_with_its_name_and_reason(tmp_path, change, message):
    path = tmp_path / "catalog.json"
    write_catalog(path, [catalog_entry("broken", **change)])
    with pytest.raises(CatalogError, match=f"catalog entry 'broken': .*{message}"):
        load_catalog(path)


def test_missing_fields_duplicates_and_bad_json_are_rejected(tmp_path):
    path = tmp_path / "catalog.json"
    entry = catalog_entry("a")
    del entry["license"]
    write_catalog(path, [entry])
    with pytest.raises(CatalogError, match="missing field 'license'"):
        load_catalog(path)
    write_catalog(path, [catalog_entry("a"), catalog_entry("A")])
    with pytest.raises(CatalogError, match="names a more than once"):
        load_catalog(path)
    path.write_text("{ nope")
    with pytest.raises(CatalogError, match="is not valid JSON"):
        load_catalog(path)


def test_only_finished_gguf_files_are_offered_as_models(models_folder):
    partial_dir = models_folder / temporary.PARTIAL_DOWNLOADS_DIR_NAME
    hub_dir = models_folder / ".cache" / "huggingface" / "download"  # hf_hub_download's layout
    for folder in (partial_dir, hub_dir):
        folder.mkdir(parents=True)
    (partial_dir / "big.gguf.0a1b2c3d4e5f6a7b.incomplete").write_bytes(b"GGUF")
    (hub_dir / "big.gguf.abc123.incomplete").write_bytes(b"GGUF")
    (models_folder / ".hidden.gguf").write_bytes(b"GGUF")
    (models_folder / "notes.txt").write_text("no")
    (models_folder / "folder.gguf").mkdir()
    (models_folder / "done.gguf").write_bytes(b"GGUF")
    assert models_dir() == models_folder
    assert model_files() == [str(models_folder / "done.gguf")]


def test_choosing_a_downloaded_model_stores_a_path_that_travels(models_folder, monkeypatch):
    path = models_folder / "tiny.gguf"
    entry = load_entry(catalog_entry("tiny"), models_folder.parent)
    assert chosen_settings(entry)["model_path"] == str(path.resolve())  # outside the app
    monkeypatch.setenv("LLM_MUSIC_GEN_MODELS", str(REPO / "data" / "models"))
    inside = chosen_settings(entry)
    assert inside["model_path"] == "data/models/tiny.gguf"
    assert inside["temperature"] == 0.8 and inside["top_k"] == 30


def load_entry(raw: dict, folder):
    path = folder / "one.json"
    write_catalog(path, [raw])
    return load_catalog(path)[0]


def test_cli_models_lists_the_catalog_and_what_is_downloaded(data_dir, tmp_path):
    catalog, models = tmp_path / "catalog.json", tmp_path / "models"
    goat = catalog_entry("goat", format="audio-tokens", uses=[])
    write_catalog(catalog, [catalog_entry("tiny"), goat])
    env = {"LLM_MUSIC_GEN_CATALOG": str(catalog), "LLM_MUSIC_GEN_MODELS": str(models)}
    listed = run_launcher("models", "--json", data=data_dir, env=env)
    assert listed.returncode == 0, listed.stderr
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [(r["name"], r["downloaded"], r["format"]) for r in records] == [
        ("tiny", False, "abc"),
        ("goat", False, "audio-tokens"),
    ]
    assert records[0]["path"] == str(models / "tiny.gguf") and records[0]["uses"] == ["music"]
    models.mkdir()
    (models / "tiny.gguf").write_bytes(b"GGUF")
    table = run_launcher("models", data=data_dir, env=env)
    assert table.returncode == 0
    tiny_row, goat_row = table.stdout.splitlines()
    assert tiny_row.split() == ["tiny", "1.0", "KB", "abc", "music", "downloaded"]
    assert goat_row.split() == ["goat", "1.0", "KB", "audio-tokens", "none", "-"]


def test_cli_models_lists_the_shipped_catalog(data_dir):
    listed = run_launcher("models", data=data_dir)
    assert listed.returncode == 0
    rows = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert rows["starter"].endswith("bundled") and "~4.1 GB" in rows["chatmusician"]
    starter = find(load_catalog(temporary.CATALOG_PATH), "starter")
    assert is_present(starter)


def test_cli_reports_a_broken_catalog_as_a_usage_error(data_dir, tmp_path):
    broken = tmp_path / "catalog.json"
    broken.write_text("[]")
    result = run_launcher("models", data=data_dir, env={"LLM_MUSIC_GEN_CATALOG": str(broken)})
    assert result.returncode == 2 and "has no 'models' list" in result.stderr
