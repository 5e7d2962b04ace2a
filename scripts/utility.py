"""Backend helpers shared by the CLI, the TUI and the pipeline."""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
from pathlib import Path

# Terminal escape sequences (CSI "ESC [ ... letter", OSC "ESC ] ... BEL", two-character ones),
# the C0 and C1 control characters and the bidirectional controls (embeddings, overrides,
# isolates, marks: they reorder what follows and can make a listing show what it does not hold):
# text from a user, a model, a server or a file must never change the terminal's colours, ring
# its bell, move its cursor or turn its text around when it is shown, nor land in a file or tag.
ESCAPE_SEQUENCE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary_name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.chmod(temporary_name, 0o666 & ~current_umask())  # mkstemp makes it private
        os.replace(temporary_name, path)
    except BaseException:
        Path(temporary_name).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def user_path(text: str) -> Path:
    """A path typed on the command line. "~" is expanded here too: the shell does not expand it
    after "=" (`--out=~/music`), and a folder named "~" is never what was meant."""
    return Path(text).expanduser()


def slugify(text: str, limit: int = 48) -> str:
    """A file-name-safe form of a title: 'Blue Moon (Reel)!' → 'blue-moon-reel'."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "song"


def progress_bar(fraction: float, width: int = 30) -> str:
    """'[##########--------------------]': a text progress bar."""
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "[" + "#" * filled + "-" * (width - filled) + "]"


def human_bytes(count: float) -> str:
    """'4.1 GB', '512.0 KB', '17 B' (decimal units, as the Hugging Face pages show sizes)."""
    for unit in ("B", "KB", "MB"):
        if abs(count) < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"


def duration(seconds: float) -> str:
    """MM:SS, or H:MM:SS from an hour up (a large download can take hours)."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def plural(count: int, noun: str, nouns: str | None = None) -> str:
    """'1 play', '2 plays', '0 plays'; `nouns` where the plural is not noun + 's'."""
    return f"{count} {noun if count == 1 else nouns or noun + 's'}"


def printable(text: str) -> str:
    """`text` without escape sequences and control characters; a tab or a line break becomes a
    space, so words do not run together."""
    if text.isprintable():  # the usual case, and much faster than the patterns
        return text
    text = ESCAPE_SEQUENCE.sub("", text)
    return CONTROL_CHARACTER.sub(lambda match: " " if match[0] in "\t\n\r" else "", text)


def show(text: str, stream=None) -> None:
    """Print text that came from a user, a model, a server or a file: each line printable()."""
    lines = (printable(line) for line in str(text).split("\n"))
    print("\n".join(lines), file=stream or sys.stdout, flush=True)


def json_line(value) -> str:
    """One JSON line to print: non-ASCII text kept, but no control character left raw (json
    escapes C0 only; C1 and the bidirectional controls are escaped here too)."""
    text = json.dumps(value, ensure_ascii=False)
    return CONTROL_CHARACTER.sub(lambda match: f"\\u{ord(match[0]):04x}", text)


def unsafe_characters(text: str) -> bool:
    """The text holds an escape sequence or a control character."""
    return bool(CONTROL_CHARACTER.search(text))


class LiveLine:
    """Progress on a stream: one line redrawn in place on a terminal, whole lines for a log."""

    def __init__(self, stream):
        self.stream, self.live = stream, stream.isatty()

    def show(self, line: str, to_log: bool) -> None:
        """Redraw `line` on a terminal; write it as a line of its own when `to_log`."""
        import shutil

        line = printable(line)
        if self.live:
            width = shutil.get_terminal_size().columns
            self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        elif to_log:
            self.stream.write(line + "\n")
        self.stream.flush()

    def end_line(self) -> None:
        if self.live:
            self.stream.write("\n")
            self.stream.flush()
