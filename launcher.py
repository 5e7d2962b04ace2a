"""Llm-Music-Gen: start the text UI, or run a sub-command (see `python launcher.py --help`)."""

import sys

from scripts.native_memory import limit_arenas

if __name__ == "__main__":
    limit_arenas()  # before any thread: the worker's memory stays in one pool

    from scripts.cli import main

    sys.exit(main())
