"""Talking to language models: a local GGUF file run by llama.cpp (llama-cpp-python)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from scripts import temporary


class ModelError(RuntimeError):
    """The model cannot be used; the message names the file and says why."""


class Cancelled(Exception):
    """The user cancelled; nothing of the current song is kept."""


@dataclass(frozen=True)
class Sampling:
    temperature: float
    top_p: float
    top_k: int
    repeat_penalty: float
    max_tokens: int

    @classmethod
    def from_settings(cls, settings: dict) -> Sampling:
        return cls(**{name: settings[name] for name in cls.__dataclass_fields__})


def configured_model(settings: dict) -> Path:
    """The model file the settings name: the starter model when none is set; a relative path is
    read from the app's folder, so that the settings file travels with it."""
    if not settings["model_path"]:
        return temporary.STARTER_MODEL_PATH
    return temporary.REPO_ROOT / Path(settings["model_path"]).expanduser()


def check_gguf(path: Path) -> None:
    """Raise ModelError unless `path` is a readable file that starts like a GGUF."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"not a file: {path}")
    try:
        with path.open("rb") as handle:
            magic = handle.read(len(temporary.GGUF_MAGIC))
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror}") from None
    if magic != temporary.GGUF_MAGIC:
        raise ModelError(f"{path.name} is not a GGUF model file")


class LocalModel:
    """A GGUF model loaded once and used for many songs."""

    def __init__(self, path: Path, settings: dict):
        check_gguf(path)
        self.path = path
        from llama_cpp import Llama

        try:
            self.llama = Llama(
                model_path=str(path),
                n_ctx=settings["n_ctx"],
                n_threads=settings["n_threads"] or None,  # None: llama-cpp-python's own default
                n_gpu_layers=settings["n_gpu_layers"],
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelError(
                f"llama.cpp could not load {path.name} (truncated, corrupt, or an architecture "
                f"this llama.cpp does not know): {error}"
            ) from None

    @property
    def name(self) -> str:
        return self.path.name

    def complete(
        self,
        prompt: str,
        sampling: Sampling,
        seed: int,
        stop: list[str],
        on_token: Callable[[int], None],
        cancel: threading.Event,
    ) -> str:
        """Stream a completion. `on_token(n)` is told how many tokens have come so far; `cancel`
        is checked between tokens (prompt processing itself cannot be interrupted)."""
        stream = self.llama.create_completion(
            prompt,
            max_tokens=sampling.max_tokens,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            top_k=sampling.top_k,
            repeat_penalty=sampling.repeat_penalty,
            seed=seed,
            stop=stop,
            stream=True,
        )
        pieces: list[str] = []
        try:
            for count, chunk in enumerate(stream, start=1):
                if cancel.is_set():
                    raise Cancelled()
                pieces.append(chunk["choices"][0]["text"])
                on_token(count)
        finally:
            stream.close()
        return "".join(pieces)
