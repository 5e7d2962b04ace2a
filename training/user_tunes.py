"""The user's own tunes for fine-tuning: ABC files, folders of them and MIDI files, each tune put
through the training corpus's own normalization (training/corpus.py), duplicates dropped, and a
count of why the others were left out. No PyTorch here: the CLI and the screen report the counts
before the training tools are even installed.

MIDI files are read with mido (symusic misreads some files other programs write: one MMA file of
20 bars reads as 13,800 quarter notes in symusic 0.5.8, 36 s in mido and pretty_midi); the melody
track alone is written to a new MIDI file and turned into ABC by midi2abc, which symusic ships
beside abc2midi.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts import temporary  # noqa: E402
from scripts.input_files import InputFileError, read_bytes  # noqa: E402
from training import corpus  # noqa: E402

ABC_SUFFIXES = (".abc", ".txt")
MIDI_SUFFIXES = (".mid", ".midi")
DRUM_CHANNEL = 9  # General MIDI's channel 10


class TuneSourceError(ValueError):
    """A path the user gave cannot be read as tunes; the message says which and why."""


@dataclass
class Collection:
    """What was found in the user's paths."""

    tunes: list[str] = field(default_factory=list)  # normalized training texts, no duplicates
    sources: list[str] = field(default_factory=list)  # the files that gave at least one tune
    found: int = 0  # tunes found, before normalization and duplicates
    left_out: Counter = field(default_factory=Counter)  # reason → how many tunes
    file_problems: list[str] = field(default_factory=list)  # "name: why" per unreadable file

    @property
    def kept(self) -> int:
        return len(self.tunes)

    def summary(self) -> str:
        """'12 tunes found, 9 kept; left out: 2 duplicates, 1 fewer than 8 bars'."""
        text = f"{self.found} tunes found, {self.kept} kept"
        if self.left_out:
            reasons = ", ".join(f"{count} {why}" for why, count in self.left_out.most_common())
            text += f"; left out: {reasons}"
        return text


def files_in(paths: list[Path]) -> list[Path]:
    """The tune files the paths name: files as given, folders searched for ABC and MIDI files."""
    found = []
    for path in paths:
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() in (*ABC_SUFFIXES, *MIDI_SUFFIXES)
            )
        elif path.is_file():
            found.append(path)
        else:
            raise TuneSourceError(f"{path}: no such file or folder")
    return found


def abc_texts(path: Path) -> list[str]:
    """The tunes of an ABC file, one text each: from each X: line, or (a file without X: lines,
    such as a model's output) each block between blank lines."""
    try:
        data = read_bytes(path, temporary.TUNE_FILE_MAX_BYTES)
    except InputFileError as error:
        raise TuneSourceError(f"{path.name}: {error}") from None
    if b"\0" in data:
        raise TuneSourceError(f"{path.name}: not a text file")
    text = data.decode("utf-8", errors="replace")
    if text.count("\ufffd") > len(text) * 0.01:
        text = data.decode("latin-1")  # older collections are often Latin-1
    return corpus.split_file(text) or [b for b in re.split(r"\n\s*\n", text) if b.strip()]


def notes_end(midi) -> float:
    """Seconds until the last note of a mido.MidiFile stops (its end-of-track may be later)."""
    clock = end = 0.0
    for message in midi:
        clock += message.time
        if message.type in ("note_on", "note_off"):
            end = clock
    return end


def melody_track(midi):
    """The track that carries the tune: of the tracks that mostly play one note at a time (chord
    and drum tracks left out, unless there is nothing else), the one that sounds highest on
    average; tracks of a handful of notes only when there is no other."""
    candidates = []
    for index, track in enumerate(midi.tracks):
        held: set[int] = set()
        notes = overlapping = 0
        pitch_sum = 0
        notes_of = [
            (when, message.type == "note_on" and message.velocity > 0, message)
            for when, message in absolute(track)
            if message.type in ("note_on", "note_off") and message.channel != DRUM_CHANNEL
        ]
        # At one tick, the notes that end go before the ones that start (a legato line).
        for _, starts, message in sorted(notes_of, key=lambda event: event[:2]):
            if starts:
                notes += 1
                pitch_sum += message.note
                overlapping += bool(held - {message.note})
                held.add(message.note)
            else:
                held.discard(message.note)
        if not notes:
            continue
        single = overlapping <= notes * temporary.TRAIN_MELODY_CHORD_SHARE
        enough = notes >= temporary.TRAIN_MELODY_MIN_NOTES
        candidates.append(((enough, single, pitch_sum / notes), index))
    return midi.tracks[max(candidates)[1]] if candidates else None


