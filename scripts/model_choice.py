"""Which engine writes the songs: the server the settings name, else a local GGUF file."""

from __future__ import annotations

from pathlib import Path

from scripts.models import TextModel, load_model
from scripts.settings import model_file


def open_model(settings: dict, model_path: Path | None = None) -> TextModel:
    """A RemoteModel when settings["server_url"] is set, else a LocalModel of `model_path` (by
    default the configured file, kept loaded between batches). Both raise ModelError saying why
    the model cannot be used."""
    if settings["server_url"]:
        from scripts.remote_model import RemoteModel  # http.client: only loaded when used

        return RemoteModel(settings["server_url"])
    return load_model(model_path or model_file(settings), settings)
