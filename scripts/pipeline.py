"""One song, start to finish: prompt → model → ABC → arrangement → MIDI → audio → MP3 → library.

No curses and no printing here: callers (CLI, TUI, tests) get Progress events through a callback
and SongFailed / Cancelled exceptions.
"""

from __future__ import annotations

import functools
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from scripts import abc_analysis, catalog, grammars, identity, temporary
from scripts.abc_file import WrittenTune, words, written_tunes
from scripts.abc_lyrics import with_words
from scripts.abc_notation import AbcError, AbcTune, RawTune, extract_tunes, repair
from scripts.arrangement import Arrangement, arrange, directives, harmonize
from scripts.audio_render import (
    AudioError,
    abc_to_midi,
    add_lyrics_tag,
    default_soundfont,
    midi_length,
    midi_to_pcm,
    write_mp3,
)
from scripts.grammars import GrammarError
from scripts.lyrics import as_text, model_lyrics
from scripts.meter_grammar import bars_lasting, meter_grammar
from scripts.models import Cancelled, ModelError, Sampling, TextModel
from scripts.prompts import (
    PromptError,
    build_prompt,
    chat_messages,
    fill,
    header_fields,
    model_format,
    split_at_title,
)
from scripts.song_library import SongLibrary

SEED_STEP = 1_000_003  # a retry's seed: far from the seeds of the batch's other songs
MIN_TEMPO, MAX_TEMPO = 30, 300
TITLE_MAX = 60


class SongFailed(RuntimeError):
    """A song could not be made. `stage` names where, the message says why."""

    def __init__(self, stage: str, reason: str):
        super().__init__(f"{stage}: {reason}")
        self.stage = stage
        self.reason = reason


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

    @property
    def settings(self) -> dict:
        return self.config["settings"]

    @functools.cached_property
    def arrangement(self) -> Arrangement:
        return replace(arrange(self.styles + self.base_styles), styles=self.styles)

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


def readable_title(tune: AbcTune) -> str | None:
    """The tune's T: when it reads as words, not as more music ('cBA2 | d2e')."""
    title = " ".join(tune.title.split())[:TITLE_MAX]
    music = sum(c.isdigit() or c in "|:/[]^_=," for c in title)
    if sum(c.isalpha() for c in title) < 2 or "|" in title or music > len(title) * 0.2:
        return None
    words = title.split()
    if sum(len(word) == 1 and word.upper() in "ABCDEFG" for word in words) > len(words) / 2:
        return None  # 'B E D C C F': notes with spaces
    return title


def song_tempo(tune: AbcTune, arrangement: Arrangement) -> int:
    """The style's tempo when styles were given; else the tune's own Q: when it is sane."""
    if arrangement.styles:
        return arrangement.tempo
    written = abc_analysis.parse_tempo(tune.headers.get("Q", ""))
    if written and MIN_TEMPO <= written <= MAX_TEMPO:
        return round(written)
    return arrangement.tempo


def prepare_tune(
    raw: RawTune, header_defaults: dict[str, str], arrangement: Arrangement, min_bars: int
) -> tuple[AbcTune, abc_analysis.TuneStats, int]:
    """Repair, validate and harmonize one tune. Raises AbcError saying why it is unusable."""
    tune = repair(raw, header_defaults)
    tune = abc_analysis.fix_header_values(tune, header_defaults)
    tune = abc_analysis.drop_cut_off_bar(tune)
    tune = abc_analysis.infer_unit(tune)
    tune = abc_analysis.mark_repeat_after_second_ending(tune)
    stats = abc_analysis.analyse(tune)
    tempo = song_tempo(tune, arrangement)
    abc_analysis.validate(stats, tempo, min_bars)
    tune.headers["Q"] = f"1/4={tempo}"
    harmonize(tune, stats)
    return tune, stats, tempo


def first_usable_tune(
    text: str, header_defaults: dict[str, str], arrangement: Arrangement, min_bars: int
) -> tuple[AbcTune, abc_analysis.TuneStats, int]:
    """The first tune in a model's text that survives repair and validation."""
    reasons = []
    for raw in extract_tunes(text):
        try:
            return prepare_tune(raw, header_defaults, arrangement, min_bars)
        except AbcError as error:
            reasons.append(str(error))
    raise AbcError("; ".join(dict.fromkeys(reasons)))


