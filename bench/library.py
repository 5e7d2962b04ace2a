"""The jukebox on a big library, measured on the real app in a pseudo-terminal (as the tests drive
it), the 10,000-song library beside a 100-song one in the same run:
- open: the main menu's "2" → the jukebox drawn and playing (target <= 0.5 s);
- search: each typed letter → the screen showing it with its results (target p95 <= 50 ms);
- browse: each arrow key in the Songs view → the highlight moved (target p95 <= 50 ms);
- memory: the app's peak (VmHWM) after all that.
The libraries are synthetic (tests/synthetic_library.py): real sidecars and index, one MP3.

Usage: .venv/bin/python bench/library.py [--songs 10000] [--baseline 100] [--keys 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.tui import p95, peak_memory_mb  # noqa: E402
from scripts import settings  # noqa: E402
from tests.synthetic_library import make_library  # noqa: E402
from tests.test_tui import Terminal  # noqa: E402

DOWN, UP, TAB = b"\x1bOB", b"\x1bOA", b"\t"
QUERIES = ("harbour", "jazz light", "oh the", "reggae home")  # words the fixture's songs hold


def highlighted_row(term: Terminal) -> int | None:
    """The list row drawn reversed (the selection)."""
    for row in range(4, term.screen.lines - 6):
        if any(cell.reverse for cell in term.screen.buffer[row].values()):
            return row
    return None


def wait(term: Terminal, done, what: str, limit: float = 30.0) -> float:
    """Seconds until done(screen text) holds."""
    started = time.perf_counter()
    while not done(term.text()):
        term.read(0.002)
        if time.perf_counter() - started > limit:
            raise RuntimeError(f"{what} never appeared:\n{term.text()}")
    return time.perf_counter() - started


def measure(folder: Path, count: int, keys: int) -> dict:
    data_dir = folder / "data"
    data_dir.mkdir()
    config = settings.defaults()
    config["settings"]["output_dir"] = str(folder / "songs")
    settings.save(config, data_dir)
    made = time.perf_counter()
    make_library(folder / "songs", count)
    made = time.perf_counter() - made
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    started = time.perf_counter()
    term.send(b"2")
    wait(term, lambda text: "Playing song:" in text, "the jukebox")
    opened = time.perf_counter() - started
    typed = []
    for query in QUERIES:
        term.send(b"/")
        term.wait_for("Search:")
        for length in range(1, len(query) + 1):
            started = time.perf_counter()
            term.send(query[length - 1].encode())
            needle = f"Search: {query[:length]}"
            wait(term, lambda text, n=needle: n in text and " found" in text, needle)
            typed.append(time.perf_counter() - started)
        term.send(b"\x15")  # Ctrl+U: an empty line for the next query
        term.send(b"\x1b")
        time.sleep(0.2)
    term.send(TAB * 3)  # Playing → Artists → Genres → Songs
    term.wait_for("first")
    browsed = []
    for number in range(keys):
        before = highlighted_row(term)
        started = time.perf_counter()
        term.send(UP if number % 2 else DOWN)
        wait(term, lambda _, b=before: highlighted_row(term) != b, "the highlight moving")
        browsed.append(time.perf_counter() - started)
        time.sleep(0.03)
    memory = peak_memory_mb(term.pid)
    term.send(b"x")
    term.exit_status(timeout=30)
    return {"made": made, "open": opened, "typed": typed, "browsed": browsed, "memory": memory}


def main() -> int:
    parser = argparse.ArgumentParser(description="the jukebox on a big library")
    parser.add_argument("--songs", type=int, default=10_000)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--keys", type=int, default=30)
    args = parser.parse_args()
    results = {}
    for count in (args.songs, args.baseline):
        with tempfile.TemporaryDirectory() as folder:
            results[count] = measure(Path(folder), count, args.keys)
    big, small = results[args.songs], results[args.baseline]
    median = statistics.median
    print(f"library made in {big['made']:.1f} s ({args.songs} songs), {small['made']:.1f} s")
    print(f"{'':40}{f'{args.songs} songs':>14}{f'{args.baseline} songs':>14}")
    rows = [("open jukebox, s (<= 0.5)", big["open"], small["open"])]
    for key, what in (("typed", "search key -> results"), ("browsed", "arrow -> highlight")):
        rows.append((f"{what}, p50 ms", 1000 * median(big[key]), 1000 * median(small[key])))
        rows.append((f"{what}, p95 ms (<= 50)", 1000 * p95(big[key]), 1000 * p95(small[key])))
    rows.append(("peak memory MB", big["memory"], small["memory"]))
    for label, value, baseline in rows:
        print(f"{label:40}{value:14.3f}{baseline:14.3f}")
    print(f"{len(big['typed'])} search keys, {len(big['browsed'])} arrow keys each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
