"""The cost of the player's spectrum meter: Player.levels() while a song plays on miniaudio's
null device (its thread feeding in real time), beside a bare numpy rfft of the same size.

The UI calls levels() 10-20 times a second on its own thread; this says what share of a core
that takes. Also the device thread's work per callback: the meter's record of a block, and
reading the block from the song's stream (decoded as it plays) beside slicing it out of the
whole song decoded in memory (how the player worked before), with the memory each holds; and a
seek near the end of a 3-minute song: the call on the UI thread, and the time until it is in
place, beside opening the song there on the caller's thread.

Usage: .venv/bin/python bench/player.py [--calls N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import temporary  # noqa: E402
from scripts.audio.audio_render import write_mp3  # noqa: E402
from scripts.player.playback import MiniaudioPlayer, SpectrumMeter, Stream  # noqa: E402

RATE = temporary.PLAYBACK_SAMPLE_RATE
UI_RATE = 20  # levels() calls a second at the UI's fastest


def per_call_us(call, calls: int) -> float:
    """The best of three runs of `calls` calls, in microseconds a call."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, time.perf_counter() - start)
    return best / calls * 1e6


def song(folder: Path, seconds: int = 10) -> Path:
    t = np.arange(RATE * seconds) / RATE
    tone = 0.3 * np.sin(2 * np.pi * 440 * t) + 0.2 * np.sin(2 * np.pi * 3000 * t)
    path = folder / "bench.mp3"
    write_mp3(np.stack([tone, tone]), RATE, path, {"title": "bench"}, "128k")
    return path


def stream_reads(path: Path, frames: int) -> tuple[tuple[float, int], tuple[float, int]]:
    """(us a block, bytes allocated) reading `frames`-frame blocks through the song: from a
    Stream, and sliced out of the whole song decoded at once."""
    import miniaudio

    tracemalloc.start()
    stream = Stream.open(path)
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    blocks = stream.frames // frames
    start = time.perf_counter()
    while len(stream.read(frames)):
        pass
    streamed = (time.perf_counter() - start) / blocks * 1e6
    sound = miniaudio.decode_file(str(path), miniaudio.SampleFormat.SIGNED16, 2, RATE)
    whole = np.frombuffer(sound.samples, dtype=np.int16).reshape(-1, 2)
    start = time.perf_counter()
    for at in range(0, len(whole), frames):
        whole[at : at + frames].copy()
    sliced = (time.perf_counter() - start) / blocks * 1e6
    return (streamed, held), (sliced, whole.nbytes)


def seek_times(path: Path, player: MiniaudioPlayer, to: float) -> tuple[float, float, float]:
    """(ms the seek call takes on the UI thread, ms until it is in place, ms opening the song
    at that place on the caller's thread: how a seek worked before)."""
    player.load(path)
    start = time.perf_counter()
    player.seek(to)
    called = time.perf_counter() - start
    while player.seeking:
        time.sleep(0.001)
    landed = time.perf_counter() - start
    start = time.perf_counter()
    Stream.open(path).at(round(to * RATE)).close()
    return called * 1e3, landed * 1e3, (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    calls = parser.parse_args().calls
    import miniaudio

    frames = np.random.default_rng(1).standard_normal(temporary.METER_FRAMES)
    baseline = per_call_us(lambda: np.fft.rfft(frames), calls)
    block = np.zeros((RATE * temporary.PLAYBACK_PERIOD_MS // 1000, 2), dtype=np.int16)
    meter = SpectrumMeter()
    record = per_call_us(lambda: meter.record(block), calls)

    with tempfile.TemporaryDirectory() as folder:
        player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL])
        try:
            player.load(song(Path(folder)))
            player.play()
            time.sleep(0.3)  # the device has sent audio: the meter reads music, not zeros
            results = {
                bands: per_call_us(lambda b=bands: player.levels(b), calls)
                for bands in (16, 32, 64)
            }
        finally:
            player.close()
        reads = stream_reads(song(Path(folder)), len(block))
        player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL])
        try:
            seeks = seek_times(song(Path(folder), 180), player, 170.0)
        finally:
            player.close()

    print(f"meter over {temporary.METER_FRAMES} frames, {calls} calls, best of 3")
    print(f"  baseline np.fft.rfft({temporary.METER_FRAMES}) : {baseline:8.1f} us/call")
    for bands, us in results.items():
        share = us * UI_RATE / 1e4  # percent of one core at UI_RATE calls a second
        print(
            f"  Player.levels({bands:2d})          : {us:8.1f} us/call "
            f"({us / baseline:.1f}x rfft, {share:.2f}% of a core at {UI_RATE}/s)"
        )
    print(f"  record() of a {len(block)}-frame block : {record:8.1f} us/callback (device thread)")
    (streamed, held), (sliced, whole) = reads
    print(
        f"  a {len(block)}-frame block from the stream : {streamed:8.1f} us/callback, "
        f"{held / 1024:.0f} kB held\n"
        f"  baseline, sliced from the whole song: {sliced:8.1f} us/callback, "
        f"{whole / 1024:.0f} kB held"
    )
    called, landed, before = seeks
    print(
        f"  seek to 2:50 of a 3:00 song : the call {called:.2f} ms (UI thread), in place after "
        f"{landed:.0f} ms\n  baseline, opened at 2:50 on the caller's thread: {before:.0f} ms"
    )


if __name__ == "__main__":
    main()