def render_song(job: Job, number: int, tune: AbcTune, stats, tempo: int, meta: dict) -> dict:
    """ABC → MIDI → audio → MP3 → library. Returns the saved sidecar."""
    # Two songs of one library never share a title: the jukebox and ID3 tell them apart.
    title = identity.unique_title(tune.title, job.library.titles())
    tune.headers["T"] = title
    lyrics = meta.get("lyrics")  # [{"part", "lines"}] from a chat model; None: instrumental
    midi_directives = directives(job.arrangement, tune.headers.get("M", "4/4"))
    abc_text = (
        with_words(tune, midi_directives, lyrics) if lyrics else tune.to_text(midi_directives)
    )
    described = {
        "key": tune.headers["K"],
        "meter": tune.headers.get("M"),
        "tempo": tempo,
        "bars": stats.full_bars,
        "abc_repairs": tune.repairs,
    }
    return save_song(job, number, abc_text, title, {**meta, **described})


def save_song(job: Job, number: int, abc_text: str, title: str, meta: dict) -> dict:
    """ABC text → MIDI → audio → MP3 → library, under `title`. Returns the saved sidecar."""
    settings, library = job.settings, job.library
    timings = dict(meta.get("timings", {}))
    lyrics = meta.get("lyrics")
    stem = library.new_stem(title)

    def step(stage: str, fraction: float) -> float:
        job.check_cancel()
        job.on_progress(Progress(number, "convert", fraction, stage))
        return time.perf_counter()

    try:
        started = step("midi", 0.0)
        midi, warnings = abc_to_midi(abc_text)
        check_length(midi)
        started, timings["midi"] = step("audio", 0.2), time.perf_counter() - started
        soundfont = (
            Path(settings["soundfont_path"]) if settings["soundfont_path"] else default_soundfont()
        )
        pcm = midi_to_pcm(midi, soundfont, settings["sample_rate"])
        started, timings["audio"] = step("mp3", 0.4), time.perf_counter() - started
        library.partial_path(stem, ".abc").write_text(abc_text, encoding="utf-8")
        library.partial_path(stem, ".mid").write_bytes(midi)
        tags = {
            "title": title,
            "artist": job.artist["name"],
            "album": meta["album"],
            "genre": ", ".join(job.styles) or "ABC",
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
        started, timings["mp3"] = step("save", 0.9), time.perf_counter() - started
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
                "abc2midi_warnings": warnings[:20],
                "timings": timings,
                "created": time.strftime("%Y-%m-%dT%H:%M:%S"),
            },
        )
    except AudioError as error:
        library.discard(stem)
        raise SongFailed("convert", str(error)) from None
    except OSError as error:
        library.discard(stem)
        raise SongFailed("save", f"{error.strerror or error} ({library.folder})") from None
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
    return " ".join(line.split())


@dataclass
class Draft:
    """What the model wrote for one attempt: the prompt (with its own title) and the text."""

    fields: dict[str, str]
    seed: int
    prompt: str
    text: str
    seconds: float
    continues_prompt: bool = True  # the text goes on from the prompt (an ABC header)

    @property
    def abc_source(self) -> str:
        """Where the tune is: a header and its continuation, or a chat reply alone."""
        return self.prompt + self.text if self.continues_prompt else self.text


def job_format(model: TextModel, job: Job) -> str:
    """abc, chat or chatmusician, for this model and these settings."""
    entry = catalog.entry_for_file(model.file_name)
    if entry and not entry.usable:
        raise ModelError(entry.explanation())
    return model_format(
        job.settings["prompt_format"], entry and entry.format, model.has_chat_template
    )


def write_draft(model: TextModel, job: Job, number: int, seed: int) -> Draft:
    """Ask the model for one tune in the job's styles, in a key chosen by the seed."""
    fields = header_fields(job.arrangement, job.arrangement.key_for(seed))
    started = time.perf_counter()
    try:
        kind = job_format(model, job)
        if kind == "abc":
            prompt, text = write_abc(model, job, number, seed, fields)
        else:
            prompt, text = write_chat(model, job, number, seed, fields, kind)
    except PromptError as error:
        raise SongFailed("prompt", str(error)) from None
    except GrammarError as error:
        raise SongFailed("grammar", str(error)) from None
    return Draft(fields, seed, prompt, text, time.perf_counter() - started, kind == "abc")


def token_progress(job: Job, number: int, sampling: Sampling) -> Callable[[int], None]:
    return lambda count: job.on_progress(
        Progress(number, "generate", min(1.0, count / sampling.max_tokens))
    )


def write_abc(model: TextModel, job: Job, number: int, seed: int, fields: dict) -> tuple[str, str]:
    """A model that writes ABC continues a header: the style fields, its own title, the key."""
    sampling = Sampling.from_settings(job.settings)
    prompts = job.config["prompts"]
    head, tail = split_at_title(build_prompt(prompts["abc_header"], fields))
    prompt = head + (model_title(model, head, sampling, seed, job) + tail if tail else "")
    progress = token_progress(job, number, sampling)
    grammar = body_grammar(job.settings, fields, job.arrangement.tempo)
    stop = list(prompts["stop"])
    return prompt, model.complete(prompt, sampling, seed, stop, progress, job.cancel, grammar)


