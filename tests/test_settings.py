"""data/persistent.json: defaults, validation, and a corrupt file moved aside, never lost."""

import json

import pytest

from scripts import settings, temporary


def test_missing_file_is_created_with_defaults(data_dir):
    config, problems = settings.load()
    assert problems == [] and config == settings.defaults()
    assert json.loads((data_dir / "persistent.json").read_text()) == settings.defaults()


def test_corrupt_file_is_backed_up_and_replaced(data_dir):
    path = data_dir / "persistent.json"
    path.write_text('{"settings": {"temperature": 0.5')
    config, [problem] = settings.load()
    assert config == settings.defaults()
    [backup] = data_dir.glob("persistent.json.corrupt-*.bak")
    assert backup.read_text() == '{"settings": {"temperature": 0.5'
    assert "moved to" in problem and backup.name in problem


def test_user_values_are_kept_and_bad_ones_reported(data_dir):
    stored = {
        "settings": {"temperature": 0.5, "top_k": "lots", "retries": 99, "wat": 1},
        "prompts": {"abc_header": "X:1\nK:{key}\n"},
    }
    (data_dir / "persistent.json").write_text(json.dumps(stored))
    config, problems = settings.load()
    assert config["settings"]["temperature"] == 0.5
    assert config["settings"]["top_k"] == settings.defaults()["settings"]["top_k"]
    assert config["prompts"]["abc_header"] == "X:1\nK:{key}\n"
    assert sorted(problems) == sorted(
        [
            'Top-k ("top_k" in persistent.json) must be a whole number; using the default',
            'Retries per song ("retries" in persistent.json) must be between 0 and 20; using the '
            "default",
            "persistent.json has an unknown setting 'wat'; ignored",
        ]
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("temperature", "hot", "must be a number"),
        ("max_tokens", 3.5, "whole number"),
        ("top_p", 2, "between 0 and 1"),
        ("mp3_bitrate", "999k", "one of"),
        ("seed", True, "whole number"),
    ],
)
def test_check_value_rejects_with_a_message(name, value, message):
    with pytest.raises(settings.SettingError, match=message):
        settings.check_value(name, value)


def test_saving_is_atomic_and_round_trips(data_dir):
    config = settings.defaults()
    config["settings"]["temperature"] = 1.25
    settings.save(config)
    assert settings.load() == (config, [])
    assert [p.name for p in data_dir.iterdir()] == ["persistent.json"]


# --- one schema, one path resolver, files that are not shaped like settings -----------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"settings": [1, 2]}',
        '{"settings": "abc"}',
        '{"prompts": [1]}',
        "[1, 2]",
    ],
)
def test_a_file_not_shaped_like_settings_is_set_aside(data_dir, text):
    path = data_dir / "persistent.json"
    path.write_text(text)
    config, [problem] = settings.load()
    assert config == settings.defaults()
    [backup] = data_dir.glob("persistent.json.corrupt-*.bak")
    assert backup.read_text() == text and backup.name in problem
    assert json.loads(path.read_text()) == settings.defaults()


def test_a_bad_prompt_value_is_replaced_and_reported(data_dir):
    (data_dir / "persistent.json").write_text(
        json.dumps({"prompts": {"stop": [1, 2], "chat_system": 7, "chat_user": "Hi {styles}"}})
    )
    config, problems = settings.load()
    assert config["prompts"]["stop"] == settings.defaults()["prompts"]["stop"]
    assert config["prompts"]["chat_user"] == "Hi {styles}"
    assert sorted(problems) == [
        'Chat: system ("chat_system" in persistent.json) must be text; using the default',
        'Prompt: stop strings ("stop" in persistent.json) must be a JSON list of non-empty '
        "strings; using the default",
    ]


def test_a_settings_file_that_is_a_folder_is_set_aside(data_dir):
    (data_dir / "persistent.json").mkdir()
    config, [problem] = settings.load()
    assert config == settings.defaults() and "moved to" in problem
    assert (data_dir / "persistent.json").is_file()


def test_a_byte_order_mark_is_read_as_utf8(data_dir):
    stored = {"settings": {"temperature": 0.5}}
    (data_dir / "persistent.json").write_bytes(b"\xef\xbb\xbf" + json.dumps(stored).encode())
    config, problems = settings.load()
    assert problems == [] and config["settings"]["temperature"] == 0.5


def test_paths_are_resolved_one_way_for_every_path_setting(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    config = settings.defaults()["settings"]
    config.update(output_dir="~/songs", model_path="models/x.gguf", soundfont_path="~/x.sf2")
    assert settings.output_folder(config) == tmp_path / "songs"
    assert settings.model_file(config) == temporary.REPO_ROOT / "models" / "x.gguf"
    assert settings.soundfont_file(config) == tmp_path / "x.sf2"
    assert settings.styles_folder(config) == settings.data_dir() / "styles"
    config["styles_dir"] = "~/my styles"
    assert settings.styles_folder(config) == tmp_path / "my styles"
    assert "is not a file" in settings.path_problem("soundfont_path", config)
    (tmp_path / "x.sf2").write_bytes(b"sf")
    assert settings.path_problem("soundfont_path", config) is None


def test_every_setting_is_described_once_and_its_default_passes_its_check():
    for name, setting in settings.SCHEMA.items():
        assert setting.label and setting.check(setting.default) == setting.default, name
    from scripts.model.catalog import SAMPLING_FIELDS
    from scripts.tui.screens.options import SETTING_OPTIONS

    assert [option.name for option in SETTING_OPTIONS] == list(settings.SCHEMA)
    assert SAMPLING_FIELDS == ("temperature", "top_p", "top_k", "repeat_penalty")


def test_control_characters_in_a_text_setting_are_refused():
    with pytest.raises(settings.SettingError, match="control characters"):
        settings.check_value("output_dir", "songs\x1b[31m")


def test_a_second_corrupt_file_in_the_same_second_keeps_the_first_backup(data_dir):
    path = data_dir / "persistent.json"
    for text in ("{first", "{second"):
        path.write_text(text)
        settings.load()
    backups = sorted(data_dir.glob("persistent.json.corrupt-*.bak"))
    assert sorted(backup.read_text() for backup in backups) == ["{first", "{second"]


def test_every_message_about_a_setting_names_it_as_options_does():
    """Issue 19: messages named internal keys ("top_k must be...", "server_url must be...")."""
    wrong = {"int": "many", "float": "much", "bool": "maybe", "choice": "zzz"}
    for name, setting in settings.SCHEMA.items():
        with pytest.raises(settings.SettingError) as error:
            settings.check_value(name, wrong.get(setting.kind, 5))
        assert str(error.value).startswith(f"{setting.label} must be "), str(error.value)
        assert name not in str(error.value)
    for name, spec in temporary.PROMPT_OPTIONS.items():
        with pytest.raises(settings.SettingError) as error:
            settings.check_prompt(name, 5)
        assert str(error.value).startswith(f"{spec['label']} must be "), str(error.value)
