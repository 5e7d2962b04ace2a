"""A copy of a SoundFont that symusic 0.5.8's synth (prestosynth) plays like FluidSynth.

That synth ignores the zones' overridingRootKey (symusic issue 55: TimGM6mb's piano played A3 as
B4), reads levels and envelopes in other units than the spec, and more: scripts/soundfont_flatten.py
says what and how the copy's preset data makes up for it. Sample data and INFO stay as they are;
the original, not the copy, is what any other player should load.
"""

from __future__ import annotations

import struct
from pathlib import Path

from scripts import temporary
from scripts.soundfont_flatten import flatten


def _chunks(file, start: int, end: int):
    """(id, data offset, size) of the RIFF chunks between `start` and `end`."""
    while start + 8 <= end:
        file.seek(start)
        head = file.read(8)
        if len(head) < 8:
            return
        size = struct.unpack("<I", head[4:])[0]
        yield head[:4], start + 8, size
        start += 8 + size
        if size & 1:  # RIFF pads odd chunks, but some writers (MuseScore's sf3) do not
            file.seek(start)
            after = file.read(5)
            start += after[:1] == b"\0" and after[1:].isalnum()


def _pdta(path: Path) -> tuple[int, int, dict[bytes, bytes]]:
    """The pdta list's offset and size in the file, and its sub-chunks."""
    with path.open("rb") as file:
        head = file.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise ValueError(f"{path.name} is not a SoundFont")
        for chunk, offset, size in _chunks(file, 12, path.stat().st_size):
            file.seek(offset)
            if chunk == b"LIST" and file.read(4) == b"pdta":
                parts = {}
                for part, at, length in _chunks(file, offset + 4, offset + size):
                    file.seek(at)
                    parts[part] = file.read(length)
                return offset - 8, size, parts
    raise ValueError(f"{path.name} has no preset data (pdta)")


def _version(path: Path) -> int:
    """The SoundFont's major version (ifil): 2, or 3 for Ogg-compressed samples."""
    with path.open("rb") as file:
        for chunk, offset, size in _chunks(file, 12, path.stat().st_size):
            file.seek(offset)
            if chunk == b"LIST" and file.read(4) == b"INFO":
                for part, at, _ in _chunks(file, offset + 4, offset + size):
                    if part == b"ifil":
                        file.seek(at)
                        return struct.unpack("<H", file.read(2))[0]
    return 2


def _chunk(name: bytes, data: bytes) -> bytes:
    return name + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1)


def in_tune(source: Path, folder: Path) -> Path:
    """The copy of `source` that symusic plays like FluidSynth, in `folder` (made once and kept;
    its name carries the source's size and time). Raises OSError or ValueError."""
    stat = source.stat()
    version = temporary.SOUNDFONT_RETUNE_VERSION
    target = folder / f"{source.stem}-{stat.st_size}-{stat.st_mtime_ns}-v{version}{source.suffix}"
    if target.is_file():
        return target
    offset, size, parts = _pdta(source)
    parts = flatten(parts, _version(source))
    pdta = _chunk(b"LIST", b"pdta" + b"".join(_chunk(name, data) for name, data in parts.items()))
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + temporary.PARTIAL_SUFFIX)
    with source.open("rb") as original, partial.open("wb") as copy:
        rest = stat.st_size - (offset + 8 + size + (size & 1))
        copy.write(b"RIFF" + struct.pack("<I", offset - 8 + len(pdta) + rest) + b"sfbk")
        original.seek(12)
        _copy(original, copy, offset - 12)  # INFO and the samples, unchanged
        copy.write(pdta)
        original.seek(offset + 8 + size + (size & 1))
        _copy(original, copy, rest)  # anything after the preset data
    partial.replace(target)
    return target


def _copy(source, target, count: int) -> None:
    while count > 0:
        piece = source.read(min(count, 1 << 20))
        if not piece:
            break
        target.write(piece)
        count -= len(piece)
