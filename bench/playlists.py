"""How long playlists take to write, read and list: a 10,000-song library beside the 100-song
baseline, in the same run (scripts/library/playlists.py).

    .venv/bin/python bench/playlists.py [--repeat 5]

For each library: write one playlist of every song, read it back, and list the folder holding it
and 20 more of 500 songs each (or of every song, if fewer), as the jukebox does when it opens.
Medians of --repeat runs, in milliseconds. The songs' MP3s are empty placeholder files.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.library.playlists import find_playlists, new_playlist, read_playlist  # noqa: E402
from scripts.library.song_library import Song  # noqa: E402

SIZES = (100, 10_000)  # the baseline first
MORE_PLAYLISTS, MORE_SIZE = 20, 500


def library(output: Path, count: int) -> list[Song]:
    songs = []
    for number in range(count):
        stem = f"20260101-000000-song-{number:05d}"
        (output / f"{stem}.mp3").write_bytes(b"")
        (output / f"{stem}.json").write_text("{}")
        songs.append(Song(id=stem, title=f"Tune {number}", artist="Band", duration_seconds=180))
    return songs


def median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def measure(count: int, repeat: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder)
        songs = library(output, count)
        made = []

        def write():
            made.append(new_playlist(output, f"All {len(made)}", songs))

        figures = {"write": median_ms(write, repeat)}
        figures["read"] = median_ms(lambda: read_playlist(made[0].path, output), repeat)
        for playlist in made[1:]:  # one of every song stays, beside the 20 parts
            playlist.path.unlink()
        for number in range(MORE_PLAYLISTS):
            new_playlist(output, f"Part {number}", songs[number * MORE_SIZE :][:MORE_SIZE])
        figures["list"] = median_ms(lambda: find_playlists(output), repeat)
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(
        f"{'songs':>7}  {'write ms':>9}  {'read ms':>8}  {'list ms':>8}  (median of {args.repeat})"
    )
    for count in SIZES:
        figures = measure(count, args.repeat)
        write, read, listed = figures["write"], figures["read"], figures["list"]
        print(f"{count:>7}  {write:>9.1f}  {read:>8.1f}  {listed:>8.1f}")


if __name__ == "__main__":
    main()
