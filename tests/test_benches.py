"""Every benchmark still runs: each bench/ script in its smallest mode, as a user would start
it, exits 0 and prints its figures (a bench that imports a module since deleted fails here)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import REPO

BENCH = REPO / "bench"
# The smallest run of each: a song or two, a handful of keys or calls.
SMALLEST = {
    "finetune.py": ["--sizes", "5", "--held-out", "2", "--songs", "1", "--corpora", "folk-rnn"],
    "generate.py": ["--quick", "--rounds", "1", "--max-tokens", "32"],
    "library.py": ["--songs", "20", "--baseline", "10", "--keys", "2"],
    "mix.py": ["--smoke"],
    "player.py": ["--calls", "10"],
    "playlists.py": ["--repeat", "1"],
    "quality.py": ["--samples", "2"],
    "render.py": ["--mix-only"],
    "same_songs.py": ["--smoke"],
    "synth.py": ["--smoke"],
    "style.py": ["--songs", "2", "--styles", "rock,jazz"],
    "tui.py": ["--keys", "3"],
}
OUT_FOLDER = {"finetune.py", "style.py"}  # these write files: into the test's folder


def test_every_bench_has_a_smallest_mode_here():
    assert sorted(path.name for path in BENCH.glob("*.py")) == sorted(SMALLEST)


@pytest.mark.heavy
@pytest.mark.parametrize("name", sorted(SMALLEST))
def test_the_bench_runs_in_its_smallest_mode(name, tmp_path, data_dir):
    arguments = SMALLEST[name] + (["--out", str(tmp_path)] if name in OUT_FOLDER else [])
    result = subprocess.run(
        [sys.executable, str(BENCH / name), *arguments],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, "LLM_MUSIC_GEN_DATA": str(data_dir)},
    )
    assert result.returncode == 0, (result.stdout[-2000:], result.stderr[-2000:])
    assert any(character.isdigit() for character in result.stdout), result.stdout
