"""A change meant to alter no sound (a refactor, a move) leaves every song the same: seeded songs
made by this tree and by a baseline commit, compared byte for byte (ABC, MIDI, MP3).

    .venv/bin/python bench/same_songs.py [--baseline REF] [--styles house,jazz] [--seed 7]
                                         [--smoke]

Each song is made by the real CLI (`launcher.py generate`, the starter model) in both trees, as
bench/mix.py makes them. Prints one line per style and file kind, then how many differ; exits 1
when any does. --smoke: one style against HEAD (the test suite runs it).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.mix import baseline_tree, make_songs  # noqa: E402

STYLES = "house,blues,jazz,heavy_metal,trap,folk,chillout,dubstep"
KINDS = (".abc", ".mid", ".mp3")


def digests(mp3s: list[Path], kind: str) -> list[str]:
    return [hashlib.sha256(mp3.with_suffix(kind).read_bytes()).hexdigest()[:12] for mp3 in mp3s]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="HEAD")
    parser.add_argument("--styles", default=STYLES)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--songs", type=int, default=1)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args()
    styles = args.styles.split(",")[:1] if args.smoke else args.styles.split(",")
    differ = compared = 0
    with tempfile.TemporaryDirectory(prefix="lmg-same-") as folder:
        trees = {"new": ROOT, "base": baseline_tree(args.baseline, Path(folder))}
        for style in styles:
            songs = {
                name: make_songs(tree, style, args.songs, args.seed, Path(folder) / name / style)
                for name, tree in trees.items()
            }
            if not songs["new"] or len(songs["new"]) != len(songs["base"]):
                print(f"{style}: songs made new {len(songs['new'])}, base {len(songs['base'])}")
                differ += 1
                continue
            for kind in KINDS:
                new, base = digests(songs["new"], kind), digests(songs["base"], kind)
                same = new == base
                compared += 1
                differ += not same
                print(f"{style:<14}{kind:<5}{'same' if same else 'DIFFERENT'}  {' '.join(new)}")
    print(f"{compared - differ} of {compared} identical to {args.baseline}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
