"""Reading the files the app is given or keeps: bounded before anything is read.

Every JSON file the app loads (settings, the library index and the sidecars, style files, the
jukebox's resume state, the model catalog, an own model's record) goes through `read_json`: a
size bound checked before reading, a nesting-depth bound checked before parsing (a deeply nested
file would otherwise overflow the parser's stack), a bound on the digits of a number, and one
error, InputFileError, for every way a file can be bad, so each reader has one recovery path.
"""

from __future__ import annotations

import json
import os
import re
import stat
import time
from itertools import accumulate
from pathlib import Path

from scripts import temporary

JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
BRACKET_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class InputFileError(ValueError):
    """The file cannot be used. str() says why in words, without the path (the caller names
    the file); `missing` tells a file that is not there from a bad one."""

    def __init__(self, reason: str, missing: bool = False):
        super().__init__(reason)
        self.missing = missing


def megabytes(count: int) -> str:
    return f"{count / 1_000_000:.0f} MB"


def read_bytes(path: Path, limit: int, regular_only: bool = True) -> bytes:
    """The file's bytes, at most `limit` of them. Its size is checked before it is read, and no
    more than `limit` + 1 bytes are ever read (a device or a pipe says no size). A folder, and
    unless `regular_only` is False a FIFO or a device (reading one can block or never end),
    are refused."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InputFileError("does not exist", missing=True) from None
    except OSError as error:
        raise InputFileError(f"cannot be read: {error.strerror or error}") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputFileError("is a folder, not a file")
    if regular_only and not stat.S_ISREG(info.st_mode):
        raise InputFileError("is not a regular file")
    if info.st_size > limit:
        raise InputFileError(f"{megabytes(info.st_size)} is too large (at most {megabytes(limit)})")
    try:
        with path.open("rb") as stream:
            data = stream.read(limit + 1)
    except OSError as error:
        raise InputFileError(f"cannot be read: {error.strerror or error}") from None
    if len(data) > limit:
        raise InputFileError(f"too large (over {megabytes(limit)})")
    return data


def nesting_depth(text: str) -> int:
    """How deep the JSON text's arrays and objects nest (brackets inside strings not counted)."""
    brackets = NOT_A_BRACKET.sub("", JSON_STRING.sub("", text))
    return max(accumulate(map(BRACKET_STEP.__getitem__, brackets)), default=0)


def bounded_int(digits: str) -> int:
    if len(digits.lstrip("-")) > temporary.JSON_MAX_DIGITS:
        raise InputFileError(f"holds a number of {len(digits.lstrip('-'))} digits")
    return int(digits)


def parse_json(text: str) -> object:
    """JSON text as Python values, within the depth and number bounds; InputFileError else."""
    if nesting_depth(text) > temporary.JSON_MAX_DEPTH:
        raise InputFileError(f"nests deeper than {temporary.JSON_MAX_DEPTH} levels")
    try:
        return json.loads(text, parse_int=bounded_int)
    except InputFileError:
        raise
    except json.JSONDecodeError as error:
        raise InputFileError(f"is not valid JSON (line {error.lineno}: {error.msg})") from None
    except (ValueError, RecursionError) as error:
        raise InputFileError(f"is not valid JSON ({error})") from None


def read_json(path: Path, limit: int = temporary.JSON_MAX_BYTES) -> object:
    """A JSON file's value (a byte-order mark, as Windows Notepad writes, is fine)."""
    data = read_bytes(path, limit)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputFileError("is not UTF-8 text") from None
    return parse_json(text)


def move_aside(path: Path) -> Path:
    """Keep a file the app cannot use (it may hold the user's work) beside it, as
    NAME.corrupt-DATE-TIME.bak, never replacing an earlier backup: a second bad file in the same
    second gets "-2", then "-3". Returns the backup's path; OSError when it cannot be moved."""
    stem = f"{path.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
    backup, number = path.with_name(f"{stem}.bak"), 2
    while backup.exists() or backup.is_symlink():
        backup, number = path.with_name(f"{stem}-{number}.bak"), number + 1
    os.replace(path, backup)
    return backup
