"""requisites.py, the README's own start command, run as a user runs it: in a terminal."""

from __future__ import annotations

import sys
import termios
import threading
import time

import pytest

import requisites
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
