"""Which engine writes the songs: the server the settings name, else a local GGUF file."""

from __future__ import annotations

from pathlib import Path

from scripts.model import catalog
from scripts.model.models import ModelError, TextModel, load_model
from scripts.model.prompts import model_format
from scripts.settings import model_file


def open_model(settings: dict, model_path: Path | None = None) -> TextModel:
    """A RemoteModel when settings["server_url"] is set, else a LocalModel of `model_path` (by
    default the configured file, kept loaded between batches). Both raise ModelError saying why
    the model cannot be used."""
    if settings["server_url"]:
        from scripts.model.remote_model import RemoteModel  # http.client: only loaded when used

        return RemoteModel(settings["server_url"])
    return load_model(model_path or model_file(settings), settings)


def prompt_kind(model: TextModel, settings: dict) -> str:
    """abc, chat or chatmusician: how this model is asked, from the settings, its catalog entry
    (read here, once a batch) and its GGUF; ModelError for a model the app cannot use."""
    entry = catalog.entry_for_file(model.file_name)
    if entry and not entry.usable:
        raise ModelError(entry.explanation())
    return model_format(settings["prompt_format"], entry and entry.format, model.has_chat_template)


def job_format(model: TextModel, job) -> str:
    """The job's prompt kind: decided when its batch opened the model, else now."""
    return job.model_format or prompt_kind(model, job.settings)
