"""Static checks of Llm-Music-Gen.bat, the Windows launcher, that can run on any OS."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BAT = ROOT / "Llm-Music-Gen.bat"
DATA = BAT.read_bytes()
TEXT = DATA.decode("ascii", errors="replace")
LINES = TEXT.splitlines()

UNIX_ONLY = [
    r"\$\{?[A-Za-z_]",  # $VAR, ${VAR}
    r"\bexport\b",
    r"\brm\s+-",
    r"\bls\b",
    r"\bcat\b",
    r"\bgrep\b",
    r"\bsudo\b",
    r"\bchmod\b",
    r"\bsource\b",
    r"#!",
    r"/usr/",
    r"/bin/",
    r"\w/[\w/]*\.py\b",  # forward-slash path to a .py file
    r"\bscripts/",
    r"\bpowershell\b",
    r"\bpwsh\b",
]


def test_crlf_line_endings_and_ascii() -> None:
    assert DATA.endswith(b"\r\n")
    bare = DATA.replace(b"\r\n", b"")
    assert b"\n" not in bare, "bare LF line ending"
    assert b"\r" not in bare, "bare CR"
    DATA.decode("ascii")  # raises on any non-ASCII byte


def test_starts_with_echo_off() -> None:
    assert LINES[0].strip().lower() == "@echo off"


def test_requisites_actions_are_accepted() -> None:
    actions = set(re.findall(r"requisites\.py\s+(\w+)", TEXT))
    assert actions == {"launch", "install", "test"}
    help_text = subprocess.run(
        [sys.executable, "requisites.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    for action in actions:
        assert re.search(rf"\b{action}\b", help_text), f"requisites.py --help lacks {action!r}"


def test_named_python_files_exist() -> None:
    scripts = set(re.findall(r"[\w.-]+\.py\b", TEXT))
    assert scripts, "the launcher names no .py file"
    for name in scripts:
        assert (ROOT / name).is_file(), f"{name} is not in the repo root"


def test_jump_targets_have_labels() -> None:
    labels = {m.lower() for m in re.findall(r"^\s*:(\w+)", TEXT, re.MULTILINE)}
    gotos = re.findall(r"\bgoto\s+:?(\w+)", TEXT, re.IGNORECASE)
    calls = re.findall(r"\bcall\s+:(\w+)", TEXT, re.IGNORECASE)
    targets = {t.lower() for t in gotos + calls} - {"eof"}
    assert {"menu", "launch", "install", "test"} <= targets
    assert targets <= labels, f"missing labels: {sorted(targets - labels)}"


@pytest.mark.parametrize("pattern", UNIX_ONLY)
def test_no_unix_only_syntax(pattern: str) -> None:
    hits = [line for line in LINES if re.search(pattern, line, re.IGNORECASE)]
    assert not hits, f"{pattern!r} matches: {hits}"


def test_py_launcher_tried_before_python() -> None:
    py_launcher = TEXT.find("py -3 --version")
    python = TEXT.find("python --version")
    assert 0 <= py_launcher < python
    assert 'set "PYEXE=py -3"' in TEXT
    assert 'set "PYEXE=python"' in TEXT
