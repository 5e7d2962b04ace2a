"""data/persistent.json: the user's settings and prompt templates, with safe defaults.

Each setting is described once (temporary.SETTINGS_SCHEMA); its check, its default, its row in
Options, the catalog's sampling fields and the command line's bounds all come from SCHEMA here.
Every path setting is resolved by resolve_path(), by the check and by every use alike.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scripts import temporary
from scripts.input_files import InputFileError, move_aside, read_json
from scripts.utility import atomic_write_text, unsafe_characters


class SettingError(ValueError):
    """A value the user gave for a setting is not acceptable; the message says what is."""


@dataclass(frozen=True)
class Setting:
    """One setting as temporary.SETTINGS_SCHEMA describes it."""

    name: str
    kind: str  # int | float | bool | choice | text | url | path
    default: object
    label: str
    help: str = ""
    range: tuple[float, float] | None = None
    choices: tuple[str, ...] = ()
    sampling: bool = False

    @property
    def is_path(self) -> bool:
        return self.kind == "path"

    def check(self, value, subject: str = ""):
        """The value converted to the setting's type, or SettingError saying what is allowed.
        The message names the setting as `subject`, by default its label in Options."""
        subject = subject or self.label
        if self.kind in ("int", "float"):
            return self.checked_number(value, subject)
        if self.kind == "bool":
            return yes_or_no(subject, value)
        if not isinstance(value, str):
            raise SettingError(f"{subject} must be text")
        if unsafe_characters(value):
            raise SettingError(f"{subject} must not hold control characters")
        if self.kind == "url":
            return checked_server_url(value, subject)
        if self.kind == "choice" and value not in self.choices:
            raise SettingError(f"{subject} must be one of {', '.join(self.choices)}")
        return value.strip() if self.is_path else value

    def checked_number(self, value, subject: str):
        kind = int if self.kind == "int" else float
        low, high = self.range
        try:
            number = kind(value)
            if isinstance(value, bool) or (kind is int and float(value) != number):
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            raise SettingError(
                f"{subject} must be a {'whole ' if kind is int else ''}number"
            ) from None
        if not low <= number <= high:
            raise SettingError(f"{subject} must be between {low:g} and {high:g}")
        return number


SCHEMA: dict[str, Setting] = {
    name: Setting(name=name, **spec) for name, spec in temporary.SETTINGS_SCHEMA.items()
}
SAMPLING_FIELDS = tuple(name for name, setting in SCHEMA.items() if setting.sampling)


def data_dir() -> Path:
    """The data folder: LLM_MUSIC_GEN_DATA when set, else the repo's data/."""
    return Path(os.environ.get(temporary.DATA_DIR_ENV) or temporary.DEFAULT_DATA_DIR)


def settings_path(folder: Path | None = None) -> Path:
    return (folder or data_dir()) / temporary.SETTINGS_FILE_NAME


def defaults() -> dict:
    return {
        "settings": {name: setting.default for name, setting in SCHEMA.items()},
        "prompts": copy.deepcopy(temporary.DEFAULT_PROMPTS),
    }


# --- paths ---------------------------------------------------------------------------------------


def resolve_path(value: str, default: Path | None) -> Path | None:
    """Where a path setting points: `default` when empty; "~" is the home folder; a relative path
    is read from the app's folder (not from wherever the app was started), so the settings file
    travels with the app and the CLI and the TUI see the same place."""
    if not value or not value.strip():
        return default
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else temporary.REPO_ROOT / path


def model_file(settings: dict) -> Path:
    return resolve_path(settings["model_path"], temporary.STARTER_MODEL_PATH)


def soundfont_file(settings: dict) -> Path | None:
    """The SoundFont the user set; None when none is (the renderer chooses one)."""
    return resolve_path(settings["soundfont_path"], None) if settings["soundfont_path"] else None


def output_folder(settings: dict) -> Path:
    return resolve_path(settings["output_dir"], temporary.DEFAULT_OUTPUT_DIR)


def styles_folder(settings: dict) -> Path:
    """The folder of the user's style files: styles/ in the data folder unless set."""
    return resolve_path(settings["styles_dir"], data_dir() / temporary.STYLES_DIR_NAME)


def path_problem(name: str, settings: dict) -> str | None:
    """Why a path setting cannot be used as it stands (None when it can). The model file is
    checked by models.check_gguf, which reads its header."""
    if name == "soundfont_path" and settings[name].strip():
        path = soundfont_file(settings)
        if not path.is_file():
            return f"the SoundFont {path} (Options: SoundFont {settings[name]!r}) is not a file"
    if name in ("output_dir", "styles_dir"):
        path = output_folder(settings) if name == "output_dir" else styles_folder(settings)
        if path.exists() and not path.is_dir():
            return f"the {SCHEMA[name].label.lower()} {path} is a file, not a folder"
    return None


