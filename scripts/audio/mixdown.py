"""Arranged Score → stereo samples: each role rendered on its own through the SoundFont, given
its effect chain, summed, and mastered.

Memory: one float32 mix buffer for the song (a 3-minute song at 44.1 kHz is 63 MB) and a few
seconds of each stem at a time. A stem goes to the synth in windows of note onsets
(temporary.RENDER_WINDOW_S); the synth voices are independent, so the windows' outputs add up to
the whole stem. Once no later window can add to a stretch of the stem, that stretch runs through
the role's chain (which keeps its state from block to block) and into the mix.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import symusic

from scripts import temporary
from scripts.audio import loudness
from scripts.audio.audio_render import AudioError, synthesizer
from scripts.audio.effects import Chain, Effects, SongContext, effect_problems
from scripts.audio.mastering import MasterPlan, master, run_chain


def role_of(track) -> str:
    """A track's role is its name, any case."""
    return track.name.strip().lower()


def _kicks(score, sample_rate: int) -> np.ndarray:
    times = [
        note.time
        for track in score.tracks
        if track.is_drum
        for note in track.notes
        if note.pitch in temporary.KICK_NOTES
    ]
    return np.unique(np.round(np.asarray(times, dtype=np.float64) * sample_rate))


def _notes(tracks) -> dict[str, np.ndarray]:
    """The tracks' notes as arrays: time, duration, pitch, velocity."""
    arrays = [track.notes.numpy() for track in tracks]
    return {key: np.concatenate([a[key] for a in arrays]) for key in arrays[0]}


def _window(tracks, start: float, end: float, tpq: int) -> symusic.Score:
    """The notes of `tracks` that start in [start, end), moved to start at 0 and held to their
    full length, with the controls in force at `start`, and a silent marker note after them so
    the synth renders their release."""
    window = symusic.Score(tpq, ttype="second")
    last = 0.0
    for track in tracks:
        part = track.clip(start, end, False, False).shift_time(-start)
        held = {}
        for control in track.controls:
            if control.time >= start:
                break
            held[control.number] = control.value
        for number, value in held.items():
            part.controls.append(symusic.ControlChange(0.0, number, value, ttype="second"))
        bends = [bend.value for bend in track.pitch_bends if bend.time < start]
        if bends:
            part.pitch_bends.append(symusic.PitchBend(0.0, bends[-1], ttype="second"))
        part.controls.sort()
        part.pitch_bends.sort()
        if part.notes:
            last = max(last, part.end())
        window.tracks.append(part)
    marker = symusic.Track("length marker", 0, True, ttype="second")
    marker.notes.append(
        symusic.Note(
            last + temporary.MIX_TAIL_S, 0.01, temporary.LENGTH_MARKER_PITCH, 1, ttype="second"
        )
    )
    window.tracks.append(marker)
    return window


def _mix_stem(
    tracks, chain: Chain, gain: float, mix: np.ndarray, synth, sample_rate: int, tpq: int
) -> None:
    """Render `tracks` window by window and add them, through `chain` and times `gain`, into
    `mix` in place."""
    length = mix.shape[1]
    block = int(temporary.MIX_BLOCK_S * sample_rate)
    pending = np.zeros((2, 0), dtype=np.float32)  # the stem from sample `base` on, not final yet
    base = 0
    starts = np.arange(0.0, max(track.end() for track in tracks), temporary.RENDER_WINDOW_S)
    for number, start in enumerate(starts):
        end = start + temporary.RENDER_WINDOW_S
        audio = np.asarray(synth.render(_window(tracks, start, end, tpq), True), dtype=np.float32)
        first = round(start * sample_rate) - base
        needed = first + audio.shape[1]
        if needed > pending.shape[1]:
            grown = np.zeros((2, needed), dtype=np.float32)
            grown[:, : pending.shape[1]] = pending
            pending = grown
        pending[:, first:needed] += audio
        del audio
        # Later windows start at `end`: everything before it is final. The last flushes it all.
        final = length if number == len(starts) - 1 else min(round(end * sample_rate), length)
        if final > base + pending.shape[1]:  # the effects' tails run on after the stem
            grown = np.zeros((2, final - base), dtype=np.float32)
            grown[:, : pending.shape[1]] = pending
            pending = grown
        for offset in range(0, final - base, block):
            piece = pending[:, offset : min(offset + block, final - base)]
            at = base + offset
            mix[:, at : at + piece.shape[1]] += chain(piece, at) * np.float32(gain)
        pending = pending[:, final - base :].copy()
        base = final


