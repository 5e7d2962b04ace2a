"""One song, start to finish: prompt → model → ABC → arrangement → MIDI → audio → MP3 → library.

No curses and no printing here: callers (CLI, TUI, tests) get Progress events through a callback
and SongFailed / Cancelled exceptions.
"""

from __future__ import annotations

import functools
import random
import re
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import symusic

from scripts import temporary
from scripts.audio.audio_render import (
    AudioError,
    abc_to_midi,
    add_lyrics_tag,
    midi_length,
    write_mp3,
)
from scripts.audio.effects import Effects
from scripts.audio.mastering import MasterPlan
from scripts.audio.mixdown import render_mix
from scripts.audio.soundfonts import choose_soundfont
from scripts.library.song_library import SongLibrary
from scripts.model import grammars
from scripts.model.grammars import GrammarError
from scripts.model.model_choice import job_format
from scripts.model.models import Cancelled, Sampling, TextModel
from scripts.model.prompts import (
    PromptError,
    build_prompt,
    chat_messages,
    fill,
    header_fields,
    split_at_title,
)
from scripts.notation import abc_analysis
from scripts.notation.abc_file import WrittenTune, bar_count, directive_problem, file_parts, words
from scripts.notation.abc_lyrics import with_words
from scripts.notation.abc_notation import AbcError, AbcTune, RawTune, extract_tunes, repair
from scripts.notation.meter_grammar import Vocabulary, bars_lasting, meter_grammar
from scripts.settings import soundfont_file, styles_folder
from scripts.song import identity
from scripts.song.lyrics import as_text, model_lyrics
from scripts.style import style_library
from scripts.style.arranger import ArrangeError, arrange_song
from scripts.style.style_match import Blend, blend
from scripts.utility import printable

SEED_STEP = 1_000_003  # a retry's seed: far from the seeds of the batch's other songs
TUNE_TYPE_RE = re.compile(
    r"[\s\-–—,:;(]*\b(?P<type>" + "|".join(temporary.TUNE_TYPES) + r")s?\)?\s*$", re.IGNORECASE
)
TITLE_MAX = 60


class SongFailed(RuntimeError):
    """A song could not be made. `stage` names where, the message says why."""

    def __init__(self, stage: str, reason: str, errno: int | None = None):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason
        self.errno = errno  # of the OSError behind a failed save (a full disk stops the batch)


@dataclass
class Progress:
    song: int  # the song's number in its batch, from 1
    stage: str  # "generate" (the model writes) or "convert" (ABC → MP3)
    fraction: float  # how far through the stage, 0..1
    message: str = ""


ProgressCallback = Callable[[Progress], None]


@dataclass
class Job:
    """What every song of a batch shares."""

    styles: tuple[str, ...]
    config: dict  # {"settings": ..., "prompts": ...} from scripts.settings
    library: SongLibrary
    on_progress: ProgressCallback = lambda progress: None
    cancel: threading.Event = field(default_factory=threading.Event)
    artist: dict = field(default_factory=identity.neutral_artist)  # {"name", "members"}
    genre_invented: bool = False  # the styles are one genre invented for "surprise me"
    # Styles that shape the music without being named: the style a model's genre is closest to.
    base_styles: tuple[str, ...] = ()
    # Who made the genre and the artist: "typed", "offline" (word lists) or "model".
    identity_sources: dict = field(default_factory=dict)
    # How the model is asked (abc, chat, chatmusician): decided once, when the batch opens it.
    model_format: str = ""

    @property
    def settings(self) -> dict:
        return self.config["settings"]

    @functools.cached_property
    def styles_library(self) -> style_library.StyleLibrary:
        return style_library.load_library(styles_folder(self.settings))

    @functools.cached_property
    def blend(self) -> Blend:
        """The styles typed, as the library's styles blend them; a genre a model invented plays
        as the style it named closest."""
        closest = self.base_styles[0] if self.base_styles else None
        if self.genre_invented and closest in self.styles_library:
            chosen = blend((closest,), self.styles_library)
            return replace(chosen, styles=self.styles)
        return blend(self.styles, self.styles_library, closest)

    def check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled()


