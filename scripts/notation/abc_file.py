"""A user's own ABC file, taken as written: its file header and its tunes, each one handed to
abc2midi exactly as it stands (voices, %%MIDI programs, drums, gchord, transpositions, I: and %%
directives, words), with none of the repairs and checks that model output gets.

ABC 2.1 (section 2.2): a tune starts at its X: line; what comes before the first X: is the file
header, whose fields and directives apply to every tune of the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scripts.notation.abc_notation import is_music_line

TUNE_START_RE = re.compile(r"^X:", re.MULTILINE)
BLANK_LINE_RE = re.compile(r"\n[ \t]*\n")  # ends a tune (ABC 2.1 section 2.2), as in abc2midi
FIELD_RE = re.compile(r"^([A-Za-z]):[ \t]*(.*?)[ \t]*$")
# %%MIDI program [channel] n: abc2midi writes n modulo 256 into the MIDI, which then cannot be read
BAR_LINE_RE = re.compile(r"\|+\]?|::")
MIDI_PROGRAM_RE = re.compile(r"^%%MIDI[ \t]+program(?:[ \t]+\d+)?[ \t]+(\d+)", re.MULTILINE)


@dataclass(frozen=True)
class WrittenTune:
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


def file_parts(text: str) -> list[WrittenTune | str]:
    """The file in order: its tunes (each from its X: line to the blank line that ends it, with
    the file header before it) and the text between them, in which a caller may look for tunes
    written without X: (model output pasted into a file). A text without X: is one part."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    starts = [match.start() for match in TUNE_START_RE.finditer(text)]
    if not starts:
        return [text]
    before = text[: starts[0]]
    blank = BLANK_LINE_RE.search(before)
    head = before[: blank.start() + 1] if blank else before
    if any(is_music_line(line.strip(), True) for line in head.split("\n") if is_body(line)):
        header, parts = "", [before]  # music before the first X: is a tune, not a header
    else:
        header, parts = head, [before[len(head) :]]
    for start, end in zip(starts, [*starts[1:], len(text)], strict=True):
        blank = BLANK_LINE_RE.search(text, start, end)
        block_end = blank.start() + 1 if blank else end
        block = text[start:block_end].rstrip() + "\n"
        headers = tune_headers(block.split("\n"))
        title = " ".join(headers.get("T", "").replace("\\%", "%").split())
        parts += [WrittenTune(headers.get("X", ""), title, header + block, headers)]
        parts.append(text[block_end:end])
    return [part for part in parts if not isinstance(part, str) or part.strip()]


def is_body(line: str) -> bool:
    """Not a field, a directive or a comment."""
    line = line.strip()
    return bool(line) and not line.startswith("%") and not FIELD_RE.match(line)


def written_tunes(text: str) -> list[WrittenTune]:
    """Every tune of an ABC file that starts at an X: line, in order."""
    return [part for part in file_parts(text) if isinstance(part, WrittenTune)]


def words(tune: WrittenTune) -> list[str]:
    """The tune's lyrics lines (w: under the notes, W: after the tune), as written."""
    found = []
    for line in tune.text.split("\n"):
        match = FIELD_RE.match(line)
        if match and match.group(1) in "wW" and match.group(2):
            found.append(match.group(2))
    return found


def directive_problem(text: str) -> str:
    """What in the tune's %%MIDI directives abc2midi would turn into a MIDI file nothing can read,
    said in the tune's own terms; "" when nothing is."""
    for match in MIDI_PROGRAM_RE.finditer(text):
        if int(match.group(1)) > 127:
            return f"%%MIDI program {match.group(1)}: a MIDI program is 0 to 127"
    return ""


def bar_count(text: str) -> int:
    """About how many bars the music lines hold (their bar lines)."""
    lines = (line.split("%", 1)[0] for line in text.split("\n") if is_body(line))
    return sum(len(BAR_LINE_RE.findall(line)) for line in lines)
