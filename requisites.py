"""Installer: a virtual environment in .venv/, the pinned requirements, default data/*.json.

    python3 requisites.py launch   install what is missing, then start the app
    python3 requisites.py test     install what is missing (with test tools), then run the tests
                                   (the fast set; `test --all` adds the heavy checks CI runs)
    python3 requisites.py install  install or repair only
    python3 requisites.py train-tools  add PyTorch (CPU) for `launcher.py train` (about 200 MB)

Runs on the system Python (standard library only). A second run with everything in place checks a
stamp and returns in seconds.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
MIN_PYTHON = (3, 11)
RUNTIME, DEV, TRAIN = "requirements.txt", "requirements-dev.txt", "requirements-train.txt"
# PyPI's Linux wheels of PyTorch carry CUDA (gigabytes); training here runs on the CPU.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"
INDEX_PROBE_TIMEOUT_S = 5  # pip retries an index that does not answer for every package
# Playback comes with the jukebox; it must never make the install fail (see the design notes).
OPTIONAL_PACKAGES = ("miniaudio==1.71",)
# Windows users have no compiler: take llama-cpp-python from its prebuilt CPU wheel index, pinned
# to the newest version that index has for Windows, binary only, so a miss fails at once.
WINDOWS_LLAMA = "llama-cpp-python==0.3.19"
WINDOWS_LLAMA_INDEX = "https://abetlen.github.io/llama-cpp-python/whl/cpu"
# The pytest marker of the long checks (every style's song, the corpus, the benchmarks): `test`
# leaves them out, `test --all` runs them too (CI does).
HEAVY_MARKER = "heavy"


def say(message: str) -> None:
    print(f"[requisites] {message}", flush=True)


def venv_python() -> Path:
    if sys.platform == "win32":
        return VENV / "Scripts" / "python.exe"
    return VENV / "bin" / "python"


def ensure_venv() -> Path:
    python = venv_python()
    if not python.exists():
        say(f"creating the virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True, clear=VENV.exists()).create(VENV)
    return python


def stamp_for(requirements: str) -> str:
    """Changes whenever the requirements, the Python or the platform change."""
    digest = hashlib.sha256(f"{sys.version}|{platform.platform()}".encode())
    for name in (RUNTIME, requirements):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def stamp_is_current(requirements: str) -> bool:
    stamp_file = VENV / f".installed-{requirements}"
    return stamp_file.exists() and stamp_file.read_text() == stamp_for(requirements)


def pip(python: Path, *args: str) -> int:
    env = {
        **os.environ,
        "CMAKE_BUILD_PARALLEL_LEVEL": str(os.cpu_count() or 2),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    return subprocess.call([str(python), "-m", "pip", *args], env=env)


def install_windows_llama(python: Path) -> None:
    if (
        pip(
            python,
            "install",
            "--only-binary=llama-cpp-python",
            "--extra-index-url",
            WINDOWS_LLAMA_INDEX,
            WINDOWS_LLAMA,
        )
        != 0
    ):
        raise SystemExit(
            f"[requisites] could not install the prebuilt {WINDOWS_LLAMA} for this Python.\n"
            "  The prebuilt CPU wheels cover 64-bit Python 3.10 to 3.13 on Windows: install one\n"
            "  of those from python.org, delete the .venv folder and run this again; or install\n"
            "  Visual Studio Build Tools (C++) and run: .venv\\Scripts\\pip install "
            "llama-cpp-python"
        )


def brings_torch(requirements: str) -> bool:
    """Whether the requirements file names PyTorch (the test and the training tools do)."""
    lines = (ROOT / requirements).read_text(encoding="utf-8").splitlines()
    return any(re.match(r"torch\b", line.strip()) for line in lines)


def torch_index(url: str) -> list[str]:
    """pip's arguments for PyTorch's CPU wheel index, when it answers; none when it does not
    (offline, a firewall, no DNS): pip would try it again for every package, slowly, and then
    take torch from PyPI all the same. Asked once, with a short timeout."""
    try:
        urllib.request.urlopen(
            urllib.request.Request(url + "/", method="HEAD"), timeout=INDEX_PROBE_TIMEOUT_S
        ).close()
    except urllib.error.HTTPError:
        pass  # it answered: pip can use it
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        say(f"the PyTorch CPU index {url} does not answer ({reason}): torch comes from PyPI")
        return []
    return ["--extra-index-url", url]


def install(requirements: str = RUNTIME) -> Path:
    """Create .venv and install `requirements` unless the stamp says they are in place."""
    python = ensure_venv()
    stamp_file = VENV / f".installed-{requirements}"
    stamp = stamp_for(requirements)
    # The test requirements include the runtime and the training ones: a stamp of a larger set
    # will do.
    covering = {RUNTIME: (RUNTIME, DEV, TRAIN), TRAIN: (TRAIN, DEV)}.get(
        requirements, (requirements,)
    )
    if any(stamp_is_current(name) for name in covering):
        say("requirements already installed")
        return python
    say(f"installing {requirements} (the first time builds llama.cpp: about 15 minutes)")
    pip(python, "install", "--upgrade", "pip")
    if sys.platform == "win32":
        install_windows_llama(python)
    extra = torch_index(TORCH_CPU_INDEX) if brings_torch(requirements) else []
    if pip(python, "install", *extra, "-r", str(ROOT / requirements)) != 0:
        raise SystemExit(f"[requisites] installing {requirements} failed: see pip's message above")
    for package in OPTIONAL_PACKAGES:
        if pip(python, "install", package) != 0:
            say(f"optional {package} did not install: the jukebox will play on a silent clock")
    stamp_file.write_text(stamp)
    say("requirements installed")
    return python


def write_default_data() -> None:
    """data/persistent.json when missing; a corrupt one is moved aside, never overwritten."""
    sys.path.insert(0, str(ROOT))
    from scripts import settings

    _, problems = settings.load()
    for problem in problems:
        say(problem)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Install Llm-Music-Gen's requirements into "
        ".venv/, then launch the app or run its tests."
    )
    parser.add_argument(
        "action",
        choices=("install", "launch", "test", "train-tools"),
        help="install: install or repair; launch: start the app; test: run the fast tests "
        "(--all: every test); train-tools: add what `launcher.py train` needs (PyTorch for the "
        "CPU)",
    )
    parser.add_argument(
        "rest",
        nargs=argparse.REMAINDER,
        help="passed on to launcher.py (launch) or pytest (test, but for --all)",
    )
    args = parser.parse_args(argv)
    if sys.version_info < MIN_PYTHON:
        print(
            f"Llm-Music-Gen needs Python {'.'.join(map(str, MIN_PYTHON))} or newer; this is "
            f"{platform.python_version()}.",
            file=sys.stderr,
        )
        return 1
    python = install({"test": DEV, "train-tools": TRAIN}.get(args.action, RUNTIME))
    write_default_data()
    if args.action == "launch":
        return run_child([str(python), str(ROOT / "launcher.py"), *args.rest])
    if args.action == "test":
        return run_child([str(python), "-m", "pytest", *pytest_arguments(args.rest)])
    return 0


def pytest_arguments(rest: list[str]) -> list[str]:
    """pytest's arguments for `test`: the fast set, without the heavy checks, unless --all is
    among them. A -m of the user's own comes after ours, and pytest keeps the last."""
    if "--all" in rest:
        return [argument for argument in rest if argument != "--all"]
    return ["-m", f"not {HEAVY_MARKER}", *rest]


def run_child(command: list[str]) -> int:
    """Run the app (or pytest) and wait for it to end. Ctrl+C reaches the child from the terminal
    itself (it is in the terminal's foreground process group, as this process is): this process
    ignores it and waits, so that the app restores the terminal and exits on its own; killing
    it here would leave the terminal in the app's modes. SIGTERM and SIGHUP are passed on."""
    child = subprocess.Popen(command, cwd=ROOT)
    # After the start: an ignored signal stays ignored in a child, and the app needs its Ctrl+C.
    saved = {signal.SIGINT: signal.signal(signal.SIGINT, signal.SIG_IGN)}
    for name in ("SIGTERM", "SIGHUP"):
        if hasattr(signal, name):
            number = getattr(signal, name)
            saved[number] = signal.signal(number, lambda signum, _: child.send_signal(signum))
    try:
        status = child.wait()
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    return 128 - status if status < 0 else status  # killed by a signal: as a shell reports it


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
