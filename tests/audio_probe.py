"""Reading MP3 files back with the real ffmpeg, as a player would."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import numpy as np

PROBE_RATE = 22050


def decode(path: Path) -> np.ndarray:
    """Mono float samples at PROBE_RATE."""
    result = subprocess.run(
        [
            imageio_ffmpeg.get_ffmpeg_exe(),
            "-v",
            "error",
            "-i",
            str(path),
            "-f",
            "s16le",
            "-ac",
            "1",
            "-ar",
            str(PROBE_RATE),
            "-",
        ],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.float32) / 32768


def seconds_and_rms(path: Path) -> tuple[float, float]:
    samples = decode(path)
    return len(samples) / PROBE_RATE, float(np.sqrt(np.mean(samples**2)))


def tags(path: Path) -> dict[str, str]:
    """The ID3 tags ffmpeg reads from the file."""
    result = subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "ffmetadata", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(re.findall(r"^(\w+)=(.*)$", result.stdout, flags=re.M))
