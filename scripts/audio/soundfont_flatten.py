"""New preset data (pdta) for a SoundFont, made so that symusic 0.5.8's synth (prestosynth) plays
it the way FluidSynth, the reference player, plays the original.

What prestosynth does with a SoundFont, read from its source, and what the copy does about it:
- It takes a sample's root key from the sample header, not the zone's overridingRootKey, and
  clamps coarse + fine tune to +-120 cents (programs an octave off): every zone gets a header of
  its own whose root key and pitch correction carry the zone's root and whole tuning.
- It caches each pitched sample under (key, sample start) with the zone's level and tuning in
  it, so zones sharing a sample play with whichever rendered first (notes off pitch, levels
  wrong, depending on what the song played before): each distinct zone sample gets a start of
  its own, 0-a few samples later than the original (SF2 only; an SF3 start is an Ogg offset).
- It adds a preset zone's generators to the instrument's starting from the defaults, so every
  envelope time a preset zone leaves out gets -12000 added: every note had no attack, hold,
  decay or release (cut dead at note-off). The copy's preset zones set each one.
- It reads initialAttenuation as 1 - cB/1000 of amplitude; FluidSynth as 0.4 dB per unit
  (ALT_ATTENUATION_SCALE): the copy writes the values that give FluidSynth's amplitudes.
- It never applies the sustain level, and decays (a straight line to 0) only notes that end
  during the decay, and only when the delay is over 1 ms (it tests the delay). FluidSynth
  decays and releases straight in dB (96 dB per decay or release time). So: looped zones that
  FluidSynth decays 20 dB or more get a 1.2 ms delay and a decay holding FluidSynth's energy,
  and the synth (audio/synth.py) ends their notes where it reaches 0; other looped zones play
  flat at the
  level of FluidSynth's first DECAY_SPAN_S. Releases are straight lines reaching -20 dB when
  FluidSynth's do.
- It cuts an unlooped sample off after attack + hold (whatever the note's length) and fades it
  over the release: such zones hold until the sample ends if FluidSynth's sustain is within
  6 dB of full, else fade over a release holding the energy of FluidSynth's decay.
- It reads pan as 1/100 (FluidSynth 1/1000): a little pan was hard left or right; and it
  pans linearly where FluidSynth keeps the power (centred zones came out 3 dB down).
- scaleTuning 0 (one pitch on every key) is ignored: such zones get one zone per key.
- Preset-level offsets reach the samples through the shared cache above: each preset zone
  points at a variant of its instrument with its offsets added in (one per distinct set).
- It has no filter: scripts/audio/soundfont_filter.py bakes FluidSynth's into copies of the samples.
Modulators, LFOs and the modulation envelope it does not play; they are left out.
"""

from __future__ import annotations

import math
import struct

from scripts.audio.soundfont_filter import cutoff

# SoundFont 2.04 generator numbers
START, END, LOOP_START, LOOP_END, START_COARSE = 0, 1, 2, 3, 4
END_COARSE, PAN, DELAY, ATTACK, HOLD, DECAY, SUSTAIN, RELEASE = 12, 17, 33, 34, 35, 36, 37, 38
KEY_TO_HOLD, KEY_TO_DECAY, INSTRUMENT, KEY_RANGE, VEL_RANGE = 39, 40, 41, 43, 44
LOOP_START_COARSE, LOOP_END_COARSE, ATTENUATION = 45, 50, 48
COARSE_TUNE, FINE_TUNE, SAMPLE_ID, SAMPLE_MODES, SCALE_TUNING, ROOT_KEY = 51, 52, 53, 54, 56, 58
DEFAULTS = {DELAY: -12000, ATTACK: -12000, HOLD: -12000, DECAY: -12000, RELEASE: -12000}
DEFAULTS |= {SCALE_TUNING: 100, ROOT_KEY: -1, 8: 13500, 21: -12000, 23: -12000}
DEFAULTS |= {25: -12000, 26: -12000, 27: -12000, 28: -12000, 30: -12000, 46: -1, 47: -1}
NOT_ADDITIVE = {0, 1, 2, 3, 4, 12, 41, 43, 44, 45, 46, 47, 50, 53, 54, 57, 58}
SIGNED = struct.Struct("<Hh")
SHDR = struct.Struct("<20sIIIIIBbHH")

