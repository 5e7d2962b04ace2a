"""The app's synth against the reference SoundFont player (FluidSynth), per General MIDI program
and for the GM drum kit, on the same MIDI and SoundFont.

    .venv/bin/python bench/synth.py [--smoke] [--soundfont timgm|fluidr3|both] [--programs 0,33]
                                    [--worst 20] [--speed]

Each program plays a few notes across its register (1.5 s at velocity 100), a sustained note
(4 s) and a short one (0.2 s); the kit plays keys 35-59. Both renders are measured the same way:
RMS level (the app's minus the reference's, in dB, and that less the median difference: the
balance between instruments), energy shares in six bands, the sustained note's envelope (RMS in
50 ms frames: attack to -3 dB of its peak, level at note-off below the peak, release to -40 dB)
and its pitch (cents from the equal-tempered frequency). The worst programs print first.

The reference is Debian's `fluidsynth` CLI (reverb and chorus off, gain 1) on the original
SoundFont; the app renders through scripts.audio.synth on its own copy. Without `fluidsynth` on PATH
only the app's side is measured. --speed also renders a synthetic 3-minute, 6-part song the way
scripts/audio/mixdown.py does and reports the time and the peak memory of a process doing only that.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import symusic  # noqa: E402

from scripts.audio import synth  # noqa: E402

RATE = 44100
BANDS = ((0, 60), (60, 250), (250, 500), (500, 2000), (2000, 6000), (6000, RATE / 2))
BAND_NAMES = ("<60", "60-250", "250-500", "500-2k", "2k-6k", ">6k")
NOTE_S, GAP_S = 1.5, 1.0
SUSTAIN_S, SUSTAIN_GAP_S = 4.0, 3.0
SHORT_S, SHORT_GAP_S = 0.2, 1.5
VELOCITY = 100
FRAME_S = 0.05
DRUM_KEYS = tuple(range(35, 60))
DRUM_STEP_S = 1.2
SOUNDFONTS = {
    "timgm": "TimGM6mb",
    "fluidr3": "/usr/share/sounds/sf2/FluidR3_GM.sf2",
}
SMOKE_PROGRAMS = (0, 33, 48, 89)
VELOCITIES = (32, 64, 100, 127)
CHUNK = 8  # programs per MIDI file: one channel each, never channel 10


def register(program: int) -> tuple[tuple[int, ...], int]:
    """Notes across the program's useful register, and the sustained note."""
    if program in (32, 33, 34, 35, 36, 37, 38, 39, 43, 58, 87):  # basses, contrabass, tuba
        return (28, 35, 40, 47, 52), 40
    if program in (42, 57, 70, 71):  # cello, trombone, bassoon, clarinet
        return (36, 48, 60, 67), 48
    if program in (40, 41, 56, 60, 64, 65, 68, 72, 73, 74, 75, 79):  # violin, flutes, trumpet
        return (60, 67, 76, 84), 72
    if 8 <= program < 16 or 80 <= program < 88:  # chromatic percussion, leads
        return (52, 64, 76, 88), 64
    if 112 <= program < 128:  # percussive and sound effects
        return (48, 60, 72), 60
    return (40, 52, 64, 76), 60


def program_notes(program: int) -> tuple[list[tuple[float, float, int]], float, float]:
    """(start, length, pitch) of the program's notes, the sustained note's start, and the end."""
    notes, at = [], 0.0
    pitches, held = register(program)
    for pitch in pitches:
        notes.append((at, NOTE_S, pitch))
        at += NOTE_S + GAP_S
    sustained = at
    notes.append((at, SUSTAIN_S, held))
    at += SUSTAIN_S + SUSTAIN_GAP_S
    notes.append((at, SHORT_S, held + 7))
    return notes, sustained, at + SHORT_S + SHORT_GAP_S


def drum_notes() -> tuple[list[tuple[float, float, int]], float]:
    notes = [(i * DRUM_STEP_S, 0.3, key) for i, key in enumerate(DRUM_KEYS)]
    return notes, len(DRUM_KEYS) * DRUM_STEP_S + 1.0