def song_seed(base: int | None, number: int, attempt: int) -> int:
    """Seed for a song's attempt: from the fixed base when there is one, else random."""
    if base is None or base < 0:
        return random.SystemRandom().randrange(2**31)
    return (base + number - 1 + attempt * SEED_STEP) % 2**31


def batch_job(
    styles: tuple[str, ...], config: dict, library: SongLibrary, base_seed: int | None
) -> Job:
    """A generation batch: one invented artist for all its songs and, when no styles were given
    ("surprise me"), one invented genre; both from the fixed seed when there is one."""
    seed = song_seed(base_seed, 1, 0)
    artist = identity.invent_artist(seed)
    if styles:
        sources = {"genre": "typed", "artist": "offline"}
        return Job(styles, config, library, artist=artist, identity_sources=sources)
    genre = identity.invent_genre(seed)
    sources = {"genre": "offline", "artist": "offline"}
    return Job(
        (genre,), config, library, artist=artist, genre_invented=True, identity_sources=sources
    )


def readable_title(tune: AbcTune, kinds: frozenset[str] = frozenset()) -> str | None:
    """The tune's T: when it reads as words, not as more music ('cBA2 | d2e'), without a tune
    type that is not the song's ('The Kilfenora Reel' in a house song: 'The Kilfenora')."""
    title = without_tune_type(" ".join(printable(tune.title).split())[:TITLE_MAX], kinds)
    music = sum(c.isdigit() or c in "|:/[]^_=," for c in title)
    if sum(c.isalpha() for c in title) < 2 or "|" in title or music > len(title) * 0.2:
        return None
    words = title.split()
    if sum(len(word) == 1 and word.upper() in "ABCDEFG" for word in words) > len(words) / 2:
        return None  # 'B E D C C F': notes with spaces
    return title


def without_tune_type(title: str, kinds: frozenset[str]) -> str:
    """The title less a trailing tune type ('-- Reel', 'Jig', '(hornpipe)') that is not one of
    the song's `kinds` (the names of its style: a folk jig keeps 'Jig')."""
    found = TUNE_TYPE_RE.search(title)
    if found and found["type"].lower() not in kinds:
        return title[: found.start()].rstrip(" -–—,:;(")
    return title


def song_tempo(tune: AbcTune, tempo: int | None) -> int:
    """The style's tempo when there is one; else the tune's own Q: when it is sane."""
    if tempo:
        return tempo
    written = abc_analysis.parse_tempo(tune.headers.get("Q", ""))
    low, high = temporary.TEMPO_RANGE
    if written and low <= written <= high:
        return round(written)
    return temporary.DEFAULT_TEMPO


def prepare_tune(
    raw: RawTune, header_defaults: dict[str, str], tempo: int | None, min_bars: int
) -> tuple[AbcTune, abc_analysis.TuneStats, int]:
    """Repair and validate one tune. Raises AbcError saying why it is unusable."""
    tune = repair(raw, header_defaults)
    tune = abc_analysis.fix_header_values(tune, header_defaults)
    tune = abc_analysis.drop_cut_off_bar(tune)
    tune = abc_analysis.infer_unit(tune)
    tune = abc_analysis.mark_repeat_after_second_ending(tune)
    stats = abc_analysis.analyse(tune)
    tempo = song_tempo(tune, tempo)
    abc_analysis.validate(stats, tempo, min_bars)
    tune.headers["Q"] = f"1/4={tempo}"
    return tune, stats, tempo


def first_usable_tune(
    text: str, header_defaults: dict[str, str], tempo: int | None, min_bars: int
) -> tuple[AbcTune, abc_analysis.TuneStats, int]:
    """The first tune in a model's text that survives repair and validation."""
    reasons = []
    for raw in extract_tunes(text):
        try:
            return prepare_tune(raw, header_defaults, tempo, min_bars)
        except AbcError as error:
            reasons.append(str(error))
    raise AbcError("; ".join(dict.fromkeys(reasons)))


def pickup_quarters(stats: abc_analysis.TuneStats) -> float:
    """How long the tune's pickup (a short first bar) is, in quarter notes; 0 for none."""
    first = stats.bars[0] if stats.bars else None
    if first and 0 < first.duration < first.meter and first.closing == "|":
        return float(first.duration * 4)
    return 0.0


