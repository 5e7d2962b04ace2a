"""The user's own models: fine-tuned here (training/finetune.py) into the models folder as
NAME.gguf, with NAME.json (what training recorded) and NAME.md (its model card) beside it. They
are offered with the catalog's models, marked as the user's own."""

from __future__ import annotations

import re
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, read_json
from scripts.model import catalog

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,39}")


class ModelNameError(ValueError):
    """A name for a new model that cannot be used; the message says why."""


def record_path(name: str) -> Path:
    return catalog.models_dir() / f"{name}.json"


def model_path(name: str) -> Path:
    return catalog.models_dir() / f"{name}.gguf"


def card_path(name: str) -> Path:
    return catalog.models_dir() / f"{name}.md"


def checked_name(name: str) -> str:
    """A name for a new model: a plain file name that no catalog model and no finished model of
    the user's has. Raises ModelNameError saying why not."""
    name = name.strip()
    if "/" in name or "\\" in name:
        raise ModelNameError(f"a model name cannot contain a path separator: {name!r}")
    if not NAME_RE.fullmatch(name) or name.lower().endswith(".gguf"):
        raise ModelNameError(
            f"a model name is 1-40 letters, digits, '-', '_' or '.', starting with a letter or "
            f"digit, without .gguf: not {name!r}"
        )
    try:
        entries = catalog.load_catalog()
    except catalog.CatalogError:
        entries = []
    for entry in entries:
        if name.lower() in (entry.name.lower(), Path(entry.file).stem.lower()):
            raise ModelNameError(f"{name!r} is the name of a catalog model: choose another")
    if model_path(name).exists():
        raise ModelNameError(f"you already have a model called {name!r} ({model_path(name)})")
    return name


def own_entries() -> list[catalog.CatalogEntry]:
    """A catalog entry for each finished model of the user's (a GGUF with its record). A model
    whose record is damaged is still listed, and its note says so."""
    folder = catalog.models_dir()
    entries = []
    for record_file in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        gguf = record_file.with_suffix(".gguf")
        if not gguf.is_file():
            continue
        try:
            record = read_json(record_file)
        except InputFileError as error:
            record = {"kind": "own", "problem": f"its record {record_file.name} {error}"}
        if not isinstance(record, dict):
            record = {"kind": "own", "problem": f"its record {record_file.name} is not an object"}
        if record.get("kind") == "own":
            entries.append(entry_for(record, gguf))
    return entries


def entry_for(record: dict, gguf: Path) -> catalog.CatalogEntry:
    name = gguf.stem
    tunes = record.get("tunes")
    tunes = tunes.get("train", 0) if isinstance(tunes, dict) else 0
    created = record.get("created") if isinstance(record.get("created"), str) else ""
    note = (
        f"Your own model: the starter model fine-tuned on {tunes} of your tunes ({created}); "
        f"card: {gguf.with_suffix('.md').name}."
    )
    if "problem" in record:
        note = f"Your own model; {record['problem']}, so what it learnt from is not known."
    return catalog.CatalogEntry(
        name=name,
        display_name=f"{name} (your own)",
        repo=None,
        file=gguf.name,
        revision=None,
        size_bytes=gguf.stat().st_size,
        size_exact=True,
        sha256=None,
        license="yours: fine-tuned from the starter model (MIT) on your own tunes",
        format="abc",
        sampling=dict(temporary.OWN_MODEL_SAMPLING),
        uses=("music",),
        ram_gb=0.1,
        note=note,
        verified=f"trained on this machine ({created})",
        own=True,
    )


def all_entries() -> list[catalog.CatalogEntry]:
    """The catalog's models, then the user's own. Raises CatalogError as load_catalog does."""
    return catalog.load_catalog() + own_entries()