@dataclass
class Block:
    name: str
    program: int  # -1: the drum kit
    start: float
    end: float
    sustained: float  # the sustained note's start, within the block; -1 for drums
    held: int


def score_of(programs: list[int]) -> tuple[symusic.Score, list[Block]]:
    """Each program (and -1, the kit) on a track of its own, one after the other in time."""
    score = symusic.Score(480, ttype="second")
    blocks, at = [], 0.0
    for program in programs:
        drum = program < 0
        track = symusic.Track(f"p{program}", 0 if drum else program, drum, ttype="second")
        if drum:
            notes, length = drum_notes()
            sustained, held = -1.0, 0
        else:
            notes, sustained, length = program_notes(program)
            held = register(program)[1]
        for start, duration, pitch in notes:
            track.notes.append(symusic.Note(at + start, duration, pitch, VELOCITY, ttype="second"))
        score.tracks.append(track)
        name = "drum kit" if drum else f"{program:3d} {GM_NAMES[program]}"
        blocks.append(Block(name, program, at, at + length, sustained, held))
        at += length
    return score, blocks


def render_reference(score: symusic.Score, soundfont: Path, folder: Path) -> np.ndarray:
    midi, raw = folder / "bench.mid", folder / "bench.raw"
    score.dump_midi(str(midi))
    command = ["fluidsynth", "-ni", "-g", "1", "-R", "0", "-C", "0", "-r", str(RATE)]
    command += ["-T", "raw", "-O", "float", "-F", str(raw), str(soundfont), str(midi)]
    subprocess.run(command, check=True, capture_output=True, timeout=600)
    return np.fromfile(raw, dtype="<f4").reshape(-1, 2).T.copy()


def render_app(score: symusic.Score, soundfont: Path) -> np.ndarray:
    return synth.render(score, soundfont, RATE)


# measurements -----------------------------------------------------------------------------


def mono(pcm: np.ndarray) -> np.ndarray:
    """The channels' power, as one signal (for envelopes and pitch)."""
    return (
        np.sqrt(np.mean(np.square(pcm), axis=0)) * np.sign(pcm.sum(axis=0))
        if pcm.ndim == 2
        else pcm
    )


def level_db(signal: np.ndarray) -> float:
    """RMS over all channels: the same for a sound panned anywhere at constant power."""
    return 20 * math.log10(max(float(np.sqrt(np.mean(np.square(signal, dtype=np.float64)))), 1e-9))


def band_shares(signal: np.ndarray, rate: int = RATE) -> np.ndarray:
    """Each band's share of the power (they sum to 1), over all channels."""
    power = (np.abs(np.fft.rfft(np.atleast_2d(signal), axis=-1)) ** 2).sum(axis=0)
    freqs = np.fft.rfftfreq(np.atleast_2d(signal).shape[-1], 1 / rate)
    energy = np.array([power[(freqs >= lo) & (freqs < hi)].sum() for lo, hi in BANDS])
    return energy / max(energy.sum(), 1e-30)


def frames_db(signal: np.ndarray, rate: int = RATE) -> np.ndarray:
    size = int(FRAME_S * rate)
    count = len(signal) // size
    frames = signal[: count * size].reshape(count, size).astype(np.float64)
    return 10 * np.log10(np.maximum(np.mean(frames**2, axis=1), 1e-20))


def envelope(signal: np.ndarray, held_s: float, rate: int = RATE) -> tuple[float, float, float]:
    """(attack to -3 dB of the peak in s, level at note-off below the peak in dB, release from
    note-off to 40 dB below the peak in s) of a note held `held_s` from the start of `signal`."""
    db = frames_db(signal, rate)
    if not len(db):
        return math.nan, math.nan, math.nan
    peak = float(db.max())
    attack = float(np.argmax(db >= peak - 3)) * FRAME_S
    off = min(int(held_s / FRAME_S), len(db) - 1)
    drop = peak - float(db[max(off - 1, 0)])
    quiet = np.flatnonzero(db[off:] < peak - 40)
    release = (float(quiet[0]) if len(quiet) else len(db) - off) * FRAME_S
    return attack, drop, release