def body_grammar(settings: dict, fields: dict[str, str], tempo: int) -> str | None:
    """The meter grammar for the tune's body, when it is on and the meter has one: at least
    enough bars for a song of MIN_SONG_SECONDS at this tempo, even played without repeats."""
    if not settings["meter_grammar"]:
        return None
    fewest, most = temporary.METER_GRAMMAR_BARS
    try:
        fewest = max(fewest, bars_lasting(temporary.MIN_SONG_SECONDS, fields["meter"], tempo))
        return meter_grammar(fields["meter"], fields["unit"], fewest, max(most, fewest))
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
    return first_usable_tune(draft.abc_source, defaults, job.arrangement, job.settings["min_bars"])


def wrote(text: str) -> str:
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
            reasons.append(f"attempt {attempt + 1} (seed {seed}): {error}; {wrote(draft.text)}")
            continue
        tune.headers["T"] = readable_title(tune) or identity.invent_title(seed)
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
            if error.stage != "convert":
                raise
            reasons.append(f"attempt {attempt + 1} (seed {seed}): {error}")
    raise SongFailed("abc", f"no usable tune after {len(reasons)} tries: {reasons[-1]}")


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


def check_length(midi: bytes) -> None:
    """A MIDI with no notes, or one that plays for hours, is not rendered."""
    seconds, notes = midi_length(midi)
    if not notes:
        raise AudioError("abc2midi wrote no notes")
    if seconds > abc_analysis.MAX_TUNE_SECONDS:
        raise AudioError(f"plays {seconds / 60:.0f} minutes: too long")


def arranged_tune(job: Job, raw: RawTune, defaults: dict[str, str], min_bars: int):
    """A tune put through the style arrangement: repaired, checked, harmonized; the %%MIDI
    lines follow in render_song. Returns (tune, stats, tempo)."""
    return prepare_tune(raw, defaults, job.arrangement, min_bars)


def render_written(job: Job, tune: WrittenTune, source_name: str) -> dict:
    """A tune of the user's file, played as written: its own text goes to abc2midi."""
    meta = {**source_meta(source_name, tune.number), **written_fields(tune, not job.styles)}
    title = tune.title or f"{source_name} {tune.number}"
    if job.styles:  # the style engine arranges it: the user's own tune, any length
        defaults = {"X": "1", "T": title, "M": "4/4", "K": "C"}
        arranged, stats, tempo = arranged_tune(job, extract_tunes(tune.text)[0], defaults, 1)
        arranged.headers["T"] = title
        return render_song(job, tune.number, arranged, stats, tempo, meta)
    title = identity.unique_title(title, job.library.titles())
    return save_song(job, tune.number, tune.text, title, meta)


def source_meta(source_name: str, number: int) -> dict:
    return {
        "album": source_name,
        "model": "none",
        "seed": None,
        "source": source_name,
        "tune_number": number,
    }


def written_fields(tune: WrittenTune, as_written: bool) -> dict:
    """What the sidecar says of a tune played as written: its own fields and its words."""
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
    A file of ABC tunes (X: lines) is played as written; any other text (model output) is
    searched for tunes, which are repaired and checked as model output is. Returns how many
    failed. Raises AbcError when the text holds no tune at all."""
    written = written_tunes(text)
    if written:
        failures = 0
        for tune in written:
            try:
                on_result(tune.number, render_written(job, tune, source_name), None)
            except (AbcError, SongFailed) as error:
                failures += 1
                reason = f"abc: {error}" if isinstance(error, AbcError) else str(error)
                on_result(tune.number, None, f"{tune.describe()}: {reason}")
        return failures
    failures = 0
    for raw in extract_tunes(text):
        meta = source_meta(source_name, raw.number)
        defaults = {"X": "1", "T": f"{source_name} {raw.number}", "M": "4/4", "K": "C"}
        try:
            tune, stats, tempo = arranged_tune(job, raw, defaults, job.settings["min_bars"])
            tune.headers["T"] = readable_title(tune) or defaults["T"]
            on_result(raw.number, render_song(job, raw.number, tune, stats, tempo, meta), None)
        except AbcError as error:
            failures += 1
            on_result(raw.number, None, f"abc: {error}")
        except SongFailed as error:
            failures += 1
            on_result(raw.number, None, str(error))
    return failures