def arrangement(job: Job, tune: AbcTune, stats, tempo: int, seed: int):
    """The tune as a song of the job's styles: the melody played by abc2midi alone, then the
    arranger's score. Returns (arrangement, abc2midi's warnings)."""
    # abc2midi swings a tune whose R: is a hornpipe by itself; the style's feel swings the
    # melody in the arranger, once: abc2midi gets the tune straight.
    straight = replace(tune, headers={k: v for k, v in tune.headers.items() if k != "R"})
    melody_only = straight.to_text(("%%MIDI gchordoff", "%%MIDI drumoff"))
    melody, warnings = abc_to_midi(melody_only)
    song = arrange_song(
        melody,
        job.blend,
        stats.key,
        tempo,
        tune.headers.get("M", "4/4"),
        seed,
        pickup_quarters(stats),
    )
    return song, warnings


def render_song(job: Job, number: int, tune: AbcTune, stats, tempo: int, meta: dict) -> dict:
    """ABC → arrangement → MIDI → audio → MP3 → library. Returns the saved sidecar."""
    # Two songs of one library never share a title: the jukebox and ID3 tell them apart.
    title = job.library.claim_title(tune.title)
    tune.headers["T"] = title
    lyrics = meta.get("lyrics")  # [{"part", "lines"}] from a chat model; None: instrumental
    abc_text = with_words(tune, (), lyrics) if lyrics else tune.to_text()
    # The arrangement's choices follow the song's seed (a rendered file's: its text), so a song
    # is rebuilt exactly from its sidecar.
    seed = meta["seed"] if meta.get("seed") is not None else zlib.crc32(abc_text.encode())

    def sound(step: Callable[[str, float], None]) -> tuple[bytes, object, dict]:
        song, warnings = arrangement(job, tune, stats, tempo, seed)
        step("audio", 0.2)
        # Each role through the SoundFont on its own, with the style's effects, then mastered.
        plan = master_plan(job.blend, song)
        pcm, soundfont = mastered_audio(job, song.score, job.blend.spec.effects, seed, plan)
        described = {
            "key": tune.headers["K"],
            "meter": tune.headers.get("M"),
            "tempo": tempo,
            "bars": stats.full_bars,
            "arranged_as": song.summary["arranged_as"],
            "soundfont": soundfont,
            "arrangement": song.summary,
            "lyrics": timed_lyrics(lyrics, song) if lyrics else None,
            "abc_repairs": tune.repairs,
            "abc2midi_warnings": warnings[:20],
        }
        return song.score.dumps_midi(), pcm, described

    genre = ", ".join(job.styles) or job.blend.label
    return save_song(job, number, abc_text, title, genre, meta, sound)


def master_plan(blend: Blend, song) -> MasterPlan:
    """The style's loudness, each section's level under the loudest by its energy, and the
    parts' balance."""
    mastering = blend.spec.mastering
    top = max(section.energy for section in song.sections)
    levels = tuple(
        (song.seconds(section.start_bar), (section.energy - top) * mastering.section_db)
        for section in song.sections
    )
    return MasterPlan(mastering.lufs, levels, balance=mastering.balance)


def mastered_audio(job: Job, score: symusic.Score, effects: Effects | None, seed: int, plan=None):
    """(The score's audio through the chosen SoundFont and these effects, mastered by `plan`
    (the default loudness when None), that SoundFont's name)."""
    plan = plan or MasterPlan(temporary.DEFAULT_LUFS)
    soundfont = choose_soundfont(soundfont_file(job.settings))
    pcm = render_mix(score, effects, soundfont.path, job.settings["sample_rate"], seed, plan)
    return pcm, soundfont.name


