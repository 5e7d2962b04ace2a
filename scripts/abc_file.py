"""A user's own ABC file, taken as written: its file header and its tunes, each one handed to
abc2midi exactly as it stands (voices, %%MIDI programs, drums, gchord, transpositions, I: and %%
directives, words), with none of the repairs and checks that model output gets.

ABC 2.1 (section 2.2): a tune starts at its X: line; what comes before the first X: is the file
header, whose fields and directives apply to every tune of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TUNE_START_RE = re.compile(r"^X:", re.MULTILINE)
FIELD_RE = re.compile(r"^([A-Za-z]):[ \t]*(.*?)[ \t]*$")


@dataclass(frozen=True)
class WrittenTune:
    number: int  # its place in the file, from 1
    reference: str  # its X: value as written
    title: str  # its first T:, "" when it has none
    text: str  # the file header and the tune, the text abc2midi is given
    headers: dict[str, str]  # the first value of each field of the tune's header

    def describe(self) -> str:
        """'"Boys of Wexford" (X:12)' for messages, which give the tune's number before it."""
        return f'"{self.title}" (X:{self.reference})' if self.title else f"(X:{self.reference})"


def tune_headers(lines: list[str]) -> dict[str, str]:
    """The tune's header fields, up to and including K:, the first value of each."""
    headers: dict[str, str] = {}
    for line in lines:
        match = FIELD_RE.match(line)
        if not match:
            continue
        headers.setdefault(match.group(1), match.group(2))
        if match.group(1) == "K":
            break
    return headers


def written_tunes(text: str) -> list[WrittenTune]:
    """Every tune of an ABC file (each starts at an X: line), or [] when it has none."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [match.start() for match in TUNE_START_RE.finditer(text)]
    if not starts:
        return []
    file_header = text[: starts[0]]
    tunes = []
    for number, (start, end) in enumerate(
        zip(starts, [*starts[1:], len(text)], strict=True), start=1
    ):
        block = text[start:end].rstrip() + "\n"
        headers = tune_headers(block.split("\n"))
        tunes.append(
            WrittenTune(
                number=number,
                reference=headers.get("X", ""),
                title=" ".join(headers.get("T", "").replace("\\%", "%").split()),
                text=file_header + block,
                headers=headers,
            )
        )
    return tunes


def words(tune: WrittenTune) -> list[str]:
    """The tune's lyrics lines (w: under the notes, W: after the tune), as written."""
    found = []
    for line in tune.text.split("\n"):
        match = FIELD_RE.match(line)
        if match and match.group(1) in "wW" and match.group(2):
            found.append(match.group(2))
    return found
