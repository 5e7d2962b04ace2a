"""A large song library made without the model: sidecars shaped like the pipeline's, with
invented artists (scripts/song/identity.py), play counts and lyrics, one real MP3 linked under every
song's name, and the index written by SongLibrary itself. For the jukebox's scale tests and
bench/library.py (the issue allows the MP3s to be one file)."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import numpy as np

from scripts.audio.audio_render import write_mp3
from scripts.library.song_library import SongLibrary
from scripts.song import identity

STYLES = ("Jazz", "Reggae", "House", "Waltz", "Sea shanty", "Trap", "Bossa nova", "Metal")
SONGS_PER_ARTIST = 8  # a batch's artist makes several songs
LYRIC_EVERY = 3  # one song in three has lyrics


def melody_mp3(path: Path, seconds: float = 30.0) -> Path:
    """Notes a quarter second long, low and high in turn (a level meter has something to show),
    encoded by the app's own MP3 writer."""
    rate = 22050
    time = np.arange(int(rate * seconds)) / rate
    hertz = np.array([110, 880, 220, 1760, 165, 1320])[(time * 4).astype(int) % 6]
    tone = 0.4 * np.sin(2 * np.pi * hertz * time) * np.exp(-6 * (time % 0.25))
    write_mp3(np.stack([tone, tone]), rate, path, {"title": path.stem}, "64k")
    return path


def sidecar(number: int, rng: random.Random, seconds: float) -> tuple[str, dict]:
    artist = identity.invent_artist(number // SONGS_PER_ARTIST)
    title = identity.invent_title(number)
    styles = [STYLES[(number // SONGS_PER_ARTIST) % len(STYLES)]]
    stem = f"2026{number // 2000 + 1:02d}{number % 28 + 1:02d}-{number:06d}-song"
    lyrics = None
    if number % LYRIC_EVERY == 0:
        words = identity.invent_title(number + 10**6).lower()
        lyrics = [
            {"part": "Verse 1", "lines": [f"we sang of {words}", "under the harbour light"]},
            {"part": "Chorus", "lines": [f"oh {title.lower()}", "carry me home"]},
        ]
    return stem, {
        "title": title,
        "artist": artist["name"],
        "artist_members": artist["members"],
        "styles": styles,
        "arranged_as": f"{styles[0]} → {styles[0].lower()}",
        "model": "synthetic",
        "seed": number,
        "key": "G",
        "tempo": 96 + number % 60,
        "bars": 32,
        "duration_seconds": seconds,
        "created": f"2026-{number // 2000 + 1:02d}-{number % 28 + 1:02d}T"
        f"{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}",
        "lyrics": lyrics,
        "instrumental": lyrics is None,
        "plays": rng.randint(0, 40),  # read only from the index: put there below
    }


def make_library(folder: Path, count: int, seed: int = 1, seconds: float = 30.0) -> list[str]:
    """`count` songs in `folder` with a sound index, each `seconds` long; returns their ids,
    oldest first."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    mp3 = melody_mp3(folder / "melody.source", seconds)
    plays = {}
    for number in range(count):
        stem, record = sidecar(number, rng, seconds)
        plays[stem] = record.pop("plays")
        record["files"] = {ext: f"{stem}.{ext}" for ext in ("abc", "mid", "mp3")}
        (folder / f"{stem}.json").write_text(json.dumps(record, ensure_ascii=False))
        try:
            os.link(mp3, folder / f"{stem}.mp3")
        except OSError:  # a file system without hard links
            shutil.copyfile(mp3, folder / f"{stem}.mp3")
    mp3.unlink()
    library = SongLibrary(folder)
    songs = library.scan(plays)
    library.update(lambda _: songs)
    return [song.id for song in songs]