def save_song(
    job: Job, number: int, abc_text: str, title: str, genre: str, meta: dict, sound
) -> dict:
    """`sound(step)` makes the song's MIDI and audio (and the sidecar fields that describe
    them); then MP3 → library, under `title`. Returns the saved sidecar."""
    settings, library = job.settings, job.library
    timings = dict(meta.get("timings", {}))
    lyrics = meta.get("lyrics")
    stem = library.new_stem(title)
    current = {"stage": "", "since": 0.0}

    def step(stage: str, fraction: float) -> None:
        """Progress, a chance to cancel, and the time the stage before took."""
        job.check_cancel()
        job.on_progress(Progress(number, "convert", fraction, stage))
        now = time.perf_counter()
        if current["stage"]:
            timings[current["stage"]] = now - current["since"]
        current.update(stage=stage, since=now)

    try:
        step("midi", 0.0)
        midi, pcm, described = sound(step)
        step("mp3", 0.4)
        library.partial_path(stem, ".abc").write_text(abc_text, encoding="utf-8")
        library.partial_path(stem, ".mid").write_bytes(midi)
        tags = {
            "title": title,
            "artist": job.artist["name"],
            "album": meta["album"],
            "genre": genre,
            "comment": f"model {meta['model']}, seed {meta['seed']}",
        }
        duration = write_mp3(
            pcm,
            settings["sample_rate"],
            library.partial_path(stem, ".mp3"),
            tags,
            settings["mp3_bitrate"],
        )
        if lyrics:
            add_lyrics_tag(library.partial_path(stem, ".mp3"), as_text(lyrics))
        step("save", 0.9)
        sidecar = library.commit(
            stem,
            {
                **meta,
                "title": title,
                "artist": job.artist["name"],
                "artist_members": job.artist["members"],
                "lyrics": lyrics,
                "instrumental": lyrics is None,
                "styles": list(job.styles),
                "genre_invented": job.genre_invented,
                "identity_sources": job.identity_sources,
                "duration_seconds": duration,
                **described,
                "timings": timings,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
        )
    except ArrangeError as error:
        library.discard(stem)
        raise SongFailed("arrange", str(error)) from None
    except AudioError as error:
        library.discard(stem)
        raise SongFailed("convert", str(error)) from None
    except OSError as error:
        library.discard(stem)
        reason = f"{error.strerror or error} ({library.folder})"
        raise SongFailed("save", reason, error.errno) from None
    except BaseException:  # cancelled, Ctrl+C: leave nothing behind
        library.discard(stem)
        raise
    job.on_progress(Progress(number, "convert", 1.0, "done"))
    return sidecar


def model_title(model: TextModel, head: str, sampling: Sampling, seed: int, job: Job) -> str:
    """The title line the model writes after the style fields of the header."""
    line = model.complete(
        head,
        replace(sampling, max_tokens=temporary.TITLE_MAX_TOKENS),
        seed,
        ["\n"],
        lambda count: None,
        job.cancel,
    )
    return " ".join(printable(line).split())


@dataclass
class Draft:
    """What the model wrote for one attempt: the prompt (with its own title) and the text."""

    fields: dict[str, str]
    seed: int  # the song's; the model's own seed is the blend's stream of it
    tempo: int
    prompt: str
    text: str
    seconds: float
    continues_prompt: bool = True  # the text goes on from the prompt (an ABC header)

    @property
    def abc_source(self) -> str:
        """Where the tune is: a header and its continuation, or a chat reply alone."""
        return self.prompt + self.text if self.continues_prompt else self.text


def write_draft(model: TextModel, job: Job, number: int, seed: int) -> Draft:
    """Ask the model for one tune in the job's styles, in a key chosen by the seed."""
    tempo = job.blend.tempo_for(seed)
    fields = header_fields(job.blend, job.blend.key_for(seed), tempo)
    started = time.perf_counter()
    # The model samples with the song's seed made the style's own: one seed, two styles, two tunes.
    sampling_seed = job.blend.stream(seed, "melody")
    try:
        kind = job_format(model, job)
        if kind == "abc":
            prompt, text = write_abc(model, job, number, sampling_seed, fields, tempo)
        else:
            prompt, text = write_chat(model, job, number, sampling_seed, fields, kind)
    except PromptError as error:
        raise SongFailed("prompt", str(error)) from None
    except GrammarError as error:
        raise SongFailed("grammar", str(error)) from None
    return Draft(fields, seed, tempo, prompt, text, time.perf_counter() - started, kind == "abc")


def token_progress(job: Job, number: int, sampling: Sampling) -> Callable[[int], None]:
    return lambda count: job.on_progress(
        Progress(number, "generate", min(1.0, count / sampling.max_tokens))
    )


def write_abc(
    model: TextModel, job: Job, number: int, seed: int, fields: dict, tempo: int
) -> tuple[str, str]:
    """A model that writes ABC continues a header: the style fields, its own title, the key."""
    sampling = Sampling.from_settings(job.settings)
    prompts = job.config["prompts"]
    head, tail = split_at_title(build_prompt(prompts["abc_header"], fields))
    prompt = head + (model_title(model, head, sampling, seed, job) + tail if tail else "")
    progress = token_progress(job, number, sampling)
    melody = job.blend.spec.melody
    words = Vocabulary(melody.lengths, melody.rests, melody.broken, melody.triplets)
    grammar = body_grammar(job.settings, fields, tempo, words)
    stop = list(prompts["stop"])
    return prompt, model.complete(prompt, sampling, seed, stop, progress, job.cancel, grammar)


def body_grammar(
    settings: dict, fields: dict[str, str], tempo: int, words: Vocabulary | None = None
) -> str | None:
    """The meter grammar for the tune's body, when it is on and the meter has one: at least
    enough bars for a song of MIN_SONG_SECONDS at this tempo, even played without repeats, in
    the style's note lengths."""
    if not settings["meter_grammar"]:
        return None
    fewest, most = temporary.METER_GRAMMAR_BARS
    try:
        fewest = max(fewest, bars_lasting(temporary.MIN_SONG_SECONDS, fields["meter"], tempo))
        return meter_grammar(
            fields["meter"], fields["unit"], fewest, max(most, fewest), words or Vocabulary()
        )
    except ValueError:  # an odd meter: the model writes it unconstrained
        return None


def write_chat(model: TextModel, job: Job, number: int, seed: int, fields: dict, kind: str):
    """A chat model is asked in words, through its own template (or ChatMusician's)."""
    sampling = Sampling.from_settings(job.settings)
    prompts = job.config["prompts"]
    grammar = grammars.abc_grammar(prompts) if job.settings["use_grammar"] else None
    messages = chat_messages(prompts, fields)
    progress = token_progress(job, number, sampling)
    if kind == "chat":
        text = model.chat(messages, sampling, seed, progress, job.cancel, grammar)
        return messages[-1]["content"], text
    prompt = fill(prompts["chatmusician"], {"message": messages[-1]["content"]})
    stop = list(temporary.CHATMUSICIAN_STOP)
    return prompt, model.complete(prompt, sampling, seed, stop, progress, job.cancel, grammar)


def draft_tune(draft: Draft, job: Job) -> tuple[AbcTune, abc_analysis.TuneStats, int]:
    """The usable tune in a draft, repaired; raises AbcError saying why there is none."""
    defaults = {
        "X": "1",
        "T": identity.invent_title(draft.seed),
        "M": draft.fields["meter"],
        "K": draft.fields["key"],
    }
    return first_usable_tune(draft.abc_source, defaults, draft.tempo, job.settings["min_bars"])


def what_the_model_wrote(text: str) -> str:
    """The start of what the model wrote, so that a skipped song says what came instead of ABC
    (a chat model's prose, say)."""
    words = " ".join(text.split())
    limit = temporary.REASON_SAMPLE_CHARS
    return f"the model wrote {words[:limit] + ('...' if len(words) > limit else '')!r}"


def generate_song(model: TextModel, job: Job, number: int, base_seed: int | None) -> dict:
    """Ask the model for a tune until one is usable (settings: retries), then render it."""
    settings = job.settings
    reasons = []
    for attempt in range(settings["retries"] + 1):
        job.check_cancel()
        seed = song_seed(base_seed, number, attempt)
        job.on_progress(
            Progress(number, "generate", 0.0, f"attempt {attempt + 1}" if attempt else "")
        )
        draft = write_draft(model, job, number, seed)
        try:
            tune, stats, tempo = draft_tune(draft, job)
        except AbcError as error:
            reasons.append(
                f"attempt {attempt + 1} (seed {seed}): {error}; {what_the_model_wrote(draft.text)}"
            )
            continue
        title = readable_title(tune, job.blend.kinds)
        tune.headers["T"] = title or identity.invent_title(job.blend.stream(seed, "title"))
        meta = {
            "album": ", ".join(job.styles),
            "model": model.name,
            "seed": seed,
            "attempts": attempt + 1,
            "prompt": draft.prompt,
            "raw_text": draft.text,
            "sampling": Sampling.from_settings(settings).__dict__,
            "timings": {"generate": draft.seconds},
            **song_lyrics(model, job, number, tune.headers["T"], seed),
        }
        try:
            return render_song(job, number, tune, stats, tempo, meta)
        except SongFailed as error:
            if error.stage not in ("arrange", "convert"):  # another seed may do: try again
                raise
            reasons.append(f"attempt {attempt + 1} (seed {seed}): {error}")
    raise SongFailed("abc", f"no usable tune after {len(reasons)} tries: {reasons[-1]}")


def timed_lyrics(lyrics: list[dict], song) -> list[dict]:
    """Each part with the second it starts ("start"): the song's sections that carry the tune,
    in order (the first verse on the first A, the chorus on the B...); parts beyond them share
    what is left of the song."""
    starts = song.melody_starts()
    end = song.seconds(song.sections[-1].end_bar)
    while len(starts) < len(lyrics):
        last = starts[-1] if starts else 0.0
        starts.append(last + (end - last) / (len(lyrics) - len(starts) + 1))
    return [{**part, "start": round(start, 2)} for part, start in zip(lyrics, starts, strict=False)]


def song_lyrics(model: TextModel, job: Job, number: int, title: str, seed: int) -> dict:
    """The sidecar's lyrics fields: words from a chat model, else none (instrumental); a model
    whose lyrics fail the checks leaves the song instrumental and the note says why."""
    if job_format(model, job) != "chat":
        return {"lyrics": None}
    job.on_progress(Progress(number, "convert", 0.0, "lyrics"))
    started = time.perf_counter()
    try:
        answer = model_lyrics(
            model, job.settings, title, job.artist["name"], job.styles, seed, job.cancel
        )
    except GrammarError as error:
        return {"lyrics": None, "lyrics_note": f"instrumental: {error}"}
    seconds = time.perf_counter() - started
    if answer.value is None:
        reasons = "; ".join(dict.fromkeys(answer.reasons))
        note = f"instrumental: no usable lyrics in {answer.tries} tries ({reasons})"
        return {"lyrics": None, "lyrics_note": note, "lyrics_seconds": seconds}
    return {"lyrics": answer.value, "lyrics_seconds": seconds}


def check_length(midi: bytes, text: str = "") -> None:
    """A MIDI with no notes, or one that plays for too long, is not rendered. `text`: the ABC
    it was made of, to tell a tune too long for abc2midi from one with nothing to play."""
    seconds, notes = midi_length(midi)
    bars = bar_count(text)
    if not notes and bars > temporary.ABC2MIDI_MOST_BARS:  # it writes a broken file then
        minutes = abc_analysis.MAX_TUNE_SECONDS // 60
        raise AudioError(f"about {bars} bars: too long (over {minutes} minutes at any tempo)")
    if not notes:
        raise AudioError("abc2midi wrote no notes")
    if seconds > abc_analysis.MAX_TUNE_SECONDS:
        raise AudioError(f"plays {seconds / 60:.0f} minutes: too long")


def tune_to_arrange(job: Job, raw: RawTune, defaults: dict[str, str], number: int, min_bars: int):
    """A tune to be arranged in the job's styles: repaired and checked (the arrangement itself
    follows in render_song). Returns (tune, stats, tempo)."""
    tempo = job.blend.tempo_for(number) if job.styles else None
    return prepare_tune(raw, defaults, tempo, min_bars)


def render_written(job: Job, tune: WrittenTune, number: int, source_name: str) -> dict:
    """A tune of the user's file. Without styles it is played as written: its own text goes to
    abc2midi and the synthesizer, no arrangement; with styles the style engine arranges it."""
    meta = {**source_meta(source_name, number), **written_fields(tune, not job.styles)}
    title = tune.title or f"{source_name} {number}"
    if job.styles:  # the user's own tune, any length: no minimum of bars
        defaults = {"X": "1", "T": title, "M": "4/4", "K": "C"}
        raw = extract_tunes(tune.text)[0]
        arranged_one, stats, tempo = tune_to_arrange(job, raw, defaults, number, 1)
        arranged_one.headers["T"] = title
        return render_song(job, number, arranged_one, stats, tempo, meta)
    return save_as_written(job, number, tune.text, title, meta)


def save_as_written(job: Job, number: int, text: str, title: str, meta: dict) -> dict:
    """The ABC `text` played as it is written: abc2midi and the synthesizer, no arrangement."""
    title = job.library.claim_title(title)

    def sound(step: Callable[[str, float], None]) -> tuple[bytes, object, dict]:
        if problem := directive_problem(text):
            raise AudioError(problem)
        midi, warnings = abc_to_midi(text)
        check_length(midi, text)
        step("audio", 0.2)
        # The app's synth and master, no style effects: the file's own instruments as they are.
        score = symusic.Score.from_midi(midi)
        pcm, soundfont = mastered_audio(job, score, None, zlib.crc32(text.encode()))
        return midi, pcm, {"soundfont": soundfont, "abc2midi_warnings": warnings[:20]}

    return save_song(job, number, text, title, "ABC", meta, sound)


def source_meta(source_name: str, number: int) -> dict:
    return {
        "album": source_name,
        "model": "none",
        "seed": None,
        "source": source_name,
        "tune_number": number,
    }


def written_fields(tune: WrittenTune, as_written: bool) -> dict:
    """What the sidecar says of a tune of the user's file: its own fields and its words."""
    tempo = abc_analysis.parse_tempo(tune.headers.get("Q", ""))
    lines = words(tune)
    return {
        "key": tune.headers.get("K", ""),
        "meter": tune.headers.get("M"),
        "tempo": round(tempo) if tempo else None,
        "as_written": as_written,
        "lyrics": [{"part": "Words", "lines": lines}] if lines else None,
    }


def render_text(
    job: Job, text: str, source_name: str, on_result: Callable[[int, dict | None, str | None], None]
) -> int:
    """Every tune in `text` becomes a song. on_result(number, sidecar, error) is called per tune.
    A tune that starts at an X: line is the user's own, played as written; any other text
    (model output, alone or pasted between them) is searched for tunes, which are repaired and
    checked as model output is. Returns how many failed. Raises AbcError when the text holds no
    tune at all."""
    parts = file_parts(text)
    if not any(isinstance(part, WrittenTune) for part in parts):
        parts = extract_tunes(text)  # raises AbcError: no tune at all
    number = failures = 0
    for part in parts:
        if isinstance(part, str):  # text between written tunes: tunes without X:, or none
            try:
                raws = extract_tunes(part)
            except AbcError:
                continue
        else:
            raws = [part]
        for raw in raws:
            number += 1
            error = render_one(job, raw, number, source_name, on_result)
            failures += error is not None
    return failures


def render_one(job: Job, part: RawTune | WrittenTune, number: int, source_name: str, on_result):
    """One tune of a file as a song; returns the error reported for it, None when it rendered."""
    try:
        if isinstance(part, WrittenTune):
            sidecar = render_written(job, part, number, source_name)
        else:
            defaults = {"X": "1", "T": f"{source_name} {number}", "M": "4/4", "K": "C"}
            min_bars = job.settings["min_bars"]
            tune, stats, tempo = tune_to_arrange(job, part, defaults, number, min_bars)
            kinds = job.blend.kinds if job.styles else frozenset(temporary.TUNE_TYPES)
            tune.headers["T"] = readable_title(tune, kinds) or defaults["T"]
            meta = source_meta(source_name, number)
            if job.styles:
                sidecar = render_song(job, number, tune, stats, tempo, meta)
            else:  # model output in a file, repaired, then played as the tune it is
                meta.update(
                    key=tune.headers["K"],
                    meter=tune.headers.get("M"),
                    tempo=tempo,
                    bars=stats.full_bars,
                    as_written=True,
                    abc_repairs=tune.repairs,
                )
                sidecar = save_as_written(job, number, tune.to_text(), tune.headers["T"], meta)
    except (AbcError, SongFailed) as failed:
        error = f"abc: {failed}" if isinstance(failed, AbcError) else str(failed)
        if isinstance(part, WrittenTune):
            error = f"{part.describe()}: {error}"
        on_result(number, None, error)
        return error
    on_result(number, sidecar, None)
    return None