def midi_text(path: Path) -> str:
    """A MIDI file's melody as ABC, by midi2abc. Raises TuneSourceError when it has none."""
    import mido

    from scripts.audio.audio_render import abc2midi_path

    if path.stat().st_size > temporary.TRAIN_MAX_MIDI_BYTES:
        raise TuneSourceError(f"{path.name}: too large for a MIDI file of one tune")
    try:
        midi = mido.MidiFile(path)
        seconds = notes_end(midi)
    except (OSError, ValueError, EOFError, KeyError, IndexError) as error:
        raise TuneSourceError(f"{path.name}: not a MIDI file mido can read ({error})") from None
    if seconds > temporary.TRAIN_MAX_MIDI_SECONDS:
        raise TuneSourceError(
            f"{path.name}: plays {seconds / 60:.0f} minutes: too long for one tune "
            f"(at most {temporary.TRAIN_MAX_MIDI_SECONDS // 60} minutes)"
        )
    track = melody_track(midi)
    if track is None:
        raise TuneSourceError(f"{path.name}: the MIDI file has no notes")
    # The melody alone, with the tempo, meter and key of whichever track carries them.
    meta = [m for t in midi.tracks if t is not track for m in absolute(t) if m[1].is_meta]
    events = sorted([*meta, *absolute(track)], key=lambda pair: pair[0])
    single = mido.MidiFile(type=0, ticks_per_beat=midi.ticks_per_beat)
    out, clock = mido.MidiTrack(), 0
    for when, message in events:
        if message.type == "end_of_track":
            continue
        out.append(message.copy(time=when - clock))
        clock = when
    single.tracks.append(out)
    midi2abc = abc2midi_path().with_name(abc2midi_path().name.replace("abc2midi", "midi2abc"))
    with tempfile.TemporaryDirectory(prefix="lmg-midi-") as folder:
        melody, abc = Path(folder) / "melody.mid", Path(folder) / "melody.abc"
        single.save(melody)
        try:
            subprocess.run(
                [str(midi2abc), str(melody), "-gk", "-o", str(abc), "-title", path.stem],
                capture_output=True,
                timeout=temporary.ABC2MIDI_TIMEOUT_S,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise TuneSourceError(f"{path.name}: midi2abc failed ({error})") from None
        if not abc.exists():
            raise TuneSourceError(f"{path.name}: midi2abc wrote no ABC")
        lines = abc.read_text(encoding="utf-8", errors="replace").splitlines()
    # midi2abc names its one voice V:1; the corpus takes a V: field for several voices.
    return "\n".join(line for line in lines if not line.startswith("V:")) + "\n"


def absolute(track) -> list[tuple[int, object]]:
    """(absolute tick, message) for a track's messages."""
    clock, out = 0, []
    for message in track:
        clock += message.time
        out.append((clock, message))
    return out


def collect(paths: list[Path]) -> Collection:
    """Every tune in the paths, normalized as the training corpus is; duplicates dropped. A file
    that cannot be read is counted and named, and the others go on."""
    collection, seen = Collection(), set()
    for path in files_in(paths):
        try:
            texts = [midi_text(path)] if path.suffix.lower() in MIDI_SUFFIXES else abc_texts(path)
        except TuneSourceError as error:
            collection.file_problems.append(str(error))
            continue
        except OSError as error:
            collection.file_problems.append(f"{path.name}: {error.strerror or error}")
            continue
        kept_before = collection.kept
        for text in texts:
            collection.found += 1
            try:
                tune = corpus.normalized(text)
            except corpus.Rejected as error:
                collection.left_out[str(error)] += 1
                continue
            body = corpus.tune_body(tune)
            if body in seen:
                collection.left_out["duplicates"] += 1
                continue
            seen.add(body)
            collection.tunes.append(tune)
        if collection.kept > kept_before:
            collection.sources.append(str(path))
    return collection
