"""A copy of a SoundFont that symusic 0.5.8's synth plays in tune.

That synth ignores the instrument zones' overridingRootKey generator and takes each sample's
root key from its sample header (symusic issue 55). Most General MIDI SoundFonts (TimGM6mb,
FluidR3_GM) leave the header at 60 and set the real root in the zone, so notes come out many
semitones off (TimGM6mb's piano plays A3 as B4). The copy gives every zone a sample header whose
original pitch is the zone's root key (a duplicate header where zones share a sample but not a
root); sample data, presets and every other generator stay as they are, so a synth that reads
the override still plays the same notes.
"""

from __future__ import annotations

import struct
from pathlib import Path

from scripts import temporary

SAMPLE_ID, ROOT_KEY = 53, 58  # SoundFont 2.04 generator numbers
_SHDR = struct.Struct("<20sIIIIIBbHH")  # name, start, end, loop start, loop end, rate, pitch...


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


def _retuned(parts: dict[bytes, bytes]) -> tuple[bytes, bytes] | None:
    """New igen and shdr sub-chunks, or None when every zone's root is already in its sample."""
    generators = [list(g) for g in struct.iter_unpack("<HH", parts[b"igen"])]
    bags = [bag for bag, _ in struct.iter_unpack("<HH", parts[b"ibag"])]
    instruments = [bag for *_, bag in struct.iter_unpack("<20sH", parts[b"inst"])]
    headers = [list(h) for h in _SHDR.iter_unpack(parts[b"shdr"])]
    terminal = headers.pop()  # the "EOS" record ends the list
    copies: dict[tuple[int, int], int] = {}
    for first, last in zip(instruments, instruments[1:], strict=False):
        shared_root = None
        for zone in range(first, last):
            gens = generators[bags[zone] : bags[zone + 1]]
            amounts = {number: amount for number, amount in gens}
            if SAMPLE_ID not in amounts:  # the instrument's global zone
                shared_root = amounts.get(ROOT_KEY, shared_root)
                continue
            root, sample = amounts.get(ROOT_KEY, shared_root), amounts[SAMPLE_ID]
            if root is None or root > 127 or sample >= len(headers):
                continue
            if headers[sample][6] == root:
                continue
            if (sample, root) not in copies:
                copies[sample, root] = len(headers)
                headers.append([*headers[sample][:6], root, *headers[sample][7:]])
            for generator in gens:
                if generator[0] == SAMPLE_ID:
                    generator[1] = copies[sample, root]
    if not copies:
        return None
    for (sample, root), index in copies.items():  # stereo pairs: link the copies to each other
        partner = copies.get((headers[sample][8], root))
        if partner is not None:
            headers[index][8] = partner
    igen = b"".join(struct.pack("<HH", *g) for g in generators)
    shdr = b"".join(_SHDR.pack(*h) for h in [*headers, terminal])
    return igen, shdr


def _chunk(name: bytes, data: bytes) -> bytes:
    return name + struct.pack("<I", len(data)) + data + b"\0" * (len(data) & 1)


def in_tune(source: Path, folder: Path) -> Path:
    """`source` itself when symusic plays it in tune, else its retuned copy in `folder` (made once
    and kept; its name carries the source's size and time). Raises OSError or ValueError."""
    stat = source.stat()
    version = temporary.SOUNDFONT_RETUNE_VERSION
    target = folder / f"{source.stem}-{stat.st_size}-{stat.st_mtime_ns}-v{version}{source.suffix}"
    if target.is_file():
        return target
    offset, size, parts = _pdta(source)
    retuned = _retuned(parts)
    if retuned is None:
        return source
    parts[b"igen"], parts[b"shdr"] = retuned
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
