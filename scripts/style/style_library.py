"""The style library: one JSON file per style (data/styles/README.md), checked when it is loaded.

A file with a mistake is skipped and reported in one line (which file, what is wrong); the rest of
the library loads. A user's styles folder is read after the shipped one, and a style there with a
shipped style's name replaces it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from scripts import temporary
from scripts.input_files import InputFileError, read_json
from scripts.style.style_schema import StyleError, StyleSpec, build, check, merge


class StyleData:
    """A style or a blend of styles, as its typed `spec` plays it."""

    spec: StyleSpec

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def label(self) -> str:
        return self.spec.label


@dataclass(frozen=True)
class Style(StyleData):
    """A checked style (data/styles/README.md): typed, as in its file, and where it came from."""

    spec: StyleSpec
    data: dict
    source: str

    def variant(self, name: str) -> Style:
        """The style as a variant of it plays it ('jig' of folk: 6/8)."""
        for variant in self.spec.variants:
            if name in (n.lower() for n in variant.names):
                merged = merge(self.data, variant.overrides)
                return Style(build(StyleSpec, merged), merged, self.source)
        return self

    def names(self) -> list[str]:
        """Everything a user may type for this style, variants included."""
        names = [self.name.replace("_", " "), self.label, *self.spec.synonyms]
        return names + [n for v in self.spec.variants for n in v.names]


@dataclass
class StyleLibrary:
    styles: dict[str, Style] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # one line per file that was skipped

    def __contains__(self, name: str) -> bool:
        return name in self.styles

    def __getitem__(self, name: str) -> Style:
        return self.styles[name]

    def names(self) -> list[str]:
        return sorted(self.styles)


def read_style(path: Path) -> Style:
    try:
        data = read_json(path)
    except InputFileError as error:
        raise StyleError(str(error)) from None
    style = Style(check(data), data, str(path))
    if style.name != path.stem:
        raise StyleError(f"its name {style.name!r} differs from the file name {path.stem!r}")
    return style


def load_folder(folder: Path, library: StyleLibrary) -> None:
    try:
        paths = sorted(folder.glob(f"*{temporary.STYLE_FILE_SUFFIX}"))
    except OSError as error:
        library.problems.append(f"{folder}: cannot be read: {error.strerror or error}")
        return
    for path in paths:
        try:
            style = read_style(path)
        except StyleError as error:
            library.problems.append(f"{path.name}: {error} (skipped)")
            continue
        library.styles[style.name] = style


def load_library(user_folder: Path | None = None) -> StyleLibrary:
    """The shipped styles, then the user's (which may replace them by name)."""
    library = StyleLibrary()
    load_folder(temporary.STYLES_DIR, library)
    # realpath, not Path.resolve: that raises on a folder that is a symbolic link loop
    if user_folder is not None and os.path.realpath(user_folder) != os.path.realpath(
        temporary.STYLES_DIR
    ):
        try:
            is_folder = stat.S_ISDIR(user_folder.stat().st_mode)
        except FileNotFoundError:
            is_folder = None  # not made yet: the user has no styles of their own
        except OSError as error:
            is_folder = None
            library.problems.append(
                f"{user_folder}: the styles folder cannot be read: {error.strerror or error}"
            )
        if is_folder:
            load_folder(user_folder, library)
        elif is_folder is False:
            library.problems.append(f"{user_folder}: the styles folder is not a folder")
    if temporary.FALLBACK_STYLE not in library.styles and library.styles:
        library.problems.append(
            f"no style named {temporary.FALLBACK_STYLE!r}: unknown styles play as "
            f"{min(library.styles)}"
        )
    return library
