"""The MP3 encoder (ffmpeg fed from a pipe): tags, the true-peak check after decoding, and the
errors a user can meet (a full disk, a folder that is gone)."""

import errno
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3

from scripts import temporary
from scripts.audio.audio_render import AudioError, decoded_true_peak, write_mp3

RATE = 44100


def loud_master(seconds: float = 4.0) -> np.ndarray:
    """A square wave up to 20 kHz whose samples sit at the ceiling: the encoder's low-pass rings
    it 1 dB over (the first encoding decodes at about +0.2 dBTP)."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave = sum(np.sin(2 * np.pi * 110 * k * t) / k for k in range(1, 181, 2))
    wave /= np.abs(wave).max()
    wave *= 10 ** (temporary.TRUE_PEAK_CEILING_DBTP / 20)
    return np.stack([wave, np.roll(wave, 50)]).astype(np.float32)


def test_tags_and_length(tmp_path):
    target = tmp_path / "song.mp3"
    tags = {"title": "Ünïcode title", "artist": "Anchor Pinecone", "album": "House"}
    seconds = write_mp3(loud_master(2.0), RATE, target, tags, "128k")
    assert seconds == pytest.approx(2.0)
    tag = ID3(str(target))
    assert tag.version[:2] == (2, int(temporary.ID3_VERSION))
    assert str(tag["TIT2"]) == "Ünïcode title"
    assert str(tag["TPE1"]) == "Anchor Pinecone"


def test_decoded_peak_stays_under_the_ceiling(tmp_path):
    """Written at the ceiling, the decoded file would pass it: it is encoded again quieter."""
    target = tmp_path / "loud.mp3"
    write_mp3(loud_master(), RATE, target, {}, "128k")
    assert decoded_true_peak(target) <= temporary.TRUE_PEAK_CEILING_DBTP


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_full_disk_is_an_os_error():
    with pytest.raises(OSError) as raised:
        write_mp3(loud_master(1.0), RATE, Path("/dev/full"), {}, "128k")
    assert raised.value.errno == errno.ENOSPC


def test_missing_folder_is_one_clean_line(tmp_path):
    with pytest.raises(AudioError) as raised:
        write_mp3(loud_master(1.0), RATE, tmp_path / "gone" / "x.mp3", {}, "128k")
    message = str(raised.value)
    assert "\n" not in message and "No such file" in message
    assert "@ 0x" not in message  # ffmpeg's internal context prefix is cut
