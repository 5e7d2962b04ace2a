"""What a GGUF file says about itself, read from its header without loading the model.

llama.cpp's own reader only runs inside a full load, which for a 7 GB model takes seconds and
memory; the app needs the trained context (to cap n_ctx), the architecture and the chat template
before that, and a clear message when the header is cut short.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

from scripts import temporary

# GGUF value types → struct formats (fixed-size ones); 8 is a string, 9 an array.
SCALARS = {
    0: "B",
    1: "b",
    2: "H",
    3: "h",
    4: "I",
    5: "i",
    6: "f",
    7: "?",
    10: "Q",
    11: "q",
    12: "d",
}
STRING, ARRAY = 8, 9
MAX_STRING = 64 * 1024 * 1024  # a longer "string" means the file is corrupt, not a huge template


class GgufError(ValueError):
    """The header is not a readable GGUF header; the message follows the file's name."""


@dataclass(frozen=True)
class GgufInfo:
    architecture: str
    context_length: int | None
    chat_template: str | None
    name: str | None


def read_exact(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise GgufError("ends inside its header (truncated or damaged)")
    return data


def read_scalar(handle: BinaryIO, kind: int):
    fmt = "<" + SCALARS[kind]
    return struct.unpack(fmt, read_exact(handle, struct.calcsize(fmt)))[0]


def read_string(handle: BinaryIO) -> str:
    length = read_scalar(handle, 10)
    if length > MAX_STRING:
        raise GgufError("has an impossibly long header string (damaged?)")
    return read_exact(handle, length).decode("utf-8", errors="replace")


def read_value(handle: BinaryIO, kind: int, keep: bool, depth: int = 0):
    """One value; arrays (token lists: large) are skipped over unless `keep`."""
    if kind == STRING:
        return read_string(handle)
    if kind == ARRAY:
        if depth >= temporary.GGUF_MAX_ARRAY_DEPTH:
            raise GgufError("nests arrays too deep in its header (damaged?)")
        item_kind, count = read_scalar(handle, 4), read_scalar(handle, 10)
        if item_kind in SCALARS:  # fixed-size items: jump over them at once
            handle.seek(count * struct.calcsize(SCALARS[item_kind]), 1)
            return None
        items = [read_value(handle, item_kind, keep, depth + 1) for _ in range(count)]
        return items if keep else None
    if kind not in SCALARS:
        raise GgufError(f"has an unknown value type {kind} in its header (damaged?)")
    return read_scalar(handle, kind)


def read_metadata(handle: BinaryIO) -> dict:
    """Every scalar and string key of the header (arrays are skipped)."""
    if handle.read(len(temporary.GGUF_MAGIC)) != temporary.GGUF_MAGIC:
        raise GgufError("is not a GGUF model file")
    version = read_scalar(handle, 4)
    if version not in (2, 3):
        raise GgufError(f"is GGUF version {version}, which this app cannot read")
    read_scalar(handle, 10)  # tensor count
    metadata = {}
    for _ in range(read_scalar(handle, 10)):
        key = read_string(handle)
        metadata[key] = read_value(handle, read_scalar(handle, 4), keep=False)
    return metadata


def read_info(handle: BinaryIO) -> GgufInfo:
    metadata = read_metadata(handle)
    architecture = metadata.get("general.architecture") or "unknown"
    return GgufInfo(
        architecture=architecture,
        context_length=metadata.get(f"{architecture}.context_length"),
        chat_template=metadata.get("tokenizer.chat_template"),
        name=metadata.get("general.name"),
    )
