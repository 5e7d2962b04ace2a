"""How recognisable each style is: songs made by the real pipeline, measured from their MIDI and
audio (tests/song_features.py), never read back from the style files.

    .venv/bin/python bench/style.py [--songs 6] [--styles rock,jazz] [--plots DIR] [--model PATH]

For every shipped style, N songs (seeds BASE..BASE+N-1, the starter model by default): tempo
against the style's range, swing ratio, where kick and snare fall, bass motion, the share of
seventh chords, sections (the crashes that open them) and how the energy rises, duration.
Then: identical melodies among styles at one seed (target 0), and a nearest-centroid classifier
trained on half the songs that names the style of the other half (target >= 90%), beside the
same classifier given only the melody's own features (a style-blind engine) and chance.
--plots writes a piano roll and a spectrogram per style (PNG).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import settings  # noqa: E402
from scripts.library.song_library import SongLibrary  # noqa: E402
from scripts.model.models import LocalModel  # noqa: E402
from scripts.song.pipeline import Job, SongFailed, generate_song  # noqa: E402
from scripts.style.style_library import load_library  # noqa: E402
from scripts.temporary import STARTER_MODEL_PATH  # noqa: E402
from tests.audio_probe import PROBE_RATE  # noqa: E402
from tests.song_features import KICKS, SNARES, Song  # noqa: E402

BASE_SEED = 1000
MELODY_ONLY = ("melody_pitch", "tempo", "beats_per_bar")  # what a style-blind engine would vary


def measure(song: Song) -> dict:
    """What the table needs of a song, so that its audio need not be kept."""
    return {
        "tempo": song.tempo,
        "swing8": song.swing_ratio(8),
        "swing16": song.swing_ratio(16),
        "kick": np.pad(song.beat_share(KICKS), (0, 4))[:4],
        "snare": np.pad(song.beat_share(SNARES), (0, 4))[:4],
        "motion": song.bass_motion(),
        "sevenths": song.seventh_share(),
        "sections": len(song.sections()),
        "rise": song.energy_rise(),
        "seconds": song.seconds(),
        "shape": song.melody_shape(),
        "features": song.features(),
    }


def make_songs(model, library, names, count: int, folder: Path, plots: Path | None):
    config = settings.defaults()
    songs: dict[str, list[dict]] = {}
    for name in names:
        job = Job((library[name].label,), config, SongLibrary(folder))
        songs[name] = []
        for index in range(count):
            try:
                sidecar = generate_song(model, job, 1, base_seed=BASE_SEED + index)
            except SongFailed as error:
                print(f"  {name} seed {BASE_SEED + index}: skipped: {error}", file=sys.stderr)
                continue
            files = sidecar["files"]
            song = Song.read(folder / files["mid"], folder / files["mp3"])
            if plots and not songs[name]:
                plot(name, song, plots)
            songs[name].append(measure(song))
        print(f"  {name}: {len(songs[name])} songs", file=sys.stderr, flush=True)
    return songs


def mean(rows: list[dict], key: str, part: str = "") -> str:
    return f"{np.mean([r[key][part] if part else r[key] for r in rows]):4.2f}"


def classify(vectors: dict[str, list[np.ndarray]]) -> tuple[float, Counter]:
    """Nearest centroid, trained on even-numbered songs, tested on the odd ones."""
    train = {name: [v for i, v in enumerate(vs) if i % 2 == 0] for name, vs in vectors.items()}
    test = [(name, v) for name, vs in vectors.items() for i, v in enumerate(vs) if i % 2]
    every = np.array([v for vs in train.values() for v in vs])
    mean, spread = every.mean(axis=0), every.std(axis=0) + 1e-9
    centroids = {n: ((np.array(vs) - mean) / spread).mean(axis=0) for n, vs in train.items() if vs}
    confusions: Counter = Counter()
    right = 0
    for name, vector in test:
        z = (vector - mean) / spread
        guess = min(centroids, key=lambda c: float(np.sum((centroids[c] - z) ** 2)))
        right += guess == name
        if guess != name:
            confusions[(name, guess)] += 1
    return right / max(1, len(test)), confusions


def plot(name: str, song: Song, folder: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tracks = [t for t in song.score.tracks if t.notes]
    fig, axes = plt.subplots(len(tracks) + 1, 1, figsize=(14, 1.8 * (len(tracks) + 1)))
    starts = song.sections()
    first = starts[2] if len(starts) > 2 else 0
    low, high = first * song.bar, (first + 4) * song.bar
    for axis, track in zip(axes, tracks, strict=False):
        for note in track.notes:
            if low <= note.time < high:
                colour = plt.cm.viridis(note.velocity / 127)
                axis.broken_barh(
                    [(note.time, note.duration)], (note.pitch - 0.4, 0.8), color=colour
                )
        axis.set_ylabel(track.name)
        axis.set_xlim(low, high)
        for beat in np.arange(low, high, song.bar / song.beats_per_bar):
            axis.axvline(beat, color="grey", lw=0.3 if (beat - low) % song.bar else 1.0)
    seconds = (low * 60 / song.tempo, high * 60 / song.tempo)
    clip = song.audio[int(seconds[0] * PROBE_RATE) : int(seconds[1] * PROBE_RATE)]
    axes[-1].specgram(clip, NFFT=2048, Fs=PROBE_RATE, noverlap=1536, cmap="magma")
    axes[-1].set_ylim(0, 8000)
    axes[-1].set_ylabel("Hz")
    fig.suptitle(f"{name}: 4 bars from bar {first} (piano roll) and their spectrogram")
    plt.tight_layout()
    plt.savefig(folder / f"{name}.png", dpi=60)
    plt.close(fig)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--songs", type=int, default=6, help="songs per style (>= 2)")
    parser.add_argument("--styles", help="only these styles, comma-separated")
    parser.add_argument("--plots", type=Path, help="write a piano roll + spectrogram per style")
    parser.add_argument("--model", type=Path, default=STARTER_MODEL_PATH)
    parser.add_argument("--out", type=Path, default=Path("/tmp/bench-style"))
    args = parser.parse_args()
    library = load_library()
    names = args.styles.split(",") if args.styles else library.names()
    args.out.mkdir(parents=True, exist_ok=True)
    model = LocalModel(args.model, settings.defaults()["settings"])
    started = time.perf_counter()
    if args.plots:
        args.plots.mkdir(parents=True, exist_ok=True)
    songs = make_songs(model, library, names, max(2, args.songs), args.out, args.plots)
    took = time.perf_counter() - started
    made = sum(len(v) for v in songs.values())
    print(f"{made} songs in {took:.0f} s ({took / max(1, made):.1f} s a song)\n")
    header = (
        f"{'style':15} {'tempo':>11} {'in':>4} {'sw8':>4} {'sw16':>4} {'kick 1-4':>15} "
        f"{'snare 1-4':>15} {'walk':>4} {'oct':>4} {'off':>4} {'7ths':>4} {'sect':>4} "
        f"{'rise':>4} {'secs':>9}"
    )
    print(header)
    in_range = []
    for name in names:
        low, high = library[name].spec.tempo
        rows = songs[name]
        if not rows:
            continue
        tempos = [r["tempo"] for r in rows]
        inside = np.mean([low - 0.5 <= t <= high + 0.5 for t in tempos])
        in_range.append(inside)
        kick, snare = (np.mean([r[k] for r in rows], axis=0) for k in ("kick", "snare"))
        seconds = [r["seconds"] for r in rows]

        print(
            f"{name:15} {min(tempos):5.0f}-{max(tempos):<5.0f} {inside:4.0%} "
            f"{mean(rows, 'swing8')} {mean(rows, 'swing16')} "
            f"{' '.join(f'{v:.2f}' for v in kick):>15} {' '.join(f'{v:.2f}' for v in snare):>15} "
            f"{mean(rows, 'motion', 'walking')} {mean(rows, 'motion', 'octaves')} "
            f"{mean(rows, 'motion', 'offbeat')} {mean(rows, 'sevenths')} "
            f"{np.mean([r['sections'] for r in rows]):4.1f} {mean(rows, 'rise')} "
            f"{min(seconds):4.0f}-{max(seconds):<4.0f}"
        )
    # Identical melodies: the same seed in two styles.
    identical = 0
    for index in range(max(2, args.songs)):
        shapes = [songs[n][index]["shape"] for n in names if len(songs[n]) > index]
        identical += sum(a == b for a, b in itertools.combinations(shapes, 2))
    features = {n: [r["features"] for r in songs[n]] for n in names if len(songs[n]) >= 2}
    keys = sorted(next(iter(features.values()))[0])
    full = {n: [np.array([f[k] for k in keys]) for f in fs] for n, fs in features.items()}
    blind = {n: [np.array([f[k] for k in MELODY_ONLY]) for f in fs] for n, fs in features.items()}
    accuracy, confusions = classify(full)
    blind_accuracy, _ = classify(blind)
    durations = [r["seconds"] for rows in songs.values() for r in rows]
    print()
    print(f"tempo in the style's range: {np.mean(in_range):.1%} of songs")
    print(f"songs 90-240 s long: {np.mean([90 <= d <= 240 for d in durations]):.1%}")
    print(f"identical melodies among styles at one seed: {identical} pairs (target 0)")
    print(
        f"nearest-centroid style from the features: {accuracy:.1%} (target >= 90%); "
        f"from the melody's own features (a style-blind engine): {blind_accuracy:.1%}; "
        f"chance: {1 / len(features):.1%}"
    )
    if confusions:
        pairs = ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusions.most_common(12))
        print(f"confused: {pairs}")
    if args.plots:
        print(f"plots: {args.plots}/<style>.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
