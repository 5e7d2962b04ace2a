"""How the songs are produced, style by style, measured from the saved MP3 and MIDI only
(tests/production.py: ffmpeg's EBU R 128 meter, decoded audio, the MIDI file), beside the same
figures for a baseline commit rendered in the same run.

    .venv/bin/python bench/mix.py [--songs 1] [--styles house,jazz] [--seed 7]
                                  [--baseline REF | --no-baseline] [--smoke] [--keep DIR]

Each song is made by the real CLI (`launcher.py generate`, the starter model) in this tree and in
a copy of the baseline commit (git archive), with the same seed. Per style: integrated loudness
against the style's target, true peak after decoding, DC, the 60-250 Hz share of the power,
loudness range and the step between the loudest and quietest section, strong-beat clashes,
distinct drum bars, velocity spread, the lead's share in unbroken equal-note streams, the
ending (seconds from the last onset to -60 dB, cut or not, dead air before it) and where the
melody's and the drums' off-beats fall (swing). Targets at the end. --smoke: one song of one
style, this tree only (the test suite runs it). --mma: beside each new song, a like-for-like
render by MMA (Debian package `mma`, installed by hand; the styles it has a groove for): the
song's chords bar by bar and its own melody, MMA's groove for the style, through FluidSynth
(Debian `fluidsynth`) and the same SoundFont, brought to the same loudness: the band shares,
loudness range, drum bars and velocity spread of an arrangement written by people.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import wave
from pathlib import Path

import numpy as np
import symusic

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.audio import loudness  # noqa: E402
from scripts.audio.soundfonts import choose_soundfont  # noqa: E402
from scripts.style.style_library import load_library  # noqa: E402
from tests import production  # noqa: E402

BASELINE = "a3844e8"  # main before the mastering stage
TARGETS = (
    ("LUFS within 1 LU of the style's target", lambda m: abs(m["lufs"] - m["target"]) <= 1.0),
    ("true peak <= -1 dBTP after decoding", lambda m: m["true_peak"] <= -1.0),
    ("DC < 0.01", lambda m: m["dc"] < 0.01),
    ("strong-beat clashes <= 5%", lambda m: m["clash"] <= 0.05),
    ("ends neither cut nor after dead air", lambda m: not m["cut"] and m["dead_s"] < 1.0),
    ("sections >= 2 LU apart", lambda m: m["step"] >= 2.0),
    ("60-250 Hz in the style's band", lambda m: m["band"][0] <= 100 * m["low"] <= m["band"][1]),
)


# MMA's groove for the shipped styles it has one for (its standard library's names).
MMA_GROOVES = {
    "rock": "BasicRock", "blues": "Blues", "jazz": "JazzCombo", "bossa_nova": "BossaNova",
    "folk": "Folk", "salsa": "Salsa", "country": "CountrySwing", "waltz": "Waltz",
    "tango": "Tango", "trance": "Trance", "ska": "Ska", "soul": "R&B", "pop": "PopBallad",
    "samba": "Samba", "gospel": "Spiritual", "lullaby": "Lullaby", "rockabilly": "50sRock",
}  # fmt: skip
TUNE_SECTIONS = {"A": "A", "solo": "A", "B": "B", "drop": "B"}  # what each section plays


def bar_chords(sidecar: dict) -> list[str]:
    """The song's chord in each bar: A and B sections play their half of the tune's chords,
    other sections (intro, breakdown, ending) the first chord."""
    arrangement = sidecar["arrangement"]
    chords = arrangement["chords"]
    halves = {}
    for section in arrangement["form"]:
        halves.setdefault(TUNE_SECTIONS.get(section["section"]), section["bars"])
    tune_bars = halves.get("A", 0) + halves.get("B", 0) or 1
    bars = []
    for section in arrangement["form"]:
        half = TUNE_SECTIONS.get(section["section"])
        offset = halves.get("A", 0) if half == "B" else 0
        for bar in range(section["bars"]):
            at = (offset + bar) * len(chords) // tune_bars if half else 0
            bars.append(chords[min(at, len(chords) - 1)])
    return bars


def melody_channel(midi: Path) -> int | None:
    import mido

    for track in mido.MidiFile(str(midi)).tracks:
        if track.name.strip().lower() == "melody":
            return next((m.channel for m in track if m.type == "note_on"), None)
    return None


def mma_reference(mp3: Path, groove: str, target: float, folder: Path) -> dict | None:
    """The song's chords and melody arranged by MMA's `groove` and played by FluidSynth, at
    the style's loudness, measured as the app's songs are (where the figures apply)."""
    sidecar = production.sidecar(mp3)
    midi = mp3.with_suffix(".mid")
    channel = melody_channel(midi)
    lines = [f"Tempo {sidecar['tempo']}", f"Time {sidecar['meter'].split('/')[0]}",
             f"Groove {groove}"]  # fmt: skip
    if channel is not None:
        lines.append(f"MidiInc File={midi} Solo={channel + 1} Volume=100")
    lines += [f"{number} {chord}" for number, chord in enumerate(bar_chords(sidecar), 1)]
    source = folder / f"{mp3.stem}-mma.mma"  # beside the song, not over its .mid
    source.write_text("\n".join(lines) + "\n")
    made = source.with_suffix(".mid")
    subprocess.run(["mma", str(source), "-f", str(made)], capture_output=True)
    if not made.exists():
        return None
    # The same names as the app's tracks: drums and melody.
    score = symusic.Score.from_file(str(made))
    for track in score.tracks:
        track.name = "drums" if track.is_drum else track.name.lower().replace("solo", "melody")
    score.dump_midi(str(made))
    sf2 = choose_soundfont(None).source
    audio = made.with_suffix(".wav")
    command = [
        "fluidsynth",
        "-ni",
        "-g",
        "0.5",
        "-r",
        "44100",
        "-F",
        str(audio),
        str(sf2),
        str(made),
    ]
    subprocess.run(command, capture_output=True)
    with wave.open(str(audio)) as file:
        rate = file.getframerate()
        frames = np.frombuffer(file.readframes(file.getnframes()), dtype="<i2")
    pcm = (frames.reshape(-1, 2).T / 32768).astype(np.float32)
    pcm *= 10 ** ((target - loudness.integrated(pcm, rate)) / 20)
    distinct, bars, _ = production.drum_bars(made, sidecar["meter"])
    spread = production.velocity_spread(made)
    bands = production.band_shares(pcm, rate)
    return {
        "lufs": target, "target": target, "true_peak": loudness.true_peak(pcm),
        "dc": float(abs(pcm.mean(axis=1)).max()), "low": bands["low"], "sub": bands["sub"],
        "lra": loudness.loudness_range(pcm, rate), "step": float("nan"),
        "clash": production.clash_rate(made, sidecar["meter"]),
        "drum_bars": f"{distinct}/{bars}",
        "velocity": statistics.mean(v for k, v in spread.items() if k != "drums") if spread else 0,
        "stream": production.stream_share(made), "tail_s": float("nan"), "cut": False,
        "dead_s": float("nan"), "swing": (None, None),
    }  # fmt: skip


def make_songs(tree: Path, style: str, songs: int, seed: int, out: Path) -> list[Path]:
    command = [sys.executable, "launcher.py", "generate", "--styles", style, "--count",
               str(songs), "--seed", str(seed), "--out", str(out)]  # fmt: skip
    result = subprocess.run(command, cwd=tree, capture_output=True, text=True)
    paths = [Path(line) for line in result.stdout.splitlines() if line.endswith(".mp3")]
    if not paths:
        print(f"  {style}: no song from {tree.name}: {result.stderr.strip()[-300:]}")
    return paths


def measure(mp3: Path, target: float) -> dict:
    sidecar = production.sidecar(mp3)
    midi = mp3.with_suffix(".mid")
    loud = production.ebur128(mp3)
    pcm, rate = production.decode(mp3)
    sections = [level for _, level in production.section_loudness(pcm, rate, sidecar)]
    sections = [level for level in sections if level > -70]
    ending = production.ending(pcm, rate, production.last_onset(midi))
    distinct, bars, common = production.drum_bars(midi, sidecar["meter"])
    spread = production.velocity_spread(midi)
    parts = production.tracks(midi)
    return {
        **loud,
        "target": target,
        "dc": float(abs(pcm.mean(axis=1)).max()),
        "low": production.band_shares(pcm, rate)["low"],
        "sub": production.band_shares(pcm, rate)["sub"],
        "step": max(sections) - min(sections) if sections else 0.0,
        "clash": production.clash_rate(midi, sidecar["meter"]),
        "drum_bars": f"{distinct}/{bars}",
        "drum_common": common,
        "velocity": statistics.mean(v for k, v in spread.items() if k != "drums") if spread else 0,
        "stream": production.stream_share(midi),
        "tail_s": ending.tail_s,
        "cut": ending.cut,
        "dead_s": ending.dead_s,
        "swing": (
            production.offbeat_position(parts.get("melody", [])),
            production.offbeat_position(parts.get("drums", [])),
        ),
    }


def row(name: str, m: dict) -> str:
    swing = "/".join("-" if v is None else f"{v:.2f}" for v in m["swing"])
    return (
        f"  {name:<5}{m['lufs']:>6.1f}{m['target']:>5.0f}{m['true_peak']:>6.1f}{m['dc']:>7.3f}"
        f"{m['sub']:>6.1%}{m['low']:>6.1%}{m['lra']:>5.1f}{m['step']:>5.1f}{m['clash']:>6.1%}"
        f"{m['drum_bars']:>7}{m['velocity']:>5.1f}{m['stream']:>6.0%}{m['tail_s']:>5.1f}"
        f"{'cut' if m['cut'] else 'ok':>4}{m['dead_s']:>5.1f}  {swing}"
    )


HEADER = (
    "  tree   LUFS  tgt    TP     DC   sub   low  LRA step clash  drums  vel strm tail"
    " end dead  swing mel/drums"
)


def baseline_tree(ref: str, folder: Path) -> Path:
    tree = folder / "baseline"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=ROOT, capture_output=True, check=True)
    archive_path = folder / "baseline.tar"
    archive_path.write_bytes(archive.stdout)
    with tarfile.open(archive_path) as tar:
        tar.extractall(tree, filter="data")
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--songs", type=int, default=1)
    parser.add_argument("--styles", help="comma-separated style names (default: all shipped)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline", default=BASELINE)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--keep", type=Path, help="keep the songs in this folder")
    parser.add_argument("--mma", action="store_true", help="beside a like-for-like MMA render")
    args = parser.parse_args()
    if args.mma and not (shutil.which("mma") and shutil.which("fluidsynth")):
        parser.error("--mma needs MMA and FluidSynth (Debian: apt install mma fluidsynth)")
    library = load_library()
    styles = args.styles.split(",") if args.styles else library.names()
    if args.smoke:
        styles, args.songs, args.no_baseline = styles[:1], 1, True
    results: dict[str, list] = {"new": [], "base": []}
    with tempfile.TemporaryDirectory(prefix="lmg-mix-") as folder:
        trees = {"new": ROOT}
        if not args.no_baseline:
            trees["base"] = baseline_tree(args.baseline, Path(folder))
        print(HEADER)
        for style in styles:
            target = library[style].spec.mastering.lufs
            band = library[style].spec.mastering.low_band
            print(f"{style} (target {target:g} LUFS, 60-250 Hz {band[0]:g}-{band[1]:g}%)")
            for name, tree in trees.items():
                out = (args.keep or Path(folder)) / name / style
                for mp3 in make_songs(tree, style, args.songs, args.seed, out):
                    figures = {**measure(mp3, target), "band": band}
                    results[name].append(figures)
                    print(row(name, figures), flush=True)
                    if args.mma and name == "new" and style in MMA_GROOVES:
                        mma = mma_reference(mp3, MMA_GROOVES[style], target, mp3.parent)
                        print(row("mma", mma) if mma else "  mma: no render", flush=True)
    print()
    for name, figures in results.items():
        if figures:
            passed = ", ".join(
                f"{label}: {sum(map(check, figures))}/{len(figures)}" for label, check in TARGETS
            )
            print(f"{name}: {passed}")
    print(json.dumps({"songs": {name: len(figures) for name, figures in results.items()}}))


if __name__ == "__main__":
    main()