ATTENUATION_SCALE = 0.4  # FluidSynth's dB per 10 units of initialAttenuation / 10
ENVELOPE_DB = 96.0  # FluidSynth's decay and release fall this far in their time
DECAY_DELAY_TC = -11651  # 1.2 ms: prestosynth decays only after a delay over 1 ms
FULL_SUSTAIN_DB = 6.0  # unlooped zones closer to full than this hold until the sample ends
SILENT_SUSTAIN_DB = 20.0  # looped zones whose sustain is this far down decay to silence
DECAY_SPAN_S = 0.5  # a flat envelope holds the energy of FluidSynth's over this long
MAX_TC = 7973  # 100 s, prestosynth's longest segment
MIN_TC = -11960  # 1 ms, its shortest
LIMIT = 65535  # bag, generator and sample indices are 16-bit
# prestosynth adds a preset zone's generators to its instrument zones' starting from the
# defaults, not from 0: where a preset zone leaves an envelope time out, -12000 (1 ms) lands on
# it and every envelope time plays as 1 ms (no attack, hold, decay or release). The copy's
# preset zones set each of them.
BIAS = -12000  # what prestosynth reads for an envelope time left out


def seconds(timecents: float) -> float:
    return 2.0 ** (timecents / 1200.0)


def timecents(value: float) -> int:
    return int(round(min(max(1200.0 * math.log2(max(value, 1e-6)), MIN_TC), MAX_TC)))


def _zones(bags: list[int], gens: list[tuple[int, int]], first: int, last: int):
    """Each zone's generators as {number: raw 16-bit amount}, in order."""
    for bag in range(first, last):
        yield dict(gens[bags[bag] : bags[bag + 1]])


def _range(amount: int | None) -> tuple[int, int]:
    return (0, 127) if amount is None else (amount & 0xFF, amount >> 8)


def _signed(value: int) -> int:
    return value - 0x10000 if value >= 0x8000 else value


def decay_energy(decay_s: float, sustain: float, length_s: float) -> float:
    """Energy (amplitude squared x s) of FluidSynth's decay from 1 towards `sustain` over
    `length_s`, falling ENVELOPE_DB per `decay_s` and holding at the sustain."""
    rate = ENVELOPE_DB / max(decay_s, 1e-4) * math.log(10) / 10  # of the squared amplitude
    reach = math.log(1 / max(sustain, 1e-9) ** 2) / rate  # s to the sustain level
    if length_s <= reach:
        return (1 - math.exp(-rate * length_s)) / rate
    return (1 - sustain**2) / rate + sustain**2 * (length_s - reach)


def envelope(gens: dict[int, int], key: int, looped: bool, sample_s: float) -> dict[int, int]:
    """prestosynth's volume envelope generators that sound like FluidSynth's `gens`, and the
    gain (0-1) that makes a flat envelope hold the energy of a decaying one."""
    hold = gens[HOLD] + gens.get(KEY_TO_HOLD, 0) * (60 - key)
    decay_s = seconds(gens[DECAY] + gens.get(KEY_TO_DECAY, 0) * (60 - key))
    sustain_db = min(max(gens.get(SUSTAIN, 0), 0), 1000) * ENVELOPE_DB / 1000
    sustain = 10 ** (-sustain_db / 20)
    out = {DELAY: gens[DELAY], ATTACK: gens[ATTACK], HOLD: hold}
    before = seconds(gens[DELAY]) + seconds(gens[ATTACK]) + seconds(hold)
    # FluidSynth's release falls 20 dB in 20/96 of its time; a straight line from the same
    # level in 0.9 of its own (matching the energy instead, 0.14, cuts the tails audibly short).
    release = seconds(gens[RELEASE]) * 20 / ENVELOPE_DB / 0.9
    gain = 1.0
    if not looped:
        # prestosynth ends an unlooped note after attack + hold (whatever its length) and fades
        # it over the release: hold to the sample's end, or fade as FluidSynth's decay.
        after = max(sample_s - before, 0.01)
        if sustain_db < FULL_SUSTAIN_DB:
            out[HOLD] = timecents(seconds(hold) + after)
        else:
            release = 3 * decay_energy(decay_s, sustain, after)
    elif sustain_db >= SILENT_SUSTAIN_DB:
        # It decays only notes that end during the decay, straight to 0: the app's synth ends
        # longer notes there (scripts/audio/synth.py reads DECAY to know where).
        out[DELAY] = max(out[DELAY], DECAY_DELAY_TC)
        out[DECAY] = timecents(3 * decay_energy(decay_s, sustain, decay_s))
    else:
        # A flat sustain at the level of FluidSynth's first DECAY_SPAN_S.
        gain = math.sqrt(decay_energy(decay_s, sustain, DECAY_SPAN_S) / DECAY_SPAN_S)
    out[RELEASE] = timecents(release)
    return out, gain