def loudest_window(notes: dict[str, np.ndarray]) -> float:
    """The start (s) of the render window whose notes carry the most energy (FluidSynth plays
    a note at (velocity / 127)^2 of full amplitude)."""
    window = temporary.RENDER_WINDOW_S
    energy = (notes["velocity"].astype(np.float64) / 127) ** 4
    index = (notes["time"] // window).astype(np.int64)
    return float(np.argmax(np.bincount(index, weights=energy)) * window)


def stem_gain(tracks, entries: list, context: SongContext, synth, tpq: int, balance_lu: float):
    """The fader after the stem's chain that puts its loudest window (rendered and run through
    a fresh copy of the chain) at temporary.BALANCE_REFERENCE_LUFS + `balance_lu`."""
    role = role_of(tracks[0])
    start = loudest_window(context.notes.get(role) or _notes(tracks))
    dry = synth.render(_window(tracks, start, start + temporary.RENDER_WINDOW_S, tpq), True)
    chain = Chain(entries, context, role)
    at = round(start * context.sample_rate)
    wet = run_chain(np.asarray(dry, dtype=np.float32), lambda block, i: chain(block, at + i))
    level = loudness.integrated(wet, context.sample_rate)
    if not math.isfinite(level):
        return 1.0
    return 10 ** ((temporary.BALANCE_REFERENCE_LUFS + balance_lu - level) / 20)


def _last_sound(mix: np.ndarray, block: int) -> int:
    """The sample after the last one above temporary.SILENCE_DB under the mix's peak, searched
    block by block (an abs() of the whole mix would be another copy of it)."""
    peak = max(
        (float(np.abs(mix[:, at : at + block]).max()) for at in range(0, mix.shape[1], block)),
        default=0.0,
    )
    level = peak * 10 ** (temporary.SILENCE_DB / 20)
    for end in range(mix.shape[1], 0, -block):
        loud = np.flatnonzero(np.abs(mix[:, max(0, end - block) : end]).max(axis=0) > level)
        if len(loud):
            return max(0, end - block) + int(loud[-1]) + 1
    return 0


def stem_chain(role: str, chain: list) -> list:
    """Every stem is DC-blocked; chord parts are high-passed above the bass they would mask,
    unless the style high-passes them itself (metal's guitars keep their low mids)."""
    own = any(effect["type"] == "highpass" for effect in chain)
    cutoff = temporary.DC_BLOCK_HZ if own else temporary.ROLE_HIGHPASS_HZ.get(role)
    return [{"type": "highpass", "cutoff_hz": cutoff or temporary.DC_BLOCK_HZ}] * 2 + list(chain)


def last_onset(score) -> float:
    """When the last note starts (seconds): the final chord."""
    return max(track.notes[-1].time for track in score.tracks if track.notes)


def render_mix(
    score,
    effects: Effects | dict | None,
    soundfont: Path,
    sample_rate: int,
    seed: int,
    plan: MasterPlan | None = None,
) -> np.ndarray:
    """Stereo float32 samples, shape (2, n), of the arranged `score` (tracks named by role)
    with the style's `effects` (checked, or an entry as scripts/audio/effects.py describes it),
    mastered by `plan`; with no plan, the mix through the style's master chain alone (for
    measuring effects). Raises AudioError with one line."""
    if not isinstance(effects, Effects):
        problems = effect_problems(effects)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise AudioError(f"bad effects: {problems[0]}{more}")
        effects = Effects.of(effects)
    if not soundfont.is_file():
        raise AudioError(f"SoundFont not found: {soundfont}")
    seconds = score if score.ttype == symusic.TimeUnit.second else score.to("second")
    if seconds.note_num() == 0:
        raise AudioError("the arranged score has no notes to render")
    chains = {role.strip().lower(): chain for role, chain in effects.tracks.items()}
    groups: dict[str, list] = {}
    for track in seconds.tracks:
        if track.notes:
            groups.setdefault(role_of(track), []).append(track)
    bpm = seconds.tempos[0].qpm if len(seconds.tempos) else temporary.DEFAULT_TEMPO
    notes = {role: _notes(tracks) for role, tracks in groups.items()}
    context = SongContext(sample_rate, float(bpm), _kicks(seconds, sample_rate), seed, notes)
    try:
        synth = synthesizer(str(soundfont), sample_rate)
        mix = np.zeros(
            (2, math.ceil((seconds.end() + temporary.MIX_TAIL_S) * sample_rate)), np.float32
        )
        for role, tracks in groups.items():
            entries = stem_chain(role, chains.get(role, []))
            gain = 1.0
            if plan is not None and plan.balance is not None:
                balance = plan.balance.get(role, 0.0)
                gain = stem_gain(tracks, entries, context, synth, seconds.tpq, balance)
            chain = Chain(entries, context, role)
            _mix_stem(tracks, chain, gain, mix, synth, sample_rate, seconds.tpq)
            synth.forget()  # one stem's pitched samples at a time in memory
    except (RuntimeError, ValueError) as error:
        raise AudioError(f"the synthesizer failed: {error}") from None
    block = int(temporary.MIX_BLOCK_S * sample_rate)
    end = _last_sound(mix, block)
    if end == 0:
        raise AudioError("the mix is silent")
    master_chain = temporary.DEFAULT_MASTER if effects.master is None else effects.master
    chain = Chain(master_chain, context)
    chain = chain if chain.stages else None
    if plan is None:
        return run_chain(mix[:, :end], chain)
    if plan.last_chord_s is None:
        plan = replace(plan, last_chord_s=last_onset(seconds))
    return master(mix[:, :end], sample_rate, plan, chain)
