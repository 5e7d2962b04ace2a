"""requisites.py, the README's own start command, run as a user runs it: in a terminal."""

from __future__ import annotations

import subprocess
import sys
import termios
import threading
import time

import pytest

import requisites
from tests.conftest import REPO
from tests.test_tui import Terminal


@pytest.mark.skipif(
    not any(map(requisites.stamp_is_current, (requisites.RUNTIME, requisites.DEV))),
    reason="the requirements are not installed by requisites.py: `launch` would install them",
)
def test_ctrl_c_in_the_app_started_by_requisites_leaves_the_terminal_sane(data_dir):
    """Issue 19, item 14: Ctrl+C goes to the whole foreground process group; requisites.py must
    not kill the app before it restores the terminal (alternate screen, echo, line editing)."""
    term = Terminal(data_dir, program=[sys.executable, "requisites.py", "launch"])
    term.wait_for("Main Menu", timeout=60)
    before = termios.tcgetattr(term.fd)  # the app's own modes: raw, no echo
    assert not before[3] & termios.ECHO and not before[3] & termios.ICANON
    term.send(b"\x03")
    status = term.exit_status(timeout=20)
    term.read(0.5)  # anything the app wrote as it ended
    iflag, oflag, _, lflag, *_ = termios.tcgetattr(term.fd)
    assert lflag & termios.ECHO and lflag & termios.ICANON, "echo or line editing left off"
    assert oflag & termios.ONLCR and iflag & termios.ICRNL
    assert term.restored()  # the alternate screen was left
    assert status == 0


def test_torch_comes_from_the_cpu_index_for_every_install_that_brings_it():
    """Issue 19, item 15: the test tools pin torch as the training tools do."""
    assert requisites.brings_torch(requisites.DEV) and requisites.brings_torch(requisites.TRAIN)
    assert not requisites.brings_torch(requisites.RUNTIME)


def test_the_cpu_index_is_used_when_it_answers_and_skipped_in_one_line_when_not(capsys):
    """A local server stands in for download.pytorch.org (not reachable from the test machines);
    a closed port for an index that does not answer, which pip would retry for every package."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Index(BaseHTTPRequestHandler):
        def do_HEAD(self):
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Index)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/whl/cpu"
    try:
        assert requisites.torch_index(url) == ["--extra-index-url", url]
    finally:
        server.shutdown()
        server.server_close()
    started = time.monotonic()
    assert requisites.torch_index(url) == []  # nothing listens there now
    assert time.monotonic() - started <= requisites.INDEX_PROBE_TIMEOUT_S + 1
    [line] = capsys.readouterr().out.splitlines()
    assert line.startswith(f"[requisites] the PyTorch CPU index {url} does not answer")


BENCHES = "tests/test_benches.py"  # one test of it is fast, the others are heavy


def collected(command: list[str]) -> set[str]:
    """The names of the tests `command` (a pytest run, --collect-only -q added) would run."""
    done = subprocess.run(
        [*command, "--collect-only", "-q"], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return {line.split("::")[1] for line in done.stdout.splitlines() if "::" in line}


def test_the_fast_set_leaves_out_the_heavy_checks_and_all_keeps_them():
    """Issue 19, item 16: `requisites.py test` runs pytest without the tests marked heavy;
    --all (what CI runs) and a -m of the user's own do not leave them out; -k goes on."""

    def run(*arguments: str) -> set[str]:
        return collected([sys.executable, "-m", "pytest", *requisites.pytest_arguments(arguments)])

    fast, everything = run(BENCHES), run("--all", BENCHES)
    heavy = run(BENCHES, "-m", requisites.HEAVY_MARKER)
    assert fast == {"test_every_bench_has_a_smallest_mode_here"}
    assert heavy and not fast & heavy and everything == fast | heavy
    assert run("-k", "smallest_mode_here", BENCHES) == fast
    assert run("-k", "smallest_mode", "--all", BENCHES) == everything


@pytest.mark.skipif(
    not requisites.stamp_is_current(requisites.DEV),
    reason="the test tools are not installed by requisites.py: `test` would install them",
)
def test_requisites_test_passes_its_arguments_through_the_fast_set_filter(data_dir):
    """The same through the README's command itself (where the test tools are installed)."""
    command = [sys.executable, "requisites.py", "test"]
    assert collected([*command, BENCHES]) == {"test_every_bench_has_a_smallest_mode_here"}
    assert len(collected([*command, "--all", BENCHES])) > 1
