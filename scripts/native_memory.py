"""How the C allocator under Python keeps memory.

glibc gives every thread that allocates while another does an arena of its own, and keeps what
is freed there for that thread. The TUI renders songs on a worker thread (synth, effects, numpy)
while the UI thread runs the player: with an arena each, the app peaked at 348 MB making a song
with FluidR3 while the jukebox played, against 271 MB with one (bench/tui.py). One arena for all
threads costs nothing measurable here: the GIL already lets one thread run Python at a time.
"""

from __future__ import annotations

import ctypes
import sys

from scripts import temporary

M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def limit_arenas() -> bool:
    """Cap glibc's malloc arenas at temporary.MALLOC_ARENAS; before threads start. False where
    there is no glibc (Windows, macOS, musl): nothing to do there."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_ARENA_MAX, temporary.MALLOC_ARENAS))
