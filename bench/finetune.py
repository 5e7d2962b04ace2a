"""How many of your own tunes does a model of your own need? Fine-tunes the starter model on 5, 10,
25, 50, 100 ... tunes of a corpus the starter never saw, with `launcher.py train`'s own code, and
prints for each size: the validation loss (bits per character) of held-out tunes of the same
corpus beside the starter's loss on them (the baseline), the minutes the run took, and the share
of novel songs (of --songs tunes the model writes as the app asks, those with no run of 8 bars
copied from a training tune, in any key). Writes the table and a PNG plot to --out.

Corpora: the folk-rnn samples in ../shared/corpus (MIT; machine-written folk tunes without titles)
and, of a different character, Bach chorale melodies from music21's corpus (the first part of
each, written to MIDI by music21 and read back by the app's MIDI import; the starter trained on
music21's folk collections only, see training/corpus.py).

--compare trains one size both ways, full fine-tuning and LoRA, and prints both.

Needs the training tools (torch, gguf) and music21: the dev requirements have them. The CPU is
shared here: run it with `nice`, and read the minutes as measured under that load.
Usage: nice .venv/bin/python bench/finetune.py [--sizes 5,10,25,50,100] [--compare 25]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FOLK_RNN = REPO.parent / "shared" / "corpus" / "folk-rnn-samples.abc"
SEED = 20261201
CHORALES = 160  # chorales converted: enough for 100 training tunes and the held-out ones


def folk_rnn_tunes() -> list[str]:
    from training.user_tunes import collect

    return collect([FOLK_RNN]).tunes


def chorale_tunes(folder: Path) -> list[str]:
    """Bach chorale melodies: the soprano (else the first) part of each, through MIDI."""
    from music21 import corpus

    from training.user_tunes import collect

    for path in corpus.getComposer("bach")[:CHORALES]:
        score = corpus.parse(path)
        parts = [p for p in score.parts if "soprano" in (p.partName or "").lower()]
        (parts or list(score.parts))[0].write("midi", fp=str(folder / f"{path.stem}.mid"))
    return collect([folder]).tunes


def held_out_bits(model_path: Path, tunes: list[str]) -> float:
    from training.export_gguf import load_gguf
    from training.train import validation_bits

    model, tokenizer = load_gguf(model_path)
    return validation_bits(model, tokenizer, tunes)


def novel_share(model_path: Path, train: list[str], songs: int, folder: Path) -> float:
    """Of `songs` tunes written the app's way (its prompt, grammar and repair; styles in turn),
    the share with no run of 8 bars copied from a training tune, in any key."""
    import threading

    from bench.quality import BASE_SEED, STYLES, bar_runs, training_runs
    from scripts.library.song_library import SongLibrary
    from scripts.model.models import LocalModel
    from scripts.notation.abc_notation import AbcError
    from scripts.settings import defaults
    from scripts.song.pipeline import Job, draft_tune, song_seed, write_draft

    config = defaults()
    config["settings"]["n_threads"] = 2
    model = LocalModel(model_path, config["settings"])
    runs, library = training_runs(train), SongLibrary(folder)
    novel = written = 0
    for number in range(1, songs + 1):
        job = Job(STYLES[number % len(STYLES)], config, library, lambda p: None, threading.Event())
        draft = write_draft(model, job, number, song_seed(BASE_SEED, number, 0))
        try:
            _, stats, _ = draft_tune(draft, job)
        except AbcError:
            continue
        written += 1
        novel += not bar_runs(stats) & runs
    return novel / written if written else float("nan")


def train_once(name: str, tunes: list[str], method: str) -> tuple[Path, dict, float]:
    from training.finetune import Options, finetune

    started = time.time()
    result = finetune(name, tunes, [name], f"{len(tunes)} tunes", options=Options(method=method))
    return result.path, result.record, (time.time() - started) / 60


def measure(corpus_name: str, tunes: list[str], sizes, held: int, songs: int, work: Path, out):
    """One row per training size: (corpus, tunes, steps, minutes, bits, starter bits, novel)."""
    order = list(range(len(tunes)))
    random.Random(SEED).shuffle(order)
    held_out = [tunes[i] for i in order[:held]]
    pool = [tunes[i] for i in order[held:]]
    baseline = held_out_bits(REPO / "data" / "starter-model.gguf", held_out)
    print(f"{corpus_name}: {len(tunes)} tunes, {held} held out; starter {baseline:.3f}", flush=True)
    rows = []
    for size in sizes:
        if size > len(pool):
            print(f"{corpus_name}: only {len(pool)} tunes to train on, not {size}")
            break
        train = pool[:size]
        path, record, minutes = train_once(f"{corpus_name}-{size}", train, "full")
        bits = held_out_bits(path, held_out)
        novel = novel_share(path, train, songs, work / f"songs-{corpus_name}-{size}")
        rows.append((corpus_name, size, record["steps"], minutes, bits, baseline, novel))
        print(format_row(rows[-1]), flush=True)
        save(rows[-1], out)  # after each run: a long bench stopped early keeps what it measured
    return rows


HEADER = "| corpus | training tunes | steps | minutes | held-out bits/char | starter | novel |"


def format_row(row) -> str:
    corpus_name, size, steps, minutes, bits, baseline, novel = row
    return (
        f"| {corpus_name} | {size} | {steps} | {minutes:.1f} | {bits:.3f} | {baseline:.3f} | "
        f"{novel:.0%} |"
    )


def load_rows(table: Path) -> list[tuple]:
    """The rows of an earlier finetune.md (runs of other invocations are kept)."""
    rows = []
    for line in table.read_text(encoding="utf-8").splitlines() if table.exists() else []:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if len(cells) == 7 and cells[1].isdigit():
            name, size, steps, minutes, bits, baseline, novel = cells
            share = float(novel.rstrip("%")) / 100 if novel != "nan%" else float("nan")
            rows.append(
                (name, int(size), int(steps), float(minutes), float(bits), float(baseline), share)
            )
    return rows


def save(row: tuple, out: Path) -> None:
    """Add (or replace) the row in out/finetune.md and redraw out/finetune.png."""
    out.mkdir(parents=True, exist_ok=True)
    rows = [r for r in load_rows(out / "finetune.md") if r[:2] != row[:2]] + [row]
    rows.sort(key=lambda r: (r[0], r[1]))
    table = "\n".join([HEADER, "|---|---:|---:|---:|---:|---:|---:|", *map(format_row, rows)])
    (out / "finetune.md").write_text(table + "\n", encoding="utf-8")
    plot(rows, out / "finetune.png")


def plot(rows, target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(7, 4.5))
    for index, name in enumerate(dict.fromkeys(row[0] for row in rows)):
        mine = [row for row in rows if row[0] == name]
        colour = f"C{index}"
        axes.plot([r[1] for r in mine], [r[4] for r in mine], "o-", color=colour, label=name)
        axes.axhline(mine[0][5], color=colour, linestyle="--", label=f"{name}: starter")
    axes.set_xscale("log")
    sizes = sorted({row[1] for row in rows})
    axes.set_xticks(sizes, [str(size) for size in sizes])
    axes.minorticks_off()
    axes.set_xlabel("training tunes")
    axes.set_ylabel("held-out bits per character")
    axes.set_title("Fine-tuning the starter model on your own tunes")
    axes.legend()
    figure.tight_layout()
    figure.savefig(target, dpi=110)


def compare(tunes: list[str], size: int, held: int) -> None:
    """Full fine-tuning against LoRA on the same tunes, the same steps and the same held-out."""
    order = list(range(len(tunes)))
    random.Random(SEED).shuffle(order)
    held_out = [tunes[i] for i in order[:held]]
    train = [tunes[i] for i in order[held : held + size]]
    baseline = held_out_bits(REPO / "data" / "starter-model.gguf", held_out)
    print(f"| method | minutes | held-out bits/char (starter {baseline:.3f}) | kept step |")
    print("|---|---:|---:|---:|")
    for method in ("full", "lora"):
        path, record, minutes = train_once(f"compare-{method}", train, method)
        bits = held_out_bits(path, held_out)
        print(f"| {method} | {minutes:.1f} | {bits:.3f} | {record['kept_step']} |", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="5,10,25,50,100")
    parser.add_argument("--held-out", type=int, default=10)
    parser.add_argument("--songs", type=int, default=10, help="songs per model for novelty")
    parser.add_argument("--corpora", default="folk-rnn,bach")
    parser.add_argument("--compare", type=int, default=0, help="full vs LoRA on this many tunes")
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="lmg-bench-") as folder:
        work = Path(folder)
        os.environ["LLM_MUSIC_GEN_MODELS"] = str(work / "models")  # never data/models
        (work / "midi").mkdir()
        sources = {"folk-rnn": folk_rnn_tunes, "bach": lambda: chorale_tunes(work / "midi")}
        if args.compare:
            compare(sources["folk-rnn"](), args.compare, args.held_out)
            return 0
        for name in args.corpora.split(","):
            measure(name, sources[name](), sizes, args.held_out, args.songs, work, args.out)
    print((args.out / "finetune.md").read_text(encoding="utf-8"))
    print(f"wrote {args.out / 'finetune.md'} and {args.out / 'finetune.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
