"""Effect chains described as data, run with pedalboard (and numpy for the few it lacks).

A style's JSON file holds them under "effects":

    "effects": {
      "tracks": {"bass": [{"type": "ladder", "lfo": {"rate_beats": 0.5}}, {"type": "gain"}],
                 "pad": [{"type": "sidechain", "depth_db": 9}, {"type": "reverb"}]},
      "master": [{"type": "compressor"}, {"type": "limiter"}]
    }

"tracks" maps a role (a track's name in the arranged Score, any case: "melody", "bass", "comp",
"pad", "drums", "lead", ...) to the chain its tracks go through, in order; a role with no chain
is mixed dry. "master" runs over the sum; when it is missing or null the master is a glue
compressor and a limiter (temporary.DEFAULT_MASTER); [] means no master at all. Every parameter
is optional (default in brackets) and must lie in its range. "Beats" are quarter notes at the
score's first tempo.

[effects: made from data/music_tables.json by `python -m scripts.style.table_docs`]
  reverb      room_size 0..1 [0.5], damping 0..1 [0.5], wet_level 0..1 [0.3], dry_level 0..1
              [0.8], width 0..1 [1]
  delay       beats 0.0625..4 [0.75] (delay time, tempo-synced), feedback 0..0.95 [0.3], mix
              0..1 [0.25]
  chorus      rate_hz 0.01..10 [1], depth 0..1 [0.25], centre_delay_ms 1..50 [7], feedback
              -0.95..0.95 [0], mix 0..1 [0.5]
  phaser      rate_hz 0.01..10 [0.5], depth 0..1 [0.5], centre_hz 100..10000 [1300], feedback
              -0.95..0.95 [0], mix 0..1 [0.5]
  compressor  threshold_db -60..0 [-18], ratio 1..20 [3], attack_ms 0.1..200 [10], release_ms
              1..2000 [150]
  distortion  hard clipping, guitar-amp style: drive_db 0..60 [20]
  saturation  soft clipping (tanh): warmth, tape: drive_db 0..30 [6]
  bitcrush    bits 1..16 [8], rate_hz 0..48000 [0] (sample-and-hold to this rate; 0 = off)
  lowpass     cutoff_hz 20..20000 [5000]
  highpass    cutoff_hz 20..20000 [100]
  ladder      a Moog-style filter (with an "lfo" its cutoff sweeps from low_hz to high_hz and
              back, log scale, every rate_beats, in time with the song: the dubstep wobble):
              mode lpf12|lpf24|hpf12|hpf24|bpf12|bpf24 [lpf24], cutoff_hz 20..20000 [800],
              resonance 0..1 [0.3], drive 1..10 [1], an optional "lfo": {rate_beats 0.0625..16
              [0.5], low_hz 20..20000 [200], high_hz 20..20000 [2500] (above low_hz)}
  gain        gain_db -60..24 [0]
  limiter     threshold_db -30..0 [-3] (how hard it is driven), ceiling_db -20..0 [-1] (no peak
              above it), release_ms 1..1000 [100]
  gate        a noise gate (after a reverb, with the threshold a few dB under the hits' peaks,
              it cuts the tail: gated-reverb snare): threshold_db -80..0 [-30], ratio 1..100
              [10], attack_ms 0.1..100 [1], release_ms 1..2000 [60]
  sidechain   ducks the track at every kick of the drum tracks (house and trance pumping):
              depth_db 0..40 [9], release_beats 0.05..2 [0.45] (back to full level after this),
              attack_ms 0..50 [4]
  sub         a sine under the track's notes, one at a time (a bass is played so): the sub or
              808 a General MIDI bass lacks: level_db -30..12 [0] (a note at velocity 127),
              octave -2..0 [0] (octaves down; never under 30 Hz), decay_s 0..10 [0] (time to
              fall 60 dB; 0 holds the note), glide_ms 0..500 [0] (slides from the note before)
  wow         tape pitch wobble (a slowly modulated delay): rate_hz 0.05..10 [0.6], depth_ms
              0..10 [1.5]
  double      double tracking: the part on the left, again on the right delay_ms later,
              wavering by depth_ms at rate_hz (before a distortion each side is distorted on
              its own: rock and metal rhythm guitars): delay_ms 5..60 [18], depth_ms 0..10 [2],
              rate_hz 0.05..5 [0.4]
  vinyl       seeded hiss and crackle added: hiss_db -90..-20 [-50], crackles_per_s 0..50 [6],
              crackle_db -60..-6 [-28]
  pan         position -1..1 [0] (-1 left, 1 right)
  width       width 0..2 [1] (0 mono, 2 wide)
[/effects]
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pedalboard

from scripts import temporary

EFFECT_TYPES = tuple(temporary.EFFECT_PARAMS)
_NOTE_KEYS = ("time", "duration", "pitch", "velocity")
_MIN_BLOCK = 16  # pedalboard guesses the channel axis from the shape: never hand it (2, 2)


@dataclass(frozen=True)
class SongContext:
    """What tempo-synced and kick-synced effects need to know about the song."""

    sample_rate: int
    bpm: float
    kicks: np.ndarray  # sample positions of the kick notes, sorted
    seed: int
    # role → its notes in seconds: {"time", "duration", "pitch", "velocity"} arrays (the sub)
    notes: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)

    def beats(self, count: float) -> float:
        """`count` quarter notes in seconds."""
        return count * 60.0 / self.bpm


@dataclass(frozen=True)
class Effects:
    """The chains of an "effects" entry (the format above) once checked: a chain per role, and
    the master's (None: temporary.DEFAULT_MASTER)."""

    tracks: Mapping[str, Sequence[dict]] = field(default_factory=dict)
    master: Sequence[dict] | None = None

    @classmethod
    def of(cls, effects: dict | None) -> Effects:
        """The chains of an entry that effect_problems finds fine."""
        effects = effects or {}
        return cls(effects.get("tracks", {}), effects.get("master"))


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _range_problems(where: str, kind: str, values: dict, table: dict) -> list[str]:
    problems = []
    for name, value in values.items():
        if name not in table:
            known = ", ".join(table)
            problems.append(f"{where} ({kind}): unknown parameter '{name}' (known: {known})")
        elif not _number(value):
            problems.append(f"{where} ({kind}): {name} must be a number, not {value!r}")
        else:
            _, low, high = table[name]
            if not low <= value <= high:
                problems.append(
                    f"{where} ({kind}): {name} {value:g} is out of range {low:g}..{high:g}"
                )
    return problems