class Builder:
    """Collects the flattened zones and their sample headers."""

    def __init__(self, headers: list[list], version: int):
        self.source = headers
        self.headers: list[list] = []
        self.index: dict[tuple, int] = {}
        self.starts: set[int] = set()
        self.bump = version == 2
        self.filters: dict[int, tuple[int, int]] = {}  # header: (cutoff step, Q), to bake

    def header(
        self,
        sample: int,
        start: int,
        end: int,
        loop: tuple[int, int],
        root: int,
        cents: int,
        extra: tuple,
    ) -> int:
        key = (sample, start, end, loop, root, cents, extra)
        if key not in self.index:
            name, *_, rate, _, _, _, kind = self.source[sample]
            at = start
            if self.bump:  # prestosynth's cache key keeps 24 bits of the start
                while at % (1 << 24) in self.starts and at + 1 < min(end, loop[0] or end):
                    at += 1
                self.starts.add(at % (1 << 24))
            kind = (kind & 0x8000) | 1  # mono: links point at the source's headers
            self.index[key] = len(self.headers)
            self.headers.append([name, at, end, *loop, rate, root, cents, 0, kind])
            if extra[-1] is not None:
                self.filters[self.index[key]] = extra[-1]
        return self.index[key]


ENVELOPE_GENS = (DELAY, ATTACK, HOLD, DECAY, RELEASE)  # set in every preset zone (BIAS)
FOLDED = {PAN, DELAY, ATTACK, HOLD, DECAY, SUSTAIN, KEY_TO_HOLD, KEY_TO_DECAY, ATTENUATION}
FOLDED |= {COARSE_TUNE, FINE_TUNE}
FILTER_GENS = {8, 9, 11, 25, 26, 27, 28, 29}  # the cutoff, Q and modulation envelope


def flatten(parts: dict[bytes, bytes], version: int, bake=None) -> dict[bytes, bytes]:
    """New pdta sub-chunks (see _flatten). `bake(headers, filters)` gives the zones that
    FluidSynth filters samples of their own (scripts/audio/soundfont_filter.py; not for SF3, whose
    samples are Ogg). Where the format's 16-bit indices will not hold it all: without the
    preset-level filter offsets, then with only General MIDI's banks (0, and 128 for drums;
    FluidR3_GM's bank 8 variations do not fit)."""
    bake = bake if version == 2 else None
    attempts = [(None, FILTER_GENS), (None, set()), ((0, 128), FILTER_GENS), ((0, 128), set())]
    for number, (banks, filters) in enumerate(attempts):
        try:
            return _flatten(parts, version, banks, FOLDED | filters, bake)
        except ValueError:
            if number == len(attempts) - 1:
                raise
    raise AssertionError


