"""The allocator cap the launcher sets before any thread starts (scripts/native_memory.py); what
it saves is measured by bench/tui.py (the app's peak while it makes a song and plays another)."""

import platform
import sys

from scripts.native_memory import limit_arenas


def test_one_arena_on_glibc_linux_and_nothing_elsewhere():
    on_glibc = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert limit_arenas() is on_glibc