def _entry_problems(where: str, entry) -> list[str]:
    if not isinstance(entry, dict):
        return [f'{where}: an effect must be an object with a "type", not {entry!r}']
    kind = entry.get("type")
    if not isinstance(kind, str) or kind not in temporary.EFFECT_PARAMS:
        return [f"{where}: unknown type {kind!r} (known: {', '.join(EFFECT_TYPES)})"]
    params = {key: value for key, value in entry.items() if key != "type"}
    problems = []
    if kind == "ladder":
        mode = params.pop("mode", temporary.LADDER_DEFAULT_MODE)
        if not isinstance(mode, str) or mode not in temporary.LADDER_MODES:
            modes = "|".join(temporary.LADDER_MODES)
            problems.append(f"{where} (ladder): mode {mode!r} is not one of {modes}")
        lfo = params.pop("lfo", None)
        if lfo is not None and not isinstance(lfo, dict):
            problems.append(f"{where} (ladder): lfo must be an object, not {lfo!r}")
        elif lfo is not None:
            lfo_problems = _range_problems(where, "ladder lfo", lfo, temporary.LADDER_LFO_PARAMS)
            problems += lfo_problems
            low, high = _lfo_settings(lfo)[1:]
            if not lfo_problems and low >= high:
                problems.append(
                    f"{where} (ladder lfo): low_hz {low:g} must be below high_hz {high:g}"
                )
    return problems + _range_problems(where, kind, params, temporary.EFFECT_PARAMS[kind])


