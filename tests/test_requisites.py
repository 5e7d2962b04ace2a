"""requisites.py, the README's own start command, run as a user runs it: in a terminal."""

from __future__ import annotations

import sys
import termios

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