def pitch_cents(signal: np.ndarray, key: int, rate: int = RATE) -> float:
    """f0 of a held note against key's equal-tempered frequency, in cents. The autocorrelation's
    first lag, within 13 semitones either side, that comes close to its best: not fooled by an
    octave below."""
    expected = 440.0 * 2 ** ((key - 69) / 12)
    piece = signal[int(0.3 * rate) : int(1.3 * rate)].astype(np.float64)
    if len(piece) < rate // 4 or np.sqrt(np.mean(piece**2)) < 1e-5:
        return math.nan
    piece = piece - piece.mean()
    size = 1 << (2 * len(piece) - 1).bit_length()
    spectrum = np.fft.rfft(piece, size)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, size)[: len(piece)]
    acf /= np.maximum(acf[0] * (len(piece) - np.arange(len(piece))) / len(piece), 1e-30)
    low = max(2, int(rate / (expected * 2 ** (13 / 12))))
    high = min(len(piece) // 2, int(rate / (expected / 2 ** (13 / 12))) + 2)
    if high <= low + 2:
        return math.nan
    window = acf[low:high]
    peaks = [
        i
        for i in range(1, len(window) - 1)
        if window[i] >= window[i - 1] and window[i] > window[i + 1]
    ]
    if not peaks:
        return math.nan
    best = max(window[i] for i in peaks)
    lag = next(i for i in peaks if window[i] >= 0.9 * best)
    a, b, c = window[lag - 1], window[lag], window[lag + 1]
    shift = 0.5 * (a - c) / (a - 2 * b + c) if a - 2 * b + c else 0.0
    f0 = rate / (low + lag + shift)
    return 1200 * math.log2(f0 / expected)


@dataclass
class Figures:
    level: float
    shares: np.ndarray
    attack: float
    drop: float
    release: float
    cents: float


def measure(pcm: np.ndarray, block: Block) -> Figures:
    both = pcm[:, int(block.start * RATE) : int(block.end * RATE)]
    if block.program < 0:
        return Figures(level_db(both), band_shares(both), *(math.nan,) * 4)
    held = both[:, int(block.sustained * RATE) :]
    held = held[:, : int((SUSTAIN_S + SUSTAIN_GAP_S) * RATE)]
    return Figures(
        level_db(both),
        band_shares(both),
        *envelope(mono(held), SUSTAIN_S),
        pitch_cents(held.sum(axis=0), block.held),
    )


# report ------------------------------------------------------------------------------------


def badness(app: Figures, ref: Figures, offset: float) -> float:
    """One number to sort by: balance error in dB, plus band, envelope and pitch errors."""
    score = abs(app.level - ref.level - offset) + 20 * float(np.abs(app.shares - ref.shares).sum())
    for mine, theirs, weight in (
        (app.drop, ref.drop, 0.5),
        (app.release, ref.release, 5.0),
        (app.cents, ref.cents, 0.05),
    ):
        if not (math.isnan(mine) or math.isnan(theirs)):
            score += weight * abs(mine - theirs)
    return score


def fmt(value: float, spec: str = "5.1f") -> str:
    return " " * len(format(0.0, spec)) if math.isnan(value) else format(value, spec)


def report(name: str, rows: list[tuple[Block, Figures, Figures | None]], worst: int) -> dict:
    has_ref = all(ref is not None for _, _, ref in rows)
    print(f"\n== {name}: {len(rows)} programs ==")
    if not has_ref:
        print("(no fluidsynth: the app's figures only)")
        for block, app, _ in rows:
            shares = " ".join(f"{s * 100:4.1f}" for s in app.shares)
            print(
                f"{block.name:32s} level {app.level:6.1f} dB  bands% {shares}  "
                f"attack {fmt(app.attack, '4.2f')} drop {fmt(app.drop)} "
                f"release {fmt(app.release, '4.2f')} cents {fmt(app.cents, '+6.0f')}"
            )
        return {}
    offset = statistics.median(app.level - ref.level for _, app, ref in rows)
    ranked = sorted(rows, key=lambda row: -badness(row[1], row[2], offset))
    print(f"median level difference (app - reference): {offset:+.1f} dB; 'bal' is less that")
    print(
        f"{'program':32s} {'bal':>5s}  {'60-250 %':>11s} {'>2k %':>11s} {'bands L1':>8s}  "
        f"{'drop dB':>11s}  {'release s':>11s}  {'cents':>11s}"
    )
    for block, app, ref in ranked[:worst]:
        high_app, high_ref = app.shares[4:].sum() * 100, ref.shares[4:].sum() * 100
        print(
            f"{block.name:32s} {app.level - ref.level - offset:+5.1f}  "
            f"{app.shares[1] * 100:5.1f}/{ref.shares[1] * 100:5.1f} "
            f"{high_app:5.1f}/{high_ref:5.1f} {np.abs(app.shares - ref.shares).sum():8.2f}  "
            f"{fmt(app.drop)}/{fmt(ref.drop)}  "
            f"{fmt(app.release, '5.2f')}/{fmt(ref.release, '5.2f')}"
            f"  {fmt(app.cents, '+5.0f')}/{fmt(ref.cents, '+5.0f')}"
        )
    balance = [abs(app.level - ref.level - offset) for _, app, ref in rows]
    l1 = [float(np.abs(app.shares - ref.shares).sum()) for _, app, ref in rows]
    cents = [abs(a.cents - r.cents) for _, a, r in rows if not math.isnan(a.cents + r.cents)]
    low_app = float(statistics.mean(app.shares[1] for _, app, _ in rows)) * 100
    low_ref = float(statistics.mean(ref.shares[1] for _, _, ref in rows)) * 100
    releases = [
        abs(a.release - r.release) for _, a, r in rows if not math.isnan(a.release + r.release)
    ]
    summary = {
        "offset_db": round(offset, 2),
        "balance_median_db": round(statistics.median(balance), 2),
        "balance_max_db": round(max(balance), 2),
        "within_3db": sum(b <= 3 for b in balance),
        "bands_l1_median": round(statistics.median(l1), 3),
        "low_share_app_pct": round(low_app, 1),
        "low_share_ref_pct": round(low_ref, 1),
        "release_err_median_s": round(statistics.median(releases), 2) if releases else None,
        "off_pitch_over_20c": sum(c > 20 for c in cents),
        "count": len(rows),
    }
    print(
        f"SUMMARY {name}: balance |dB| median {summary['balance_median_db']} max "
        f"{summary['balance_max_db']} ({summary['within_3db']}/{len(rows)} within 3 dB); "
        f"bands L1 median {summary['bands_l1_median']}; 60-250 Hz share mean "
        f"{low_app:.1f}% (reference {low_ref:.1f}%); release error median "
        f"{summary['release_err_median_s']} s; {summary['off_pitch_over_20c']} programs over 20 "
        f"cents off the reference"
    )
    return summary


def soundfont_path(key: str) -> Path:
    if key == "timgm":
        from scripts.audio.audio_render import default_soundfont

        return default_soundfont()
    return Path(SOUNDFONTS[key])


def run_soundfont(key: str, programs: list[int], worst: int) -> dict:
    source = soundfont_path(key)
    if not source.is_file():
        print(f"\n== {key}: {source} not found, skipped ==")
        return {}
    prepared = synth.prepare_soundfont(source)
    reference = shutil.which("fluidsynth") is not None
    rows = []
    with tempfile.TemporaryDirectory(prefix="lmg-synth-bench-") as folder:
        for first in range(0, len(programs), CHUNK):
            score, blocks = score_of(programs[first : first + CHUNK])
            app = render_app(score, prepared)
            ref = render_reference(score, source, Path(folder)) if reference else None
            for block in blocks:
                rows.append(
                    (block, measure(app, block), measure(ref, block) if reference else None)
                )
    return report(source.name, rows, worst)


SPEED_SCRIPT = """
import json, sys, time
sys.path.insert(0, {root!r})
from bench.synth import song_score
from scripts import mixdown
from pathlib import Path
score = song_score()
start = time.perf_counter()
pcm = mixdown.render_mix(score, None, Path({soundfont!r}), 44100, 7)
status = open("/proc/self/status").read()  # VmHWM: ru_maxrss carries the parent's over exec
peak = int(status.split("VmHWM:")[1].split()[0]) / 1024
print(json.dumps({{"seconds": time.perf_counter() - start, "length_s": pcm.shape[1] / 44100,
    "peak_mb": peak}}))
"""


def song_score(minutes: float = 3.0, bpm: float = 120.0) -> symusic.Score:
    """A synthetic song with the app's parts: drums, bass, chords, pad, lead and strings."""
    beat = 60.0 / bpm
    bars = int(minutes * 60 / (4 * beat))
    score = symusic.Score(480, ttype="second")
    rng = np.random.default_rng(7)
    parts = {
        "drums": (0, True),
        "bass": (33, False),
        "chords": (0, False),
        "pad": (89, False),
        "lead": (80, False),
        "strings": (48, False),
    }
    tracks = {
        name: symusic.Track(name, program, drum, ttype="second")
        for name, (program, drum) in parts.items()
    }
    roots = (48, 45, 41, 43)
    for bar in range(bars):
        at, root = bar * 4 * beat, roots[bar % 4]
        for step in range(8):
            key = 36 if step % 4 == 0 else 38 if step % 4 == 2 else 42
            tracks["drums"].notes.append(
                symusic.Note(at + step * beat / 2, 0.1, key, 100, "second")
            )
        for step in range(4):
            tracks["bass"].notes.append(
                symusic.Note(at + step * beat, beat * 0.9, root - 12 + (step % 2) * 7, 96, "second")
            )
            for offset in (0, 4, 7):
                tracks["chords"].notes.append(
                    symusic.Note(at + step * beat, beat * 0.8, root + 12 + offset, 80, "second")
                )
        for offset in (0, 7, 16):
            tracks["pad"].notes.append(symusic.Note(at, 4 * beat, root + offset, 70, "second"))
            tracks["strings"].notes.append(
                symusic.Note(at, 4 * beat, root + 12 + offset, 64, "second")
            )
        for step in range(8):
            pitch = int(root + 24 + rng.choice((0, 2, 4, 7, 9, 12)))
            tracks["lead"].notes.append(
                symusic.Note(at + step * beat / 2, beat / 2, pitch, 90, "second")
            )
    for track in tracks.values():
        score.tracks.append(track)
    return score


def song_bands(key: str) -> None:
    """The synthetic song's band shares and the piano's level by velocity, both ways."""
    source = soundfont_path(key)
    if not source.is_file() or shutil.which("fluidsynth") is None:
        return
    prepared = synth.prepare_soundfont(source)
    with tempfile.TemporaryDirectory(prefix="lmg-synth-bench-") as folder:
        score = song_score(1.0)
        app = band_shares(render_app(score, prepared))
        ref = band_shares(render_reference(score, source, Path(folder)))
        names = " ".join(
            f"{n}:{a * 100:.1f}/{r * 100:.1f}" for n, a, r in zip(BAND_NAMES, app, ref, strict=True)
        )
        print(f"SONG {source.name}: band shares % app/reference {names}")
        levels = []
        for velocity in VELOCITIES:
            one = symusic.Score(480, ttype="second")
            track = symusic.Track("piano", 0, False, ttype="second")
            track.notes.append(symusic.Note(0.0, 1.0, 60, velocity, ttype="second"))
            one.tracks.append(track)
            levels.append(
                (
                    level_db(mono(render_app(one, prepared))),
                    level_db(mono(render_reference(one, source, Path(folder)))),
                )
            )
        top_app, top_ref = levels[-1]
        steps = " ".join(
            f"{v}:{a - top_app:+.1f}/{r - top_ref:+.1f}"
            for v, (a, r) in zip(VELOCITIES, levels, strict=True)
        )
        print(
            f"VELOCITY {source.name}: piano level by velocity, dB under 127, app/reference {steps}"
        )


def speed(key: str) -> None:
    source = soundfont_path(key)
    if not source.is_file():
        return
    prepared = synth.prepare_soundfont(source)
    root = str(Path(__file__).resolve().parent.parent)
    code = SPEED_SCRIPT.format(root=root, soundfont=str(prepared))
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"SPEED {source.name}: a {figures['length_s']:.0f} s six-part song renders in "
        f"{figures['seconds']:.2f} s (mixdown.render_mix, no effects); peak memory "
        f"{figures['peak_mb']:.0f} MB"
    )