def _flatten(parts: dict[bytes, bytes], version: int, banks, folded, bake):
    """New pdta sub-chunks. Presets keep their zones; each zone points at a variant of its
    instrument with the preset's offsets added in (shared by presets with the same offsets), but
    for the release of a looped variant, which converts as a factor and stays an offset."""
    phdr = [list(h) for h in struct.iter_unpack("<20sHHHIII", parts[b"phdr"])]
    pbags = [bag for bag, _ in struct.iter_unpack("<HH", parts[b"pbag"])]
    ibags = [bag for bag, _ in struct.iter_unpack("<HH", parts[b"ibag"])]
    insts = [bag for _, bag in struct.iter_unpack("<20sH", parts[b"inst"])]
    names = [name for name, _ in struct.iter_unpack("<20sH", parts[b"inst"])]
    pgens = list(struct.iter_unpack("<HH", parts[b"pgen"]))
    igens = list(struct.iter_unpack("<HH", parts[b"igen"]))
    headers = [list(h) for h in SHDR.iter_unpack(parts[b"shdr"])][:-1]
    builder = Builder(headers, version)
    variants: dict[tuple, int] = {}
    instruments: list[tuple[bytes, list[list]]] = []
    presets = []
    for number, preset in enumerate(phdr[:-1]):
        if banks is not None and preset[2] not in banks:
            continue
        zones = []
        global_p: dict[int, int] = {}
        for place, pzone in enumerate(_zones(pbags, pgens, preset[3], phdr[number + 1][3])):
            if INSTRUMENT not in pzone:
                if place == 0:
                    global_p = pzone
                continue
            pz = global_p | pzone
            inst = pz[INSTRUMENT]
            if inst + 1 >= len(insts):
                continue
            izones = list(_zones(ibags, igens, insts[inst], insts[inst + 1]))
            global_i = izones[0] if izones and SAMPLE_ID not in izones[0] else {}
            unlooped = any(
                SAMPLE_ID in z and not (global_i | z).get(SAMPLE_MODES, 0) & 1 for z in izones
            )
            offsets = {
                n: a for n, a in pz.items() if n in folded | ({RELEASE} if unlooped else set())
            }
            key = (inst, tuple(sorted(offsets.items())))
            if key not in variants:
                variants[key] = len(instruments)
                made = []
                for izone in izones:
                    if SAMPLE_ID in izone:
                        made += _zone(builder, offsets, global_i | izone, bake is not None)
                instruments.append((names[inst], made))
            zone = [(n, pz[n]) for n in (KEY_RANGE, VEL_RANGE) if n in pz]
            release = 0 if unlooped else _signed(pz.get(RELEASE, 0))
            zone += [(n, release if n == RELEASE else 0) for n in ENVELOPE_GENS]
            zones.append([*zone, (INSTRUMENT, variants[key])])
        presets.append((preset, zones))
    pdta = _write(presets, instruments, builder.headers)
    if bake is not None and builder.filters:
        bake(builder.headers, builder.filters)
        pdta[b"shdr"] = b"".join(SHDR.pack(*h) for h in [*builder.headers, [b"EOS", *[0] * 9]])
    return pdta