def _chain_problems(where: str, chain) -> list[str]:
    if not isinstance(chain, list):
        return [f"{where}: must be a list of effects, not {chain!r}"]
    return [
        problem
        for index, entry in enumerate(chain)
        for problem in _entry_problems(f"{where}[{index}]", entry)
    ]


def effect_problems(effects, where: str = "effects") -> list[str]:
    """Everything wrong with a style's "effects" entry, one line each ([] when it is fine).
    `where` starts each line (the style loader may prefix the file name)."""
    if effects is None:
        return []
    if not isinstance(effects, dict):
        return [f'{where}: must be an object with "tracks" and/or "master", not {effects!r}']
    problems = [
        f"{where}: unknown key {key!r} (known: tracks, master)"
        for key in effects
        if key not in ("tracks", "master")
    ]
    tracks = effects.get("tracks", {})
    if not isinstance(tracks, dict):
        problems.append(f"{where}.tracks: must map roles to lists of effects, not {tracks!r}")
        tracks = {}
    for role, chain in tracks.items():
        problems += _chain_problems(f"{where}.tracks.{role}", chain)
    if effects.get("master") is not None:
        problems += _chain_problems(f"{where}.master", effects["master"])
    return problems


def _settings(entry: dict) -> dict:
    """The entry's parameters over their defaults."""
    table = temporary.EFFECT_PARAMS[entry["type"]]
    values = {name: default for name, (default, _, _) in table.items()}
    values.update((key, entry[key]) for key in table if key in entry)
    return values


def _lfo_settings(lfo: dict) -> tuple[float, float, float]:
    table = temporary.LADDER_LFO_PARAMS
    return tuple(lfo.get(name, table[name][0]) for name in ("rate_beats", "low_hz", "high_hz"))


def _process(plugin, block: np.ndarray, sample_rate: int) -> np.ndarray:
    """Run a pedalboard plugin on a (2, m) block, keeping its state for the next block."""
    width = block.shape[1]
    if width >= _MIN_BLOCK:
        return plugin(block, sample_rate, reset=False)
    padded = np.zeros((2, _MIN_BLOCK), dtype=np.float32)
    padded[:, :width] = block
    return plugin(padded, sample_rate, reset=False)[:, :width]


class _Plugins:
    """A run of pedalboard effects, as one Pedalboard."""

    def __init__(self, plugins: list, sample_rate: int):
        self.board = pedalboard.Pedalboard(plugins)
        self.sample_rate = sample_rate

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        return _process(self.board, block, self.sample_rate)


class _SweptLadder:
    """A ladder filter whose cutoff follows a tempo-synced LFO, moved every few milliseconds."""

    def __init__(self, plugin, lfo: dict, context: SongContext):
        self.plugin = plugin
        self.context = context
        period_beats, self.low, self.high = _lfo_settings(lfo)
        self.period = context.beats(period_beats) * context.sample_rate  # samples

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        out = np.empty_like(block)
        step = temporary.LADDER_LFO_BLOCK
        for offset in range(0, block.shape[1], step):
            centre = start + offset + step / 2
            # Cosine from the low end: closed on the beat, open half a period later.
            depth = 0.5 - 0.5 * math.cos(2 * math.pi * centre / self.period)
            self.plugin.cutoff_hz = self.low * (self.high / self.low) ** depth
            piece = block[:, offset : offset + step]
            out[:, offset : offset + step] = _process(self.plugin, piece, self.context.sample_rate)
        return out


