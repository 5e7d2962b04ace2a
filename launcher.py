"""Llm-Music-Gen: start the text UI, or run a sub-command (see `python launcher.py --help`)."""

import sys

from scripts.cli import main

if __name__ == "__main__":
    sys.exit(main())
