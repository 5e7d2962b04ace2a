"""data/persistent.json: defaults, validation, and a corrupt file moved aside, never lost."""

import json

import pytest

from scripts import settings


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
            "top_k must be a whole number; using the default",
            "retries must be between 0 and 20; using the default",
            "unknown setting 'wat'; using the default",
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
