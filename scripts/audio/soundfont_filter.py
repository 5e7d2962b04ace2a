"""FluidSynth's low-pass filter, baked into copies of the samples, for the SoundFont copy that
symusic's synth plays (it has no filter: zones that FluidSynth plays dark came out bright).

FluidSynth runs each voice through a 2-pole resonant low-pass at the zone's initialFilterFc,
moved by the modulation envelope. The copy filters a zone's sample once, at the cutoff its notes
have AT_S in, scaled to the zone's middle key (the error across a zone's keys is half its span in
pitch). Loops are filtered around themselves, so they stay seamless. The spec's velocity-to-
cutoff modulator is left out: with it (-510 cents at velocity 100) TimGM6mb's filtered programs
came out darker than FluidSynth 2.3.1 plays them (band error 0.10 against 0.074 without).
"""

from __future__ import annotations

import math

import numpy as np

OFF_HZ = 0.45  # FluidSynth's highest cutoff, of the output rate
OUTPUT_RATE = 44100
OCTAVE_STEPS = 4  # cutoffs are rounded to 1/4 octave, so zones can share a filtered sample
# Cutoffs above this leave under 1% of a typical zone's power to take away: not baked (a copy
# of every sample of FluidR3_GM would make a 600 MB SoundFont).
BAKE_BELOW_HZ = 8000.0
TAIL = 46  # zero samples after each sample (SoundFont 2.04)
AT_S = 0.25  # the modulation envelope is read here: the middle of a 0.5 s note


def mod_envelope(gens: dict[int, int]) -> float:
    """The modulation envelope's value AT_S into a note (0-1), as FluidSynth runs it: a linear
    attack, a hold, then a linear fall to the sustain over decay x (1 - sustain)."""
    seconds = [2.0 ** (gens.get(n, -12000) / 1200) for n in (25, 26, 27, 28)]
    delay, attack, hold, decay = seconds
    sustain = 1 - min(max(gens.get(29, 0), 0), 1000) / 1000
    at = AT_S - delay
    if at <= 0:
        return 0.0
    if at < attack:
        return at / attack
    at -= attack + hold
    if at <= 0:
        return 1.0
    return max(sustain, 1 - at / decay)


def cutoff(gens: dict[int, int], key: int, pitch: float, rate: int) -> tuple[int, int] | None:
    """(cutoff step, Q in cB) of a zone's filter in its sample's own time, or None when it
    passes everything. `pitch` is the semitones the zone's middle key plays above the sample."""
    if gens.get(11, 0) > 0 and 2.0 ** (gens.get(26, -12000) / 1200) > AT_S:
        return None  # a filter that opens slowly (a reverse cymbal): no one cutoff will do
    cents = gens.get(8, 13500) + mod_envelope(gens) * gens.get(11, 0)
    hertz = min(8.176 * 2 ** (cents / 1200), OFF_HZ * OUTPUT_RATE)
    # A component at f in the sample sounds at f x 2^(pitch/12): the cutoff, in the sample.
    omega = 2 * math.pi * hertz / 2 ** (pitch / 12) / rate
    if omega >= 0.9 * math.pi or hertz >= BAKE_BELOW_HZ:
        return None
    return round(math.log2(omega) * OCTAVE_STEPS), max(gens.get(9, 0), 0)


def response(step: int, q_cb: int, size: int) -> np.ndarray:
    """FluidSynth's low-pass (RBJ biquad, Q from cB less 3.01 dB, gain 1/sqrt(Q)) on an rfft
    grid of `size` points."""
    omega = min(2.0 ** (step / OCTAVE_STEPS), 0.95 * math.pi)
    q = 10 ** ((q_cb / 10 - 3.01) / 20)
    alpha = math.sin(omega) / (2 * q)
    cos = math.cos(omega)
    b1 = (1 - cos) / (1 + alpha) / math.sqrt(q)
    b0 = b2 = b1 / 2
    a1, a2 = -2 * cos / (1 + alpha), (1 - alpha) / (1 + alpha)
    z = np.exp(-1j * np.linspace(0, math.pi, size // 2 + 1))
    return (b0 + b1 * z + b2 * z**2) / (1 + a1 * z + a2 * z**2)


def _filtered(signal: np.ndarray, step: int, q_cb: int, circular: bool) -> np.ndarray:
    if circular:
        size = len(signal)
        return np.fft.irfft(np.fft.rfft(signal) * response(step, q_cb, size), size)
    size = 1 << (len(signal) + 4096).bit_length()
    return np.fft.irfft(np.fft.rfft(signal, size) * response(step, q_cb, size), size)[: len(signal)]


def lowpass(data: np.ndarray, loop: tuple[int, int] | None, step: int, q_cb: int) -> np.ndarray:
    """`data` (int16) filtered; a loop (start, end within data) in its steady state."""
    signal = data.astype(np.float64)
    out = _filtered(signal, step, q_cb, False)
    if loop is not None and loop[1] - loop[0] >= 8:
        start, end = loop
        out[start:end] = _filtered(signal[start:end], step, q_cb, True)
    return np.clip(np.round(out), -32768, 32767).astype("<i2")