def _zone(builder: Builder, pz: dict[int, int], iz: dict[int, int], filters: bool) -> list[list]:
    """The zone(s) of instrument zone `iz` with preset offsets `pz`, as generator lists."""
    sample = iz[SAMPLE_ID]
    if sample >= len(builder.source):
        return []
    low, high = _range(iz.get(KEY_RANGE))
    vlow, vhigh = _range(iz.get(VEL_RANGE))
    if low > high or vlow > vhigh:
        return []
    gens = {n: _signed(a) for n, a in iz.items()}
    for number, amount in pz.items():
        if number not in NOT_ADDITIVE:
            gens[number] = gens.get(number, DEFAULTS.get(number, 0)) + _signed(amount)
    for number, value in DEFAULTS.items():
        gens.setdefault(number, value)
    _, start, end, loop_start, loop_end, rate, pitch, correction, *_ = builder.source[sample]
    offset = 1 if builder.bump else 0  # SF3 offsets are not folded (prestosynth ignores them)
    start += offset * (gens.get(START, 0) + 32768 * gens.get(START_COARSE, 0))
    end += offset * (gens.get(END, 0) + 32768 * gens.get(END_COARSE, 0))
    loop_start += offset * (gens.get(LOOP_START, 0) + 32768 * gens.get(LOOP_START_COARSE, 0))
    loop_end += offset * (gens.get(LOOP_END, 0) + 32768 * gens.get(LOOP_END_COARSE, 0))
    mode = gens.get(SAMPLE_MODES, 0) & 3
    # A broken loop reads outside the sample (noise bursts, seen in TimGM6mb). SF3 loops count
    # from the decoded sample's start, which the header does not give: left as they are.
    inside = start <= loop_start < loop_end - 1 and loop_end <= end
    if mode in (1, 3) and builder.bump and not inside:
        mode = 0
    looped = mode in (1, 3)
    root = gens[ROOT_KEY] if 0 <= gens[ROOT_KEY] <= 127 else pitch
    tune = gens.get(COARSE_TUNE, 0) * 100 + gens.get(FINE_TUNE, 0) + correction
    scale = gens[SCALE_TUNING]
    sample_s = max(end - start, 1) / max(rate, 1)
    env, gain = envelope(gens, (low + high) // 2, looped, sample_s)
    level = gain * 10 ** (-min(max(gens.get(ATTENUATION, 0), 0), 1440) * ATTENUATION_SCALE / 200)
    # prestosynth pans linearly (0.5 -+ pan a side), FluidSynth with constant power (0.71 a side
    # in the middle): a centred zone came out 3 dB down on a hard-panned one (stereo samples).
    # Levels cannot go above 1, so the panned ones come down instead.
    pan = min(max(gens.get(PAN, 0), -500), 500) / 1000
    level /= math.sqrt(1 + 4 * pan**2)
    attenuation = int(round(1000 * (1 - level)))
    pan = int(round(pan * 100))
    split = [(low, high)] if scale == 100 else [(k, k) for k in range(low, high + 1)]
    zones = []
    for first, last in split:
        # Semitones above the root that FluidSynth plays on key `first` (all keys if scale 100).
        shift = (first - root) * scale / 100 + tune / 100
        new_root = first - round(shift) if scale != 100 else root - round(tune / 100)
        cents = (
            int(round((shift - round(shift)) * 100))
            if scale != 100
            else tune - 100 * round(tune / 100)
        )
        if not 0 <= new_root <= 127:
            continue
        loop = (loop_start, loop_end)
        pitch = (first + last) / 2 - new_root + cents / 100
        cut = cutoff(gens, (first + last) // 2, pitch, rate) if filters else None
        index = builder.header(sample, start, end, loop, new_root, cents, (attenuation, cut))
        zone = [(KEY_RANGE, first | last << 8)] if (first, last) != (0, 127) else []
        zone += [(VEL_RANGE, vlow | vhigh << 8)] if (vlow, vhigh) != (0, 127) else []
        zone += [(number, value) for number, value in env.items() if value > MIN_TC]
        if pan:
            zone.append((PAN, pan))
        if attenuation:
            zone.append((ATTENUATION, attenuation))
        if looped:
            zone.append((SAMPLE_MODES, mode))
        zone.append((SAMPLE_ID, index))
        zones.append(zone)
    return zones


def _write(presets, instruments, headers: list[list]) -> dict[bytes, bytes]:
    zones = sum(len(made) for _, made in instruments)
    gens = sum(len(zone) for _, made in instruments for zone in made)
    if zones >= LIMIT or gens >= LIMIT or len(headers) >= LIMIT:
        raise ValueError(f"too many zones to rewrite ({zones} zones, {gens} generators)")
    phdr, pbag, pgen, inst, ibag, igen = [], [], [], [], [], []
    for preset, zones in presets:
        phdr.append(
            struct.pack("<20sHHHIII", preset[0], preset[1], preset[2], len(pbag), *preset[4:])
        )
        for zone in zones:
            pbag.append(struct.pack("<HH", len(pgen), 0))
            pgen += [_pack(n, a) for n, a in zone]
    for name, made in instruments:
        inst.append(struct.pack("<20sH", name, len(ibag)))
        for zone in made:
            ibag.append(struct.pack("<HH", len(igen), 0))
            igen += [_pack(n, a) for n, a in zone]
    if len(pgen) >= LIMIT or len(pbag) >= LIMIT:
        raise ValueError("too many preset zones to rewrite")
    phdr.append(struct.pack("<20sHHHIII", b"EOP", 0, 0, len(pbag), 0, 0, 0))
    pbag.append(struct.pack("<HH", len(pgen), 0))
    pgen.append(struct.pack("<HH", 0, 0))
    inst.append(struct.pack("<20sH", b"EOI", len(ibag)))
    ibag.append(struct.pack("<HH", len(igen), 0))
    igen.append(struct.pack("<HH", 0, 0))
    shdr = [SHDR.pack(*h) for h in headers] + [SHDR.pack(b"EOS", *([0] * 9))]
    modulators = b"\0" * 10
    return {
        b"phdr": b"".join(phdr),
        b"pbag": b"".join(pbag),
        b"pmod": modulators,
        b"pgen": b"".join(pgen),
        b"inst": b"".join(inst),
        b"ibag": b"".join(ibag),
        b"imod": modulators,
        b"igen": b"".join(igen),
        b"shdr": b"".join(shdr),
    }


def _pack(number: int, amount: int) -> bytes:
    return struct.pack("<HH", number, amount & 0xFFFF)