_GM_NAMES = (
    "Acoustic Grand Piano;Bright Acoustic Piano;Electric Grand Piano;Honky-tonk Piano;"
    "Electric Piano 1;Electric Piano 2;Harpsichord;Clavinet;Celesta;Glockenspiel;Music Box;"
    "Vibraphone;Marimba;Xylophone;Tubular Bells;Dulcimer;Drawbar Organ;Percussive Organ;"
    "Rock Organ;Church Organ;Reed Organ;Accordion;Harmonica;Tango Accordion;Nylon Guitar;"
    "Steel Guitar;Jazz Guitar;Clean Guitar;Muted Guitar;Overdriven Guitar;Distortion Guitar;"
    "Guitar Harmonics;Acoustic Bass;Finger Bass;Pick Bass;Fretless Bass;Slap Bass 1;"
    "Slap Bass 2;Synth Bass 1;Synth Bass 2;Violin;Viola;Cello;Contrabass;Tremolo Strings;"
    "Pizzicato Strings;Orchestral Harp;Timpani;String Ensemble 1;String Ensemble 2;"
    "Synth Strings 1;Synth Strings 2;Choir Aahs;Voice Oohs;Synth Voice;Orchestra Hit;Trumpet;"
    "Trombone;Tuba;Muted Trumpet;French Horn;Brass Section;Synth Brass 1;Synth Brass 2;"
    "Soprano Sax;Alto Sax;Tenor Sax;Baritone Sax;Oboe;English Horn;Bassoon;Clarinet;Piccolo;"
    "Flute;Recorder;Pan Flute;Blown Bottle;Shakuhachi;Whistle;Ocarina;Lead 1 square;"
    "Lead 2 sawtooth;Lead 3 calliope;Lead 4 chiff;Lead 5 charang;Lead 6 voice;Lead 7 fifths;"
    "Lead 8 bass+lead;Pad 1 new age;Pad 2 warm;Pad 3 polysynth;Pad 4 choir;Pad 5 bowed;"
    "Pad 6 metallic;Pad 7 halo;Pad 8 sweep;FX 1 rain;FX 2 soundtrack;FX 3 crystal;"
    "FX 4 atmosphere;FX 5 brightness;FX 6 goblins;FX 7 echoes;FX 8 sci-fi;Sitar;Banjo;"
    "Shamisen;Koto;Kalimba;Bagpipe;Fiddle;Shanai;Tinkle Bell;Agogo;Steel Drums;Woodblock;"
    "Taiko Drum;Melodic Tom;Synth Drum;Reverse Cymbal;Guitar Fret Noise;Breath Noise;Seashore;"
    "Bird Tweet;Telephone Ring;Helicopter;Applause;Gunshot"
)
GM_NAMES = _GM_NAMES.split(";")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a few programs, TimGM6mb only")
    parser.add_argument("--soundfont", choices=("timgm", "fluidr3", "both"), default="both")
    parser.add_argument("--programs", help="comma-separated GM programs; -1 is the drum kit")
    parser.add_argument("--worst", type=int, default=25, help="rows to print per SoundFont")
    parser.add_argument("--speed", action="store_true", help="time a 3-minute song's render")
    parser.add_argument("--json", type=Path, help="write the summaries here")
    args = parser.parse_args()
    if args.programs:
        programs = [int(p) for p in args.programs.split(",")]
    elif args.smoke:
        programs = [*SMOKE_PROGRAMS, -1]
    else:
        programs = [*range(128), -1]
    keys = (
        ["timgm"]
        if args.smoke
        else ["timgm", "fluidr3"]
        if args.soundfont == "both"
        else [args.soundfont]
    )
    started = time.perf_counter()
    summaries = {key: run_soundfont(key, programs, args.worst) for key in keys}
    if args.speed:
        for key in keys:
            song_bands(key)
            speed(key)
    if args.json:
        args.json.write_text(json.dumps(summaries, indent=1), encoding="utf-8")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nbench took {time.perf_counter() - started:.1f} s, peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
