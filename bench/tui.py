"""The text UI's speed and memory, measured on the real app in a pseudo-terminal (as the tests
drive it), each beside a baseline taken in the same run:
- start → main menu drawn (target <= 0.5 s), beside a bare Python curses program drawing a line;
- keypress → screen updated (the highlight moves in Configure Options) while songs are being
  generated (target p95 <= 50 ms), beside the same keys with nothing running;
- peak memory (VmHWM) of the app generating with the starter model while the jukebox plays
  (target <= 300 MB), beside the app idle at its main menu.

Usage: .venv/bin/python bench/tui.py [--keys 40] [--model PATH] [--soundfont PATH]
(default: the starter model, and the SoundFont the app picks: a system one when installed)
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

from scripts import settings, temporary  # noqa: E402
from tests.test_tui import Terminal  # noqa: E402

DOWN, UP = b"\x1bOB", b"\x1bOA"
OPTIONS_FIRST_ROW = 4
BARE_CURSES = (
    "import curses\n"
    "def main(s):\n"
    "    s.addstr(1, 4, 'Main Menu'); s.refresh(); s.getch()\n"
    "curses.wrapper(main)\n"
)


def time_to_menu(data_dir: Path, program: list[str] | None = None) -> float:
    started = time.perf_counter()
    term = Terminal(data_dir, program=program)
    while "Main Menu" not in term.text():  # not wait_for: it also waits for the screen to settle
        term.read(0.005)
        if time.perf_counter() - started > 30:
            raise RuntimeError("the menu never appeared")
    elapsed = time.perf_counter() - started
    term.send(b"x")
    term.exit_status()
    return elapsed


def highlighted_row(term: Terminal) -> int | None:
    for row in range(OPTIONS_FIRST_ROW, term.screen.lines):
        if term.screen.buffer[row][0].reverse:
            return row
    return None


def key_latencies(term: Terminal, count: int) -> list[float]:
    """Seconds from an arrow key to the moved highlight on the screen, `count` times (down and
    up in turn, so the highlight always moves)."""
    latencies = []
    for number in range(count):
        before = highlighted_row(term)
        started = time.perf_counter()
        term.send(UP if number % 2 else DOWN)
        while highlighted_row(term) == before:
            term.read(0.01)
            if time.perf_counter() - started > 5:
                raise RuntimeError(f"the highlight never moved from row {before}:\n{term.text()}")
        latencies.append(time.perf_counter() - started)
        time.sleep(0.05)
    return latencies


def peak_memory_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def open_options(data_dir: Path) -> Terminal:
    term = Terminal(data_dir)
    term.wait_for("Main Menu")
    term.send(b"3")
    term.wait_for("Temperature")
    return term


def start_generating(term: Terminal) -> None:
    term.send(b"1")
    term.wait_for("What kind of music")
    term.send(b"Chill\rc\r")
    term.wait_for("Producing", timeout=60)


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


def main() -> int:
    parser = argparse.ArgumentParser(description="TUI start, key latency and memory")
    parser.add_argument("--keys", type=int, default=40)
    parser.add_argument("--model", type=Path, default=temporary.STARTER_MODEL_PATH)
    parser.add_argument(
        "--soundfont", default="", help="the SoundFont setting (default: the app's own choice)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        data_dir = Path(folder) / "data"
        data_dir.mkdir()
        config = settings.defaults()
        config["settings"].update(
            model_path=str(args.model),
            output_dir=f"{folder}/songs",
            soundfont_path=args.soundfont,
            seed=1,  # the same songs every run: memory depends on them
        )
        settings.save(config, data_dir)
        script = Path(folder) / "bare.py"
        script.write_text(BARE_CURSES)

        starts = [time_to_menu(data_dir) for _ in range(5)]
        bare = [time_to_menu(data_dir, [sys.executable, str(script)]) for _ in range(5)]

        idle_term = open_options(data_dir)
        idle = key_latencies(idle_term, args.keys)
        idle_memory = peak_memory_mb(idle_term.pid)
        idle_term.send(b"x")
        idle_term.exit_status()

        term = Terminal(data_dir)
        term.wait_for("Main Menu")
        start_generating(term)
        term.send(b"j")  # the jukebox plays (null device) while songs are made
        term.wait_for("Playing song:", timeout=120)
        term.send(b"b3")
        term.wait_for("Temperature")
        busy = key_latencies(term, args.keys)
        time.sleep(10)
        busy_memory = peak_memory_mb(term.pid)
        made = len(list((Path(folder) / "songs").glob("*.mp3")))
        term.send(b"x")
        term.exit_status(timeout=30)

    soundfont = args.soundfont or "the app's choice"
    print(f"model: {args.model.name}; SoundFont: {soundfont}; {made} songs made while busy")
    print(f"{'':44}{'app':>14}{'baseline':>14}")
    median = statistics.median
    rows = [
        ("start -> menu drawn, median s (<= 0.5)", median(starts), median(bare)),
        ("key -> screen, p50 ms (busy vs idle)", 1000 * median(busy), 1000 * median(idle)),
        ("key -> screen, p95 ms (<= 50; busy vs idle)", 1000 * p95(busy), 1000 * p95(idle)),
        ("peak memory MB (<= 300; busy vs idle)", busy_memory, idle_memory),
    ]
    for label, app, baseline in rows:
        print(f"{label:44}{app:14.3f}{baseline:14.3f}")
    print("baselines: start = bare Python curses drawing one line; keys and memory = the app idle")
    return 0


if __name__ == "__main__":
    sys.exit(main())
