"""data/persistent.json: the user's settings and prompt templates, with safe defaults."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from scripts import temporary
from scripts.utility import atomic_write_text


class SettingError(ValueError):
    """A value the user gave for a setting is not acceptable; the message says what is."""


def settings_path(data_dir: Path | None = None) -> Path:
    folder = data_dir or Path(os.environ.get(temporary.DATA_DIR_ENV) or temporary.DEFAULT_DATA_DIR)
    return folder / temporary.SETTINGS_FILE_NAME


def defaults() -> dict:
    return {
        "settings": copy.deepcopy(temporary.DEFAULT_SETTINGS),
        "prompts": copy.deepcopy(temporary.DEFAULT_PROMPTS),
    }


def checked_server_url(value) -> str:
    """Empty (generate locally) or an http(s) address with a host; surrounding spaces dropped."""
    if not isinstance(value, str):
        raise SettingError("server_url must be text")
    url = value.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in temporary.SERVER_URL_SCHEMES or not parts.hostname:
        raise SettingError(
            f"server_url must be empty or an http:// or https:// address with a host, "
            f"like http://192.168.1.20:8080 (not {url!r})"
        )
    return url


def check_value(name: str, value):
    """The value converted to the setting's type, or SettingError saying what is allowed."""
    if name not in temporary.DEFAULT_SETTINGS:
        raise SettingError(f"unknown setting {name!r}")
    if name in temporary.SETTING_RANGES:
        kind, low, high = temporary.SETTING_RANGES[name]
        try:
            number = kind(value)
            if isinstance(value, bool) or (kind is int and float(value) != number):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise SettingError(
                f"{name} must be a {'whole ' if kind is int else ''}number"
            ) from None
        if not low <= number <= high:
            raise SettingError(f"{name} must be between {low:g} and {high:g}")
        return number
    if name == "server_url":
        return checked_server_url(value)
    if isinstance(temporary.DEFAULT_SETTINGS[name], bool):
        return yes_or_no(name, value)
    choices = temporary.SETTING_CHOICES.get(name)
    if choices and value not in choices:
        raise SettingError(f"{name} must be one of {', '.join(choices)}")
    if not isinstance(value, str):
        raise SettingError(f"{name} must be text")
    return value


def yes_or_no(name: str, value) -> bool:
    """A switch: true/false in JSON, or yes/no, on/off, true/false typed in Options."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("yes", "on", "true", "1"):
        return True
    if word in ("no", "off", "false", "0"):
        return False
    raise SettingError(f"{name} must be yes or no")


def merge(stored: dict) -> tuple[dict, list[str]]:
    """Stored values over the defaults; a bad or unknown value is replaced and reported."""
    merged = defaults()
    problems = []
    for name, value in (stored.get("settings") or {}).items():
        try:
            merged["settings"][name] = check_value(name, value)
        except SettingError as error:
            problems.append(f"{error}; using the default")
    prompts = stored.get("prompts") or {}
    for name, default in merged["prompts"].items():
        if isinstance(prompts.get(name), type(default)):
            merged["prompts"][name] = prompts[name]
    return merged, problems


def load(data_dir: Path | None = None) -> tuple[dict, list[str]]:
    """Settings and prompts, plus messages for the user. A missing file is created; a corrupt one
    is moved aside (never deleted: it may hold the user's work) and replaced by defaults."""
    path = settings_path(data_dir)
    if not path.exists():
        save(defaults(), data_dir)
        return defaults(), []
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(stored, dict):
            raise ValueError("not a JSON object")
    except (ValueError, UnicodeDecodeError) as error:
        backup = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}.bak")
        path.replace(backup)
        save(defaults(), data_dir)
        return defaults(), [
            f"{path.name} was unreadable ({error}); it was moved to "
            f"{backup.name} and the defaults were written"
        ]
    return merge(stored)


def save(config: dict, data_dir: Path | None = None) -> None:
    path = settings_path(data_dir)
    atomic_write_text(path, json.dumps(config, indent=2, ensure_ascii=False) + "\n")
