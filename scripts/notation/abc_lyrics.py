"""Lyrics under the melody: ABC `w:` lines, one word per note, the parts spread in order over the
tune's lines, so the .abc opens in notation software with its words. No curses here."""

from __future__ import annotations

import re

from scripts import temporary
from scripts.notation.abc_notation import AbcTune, Token, body_lines

SUNG_KINDS = ("note", "chord")  # a chord [CEG] is one sung note; rests take no word
BARS_PER_LINE = 4  # as AbcTune.to_text lays the body out


def line_groups(tokens: list[Token], bars_per_line: int) -> list[list[Token]]:
    """The tokens of each body line, grouped as abc_notation.body_lines joins them."""
    groups, current, bars = [], [], 0
    for token in tokens:
        current.append(token)
        if token.kind == "bar":
            bars += 1
            if bars % bars_per_line == 0:
                groups.append(current)
                current = []
    if "".join(token.text for token in current).strip():
        groups.append(current)
    return groups


def words_by_line(note_counts: list[int], parts: list[list[str]]) -> list[list[str]]:
    """Each part gets an equal run of lines, in order; its words fill their notes one by one.
    Words beyond a part's notes are left out; a tune with fewer lines than parts skips some."""
    lines = len(note_counts)
    placed: list[list[str]] = [[] for _ in range(lines)]
    for index, part in enumerate(parts):
        left = list(part)
        for line in range(index * lines // len(parts), (index + 1) * lines // len(parts)):
            placed[line], left = left[: note_counts[line]], left[note_counts[line] :]
    return placed


def words(line: str) -> list[str]:
    """The words of a line as they go under notes: letters, digits and apostrophes only."""
    return re.findall(temporary.LYRIC_WORD_RE, line)


def part_words(parts: list[dict]) -> list[list[str]]:
    return [[word for line in part["lines"] for word in words(line)] for part in parts]


def with_words(tune: AbcTune, directives: tuple[str, ...], parts: list[dict]) -> str:
    """tune.to_text(directives) with a `w:` line under each body line that has words."""
    text = tune.to_text(directives, BARS_PER_LINE)
    groups = line_groups(tune.tokens, BARS_PER_LINE)
    body = body_lines(tune.tokens, BARS_PER_LINE)
    if not parts or len(groups) != len(body):
        return text
    counts = [sum(token.kind in SUNG_KINDS for token in group) for group in groups]
    placed = words_by_line(counts, part_words(parts))
    lines = text.splitlines()
    out = lines[: len(lines) - len(body)]
    for line, sung in zip(body, placed, strict=True):
        out.append(line)
        if sung:
            out.append("w: " + " ".join(sung))
    return "\n".join(out) + "\n"