class _Sidechain:
    """A gain envelope that dips at each kick and recovers: what a compressor keyed from the
    kick does to a pad, computed straight from the kick notes."""

    def __init__(self, values: dict, context: SongContext):
        rate = context.sample_rate
        self.kicks = context.kicks
        self.floor = 10 ** (-values["depth_db"] / 20)
        self.attack = max(1.0, values["attack_ms"] * rate / 1000)
        self.release = max(1.0, context.beats(values["release_beats"]) * rate)

    def _duck(self, since: np.ndarray) -> np.ndarray:
        """0 (full level) .. 1 (down by depth_db), `since` samples after a kick: down over the
        attack, back up over the release, straight in dB as a compressor lets go."""
        after = np.clip((since - self.attack) / self.release, 0.0, 1.0)
        duck = np.where(since < self.attack, since / self.attack, 1.0 - after)
        return np.where(since < 0, 0.0, duck)

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        if not len(self.kicks):
            return block
        times = np.arange(start, start + block.shape[1], dtype=np.float64)
        last = np.searchsorted(self.kicks, times, side="right") - 1
        since = np.where(last >= 0, times - self.kicks[np.maximum(last, 0)], -1.0)
        before = np.where(last >= 1, times - self.kicks[np.maximum(last - 1, 0)], -1.0)
        # The kick before the last one may not have let go yet: no jump up at the next kick.
        duck = np.maximum(self._duck(since), self._duck(before))
        block *= np.power(self.floor, duck).astype(np.float32)
        return block


class _Wow:
    """Tape wow: the signal read back through a delay that swings slowly, so the pitch wavers."""

    def __init__(self, values: dict, context: SongContext, base_ms: float = 0.0):
        rate = context.sample_rate
        self.rate_hz = values["rate_hz"] / rate  # cycles per sample
        self.base = 1.0 + base_ms * rate / 1000
        self.depth = values["depth_ms"] * rate / 1000
        self.history = np.zeros((2, int(self.base + self.depth) + 2), dtype=np.float32)

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        width, kept = block.shape[1], self.history.shape[1]
        joined = np.concatenate([self.history, block], axis=1)
        times = np.arange(start, start + width, dtype=np.float64)
        swing = 0.5 + 0.5 * np.sin(2 * math.pi * self.rate_hz * times)
        where = kept + np.arange(width) - (self.base + self.depth * swing)
        below = np.floor(where).astype(np.int64)
        part = (where - below).astype(np.float32)
        out = joined[:, below] * (1 - part) + joined[:, below + 1] * part
        self.history = joined[:, -kept:].copy()
        return out


class _Double(_Wow):
    """Automatic double tracking: the part itself on the left, on the right the part again a
    few milliseconds late and wavering, as a second take would be. Before a distortion, each
    side is distorted on its own, as two amps: the wide rhythm guitars of rock and metal."""

    def __init__(self, values: dict, context: SongContext):
        super().__init__(values, context, values["delay_ms"])

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        late = super().__call__(block, start)
        return np.stack([block.mean(axis=0), late.mean(axis=0)])


class _Vinyl:
    """Hiss and crackle from a generator seeded by the song and role: the same song, the same
    record noise."""

    def __init__(self, values: dict, context: SongContext, role: str):
        self.rng = np.random.default_rng([context.seed, zlib.crc32(role.encode())])
        self.hiss = 10 ** (values["hiss_db"] / 20)
        self.crackle = 10 ** (values["crackle_db"] / 20)
        self.per_sample = values["crackles_per_s"] / context.sample_rate

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        width = block.shape[1]
        block += (self.rng.standard_normal(block.shape) * self.hiss).astype(np.float32)
        count = self.rng.poisson(self.per_sample * width)
        if count:
            where = self.rng.integers(0, width, count)
            size = (
                self.crackle * self.rng.uniform(0.2, 1.0, count) * self.rng.choice([-1, 1], count)
            )
            block[:, where] += size.astype(np.float32)
            after = np.minimum(where + 1, width - 1)  # a click is two samples wide, fading
            block[:, after] -= (size * 0.5).astype(np.float32)
        return block


