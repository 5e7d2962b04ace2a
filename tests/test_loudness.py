"""The meter's true peak, run by run, against the signal's own continuous peak (interpolated 16x
through its spectrum), on a signal long enough to cross many pieces of the work."""

import numpy as np

from scripts.audio import loudness

BLOCK = 32
FINE = 16  # the reference's points per sample
# 4x interpolation reads a peak up to 0.65 dB under the real one here, its filter's ripple up to
# 0.1 dB over (measured on this signal).
UNDER_DB, OVER_DB = 0.8, 0.2


def band_limited_noise(samples: int) -> np.ndarray:
    """Noise under 0.4 fs (17.6 kHz at 44.1 kHz: music after an MP3 encoder)."""
    rng = np.random.default_rng(11)
    spectrum = np.fft.rfft(rng.standard_normal(samples))
    spectrum[int(len(spectrum) * 0.8) :] = 0
    return (np.fft.irfft(spectrum, samples) * 0.3).astype(np.float32)


def continuous(signal: np.ndarray) -> np.ndarray:
    """|signal| at FINE points a sample, band-limited (periodic) interpolation."""
    spectrum = np.fft.rfft(signal.astype(np.float64))
    return np.abs(np.fft.irfft(spectrum, len(signal) * FINE) * FINE)


def within(fine: np.ndarray, start: float, end: float) -> float:
    return float(fine[max(0, round(start * FINE)) : round(end * FINE) + 1].max())


def check_runs(measured: np.ndarray, signal: np.ndarray, runs) -> None:
    fine = continuous(signal)
    for run in runs:
        first = run * BLOCK
        # A run covers the points from its sample before to its last sample's next quarter.
        wide = within(fine, first - 1.5, first + BLOCK + 0.5)
        narrow = within(fine, first - 0.5, first + BLOCK - 0.5)
        assert measured[run] <= wide * 10 ** (OVER_DB / 20) + 1e-3, run
        assert measured[run] >= narrow * 10 ** (-UNDER_DB / 20) - 1e-3, run


def test_every_runs_peak_is_the_signals_between_its_samples():
    signal = band_limited_noise(1 << 19)  # 12 s at 44.1 kHz: many pieces, many runs
    measured = loudness.block_peaks(signal, BLOCK)
    check_runs(measured, signal, range(1, len(measured) - 1))


def test_runs_far_under_the_floor_keep_their_sample_peak_and_the_rest_are_exact():
    signal = band_limited_noise(1 << 17)
    signal[: 1 << 16] *= 0.1  # a quiet first half: nothing there comes near the floor
    floor = float(np.abs(signal).max()) / 2
    exact = loudness.block_peaks(signal, BLOCK)
    floored = loudness.block_peaks(signal, BLOCK, floor)
    loud = exact >= 2 * floor  # 6 dB over the floor: always measured between the samples
    assert loud.any() and np.array_equal(floored[loud], exact[loud])
    assert (floored <= exact + 1e-6).all()
    quiet = slice(1, (1 << 16) // BLOCK - 1)
    assert (floored[quiet] < floor).all()  # not interpolated, and under the floor
    assert abs(loudness.true_peak(np.stack([signal, signal])) - 20 * np.log10(exact.max())) < 1e-6
