"""The mastering stage: the summed mix → a master ready to encode, by a producer's steps.

1. DC blocked (a high-pass under the audible band): a SoundFont's pads can carry a large offset.
2. Section levels: each section sits under the loudest by its energy times the style's
   `section_db`, so a drop or a chorus is louder than a breakdown after the master.
3. Gain staging: the mix is brought to temporary.STAGING_LUFS before the style's master chain, so
   a compressor's threshold means the same in every song whatever the SoundFont's level.
4. The style's master chain (glue compression, colour), then the loudness target: a static gain
   to the style's integrated loudness (BS.1770), and a true-peak limiter under the ceiling.
5. The ending rings out: from the last chord on, the sound decays to silence instead of stopping.
The encoded MP3 is checked again after decoding (scripts/audio/audio_render.write_mp3).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pedalboard

from scripts import temporary
from scripts.audio import loudness


@dataclass(frozen=True)
class MasterPlan:
    lufs: float  # integrated loudness target
    sections: Sequence[tuple[float, float]] = ()  # (start in seconds, gain in dB), in order
    last_chord_s: float | None = None  # when the final chord starts: the ending rings from it
    balance: Mapping[str, float] | None = None  # role → LU (ROLE_BALANCE_LU); None: as played
    ceiling_dbtp: float = temporary.TRUE_PEAK_CEILING_DBTP


def _in_blocks(pcm: np.ndarray, step: Callable[[np.ndarray, int], np.ndarray]) -> None:
    """`step(block, start)` over `pcm` a block at a time, in place (no copy of the whole mix)."""
    block = temporary.MASTER_BLOCK
    for start in range(0, pcm.shape[1], block):
        piece = pcm[:, start : start + block]
        piece[:] = step(piece, start)


def _gain_curve(pcm: np.ndarray, positions: np.ndarray, gains: np.ndarray) -> None:
    """Multiply `pcm` in place by the gain interpolated between (sample position, gain) points."""

    def apply(piece: np.ndarray, start: int) -> np.ndarray:
        at = np.arange(start, start + piece.shape[1])
        return piece * np.interp(at, positions, gains).astype(np.float32)

    _in_blocks(pcm, apply)


def remove_spikes(pcm: np.ndarray) -> None:
    """The synthesizer can blow up for a moment (a click tens of thousands of times louder than
    the music, seen with some voices of abcm2ps's examples) or write NaN: clip such a spike so
    that it does not decide the song's level."""
    _in_blocks(pcm, lambda piece, _: np.nan_to_num(piece, nan=0.0, posinf=0.0, neginf=0.0))
    ceiling = float(np.percentile(np.abs(pcm[:, :: temporary.SPIKE_SAMPLE_STEP]), 99.9))
    ceiling *= temporary.SPIKE_RATIO
    _in_blocks(pcm, lambda piece, _: np.clip(piece, -ceiling, ceiling))


def block_dc(pcm: np.ndarray, sample_rate: int) -> None:
    """A high-pass at temporary.DC_BLOCK_HZ, twice (12 dB an octave), in place."""
    cutoff = temporary.DC_BLOCK_HZ
    board = pedalboard.Pedalboard(
        [pedalboard.HighpassFilter(cutoff), pedalboard.HighpassFilter(cutoff)]
    )
    _in_blocks(pcm, lambda piece, _: board(piece, sample_rate, reset=False))


def section_gains(
    pcm: np.ndarray, sample_rate: int, sections: Sequence[tuple[float, float]]
) -> None:
    """Each section's gain from its start on, with a short ramp between them (no click)."""
    if not sections:
        return
    times = []
    gains = []
    ramp = temporary.SECTION_RAMP_S
    for start, gain_db in sections:
        times += [start, start + ramp]
        gains += [gains[-1] if gains else gain_db, gain_db]
    _gain_curve(pcm, np.asarray(times) * sample_rate, 10 ** (np.asarray(gains) / 20))


def to_loudness(pcm: np.ndarray, sample_rate: int, target: float) -> float:
    """Scale `pcm` in place to `target` LUFS; returns the gain in dB (0 for silence)."""
    measured = loudness.integrated(pcm, sample_rate)
    if not math.isfinite(measured):
        return 0.0
    gain = target - measured
    pcm *= np.float32(10 ** (gain / 20))
    return gain


def limit(pcm: np.ndarray, sample_rate: int, ceiling_dbtp: float) -> float:
    """A look-ahead true-peak limiter, in place: the gain falls before each peak that would pass
    the ceiling (between samples too) and recovers at temporary.LIMITER_RELEASE_DB_S. Returns
    the largest gain reduction in dB."""
    block = temporary.LIMITER_BLOCK
    ceiling = 10 ** (ceiling_dbtp / 20)
    # Only where samples come within 6 dB of the ceiling can a point between them pass it.
    peaks = np.maximum.reduce([loudness.block_peaks(c, block, ceiling / 2) for c in pcm])
    with np.errstate(divide="ignore"):
        needed = np.maximum(0.0, 20 * np.log10(peaks / ceiling))
    if not needed.any():
        return 0.0
    # Look ahead: a block's reduction starts `ahead` blocks early and ramps in (the running mean
    # of the running maximum is still at least what each block needs).
    ahead = max(1, round(temporary.LIMITER_ATTACK_S * sample_rate / block))
    padded = np.concatenate([needed, np.zeros(ahead)])
    reach = np.max([padded[shift : shift + len(needed)] for shift in range(ahead + 1)], axis=0)
    ramped = np.convolve(reach, np.ones(ahead + 1) / (ahead + 1))[: len(needed)]
    # Release: the reduction falls back linearly in dB, never under what a block needs.
    fall = temporary.LIMITER_RELEASE_DB_S * block / sample_rate
    steps = np.arange(len(needed)) * fall
    reduction = np.maximum.accumulate(ramped + steps) - steps + temporary.LIMITER_MARGIN_DB
    # The gain is interpolated between blocks' centres: a block's neighbours reduce as much.
    reduction[1:] = np.maximum(reduction[1:], reduction[:-1])
    reduction[:-1] = np.maximum(reduction[:-1], reduction[1:].copy())
    _gain_curve(pcm, (np.arange(len(needed)) + 0.5) * block, 10 ** (-reduction / 20))
    return float(reduction.max())


def ring_out(pcm: np.ndarray, sample_rate: int, last_chord_s: float | None) -> None:
    """The ends of the song, in place: a short fade-in at the start; from half-way between the
    last chord and the end of the sound, an exponential decay that reaches
    temporary.ENDING_FLOOR_DB at the end."""
    length = pcm.shape[1]
    fade_in = min(length, sample_rate * temporary.FADE_IN_MS // 1000)
    pcm[:, :fade_in] *= np.linspace(0.0, 1.0, fade_in, dtype=np.float32)
    start = round((last_chord_s or 0.0) * sample_rate)
    start = min(max(start, length - round(temporary.ENDING_MAX_S * sample_rate)), length - 1)
    hold = (length - start) // 2
    decay = length - start - hold
    if decay > 0:
        floor = temporary.ENDING_FLOOR_DB
        curve = 10 ** (np.linspace(0.0, floor, decay, dtype=np.float32) / 20)
        pcm[:, start + hold :] *= curve


def run_chain(pcm: np.ndarray, chain) -> np.ndarray:
    """`chain(block, start)` over `pcm` in place (None: nothing); returns `pcm`."""
    if chain is not None:
        _in_blocks(pcm, lambda piece, start: chain(piece.copy(), start))
    return pcm


def master(pcm: np.ndarray, sample_rate: int, plan: MasterPlan, chain=None) -> np.ndarray:
    """The steps above on the mix `pcm` (2, n), in place; `chain(block, start)` is the style's
    master chain. Returns the master (float32, full scale 1.0)."""
    remove_spikes(pcm)  # the mixdown has refused a silent mix already
    block_dc(pcm, sample_rate)
    section_gains(pcm, sample_rate, plan.sections)
    to_loudness(pcm, sample_rate, temporary.STAGING_LUFS)
    run_chain(pcm, chain)
    ring_out(pcm, sample_rate, plan.last_chord_s)
    # Limiting takes some loudness: each pass wins it back, until a pass moves it by less than
    # the tolerance (which the encoder headroom absorbs).
    ceiling = plan.ceiling_dbtp - temporary.ENCODER_HEADROOM_DB
    for _ in range(temporary.LOUDNESS_PASSES):
        moved = to_loudness(pcm, sample_rate, plan.lufs)
        limit(pcm, sample_rate, ceiling)  # last, always: nothing raises a peak after it
        if abs(moved) < temporary.LOUDNESS_TOLERANCE_LU:
            break
    return pcm
