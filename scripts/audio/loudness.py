"""A loudness meter after ITU-R BS.1770-4 / EBU R 128: integrated loudness (LUFS), short-term
loudness and true peak (dBTP), for stereo float samples of shape (2, n).

The K-weighting filter (a high shelf and a high-pass, as biquads designed for the sample rate) is
applied as an FIR: its impulse response, cut where it has died away, convolved by FFT in chunks.
That keeps the meter in numpy, fast and within a chunk's memory, without a C filter library.
True peak is the peak of the signal interpolated 4x (band-limited, by FFT, in overlapping chunks),
as the standard's Annex 2 asks.
"""

from __future__ import annotations

import math

import numpy as np

from scripts import temporary

# BS.1770's pre-filter (high shelf) and RLB high-pass as analogue prototypes: centre frequency,
# gain and Q; the biquads are designed from them for any sample rate (bilinear transform).
_SHELF_HZ, _SHELF_DB, _SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
_HIGHPASS_HZ, _HIGHPASS_Q = 38.13547087602444, 0.5003270373238773
_IMPULSE = 1 << 12  # samples of the filter's impulse response kept (its tail is below 1e-10)
_ABSOLUTE_GATE = -70.0
_RELATIVE_GATE = -10.0
_OVERSAMPLE = 4
_FFT = 1 << 17  # FFT length of the filters: a chunk of signal and the filter's length fit in it
_PEAK_BLOCK = 1024
_HOT_RUNS = 4096  # runs interpolated at a time (memory)
SILENT = -math.inf


