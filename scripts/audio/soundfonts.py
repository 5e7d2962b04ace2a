"""Which SoundFont renders the songs: the user's, else a General MIDI one installed on the system,
else the small one bundled with the app (TimGM6mb)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from scripts import temporary
from scripts.audio.audio_render import default_soundfont
from scripts.audio.soundfont_tuning import in_tune


@dataclass(frozen=True)
class SoundFontChoice:
    path: Path  # the file the synth loads: `source`, or its retuned copy
    name: str  # what the sidecar and Options show: "MuseScore General", "TimGM6mb (bundled)"
    source: Path  # the SoundFont as found or set


def system_folders() -> list[Path]:
    """Where Linux packages, macOS and Windows installs (and MuseScore) put GM SoundFonts."""
    home = Path.home()
    if sys.platform == "win32":
        roots = [os.environ.get(name) for name in ("ProgramFiles", "ProgramFiles(x86)")]
        programs = [Path(root) for root in roots if root]
        return [
            Path("C:/soundfonts"),
            Path("C:/SoundFonts"),
            *(root / app / "sound" for root in programs for app in ("MuseScore 3", "MuseScore 4")),
            home / "Documents" / "MuseScore3" / "SoundFonts",
            home / "Documents" / "MuseScore4" / "SoundFonts",
            home / "AppData" / "Local" / "symusic" / "soundfont",  # symusic's download
        ]
    if sys.platform == "darwin":
        return [
            home / "Library" / "Audio" / "Sounds" / "Banks",
            Path("/Library/Audio/Sounds/Banks"),
            Path("/opt/homebrew/share/soundfonts"),
            Path("/usr/local/share/soundfonts"),
            home / "Documents" / "MuseScore3" / "SoundFonts",
            home / "Library" / "Application Support" / "soundfont",  # symusic's download
        ]
    data = Path(os.environ.get("XDG_DATA_HOME") or home / ".local" / "share")
    return [
        Path("/usr/share/sounds/sf3"),
        Path("/usr/share/sounds/sf2"),
        Path("/usr/share/soundfonts"),
        Path("/usr/local/share/soundfonts"),
        Path("/usr/share/mscore3/sound"),
        data / "soundfonts",
        data / "sounds" / "sf2",
        data / "soundfont",  # symusic's own download of MuseScore_General
    ]


def is_soundfont(path: Path) -> bool:
    """A RIFF file of form 'sfbk': SoundFont 2, and SoundFont 3 (the same with Ogg samples)."""
    try:
        with path.open("rb") as file:
            head = file.read(12)
    except OSError:
        return False
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"sfbk"


def _listing(folder: Path) -> dict[str, Path]:
    try:
        return {entry.name.lower(): Path(entry.path) for entry in os.scandir(folder)}
    except OSError:
        return {}


def find_system_soundfont(folders: Sequence[Path] | None = None) -> tuple[Path, str] | None:
    """The best General MIDI SoundFont in `folders` (the system's by default) and its name."""
    listings = [_listing(folder) for folder in (system_folders() if folders is None else folders)]
    names = {file.lower(): label for file, label in temporary.SOUNDFONT_CANDIDATES}
    for file_name, name in temporary.SOUNDFONT_CANDIDATES:
        for listing in listings:
            path = listing.get(file_name.lower())
            if path is not None and path.is_file() and is_soundfont(path):
                real = path.resolve()  # Debian links MuseScore_General.sf3 to the Lite one
                return real, names.get(real.name.lower(), name)
    return None


def choose_soundfont(
    user_path: str | Path | None,
    folders: Sequence[Path] | None = None,
    cache: Path = temporary.SOUNDFONT_CACHE_DIR,
) -> SoundFontChoice:
    """The user's SoundFont when one is set (even a missing one: the render then says it is not
    found), else the system's best, else the bundled TimGM6mb; through a retuned copy in `cache`
    where symusic would play it off pitch (scripts/audio/soundfont_tuning.py)."""
    if user_path:
        source = Path(user_path).expanduser()
        name = source.name
    else:
        found = find_system_soundfont(folders)
        source, name = found or (default_soundfont(), temporary.BUNDLED_SOUNDFONT_NAME)
    try:
        path = in_tune(source, cache) if source.is_file() else source
    except (OSError, ValueError) as error:
        # Off pitch is better than no sound: the original plays, and the name says why.
        path, name = source, f"{name} (not retuned: {error})"
    return SoundFontChoice(path, name, source)