class _Sub:
    """A sine at each note of the track, moved `octave` octaves (0 or down; never under
    temporary.SUB_LOWEST_HZ): the sub or 808 a General MIDI bass lacks. Like the sidechain, it
    is computed from the notes; one note at a time, as a bass plays, each cut by the next."""

    def __init__(self, values: dict, context: SongContext, role: str):
        rate = context.sample_rate
        notes = context.notes.get(role) or {key: np.zeros(0) for key in _NOTE_KEYS}
        order = np.argsort(notes["time"], kind="stable")
        self.on = notes["time"][order] * rate
        ends = self.on + notes["duration"][order] * rate
        self.off = np.minimum(ends, np.append(self.on[1:], np.inf))
        pitch = notes["pitch"][order] + 12 * values["octave"]
        hz = 440.0 * 2 ** ((pitch - 69) / 12)
        while (low := hz < temporary.SUB_LOWEST_HZ).any():
            hz[low] *= 2
        self.cycles = hz / rate  # per sample
        self.glide_from = np.append(self.cycles[:1], self.cycles[:-1])
        self.level = (notes["velocity"][order] / 127) ** 2
        self.level *= 10 ** (values["level_db"] / 20)
        self.glide = values["glide_ms"] * rate / 1000
        self.decay = values["decay_s"] * rate
        self.edge = temporary.SUB_EDGE_MS * rate / 1000  # attack and release: no clicks

    def _phase(self, index: int, since: np.ndarray) -> np.ndarray:
        """Cycles since the note began, gliding (exponentially) from the note before."""
        target = self.cycles[index]
        if not self.glide:
            return target * since
        start = self.glide_from[index]
        return target * since + (start - target) * self.glide * (1 - np.exp(-since / self.glide))

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        end = start + block.shape[1]
        sounding = np.flatnonzero((self.on < end) & (self.off + self.edge > start))
        if not len(sounding):
            return block
        out = np.zeros(block.shape[1])
        for index in sounding:
            on, off = self.on[index], self.off[index]
            first = max(start, math.ceil(on))
            last = min(end, math.ceil(off + self.edge))
            since = np.arange(first, last) - on
            envelope = np.minimum(1.0, since / self.edge)
            envelope *= np.clip((off + self.edge - on - since) / self.edge, 0.0, 1.0)
            if self.decay:
                envelope *= 10 ** (-3 * since / self.decay)  # -60 dB after decay_s
            wave = np.sin(2 * np.pi * self._phase(index, since))
            out[first - start : last - start] += self.level[index] * envelope * wave
        block += out.astype(np.float32)
        return block


class _Saturation:
    def __init__(self, values: dict):
        self.drive = 10 ** (values["drive_db"] / 20)

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        # tanh(drive * x) / drive: unity for quiet signals, rounder and softer as it gets loud.
        block *= self.drive
        np.tanh(block, out=block)
        block /= self.drive
        return block


class _Pan:
    def __init__(self, values: dict):
        angle = (values["position"] + 1) * math.pi / 4  # constant power, unity at the centre
        self.gains = np.array([[math.cos(angle)], [math.sin(angle)]], np.float32) * math.sqrt(2)

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        block *= self.gains
        return block


class _Width:
    def __init__(self, values: dict):
        self.width = values["width"]

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        mid = (block[0] + block[1]) * 0.5
        side = (block[0] - block[1]) * (0.5 * self.width)
        block[0], block[1] = mid + side, mid - side
        return block