def _biquads(sample_rate: int) -> list[tuple[tuple[float, ...], tuple[float, ...]]]:
    k = math.tan(math.pi * _SHELF_HZ / sample_rate)
    vh = 10 ** (_SHELF_DB / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / _SHELF_Q + k * k
    shelf = (
        (
            (vh + vb * k / _SHELF_Q + k * k) / a0,
            2 * (k * k - vh) / a0,
            (vh - vb * k / _SHELF_Q + k * k) / a0,
        ),
        (2 * (k * k - 1) / a0, (1 - k / _SHELF_Q + k * k) / a0),
    )
    k = math.tan(math.pi * _HIGHPASS_HZ / sample_rate)
    a0 = 1 + k / _HIGHPASS_Q + k * k
    highpass = ((1.0, -2.0, 1.0), (2 * (k * k - 1) / a0, (1 - k / _HIGHPASS_Q + k * k) / a0))
    return [shelf, highpass]


def k_weighting_impulse(sample_rate: int) -> np.ndarray:
    """The K-weighting filter's impulse response at `sample_rate`."""
    signal = np.zeros(_IMPULSE)
    signal[0] = 1.0
    for (b0, b1, b2), (a1, a2) in _biquads(sample_rate):
        out = np.empty_like(signal)
        x1 = x2 = y1 = y2 = 0.0
        for index, x in enumerate(signal.tolist()):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            out[index] = y
            x2, x1, y2, y1 = x1, x, y1, y
        signal = out
    return signal


_IMPULSES: dict[int, np.ndarray] = {}


def fir_chunks(channel: np.ndarray, impulses: list[np.ndarray], chunk: int):
    """`channel` through each FIR filter of `impulses` (causal: the outputs keep their delay),
    by FFT with overlap-add: yields, for each piece of `chunk` samples (the last may be
    shorter), the filters' outputs, so a song is never held filtered whole."""
    size = 1 << math.ceil(math.log2(chunk + max(len(impulse) for impulse in impulses)))
    responses = [np.fft.rfft(impulse.astype(np.float32), size) for impulse in impulses]
    carries = [np.zeros(0, dtype=np.float32)] * len(impulses)
    for start in range(0, len(channel), chunk):
        spectrum = np.fft.rfft(channel[start : start + chunk].astype(np.float32), size)
        length = min(chunk, len(channel) - start)
        outputs = []
        for index, response in enumerate(responses):
            piece = np.fft.irfft(spectrum * response, size)
            piece[: len(carries[index])] += carries[index]
            carries[index] = piece[length:]
            outputs.append(piece[:length])
        yield outputs


def _weighted_power(channel: np.ndarray, sample_rate: int, step: int) -> np.ndarray:
    """Sum of squares of the K-weighted channel in consecutive runs of `step` samples."""
    if sample_rate not in _IMPULSES:
        _IMPULSES[sample_rate] = k_weighting_impulse(sample_rate)
    sums = []
    for (piece,) in fir_chunks(channel, [_IMPULSES[sample_rate]], (_FFT - _IMPULSE) // step * step):
        runs = len(piece) // step
        squares = piece[: runs * step].reshape(runs, step)
        sums.append(np.einsum("ij,ij->i", squares, squares))
    return np.concatenate(sums) if sums else np.zeros(0)


def _block_powers(pcm: np.ndarray, sample_rate: int, block_s: float) -> np.ndarray:
    """Mean K-weighted power, summed over the channels, of blocks `block_s` long that start
    every 100 ms (BS.1770's gating blocks overlap by 75% for 400 ms)."""
    step = round(sample_rate * temporary.LOUDNESS_STEP_S)
    per_block = round(block_s / temporary.LOUDNESS_STEP_S)
    steps = sum(_weighted_power(channel, sample_rate, step) for channel in pcm)
    if len(steps) < per_block:
        return np.zeros(0)
    sums = np.convolve(steps, np.ones(per_block), mode="valid")
    return sums / (per_block * step)


def _lufs(power) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else SILENT


def integrated(pcm: np.ndarray, sample_rate: int) -> float:
    """Integrated (gated) loudness in LUFS; -inf for silence or audio under 400 ms."""
    powers = _block_powers(pcm, sample_rate, temporary.LOUDNESS_BLOCK_S)
    loud = powers[powers > 10 ** ((_ABSOLUTE_GATE + 0.691) / 10)]
    if not len(loud):
        return SILENT
    gate = _lufs(loud.mean()) + _RELATIVE_GATE
    return _lufs(loud[loud > 10 ** ((gate + 0.691) / 10)].mean())


def short_term(pcm: np.ndarray, sample_rate: int) -> np.ndarray:
    """Short-term loudness (3 s windows) every 100 ms, in LUFS (-inf where silent)."""
    powers = _block_powers(pcm, sample_rate, temporary.SHORT_TERM_S)
    with np.errstate(divide="ignore"):
        return -0.691 + 10 * np.log10(powers)


def loudness_range(pcm: np.ndarray, sample_rate: int) -> float:
    """EBU Tech 3342's loudness range (LU): the spread between the 10th and 95th percentiles of
    the short-term loudness, gated at -70 LUFS and 20 LU under the gated mean."""
    levels = short_term(pcm, sample_rate)
    levels = levels[levels > _ABSOLUTE_GATE]
    if not len(levels):
        return 0.0
    gate = _lufs(np.mean(10 ** ((levels + 0.691) / 10))) - 20
    levels = levels[levels > gate]
    return float(np.percentile(levels, 95) - np.percentile(levels, 10))


def _interpolator() -> np.ndarray:
    """A 4x interpolation filter: a Kaiser-windowed sinc, its cut-off at the input's Nyquist."""
    taps = _OVERSAMPLE * temporary.TRUE_PEAK_TAPS_PER_PHASE
    t = (np.arange(taps) - (taps - 1) / 2) / _OVERSAMPLE
    return np.sinc(t) * np.kaiser(taps, temporary.TRUE_PEAK_KAISER_BETA)


def block_peaks(channel: np.ndarray, block: int, floor: float = 0.0) -> np.ndarray:
    """The largest magnitude of the channel interpolated 4x, in each run of `block` samples
    (and the sample before it: the interpolated points lie between samples). A run whose
    samples and its neighbours' all stay under `floor` gets its sample peak: a point between
    samples passes the samples around it by a few dB at most, so a caller asking about a level
    6 dB over `floor` loses nothing, and the filter runs only where the signal comes near it."""
    kernel = _interpolator()
    taps = len(kernel) // _OVERSAMPLE
    reach = round((len(kernel) - 1) / 2 / _OVERSAMPLE)  # samples after a point that shape it
    # Phase 0 of a windowed sinc is the samples themselves: only the points between are new.
    phases = np.stack([kernel[phase::_OVERSAMPLE][::-1] for phase in range(1, _OVERSAMPLE)], 1)
    runs = -(-len(channel) // block)
    peaks = np.zeros(runs)
    step = _HOT_RUNS * block  # a piece at a time: no temporary as long as the song
    for start in range(0, len(channel), step):
        piece = np.abs(channel[start : start + step])
        whole = len(piece) // block
        first = start // block
        peaks[first : first + whole] = piece[: whole * block].reshape(whole, block).max(axis=1)
        if len(piece) % block:
            peaks[first + whole] = piece[whole * block :].max()
    peaks[1:] = np.maximum(peaks[1:], np.abs(channel[block - 1 :: block][: runs - 1]))
    # A point between samples follows the samples around it, this run's and its neighbours'.
    near = peaks.copy()
    near[1:] = np.maximum(near[1:], peaks[:-1])
    near[:-1] = np.maximum(near[:-1], peaks[1:])
    hot = np.flatnonzero(near >= floor)
    # Each hot run as its points' windows of `taps` samples, from the sample before the run on.
    offsets = np.arange(block + taps) - (taps - reach)
    kernels = phases.astype(np.float32)
    for first in range(0, len(hot), _HOT_RUNS):
        runs_here = hot[first : first + _HOT_RUNS]
        at = runs_here[:, None] * block + offsets  # (runs, block + taps) sample indices
        inside = (at >= 0) & (at < len(channel))
        pieces = np.where(inside, channel[np.clip(at, 0, len(channel) - 1)], 0).astype(np.float32)
        windows = np.lib.stride_tricks.sliding_window_view(pieces, taps, axis=1)
        between = np.abs(windows @ kernels).max(axis=(1, 2))
        peaks[runs_here] = np.maximum(peaks[runs_here], between)
    return peaks


def true_peak(pcm: np.ndarray) -> float:
    """The true peak in dBTP (dB relative to full scale, between the samples too)."""
    if not pcm.size:
        return SILENT
    # The true peak lies within 6 dB of the sample peak (no copy of the song to find it).
    floor = max(float(pcm.max()), -float(pcm.min())) / 2
    peak = max(float(block_peaks(channel, _PEAK_BLOCK, floor).max()) for channel in pcm)
    return 20 * math.log10(peak) if peak > 0 else SILENT


def dc_offset(pcm: np.ndarray) -> float:
    """The largest mean of a channel, as a fraction of full scale."""
    return float(np.abs(pcm.mean(axis=1)).max()) if pcm.size else 0.0
