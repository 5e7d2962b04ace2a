"""Starter model quality, beside a character-bigram model of the same training tunes (the
baseline, run through the same llama.cpp path in the same run).

Over --samples seeded songs with a spread of styles (so of meters and keys), each model writes a
tune the way the app asks for one (its title first, then the forced key). Printed per model:
- raw: the first attempt, after the pipeline's repair, renders to >= 16 played bars and >= 20 s;
- after retry: the same with the pipeline's retries (settings: retries);
- bars in meter: bars that fill the meter (pickups and section-edge bars allowed), of all bars;
- meter and key honored: the tune keeps the requested M: and K: and changes neither mid-tune;
  ends on the tonic chord: its last note is in the tonic triad (a stricter, musical reading);
- novelty: no run of 8 bars equals 8 consecutive bars of a training tune (in any key);
- validation bits per character, over the held-out tunes;
- seconds to write one tune (title and body), mean and 95th percentile.
Each model runs twice: with the meter grammar the app uses by default (settings: meter_grammar),
and alone, so the grammar's share and the model's own are both visible.

Needs the dev requirements (music21 for the training split): `python3 requisites.py test` has
installed them in .venv. Usage: .venv/bin/python bench/quality.py [--samples 200] [--model PATH]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from scripts import temporary  # noqa: E402
from scripts.audio.audio_render import AudioError, abc_to_midi, midi_length  # noqa: E402
from scripts.library.song_library import SongLibrary  # noqa: E402
from scripts.model import hardware  # noqa: E402
from scripts.model.models import LocalModel  # noqa: E402
from scripts.notation import abc_analysis  # noqa: E402
from scripts.notation.abc_notation import AbcError, extract_tunes, repair  # noqa: E402
from scripts.settings import defaults  # noqa: E402
from scripts.song.pipeline import Job, SongFailed, draft_tune, song_seed, write_draft  # noqa: E402
from tests.tiny_gguf import bigram_gguf  # noqa: E402
from training import corpus  # noqa: E402

STYLES = (("Chill",), ("Dance",), ("Jig",), ("Waltz",), ("Folk",), ("Sad",), ("Jazz",), ("Rock",))
MIN_PLAYED_BARS, MIN_SECONDS = 16, 20.0
NOVELTY_RUN = 8
BASE_SEED = 5000
# (column, model, meter grammar on): the app's default first, then each model unconstrained.
VARIANTS = (
    ("starter+grammar", "starter", True),
    ("starter alone", "starter", False),
    ("bigram+grammar", "bigram", True),
    ("bigram alone", "bigram", False),
)


@dataclass
class Tally:
    samples: int = 0
    raw_ok: int = 0
    retried_ok: int = 0
    bars: int = 0
    bars_in_meter: int = 0
    honored: int = 0
    tonic_ending: int = 0
    copied: int = 0
    seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def bar_runs(stats: abc_analysis.TuneStats, length: int = NOVELTY_RUN) -> set[tuple]:
    """Every run of `length` bars as durations and the steps between pitches: a transposed copy
    reads the same."""
    bars = [bar for bar in stats.bars if bar.notes]
    shapes = []
    for index, bar in enumerate(bars):
        previous = bars[index - 1].notes[-1].pitch if index else bar.notes[0].pitch
        steps = []
        for note in bar.notes:
            steps.append((note.pitch - previous, note.units))
            previous = note.pitch
        shapes.append(tuple(steps))
    return {tuple(shapes[i + 1 : i + length]) for i in range(len(shapes) - length + 1)}


def training_runs(tunes: list[str]) -> set[tuple]:
    runs: set[tuple] = set()
    for text in tunes:
        runs |= bar_runs(abc_analysis.analyse(repair(extract_tunes(text)[0], {})))
    return runs


def played_bars(stats: abc_analysis.TuneStats) -> float:
    return float(stats.play_whole_notes / stats.meter)


def audio_seconds(tune, job: Job) -> float:
    midi, _ = abc_to_midi(tune.to_text())  # the tune alone: how long the model made it
    return midi_length(midi)[0]


def renders_long_enough(tune, stats, job: Job) -> bool:
    if played_bars(stats) < MIN_PLAYED_BARS:
        return False
    return audio_seconds(tune, job) >= MIN_SECONDS


def honors_request(tune, fields: dict[str, str]) -> bool:
    changes = [t for t in tune.tokens if t.kind == "field" and t.text[1] in "KM"]
    return (
        tune.headers["M"] == fields["meter"]
        and tune.headers["K"] == fields["key"]
        and not (changes)
    )


def ends_on_tonic(stats: abc_analysis.TuneStats) -> bool:
    last = next(bar.notes[-1].pitch for bar in reversed(stats.bars) if bar.notes)
    key = stats.key
    tonic = abc_analysis.LETTER_PC[key.tonic[0]] + {"#": 1, "b": -1, "": 0}[key.tonic[1:]]
    third = 3 if key.mode in ("min", "dor", "phr", "loc") else 4
    return (last - tonic) % 12 in (0, third, 7)


def sample(model: LocalModel, config: dict, runs: set[tuple], count: int, out: Path) -> Tally:
    tally = Tally()
    library = SongLibrary(out)
    for number in range(1, count + 1):
        styles = STYLES[number % len(STYLES)]
        job = Job(styles, config, library, lambda progress: None, threading.Event())
        tally.samples += 1
        for attempt in range(config["settings"]["retries"] + 1):
            draft = write_draft(model, job, number, song_seed(BASE_SEED, number, attempt))
            tally.seconds.append(draft.seconds)
            try:
                tune, stats, _ = draft_tune(draft, job)
                ok = renders_long_enough(tune, stats, job)
            except (AbcError, AudioError, SongFailed) as error:
                tune, ok = None, False
                tally.failures.append(str(error)[:80])
            if attempt == 0 and tune is not None:
                tally.raw_ok += ok
                tally.bars += stats.full_bars
                tally.bars_in_meter += stats.bars_in_meter()
                tally.honored += honors_request(tune, draft.fields)
                tally.tonic_ending += ends_on_tonic(stats)
                tally.copied += bool(bar_runs(stats) & runs)
            if ok:
                tally.retried_ok += 1
                break
    return tally


def validation_bits(path: Path, tunes: list[str]) -> float:
    """Bits per character of the held-out tunes, from llama.cpp's logits (EOS not counted)."""
    import llama_cpp

    llm = llama_cpp.Llama(str(path), n_ctx=2048, logits_all=True, verbose=False, seed=0)
    total = count = 0.0
    for tune in tunes:
        ids = llm.tokenize(tune.encode(), add_bos=True)[:2048]
        llm.reset()
        llm.eval(ids)
        shifted = np.array(llm.scores[: len(ids) - 1], dtype=np.float64)
        shifted -= shifted.max(1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        total -= log_probs[np.arange(len(ids) - 1), ids[1:]].sum()
        count += len(ids) - 1
    return total / count / math.log(2)


def share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def report(names: list[str], tallies: list[Tally], bits: list[float]) -> None:
    rows = [
        ("raw: >= 16 bars and 20 s (>= 95%)", [share(t.raw_ok, t.samples) for t in tallies]),
        ("after repair+retry (>= 99%)", [share(t.retried_ok, t.samples) for t in tallies]),
        ("bars in meter (>= 95%)", [share(t.bars_in_meter, t.bars) for t in tallies]),
        ("meter and key honored (>= 95%)", [share(t.honored, t.samples) for t in tallies]),
        ("ends on the tonic chord", [share(t.tonic_ending, t.samples) for t in tallies]),
        ("novel: no 8-bar copy (100%)", [share(t.samples - t.copied, t.samples) for t in tallies]),
        ("validation bits/char", [f"{b:.3f}" for b in bits]),
        ("s per tune, mean", [f"{statistics.mean(t.seconds):.2f}" for t in tallies]),
        ("s per tune, p95 (< 1 s)", [f"{np.percentile(t.seconds, 95):.2f}" for t in tallies]),
    ]
    print(f"\n{'':34}" + "".join(f"{name:>18}" for name in names))
    for label, values in rows:
        print(f"{label:34}" + "".join(f"{value:>18}" for value in values))
    for name, tally in zip(names, tallies, strict=True):
        reasons = {reason: tally.failures.count(reason) for reason in set(tally.failures)}
        top = sorted(reasons.items(), key=lambda item: -item[1])[:3]
        print(f"{name} failures: {len(tally.failures)}; most common: {top}")


def main() -> int:
    parser = argparse.ArgumentParser(description="starter model quality against a bigram")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--model", type=Path, default=temporary.STARTER_MODEL_PATH)
    parser.add_argument("--temperature", type=float, default=None)
    parser.add_argument("--threads", type=int, default=0, help="llama.cpp threads (0: the app's)")
    args = parser.parse_args()
    data = corpus.split(corpus.load_tunes())
    runs = training_runs(data.train)
    config = defaults()
    if args.temperature is not None:
        config["settings"]["temperature"] = args.temperature
    config["settings"]["n_threads"] = args.threads
    print(
        f"{args.samples} samples per model, seeds from {BASE_SEED}; {len(data.train)} training "
        f"tunes ({len(runs):,} 8-bar runs), {len(data.validation)} validation tunes; "
        f"sampling { ({k: config['settings'][k] for k in ('temperature', 'top_p', 'top_k')}) }, "
        f"{args.threads or hardware.physical_cores()} llama.cpp thread(s)"
    )
    with tempfile.TemporaryDirectory() as folder:
        bigram = bigram_gguf(Path(folder) / "bigram.gguf", "".join(data.train))
        names, tallies, bits = [], [], []
        for name, path, grammar in VARIANTS:
            path = args.model if path == "starter" else bigram
            variant = {**config, "settings": {**config["settings"], "meter_grammar": grammar}}
            model = LocalModel(path, variant["settings"])
            tallies.append(sample(model, variant, runs, args.samples, Path(folder) / name))
            bits.append(validation_bits(path, data.validation))
            names.append(name)
            print(f"{name}: done", flush=True)
    report(names, tallies, bits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
