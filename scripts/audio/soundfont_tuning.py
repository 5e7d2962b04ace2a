"""A copy of a SoundFont that symusic 0.5.8's synth (prestosynth) plays like FluidSynth.

That synth ignores the zones' overridingRootKey (symusic issue 55: TimGM6mb's piano played A3 as
B4), reads levels and envelopes in other units than the spec, and more: soundfont_flatten.py
says what and how the copy's preset data makes up for it. Sample data and INFO stay as they are;
the original, not the copy, is what any other player should load.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from scripts import temporary
from scripts.audio.soundfont_filter import TAIL, lowpass
from scripts.audio.soundfont_flatten import flatten


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


def _list_parts(path: Path, name: bytes) -> tuple[int, int, list[tuple[bytes, int, int]]]:
    """The offset and size of the file's LIST chunk of type `name` (b"pdta", b"INFO",
    b"sdta") and its sub-chunks as (id, data offset, size); (-1, 0, []) when it has none."""
    with path.open("rb") as file:
        head = file.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"sfbk":
            raise ValueError(f"{path.name} is not a SoundFont")
        for chunk, offset, size in _chunks(file, 12, path.stat().st_size):
            file.seek(offset)
            if chunk == b"LIST" and file.read(4) == name:
                return offset - 8, size, list(_chunks(file, offset + 4, offset + size))
    return -1, 0, []


def _pdta(path: Path) -> tuple[int, int, dict[bytes, bytes]]:
    """The pdta list's offset and size in the file, and its sub-chunks."""
    offset, size, found = _list_parts(path, b"pdta")
    if offset < 0:
        raise ValueError(f"{path.name} has no preset data (pdta)")
    with path.open("rb") as file:
        parts = {}
        for part, at, length in found:
            file.seek(at)
            parts[part] = file.read(length)
    return offset, size, parts


def _version(path: Path) -> int:
    """The SoundFont's major version (ifil): 2, or 3 for Ogg-compressed samples."""
    for part, at, _ in _list_parts(path, b"INFO")[2]:
        if part == b"ifil":
            with path.open("rb") as file:
                file.seek(at)
                return struct.unpack("<H", file.read(2))[0]
    return 2


def _chunk(name: bytes, data: bytes) -> bytes:
    return name + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1)


def _sdta(path: Path) -> tuple[int, int, int, int] | None:
    """(LIST offset, LIST size, smpl data offset, smpl size) of the sample data, if found."""
    offset, size, found = _list_parts(path, b"sdta")
    return next(((offset, size, at, length) for part, at, length in found if part == b"smpl"), None)


class Baker:
    """Filtered copies of samples (scripts/audio/soundfont_filter.py), to go after the original
    ones in the copy's smpl chunk; it moves the headers onto them."""

    def __init__(self, source: Path, smpl_offset: int, smpl_size: int):
        self.samples = np.memmap(source, "<i2", "r", smpl_offset, (smpl_size // 2,))
        self.pieces: list[np.ndarray] = []
        self.length = self.base = smpl_size // 2  # where the next piece starts, in samples
        self.made: dict[tuple, tuple[int, int]] = {}

    def __call__(self, headers: list[list], filters: dict[int, tuple[int, int]]) -> None:
        # The darkest first, while the copy stays within temporary.SOUNDFONT_BAKE_SAMPLES.
        for index, (step, q) in sorted(filters.items(), key=lambda item: item[1]):
            _, start, end, loop_start, loop_end, *_ = headers[index]
            if not 0 <= start < end <= len(self.samples):
                continue
            # (a header starting before the first one of its sample would start before its
            # copy: the copies are made in header order, the first header has the lowest start)
            # Headers of one sample start a few samples apart (soundfont_flatten's Builder):
            # they share the filtered copy, each as far into it as into the original.
            key = (end, loop_start, loop_end, step, q)
            if key not in self.made:
                if self.length - self.base + end - start > temporary.SOUNDFONT_BAKE_SAMPLES:
                    continue
                loop = (loop_start - start, loop_end - start)
                inside = 0 <= loop[0] < loop[1] <= end - start
                data = lowpass(self.samples[start:end], loop if inside else None, step, q)
                self.made[key] = (self.length, start)
                self.pieces += [data, np.zeros(TAIL, "<i2")]
                self.length += len(data) + TAIL
            at, first = self.made[key]
            moved = at - first
            for field in (1, 2, 3, 4):
                headers[index][field] += moved

    def data(self) -> bytes:
        return b"".join(piece.tobytes() for piece in self.pieces)


def in_tune(source: Path, folder: Path) -> Path:
    """The copy of `source` that symusic plays like FluidSynth, in `folder` (made once and kept;
    its name carries the source's size and time). Raises OSError or ValueError."""
    stat = source.stat()
    version = temporary.SOUNDFONT_RETUNE_VERSION
    target = folder / f"{source.stem}-{stat.st_size}-{stat.st_mtime_ns}-v{version}{source.suffix}"
    if target.is_file():
        return target
    offset, size, parts = _pdta(source)
    sdta = _sdta(source)
    baker = Baker(source, *sdta[2:]) if sdta is not None and sdta[0] < offset else None
    parts = flatten(parts, _version(source), baker)
    pdta = _chunk(b"LIST", b"pdta" + b"".join(_chunk(name, data) for name, data in parts.items()))
    folder.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + temporary.PARTIAL_SUFFIX)
    with source.open("rb") as original, partial.open("wb") as copy:
        copy.write(b"RIFF\0\0\0\0sfbk")
        original.seek(12)
        if baker is not None and baker.pieces:
            # The sample data, then the filtered copies, in one smpl chunk (sm24 is left out).
            list_at, list_size, smpl_at, smpl_size = sdta
            _copy(original, copy, list_at - 12)
            added = baker.data()
            copy.write(b"LIST" + struct.pack("<I", 12 + smpl_size + len(added)) + b"sdta")
            copy.write(b"smpl" + struct.pack("<I", smpl_size + len(added)))
            original.seek(smpl_at)
            _copy(original, copy, smpl_size)
            copy.write(added)
            original.seek(list_at + 8 + list_size + (list_size & 1))
            _copy(original, copy, offset - original.tell())
        else:
            _copy(original, copy, offset - 12)  # INFO and the samples, unchanged
        copy.write(pdta)
        original.seek(offset + 8 + size + (size & 1))
        _copy(original, copy, stat.st_size - original.tell())  # anything after the preset data
        total = copy.tell()
        copy.seek(4)
        copy.write(struct.pack("<I", total - 8))
    partial.replace(target)
    return target


def _copy(source, target, count: int) -> None:
    while count > 0:
        piece = source.read(min(count, 1 << 20))
        if not piece:
            break
        target.write(piece)
        count -= len(piece)