def check_paths(settings: dict) -> None:
    """SettingError for the first path setting that cannot be used: said once, before a batch
    spends any time on the model."""
    for name, setting in SCHEMA.items():
        if setting.is_path and (problem := path_problem(name, settings)):
            raise SettingError(problem)


# --- checking values -----------------------------------------------------------------------------


def checked_server_url(value: str, subject: str) -> str:
    """Empty (generate locally) or an http(s) address with a host; surrounding spaces dropped."""
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
            f"{subject} must be empty or an http:// or https:// address with a host, "
            f"like http://192.168.1.20:8080 (not {url!r})"
        )
    return url


def check_value(name: str, value, subject: str = ""):
    """The value converted to the setting's type, or SettingError saying what is allowed (naming
    the setting as `subject`, by default its label in Options)."""
    if name not in SCHEMA:
        raise SettingError(f"unknown setting {name!r}")
    return SCHEMA[name].check(value, subject)


def check_prompt(name: str, value, subject: str = ""):
    """A prompt template of the right shape: the stop strings a list of non-empty strings,
    every other template text (its fields are tried where it is edited, in Options)."""
    subject = subject or temporary.PROMPT_OPTIONS[name]["label"]
    if name == "stop":
        if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
            raise SettingError(f"{subject} must be a JSON list of non-empty strings")
        return value
    if not isinstance(value, str):
        raise SettingError(f"{subject} must be text")
    return value


def label(group: str, name: str) -> str:
    """What Options calls a setting or a prompt: messages to the user name it so."""
    return SCHEMA[name].label if group == "settings" else temporary.PROMPT_OPTIONS[name]["label"]


def yes_or_no(subject: str, value) -> bool:
    """A switch: true/false in JSON, or yes/no, on/off, true/false typed in Options."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("yes", "on", "true", "1"):
        return True
    if word in ("no", "off", "false", "0"):
        return False
    raise SettingError(f"{subject} must be yes or no")


def merge(stored: dict) -> tuple[dict, list[str]]:
    """Stored values over the defaults; a bad or unknown value is replaced and reported, by its
    label in Options and its key in the file."""
    merged = defaults()
    problems = []
    for group, check in (("settings", check_value), ("prompts", check_prompt)):
        for name, value in stored.get(group, {}).items():
            if group == "prompts" and name not in merged["prompts"]:
                continue  # a template this version no longer has
            if group == "settings" and name not in SCHEMA:
                problems.append(
                    f"{temporary.SETTINGS_FILE_NAME} has an unknown setting {name!r}; ignored"
                )
                continue
            subject = f'{label(group, name)} ("{name}" in {temporary.SETTINGS_FILE_NAME})'
            try:
                merged[group][name] = check(name, value, subject)
            except SettingError as error:
                problems.append(f"{error}; using the default")
    return merged, problems


def shape_problem(stored) -> str | None:
    """Why a settings file's JSON is not shaped like one (None when it is)."""
    if not isinstance(stored, dict):
        return "not a JSON object"
    for group in ("settings", "prompts"):
        if not isinstance(stored.get(group, {}), dict):
            return f'"{group}" is not an object'
    return None


def load(folder: Path | None = None) -> tuple[dict, list[str]]:
    """Settings and prompts, plus messages for the user. A missing file is created; one that
    cannot be read or is not shaped like settings is moved aside (never deleted: it may hold the
    user's work) and replaced by defaults."""
    path = settings_path(folder)
    if not path.exists() and not path.is_symlink():
        try:
            save(defaults(), folder)
        except OSError as error:
            return defaults(), [f"cannot write {path}: {error.strerror or error}"]
        return defaults(), []
    try:
        stored = read_json(path)
        problem = shape_problem(stored)
    except InputFileError as error:
        problem = str(error)
    if problem is None:
        return merge(stored)
    return defaults(), [set_aside(path, problem, folder)]


def set_aside(path: Path, problem: str, folder: Path | None) -> str:
    """Move an unusable settings file out of the way and write the defaults; the message says
    where it went (or why it stays)."""
    try:
        backup = move_aside(path)
        save(defaults(), folder)
    except OSError as error:
        return (
            f"{path.name} was unreadable ({problem}) and could not be moved aside "
            f"({error.strerror or error}); using the defaults"
        )
    return (
        f"{path.name} was unreadable ({problem}); it was moved to "
        f"{backup.name} and the defaults were written"
    )


def save(config: dict, folder: Path | None = None) -> None:
    path = settings_path(folder)
    atomic_write_text(path, json.dumps(config, indent=2, ensure_ascii=False) + "\n")
