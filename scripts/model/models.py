"""Talking to language models: a local GGUF file run by llama.cpp (llama-cpp-python)."""

from __future__ import annotations

import atexit
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from scripts import temporary
from scripts.model import grammars, hardware
from scripts.model.gguf_info import GgufError, GgufInfo, read_info


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


class TextModel(Protocol):
    """What the pipeline needs of a model, local (llama.cpp) or on a server."""

    name: str
    file_name: str  # how the catalog knows the model
    has_chat_template: bool

    def complete(
        self,
        prompt: str,
        sampling: Sampling,
        seed: int,
        stop: list[str],
        on_token,
        cancel,
        grammar: str | None = None,
    ) -> str: ...

    def chat(
        self,
        messages: list[dict],
        sampling: Sampling,
        seed: int,
        on_token,
        cancel,
        grammar: str | None = None,
    ) -> str: ...


def check_gguf(path: Path) -> GgufInfo:
    """What the GGUF header at `path` says; ModelError when it is missing or unreadable."""
    if not path.exists():
        raise ModelError(f"model file not found: {path}")
    if not path.is_file():
        raise ModelError(f"not a file: {path}")
    try:
        with path.open("rb") as handle:
            return read_info(handle)
    except OSError as error:
        raise ModelError(f"cannot read {path}: {error.strerror}") from None
    except GgufError as error:
        raise ModelError(f"{path.name} {error}") from None


def context_size(settings: dict, info: GgufInfo) -> int:
    """The configured context, but never more than the model was trained on: beyond it a model
    writes nonsense, and the memory is wasted."""
    trained = info.context_length or settings["n_ctx"]
    return max(temporary.MIN_CONTEXT, min(settings["n_ctx"], trained))


def stream_text(chunks: Iterator[dict], piece: Callable[[dict], str], on_token, cancel) -> str:
    """Join a llama-cpp-python stream, reporting progress and stopping when cancelled."""
    pieces: list[str] = []
    try:
        for count, chunk in enumerate(chunks, start=1):
            if cancel.is_set():
                raise Cancelled()
            pieces.append(piece(chunk))
            on_token(count)
    finally:
        chunks.close()
    return "".join(pieces)


class LocalModel:
    """A GGUF model loaded once and used for many songs."""

    def __init__(self, path: Path, settings: dict):
        self.info = check_gguf(path)
        self.path = path
        from llama_cpp import Llama

        try:
            self.llama = Llama(
                model_path=str(path),
                n_ctx=context_size(settings, self.info),
                n_threads=settings["n_threads"] or hardware.physical_cores(),
                n_gpu_layers=settings["n_gpu_layers"],
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelError(
                f"llama.cpp could not load {path.name} (architecture {self.info.architecture!r}; "
                f"truncated, corrupt, or an architecture this llama.cpp does not know): {error}"
            ) from None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def file_name(self) -> str:
        return self.path.name

    @property
    def has_chat_template(self) -> bool:
        return bool(self.info.chat_template)

    def complete(
        self,
        prompt: str,
        sampling: Sampling,
        seed: int,
        stop: list[str],
        on_token: Callable[[int], None],
        cancel: threading.Event,
        grammar: str | None = None,
    ) -> str:
        """Stream a completion. `on_token(n)` is told how many tokens have come so far; `cancel`
        is checked between tokens (prompt processing itself cannot be interrupted). `grammar`
        (GBNF) constrains what the model may write."""
        stream = self.llama.create_completion(
            prompt, stop=stop, stream=True, **self.sampling_arguments(sampling, seed, grammar)
        )
        return stream_text(stream, lambda chunk: chunk["choices"][0]["text"], on_token, cancel)

    def chat(
        self,
        messages: list[dict],
        sampling: Sampling,
        seed: int,
        on_token: Callable[[int], None],
        cancel: threading.Event,
        grammar: str | None = None,
    ) -> str:
        """Stream a chat reply, formatted with the chat template the GGUF carries."""
        stream = self.llama.create_chat_completion(
            messages, stream=True, **self.sampling_arguments(sampling, seed, grammar)
        )
        return stream_text(
            stream,
            lambda chunk: chunk["choices"][0]["delta"].get("content") or "",
            on_token,
            cancel,
        )

    @staticmethod
    def sampling_arguments(sampling: Sampling, seed: int, grammar: str | None) -> dict:
        arguments = {**sampling.__dict__, "seed": seed}
        if grammar:
            from llama_cpp import LlamaGrammar

            # An invalid grammar crashes llama.cpp itself: it must pass the subprocess check.
            arguments["grammar"] = LlamaGrammar.from_string(
                grammars.checked(grammar), verbose=False
            )
        return arguments


class ModelCache:
    """The last model loaded, kept between batches: loading a 7 GB model takes seconds. One model
    at a time (memory); a changed file or load setting loads it again."""

    def __init__(self):
        self.lock = threading.Lock()
        self.key: tuple | None = None
        self.model: LocalModel | None = None

    def get(self, path: Path, settings: dict) -> LocalModel:
        stat = path.stat() if path.is_file() else None
        key = (path, stat and (stat.st_size, stat.st_mtime_ns)) + tuple(
            settings[name] for name in ("n_ctx", "n_threads", "n_gpu_layers")
        )
        with self.lock:
            if self.key != key or self.model is None:
                self.key = self.model = None  # free the old model before loading the new one
                self.model, self.key = LocalModel(path, settings), key
            return self.model

    def close(self) -> None:
        """Free the model while the interpreter still works: llama-cpp-python's own finalizer
        fails noisily when it runs during shutdown."""
        with self.lock:
            if self.model is not None:
                self.model.llama.close()
            self.key = self.model = None


LOADED = ModelCache()
atexit.register(LOADED.close)


def load_model(path: Path, settings: dict) -> LocalModel:
    return LOADED.get(path, settings)
