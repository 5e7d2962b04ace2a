"""The model catalog (data/catalog.json): which models the app knows, where each comes from, how it
is prompted and what it is good for. Loading checks every entry, so a bad edit fails with a
message that names the entry and the field instead of a KeyError deep in a download."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, read_json
from scripts.settings import SAMPLING_FIELDS, SCHEMA

SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


class CatalogError(ValueError):
    """The catalog file is missing or an entry is malformed; the message says which and why."""


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    display_name: str
    repo: str | None  # None: the file ships with the app
    file: str
    revision: str | None
    size_bytes: int
    size_exact: bool
    sha256: str | None
    license: str
    format: str
    sampling: dict
    uses: tuple[str, ...]
    ram_gb: float
    note: str
    verified: str
    own: bool = False  # the user's own model, trained here (scripts/model/own_models.py)

    @property
    def bundled(self) -> bool:
        return self.repo is None and not self.own

    @property
    def usable(self) -> bool:
        return self.format != temporary.UNUSABLE_FORMAT

    def explanation(self) -> str:
        """Why the app cannot use this model (empty for the ones it can)."""
        if self.usable:
            return ""
        return temporary.AUDIO_TOKENS_EXPLANATION.format(name=self.display_name)


def catalog_path() -> Path:
    return Path(os.environ.get(temporary.CATALOG_ENV) or temporary.CATALOG_PATH)


def models_dir() -> Path:
    """Where downloaded models go (data/models, or the folder the environment names)."""
    return Path(os.environ.get(temporary.MODELS_DIR_ENV) or temporary.MODELS_DIR)


def local_path(entry: CatalogEntry) -> Path:
    folder = temporary.BUNDLED_MODELS_DIR if entry.bundled else models_dir()
    return folder / entry.file


def is_present(entry: CatalogEntry) -> bool:
    """The finished file is there (downloads only appear under their name once verified)."""
    return local_path(entry).is_file()


def require(raw: dict, field: str, kinds, where: str):
    """raw[field], checked to be one of `kinds` (a bool is not taken for a number)."""
    if field not in raw:
        raise CatalogError(f"{where}: missing field {field!r}")
    value = raw[field]
    kinds = kinds if isinstance(kinds, tuple) else (kinds,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise CatalogError(f"{where}: {field!r} has the wrong type ({type(value).__name__})")
    return value


def parse_sampling(raw: dict, where: str) -> dict:
    sampling = require(raw, "sampling", dict, where)
    checked = {}
    for field in SAMPLING_FIELDS:
        value = require(sampling, field, (int, float), f"{where} sampling")
        setting = SCHEMA[field]
        low, high = setting.range
        if not low <= value <= high:
            raise CatalogError(f"{where}: sampling {field} {value} is outside {low:g}..{high:g}")
        checked[field] = int(value) if setting.kind == "int" else float(value)
    return checked


def parse_entry(raw: dict, index: int) -> CatalogEntry:
    where = f"catalog entry {index + 1}"
    if not isinstance(raw, dict):
        raise CatalogError(f"{where} is not an object")
    name = require(raw, "name", str, where)
    where = f"catalog entry {name!r}"
    file = require(raw, "file", str, where)
    if not file.endswith(".gguf") or "/" in file or "\\" in file or file.startswith("."):
        raise CatalogError(f"{where}: file must be a plain *.gguf name, not {file!r}")
    sha256 = require(raw, "sha256", (str, type(None)), where)
    if sha256 is not None and not SHA256_PATTERN.fullmatch(sha256):
        raise CatalogError(f"{where}: sha256 must be 64 lowercase hex digits or null")
    model_format = require(raw, "format", str, where)
    if model_format not in temporary.MODEL_FORMATS:
        raise CatalogError(f"{where}: format must be one of {', '.join(temporary.MODEL_FORMATS)}")
    uses = require(raw, "uses", list, where)
    if any(use not in temporary.MODEL_USES for use in uses):
        raise CatalogError(f"{where}: uses must be among {', '.join(temporary.MODEL_USES)}")
    size = require(raw, "size_bytes", int, where)
    if size <= 0:
        raise CatalogError(f"{where}: size_bytes must be positive")
    return CatalogEntry(
        name=name,
        display_name=require(raw, "display_name", str, where),
        repo=require(raw, "repo", (str, type(None)), where),
        file=file,
        revision=require(raw, "revision", (str, type(None)), where),
        size_bytes=size,
        size_exact=require(raw, "size_exact", bool, where),
        sha256=sha256,
        license=require(raw, "license", str, where),
        format=model_format,
        sampling=parse_sampling(raw, where),
        uses=tuple(uses),
        ram_gb=float(require(raw, "ram_gb", (int, float), where)),
        note=require(raw, "note", str, where),
        verified=require(raw, "verified", str, where),
    )


def load_catalog(path: Path | None = None) -> list[CatalogEntry]:
    path = path or catalog_path()
    try:
        document = read_json(path)
    except InputFileError as error:
        raise CatalogError(f"the model catalog {path} {error}") from None
    raw_entries = document.get("models") if isinstance(document, dict) else None
    if not isinstance(raw_entries, list):
        raise CatalogError(f"the model catalog {path} has no 'models' list")
    entries = [parse_entry(raw, index) for index, raw in enumerate(raw_entries)]
    names = [entry.name.lower() for entry in entries]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise CatalogError(f"the model catalog names {', '.join(duplicates)} more than once")
    return entries


def find(entries: list[CatalogEntry], name: str) -> CatalogEntry | None:
    """The entry called `name`, ignoring case."""
    wanted = name.strip().lower()
    return next((entry for entry in entries if entry.name.lower() == wanted), None)


def entry_for_file(file_name: str) -> CatalogEntry | None:
    """The entry whose file this is, so a model chosen by path is prompted as the catalog says.
    A catalog that cannot be read names no model (Options reports it where it is edited)."""
    try:
        entries = load_catalog()
    except CatalogError:
        return None
    wanted = file_name.lower()
    return next((entry for entry in entries if entry.file.lower() == wanted), None)


def setting_path(path: Path) -> str:
    """How a model file is stored in the settings: relative to the app's folder when inside it,
    so the settings travel with the app (settings.model_file reads it back)."""
    try:
        return str(path.resolve().relative_to(temporary.REPO_ROOT))
    except ValueError:
        return str(path.resolve())


def chosen_settings(entry: CatalogEntry) -> dict:
    """The settings that choosing `entry` sets: the model file and its recommended sampling."""
    path = local_path(entry)
    model_path = "" if path == temporary.STARTER_MODEL_PATH else setting_path(path)
    return {"model_path": model_path, **entry.sampling}
