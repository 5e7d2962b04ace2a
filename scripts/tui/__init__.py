"""The curses text UI: the only package that may import curses."""