def _plugin(entry: dict, context: SongContext):
    """The pedalboard plugin for an entry, or None when numpy does it."""
    kind, values = entry["type"], _settings(entry)
    if kind == "reverb":
        return pedalboard.Reverb(**values)
    if kind == "delay":
        return pedalboard.Delay(
            delay_seconds=context.beats(values["beats"]),
            feedback=values["feedback"],
            mix=values["mix"],
        )
    if kind == "chorus":
        return pedalboard.Chorus(**values)
    if kind == "phaser":
        return pedalboard.Phaser(
            rate_hz=values["rate_hz"],
            depth=values["depth"],
            centre_frequency_hz=values["centre_hz"],
            feedback=values["feedback"],
            mix=values["mix"],
        )
    if kind == "compressor":
        return pedalboard.Compressor(**values)
    if kind == "distortion":
        return pedalboard.Distortion(drive_db=values["drive_db"])
    if kind == "lowpass":
        return pedalboard.LowpassFilter(cutoff_frequency_hz=values["cutoff_hz"])
    if kind == "highpass":
        return pedalboard.HighpassFilter(cutoff_frequency_hz=values["cutoff_hz"])
    if kind == "gain":
        return pedalboard.Gain(gain_db=values["gain_db"])
    if kind == "gate":
        return pedalboard.NoiseGate(**values)
    if kind == "ladder":
        mode = entry.get("mode", temporary.LADDER_DEFAULT_MODE).upper()
        return pedalboard.LadderFilter(
            mode=getattr(pedalboard.LadderFilter.Mode, mode),
            cutoff_hz=values["cutoff_hz"],
            resonance=values["resonance"],
            drive=values["drive"],
        )
    return None


def _plugins(entry: dict, context: SongContext) -> list:
    """Effects pedalboard makes from more than one plugin, or from none (numpy then)."""
    kind, values = entry["type"], _settings(entry)
    if kind == "limiter":
        # JUCE's limiter brings its threshold up to 0 dBFS and clips there: the gain after it
        # sets the ceiling.
        limiter = pedalboard.Limiter(
            threshold_db=values["threshold_db"], release_ms=values["release_ms"]
        )
        return [limiter, pedalboard.Gain(gain_db=values["ceiling_db"])]
    if kind == "bitcrush":
        plugins = [pedalboard.Bitcrush(bit_depth=values["bits"])]
        if 0 < values["rate_hz"] < context.sample_rate:
            hold = pedalboard.Resample.Quality.ZeroOrderHold
            plugins.append(pedalboard.Resample(target_sample_rate=values["rate_hz"], quality=hold))
        return plugins
    plugin = _plugin(entry, context)
    return [] if plugin is None else [plugin]


def _numpy_stage(entry: dict, context: SongContext, role: str):
    values = _settings(entry)
    return {
        "sidechain": lambda: _Sidechain(values, context),
        "sub": lambda: _Sub(values, context, role),
        "wow": lambda: _Wow(values, context),
        "double": lambda: _Double(values, context),
        "vinyl": lambda: _Vinyl(values, context, role),
        "saturation": lambda: _Saturation(values),
        "pan": lambda: _Pan(values),
        "width": lambda: _Width(values),
    }[entry["type"]]()


class Chain:
    """A checked effect list, ready to run over a track (or the mix) block by block, in order.
    Blocks are (2, m) float32; `start` is the block's first sample in the song, which keeps
    LFOs and the sidechain in time however the audio is cut into blocks."""

    def __init__(self, entries: Sequence[dict], context: SongContext, role: str = "master"):
        self.stages = []
        run: list = []  # consecutive pedalboard plugins share one Pedalboard
        for entry in entries:
            plugins = _plugins(entry, context)
            if entry["type"] == "ladder" and "lfo" in entry:
                stage = _SweptLadder(plugins[0], entry["lfo"], context)
            elif plugins:
                run += plugins
                continue
            else:
                stage = _numpy_stage(entry, context, role)
            if run:
                self.stages.append(_Plugins(run, context.sample_rate))
                run = []
            self.stages.append(stage)
        if run:
            self.stages.append(_Plugins(run, context.sample_rate))

    def __call__(self, block: np.ndarray, start: int) -> np.ndarray:
        """The processed block (it may be `block` itself, changed in place)."""
        for stage in self.stages:
            block = stage(block, start)
        return block
