"""Constants, maps and lists for the whole app, in sections by domain: other modules keep no
settings, limits, paths or tunable numbers of their own. Music tables are data in data/
(music_tables.json, styles/), read and checked here."""

from __future__ import annotations

import json
from pathlib import Path

APP_NAME = "Llm-Music-Gen"
APP_VERSION = "0.1.0"

# --- Paths ----
REPO_ROOT = Path(__file__).resolve().parent.parent
# Tests and power users point the app at another data folder; the repo's data/ is the default.
DATA_DIR_ENV = "LLM_MUSIC_GEN_DATA"
DEFAULT_DATA_DIR = REPO_ROOT / "data"
SETTINGS_FILE_NAME = "persistent.json"
DEFAULT_OUTPUT_DIR = REPO_ROOT / "output"
LIBRARY_INDEX_NAME = "library.json"
PARTIAL_SUFFIX = ".part"  # songs are written under this suffix, then renamed
LOCK_DIR_NAME = "Llm-Music-Gen-locks"  # in the temporary folder: the library's lock files
GGUF_MAGIC = b"GGUF"
GGUF_MAX_ARRAY_DEPTH = 8  # real headers hold arrays of scalars or strings: one level
# The small ABC model trained for this app (training/), used when no other model is chosen.
STARTER_MODEL_PATH = REPO_ROOT / "data" / "starter-model.gguf"
MODELS_DIR = REPO_ROOT / "data" / "models"  # downloaded models (not committed)
MODELS_DIR_ENV = "LLM_MUSIC_GEN_MODELS"  # tests download into a temporary folder instead

LOG_DIR = REPO_ROOT / "logs"
LOG_FILE_NAME = "app.log"  # the TUI sends fd 2 here: llama.cpp, abc2midi, ffmpeg, ALSA write there

# --- Model catalog and downloads -----------------------------------------------------------------
CATALOG_PATH = REPO_ROOT / "data" / "catalog.json"
CATALOG_ENV = "LLM_MUSIC_GEN_CATALOG"  # another catalog file: tests point entries at a local hub
BUNDLED_MODELS_DIR = REPO_ROOT / "data"  # entries with no repo ship here (the starter model)
# How the app talks to a model: "abc" continues a raw ABC header; "chat" goes through the GGUF's
# own chat template; "chatmusician" uses ChatMusician's "Human: {msg} </s> Assistant: " prompt;
# "audio-tokens" writes audio-codec tokens that llama.cpp alone cannot turn into music.
MODEL_FORMATS = ("abc", "chat", "chatmusician", "audio-tokens")
UNUSABLE_FORMAT = "audio-tokens"
MODEL_USES = ("music", "names", "lyrics")
AUDIO_TOKENS_EXPLANATION = (
    "{name} emits audio-codec tokens (YuE stage 2), not text or ABC notation: llama.cpp alone "
    "cannot turn them into music, so this app cannot use it. It is listed because the original "
    "design named it."
)
HF_ENDPOINT_ENV = "HF_ENDPOINT"  # huggingface-hub's own variable, read again at each download
HF_OFFLINE_ENV = "HF_HUB_OFFLINE"
HF_TELEMETRY_ENV = "HF_HUB_DISABLE_TELEMETRY"  # set to 1 unless the user set it: no extra calls
DEFAULT_REVISION = "main"
# Partial downloads wait here (hidden, never *.gguf) until they are complete and verified.
PARTIAL_DOWNLOADS_DIR_NAME = ".downloads"
PARTIAL_DOWNLOAD_SUFFIX = ".incomplete"
DOWNLOAD_TIMEOUT_S = 30.0  # a silent connection for this long counts as dropped
DOWNLOAD_RETRIES = 3  # a dropped connection is resumed (Range) this many times within one call
DOWNLOAD_RETRY_WAIT_S = 1.0
DOWNLOAD_PROGRESS_INTERVAL_S = 0.2  # progress reports, at most this often
DOWNLOAD_CLI_LOG_STEP = 0.1  # without a terminal, the CLI prints a progress line per 10%
HASH_BLOCK_BYTES = 1024 * 1024

# --- Text UI ----
UI_TICK_MS = 100  # the main loop wakes this often to drain worker events and move the clocks
UI_MIN_HEIGHT, UI_MIN_WIDTH = 16, 60
UI_BAR_WIDTH = 30
UI_RECENT_SONGS = 4  # finished songs listed under the bars on the Generate screen
# what curses reads and writes text in when the locale is plain C: the first one the system has
# (the names Python tries itself for PEP 538; macOS calls it "UTF-8")
UI_UTF8_LOCALES = ("C.UTF-8", "C.utf8", "UTF-8")
CONTINUOUS_WORDS = ("c", "continuous")  # typed as the song count: generate until cancelled

# --- Limits ----
MAX_SONGS_PER_BATCH = 100  # hard ceiling; the user's own maximum (settings) may be lower
MAX_STYLES_LENGTH = 200
MIN_FREE_DISK_BYTES = 20 * 1024 * 1024  # a song needs a few MB; refuse to start below this
ABC2MIDI_TIMEOUT_S = 30
# abc2midi writes a MIDI file without notes for a tune of some thousands of bars (10,000 4/4 bars
# here; 6,000 were fine): a tune past this that comes out empty is said to be too long. 3,000
# bars are over 15 minutes (MAX_TUNE_SECONDS) even of 2/4 at 200 bpm.
ABC2MIDI_MOST_BARS = 3000
# Files the app reads (scripts/input_files.py): bounds checked before a file is read or parsed.
JSON_MAX_BYTES = 16_000_000  # settings, a sidecar, a style, the catalog: far smaller
LIBRARY_INDEX_MAX_BYTES = 200_000_000  # library.json: about 1.5 KB a song
JSON_MAX_DEPTH = 64  # the app's own files nest 8 deep at most; a deeper one is not its
JSON_MAX_DIGITS = 40  # in a whole number; Python refuses over 4,300 with an internal message
TUNE_FILE_MAX_BYTES = 16_000_000  # a file of tunes (render, train) larger than this is not one

# --- Settings and prompts (data/persistent.json) -------------------------------------------------
MP3_BITRATES = ("96k", "128k", "160k", "192k", "256k", "320k")
PROMPT_FORMATS = ("auto", "abc", "chat", "chatmusician")
# Every setting, described once: scripts/settings.py derives the defaults, the checks, the Options
# screen's rows (in this order), the catalog's sampling fields and the command line's bounds.
# kind: int | float (with "range": lowest, highest) | bool | choice (with "choices") | text |
# url | path (empty = the default place; "~" and paths relative to the app's folder work).
# "sampling": a catalog entry recommends a value (set when the model is chosen).
SETTINGS_SCHEMA: dict[str, dict] = {
    "model_path": {
        "kind": "path",
        "default": "",
        "label": "Model",
        "help": "a GGUF file; empty = the starter model; M = catalog",
    },
    "server_url": {
        "kind": "url",
        "default": "",
        "label": "Server URL",
        "help": "an OpenAI-compatible server; empty = the local Model",
    },
    # How the model is asked for a tune: "auto" = from the catalog, else "chat" when the GGUF
    # carries a chat template, else "abc" (it continues an ABC header, like the starter model).
    "prompt_format": {
        "kind": "choice",
        "default": "auto",
        "choices": PROMPT_FORMATS,
        "label": "Prompt format",
        "help": " ".join(PROMPT_FORMATS),
    },
    "use_grammar": {
        "kind": "bool",
        "default": True,
        "label": "Chat ABC grammar",
        "help": "yes/no: chat models write ABC, no prose",
    },
    "meter_grammar": {
        "kind": "bool",
        "default": True,
        "label": "Meter grammar",
        "help": "yes/no: ABC models keep every bar in meter, 16 bars or more",
    },
    "n_ctx": {
        "kind": "int",
        "default": 2048,
        "range": (256, 131072),
        "label": "Context size (tokens)",
        "help": "capped at what the model was trained on",
    },
    "n_threads": {
        "kind": "int",
        "default": 0,
        "range": (0, 256),
        "label": "CPU threads",
        "help": "0 = one per physical core",
    },
    "n_gpu_layers": {
        "kind": "int",
        "default": 0,
        "range": (-1, 1000),
        "label": "GPU layers",
        "help": "-1 = all, 0 = CPU only",
    },
    "temperature": {
        "kind": "float",
        "default": 0.9,
        "range": (0.0, 5.0),
        "label": "Temperature",
        "help": "higher = bolder, stranger tunes; lower = safer, more repetitive",
        "sampling": True,
    },
    "top_p": {
        "kind": "float",
        "default": 0.95,
        "range": (0.0, 1.0),
        "label": "Top-p",
        "help": "sample from the likeliest tokens that make up this share; 1 = all",
        "sampling": True,
    },
    "top_k": {
        "kind": "int",
        "default": 40,
        "range": (0, 1000),
        "label": "Top-k",
        "help": "sample from this many likeliest tokens; 0 = no limit",
        "sampling": True,
    },
    "repeat_penalty": {
        "kind": "float",
        "default": 1.0,
        "range": (0.5, 3.0),
        "label": "Repeat penalty",
        "help": "above 1 = repeats less (tunes repeat by nature: keep it near 1)",
        "sampling": True,
    },
    "max_tokens": {
        "kind": "int",
        "default": 768,
        "range": (16, 32768),
        "label": "Max tokens per song",
        "help": "the longest a model may write for one tune",
    },
    "seed": {
        "kind": "int",
        "default": -1,
        "range": (-1, 2**31 - 1),
        "label": "Seed",
        "help": "-1 = a new random seed for every song",
    },
    "retries": {
        "kind": "int",
        "default": 3,
        "range": (0, 20),
        "label": "Retries per song",
        "help": "an unusable tune is written again this often, then skipped",
    },
    "max_songs_per_batch": {
        "kind": "int",
        "default": 20,
        "range": (1, MAX_SONGS_PER_BATCH),
        "label": "Max songs per batch",
        "help": "the most one batch makes, here and with generate --count",
    },
    "min_bars": {
        "kind": "int",
        "default": 8,
        "range": (1, 256),
        "label": "Fewest bars per tune",
        "help": "a shorter tune is written again",
    },
    "soundfont_path": {
        "kind": "path",
        "default": "",
        "label": "SoundFont",
        "help": "an .sf2 file",
    },
    "sample_rate": {
        "kind": "int",
        "default": 44100,
        "range": (8000, 96000),
        "label": "Sample rate (Hz)",
        "help": "of the MP3s: 44100 as CDs, 48000 as video",
    },
    "mp3_bitrate": {
        "kind": "choice",
        "default": "192k",
        "choices": MP3_BITRATES,
        "label": "MP3 bitrate",
        "help": " ".join(MP3_BITRATES),
    },
    "output_dir": {
        "kind": "path",
        "default": "",
        "label": "Output folder",
        "help": "empty = output/ beside launcher.py",
    },
    "styles_dir": {
        "kind": "path",
        "default": "",
        "label": "Styles folder",
        "help": "empty = styles/ in the data folder",
    },
}
MIN_CONTEXT = 256  # n_ctx never goes below this, whatever a model's header says
STYLES_DIR_NAME = "styles"  # the styles folder's default place, in the data folder

# The raw prompt is an ABC header: a model that writes ABC continues it with the tune.
# Fields: {meter} {unit} {key} {tempo} {rhythm} {styles}. {title} marks where the model writes
# the title itself (one line) before the rest of the header is given; the starter model was
# trained on headers in this order (X R M L Q T K).
DEFAULT_PROMPTS: dict = {
    "abc_header": "X:1\nR:{rhythm}\nM:{meter}\nL:{unit}\nT:{title}\nK:{key}\n",
    "stop": ["\n\n", "\nX:"],
    # Chat models (prompt_format "chat"): the same fields, asked for in words.
    "chat_system": "You are a composer. You write original tunes in ABC notation.",
    "chat_user": (
        "Write an original {styles} tune in ABC notation. Use M:{meter}, L:{unit} and K:{key}. "
        "Give it a title in a T: line. Write at least 16 bars with chord symbols in quotes. "
        "Reply with the ABC tune only."
    ),
    # ChatMusician's own format (its model card); {message} is chat_user filled in.
    "chatmusician": "Human: {message} </s> Assistant: ",
    "abc_grammar": "",  # GBNF; empty = data/grammars/abc.gbnf
}
PROMPT_TEMPLATES = ("abc_header", "chat_system", "chat_user", "chatmusician")  # not stop, grammar
# Each prompt's row in Options: its label (messages about it use the label too) and help line.
PROMPT_OPTIONS: dict[str, dict[str, str]] = {
    "abc_header": {
        "label": "Prompt: ABC header",
        "help": "\\n = new line; {meter} {key} {title}..",
    },
    "stop": {"label": "Prompt: stop strings", "help": 'a JSON list, e.g. ["\\n\\n"]'},
    "chat_system": {"label": "Chat: system", "help": "what a chat model is told it is"},
    "chat_user": {"label": "Chat: request", "help": "{styles} {meter} {key} {unit} {tempo}"},
    "chatmusician": {"label": "ChatMusician prompt", "help": "{message} = the chat request"},
    "abc_grammar": {"label": "ABC grammar (GBNF)", "help": "\\n = new line; empty = shipped"},
}
# What a template is tried with where it is edited and before a batch starts.
PROMPT_SAMPLE_FIELDS = {
    "meter": "4/4",
    "unit": "1/8",
    "key": "C",
    "tempo": "1/4=120",
    "rhythm": "reel",
    "styles": "Chill",
}

TITLE_MAX_TOKENS = 48
ABC_GRAMMAR_PATH = REPO_ROOT / "data" / "grammars" / "abc.gbnf"
GRAMMAR_CHECK_TIMEOUT_S = 60
METER_GRAMMAR_BARS = (16, 64)  # fewest, most bars the meter grammar lets an ABC model write
MIN_SONG_SECONDS = 20  # the meter grammar asks for enough bars to last this long
GRAMMAR_MAX_CHARS = 20_000  # what the Options editor takes for a grammar (other fields: 500)
CHATMUSICIAN_STOP = ("</s>", "Human:")  # where its turn ends, when the GGUF's EOS is missed
REASON_SAMPLE_CHARS = 60  # of a draft without a usable tune, quoted in the reason it was skipped

# --- Remote engine: any OpenAI-compatible server (llama-server, Ollama, vLLM...) -------
SERVER_URL_SCHEMES = ("http", "https")
SERVER_CONNECT_TIMEOUT_S = 10.0
# Between two streamed chunks (and before the first: the server reads the prompt, or finishes
# another client's request first), so a big model on a slow machine is not cut off.
SERVER_READ_TIMEOUT_S = 120.0
# It is also the deadline for a whole step of a reply, however the bytes trickle in: the headers
# after the request, a body after its headers, each streamed chunk after the one before; and no
# request takes longer than this in all (a 7B model on a laptop writes a tune in 2-6 minutes).
SERVER_REQUEST_DEADLINE_S = 3600.0
SERVER_MAX_REPLY_BYTES = 4_000_000  # a reply that is not streamed (a model list, an error)
SERVER_MAX_LINE_BYTES = 1_000_000  # a line of a streamed reply (one chunk: a token or a few)
SERVER_ERROR_BODY_CHARS = 300  # of an error reply that is not JSON, quoted in the message

# --- Song identity: invented genres, artists and titles, offline from word lists ------
IDENTITY_WORDS_PATH = REPO_ROOT / "data" / "identity_words.json"
REAL_GENRES_PATH = REPO_ROOT / "data" / "real_genres.txt"  # an invented genre must not be one
SURPRISE_WORD = "?"  # typed as the styles (or nothing, in the text UI): invent a genre
GENRE_TRIES = 50  # invented names that turn out real are drawn again, at most this often
ARTIST_MEMBERS = (1, 5)  # fewest, most members of an invented band

# --- Song identity with a chat model: genre, artist and lyrics as JSON held to a schema ----------
# The model's answer is checked; a bad one is asked again this often (new seed), then the offline
# generators above (names) or no words at all (lyrics: the song is instrumental) take over.
IDENTITY_CHAT_TRIES = 3
IDENTITY_MAX_TOKENS = 200  # a genre or an artist as JSON; the schema's bounds keep it shorter
GENRE_LENGTH = (3, 40)  # characters of a model's genre name
NAME_LENGTH = (2, 40)  # characters of a band, performer or member name
INSTRUMENT_LENGTH = (3, 30)
GENRE_SYSTEM = "You name music genres. Reply with JSON only."
# For typed styles the library does not know: which of its styles the model hears in them.
CLOSEST_REQUEST = (
    "Which of these styles is closest to what a listener expects of '{typed}': {styles}? "
    "Give its name."
)
GENRE_REQUEST = (
    "Invent a new, specific micro-genre of music that does not exist yet, like 'czech pianostep' "
    "or 'glacier funk'. Give its name in lower case and the closest of these styles: {styles}."
)
ARTIST_SYSTEM = "You invent musicians. Reply with JSON only."
ARTIST_REQUEST = (
    "Invent a band or solo performer who plays {styles}: its name and its 1 to 5 members, each "
    "with a first name, a surname and the instrument they play."
)
# The parts the model writes; the song sings them in LYRIC_ORDER (the chorus twice).
LYRIC_PARTS = ("Verse 1", "Chorus", "Verse 2", "Bridge")
LYRIC_ORDER = ("Verse 1", "Chorus", "Verse 2", "Bridge", "Chorus")
LYRIC_LINES = (2, 4)  # lines per part
LYRIC_LINE_LENGTH = (8, 48)  # characters per line
LYRICS_MAX_TOKENS = 1200
LYRICS_SYSTEM = "You write song lyrics. Reply with JSON only."
LYRICS_REQUEST = (
    "Write the lyrics of a song called '{title}' by {artist}, a {styles} act. Give each part "
    "({parts}) {low} to {high} short lines."
)
LYRIC_WORD_RE = r"[A-Za-z0-9']+"  # what goes under a note: no ABC w: symbols (- _ * ~ | \)
ID3_LYRICS_LANGUAGE = "eng"

# --- Styles → songs (the styles themselves are data: data/styles/*.json) -------------------------
# Keys the prompt may ask for, by mode; each song picks one with its seed.
KEYS_BY_MODE: dict[str, tuple[str, ...]] = {
    "major": ("C", "G", "D", "A", "F", "Bb"),
    "minor": ("Am", "Em", "Dm", "Bm", "Gm"),
}

# --- Audio ----
SPIKE_RATIO = 8  # a sample this many times the 99.9th percentile is a synthesizer glitch
SPIKE_SAMPLE_STEP = 7  # every 7th sample is enough to estimate that percentile
FADE_IN_MS = 20
LAME_QUALITY = 7  # libmp3lame -q, 0 (best) .. 9 (fastest): 7 encodes ~1.7x faster than 5
ID3_VERSION = "3"

# --- Playback ----
# LLM_MUSIC_GEN_AUDIO=null plays through miniaudio's null device (real time, no sound card): tests.
AUDIO_BACKEND_ENV = "LLM_MUSIC_GEN_AUDIO"
PLAYBACK_SAMPLE_RATE = 44100
PLAYBACK_CHANNELS = 2
# The device asks for audio this often; positions run ahead of the sound by about two periods.
PLAYBACK_PERIOD_MS = 100

# --- Jukebox ----
JUKEBOX_STATE_NAME = "jukebox.json"  # resume state: song, position, shuffle, repeat, volume
JUKEBOX_MESSAGE_S = 15.0  # how long "Added 3 songs to the queue" and the like stay on screen
PLAY_COUNT_S = 30.0  # a song counts as played after this long, or half of it when shorter
RESTART_THRESHOLD_S = 3.0  # "previous" this far into a song restarts it instead
SEEK_STEP_S = 5.0
VOLUME_STEP = 0.05
LIBRARY_LOOK_S = 2.0  # how often the jukebox looks for songs another process added
UPCOMING_COUNT = 5  # songs shown in the "next" list
JUKEBOX_VIEWS = ("Playing", "Artists", "Genres", "Songs", "Queue", "Playlists")  # Tab's order
METER_ROWS = 4  # the level meter's height in rows of block characters
METER_BANDS = 24  # frequency bands it shows (fewer on a narrow screen)
METER_MIN_HEIGHT = 24  # below this many rows the meter turns itself off: the lyrics need them
REPEAT_MODES = ("off", "one", "all")  # the order the repeat key cycles through

# --- Training on the user's own tunes (training/user_tunes.py, training/finetune.py) ----
TRAIN_MAX_MIDI_BYTES = 4 * 1024 * 1024
TRAIN_MAX_MIDI_SECONDS = 15 * 60  # a MIDI file of hours is refused, not converted
TRAIN_MELODY_MIN_NOTES = 16  # a track of fewer notes is an intro or a count-in, not the tune
TRAIN_MELODY_CHORD_SHARE = 0.2  # a melody track starts at most this share of its notes over others
OWN_MODEL_SAMPLING = {"temperature": 0.9, "top_p": 0.95, "top_k": 40, "repeat_penalty": 1.0}
TRAIN_MIN_TUNES = 3  # fewer teach the model nothing it can use
TRAIN_SEED = 20261121  # the starter's: the split, the transpositions and every batch
TRAIN_MIN_FOR_VALIDATION = 10  # fewer tunes are all trained on: none to spare
TRAIN_VALIDATION_SHARE = 0.15
TRAIN_BATCH, TRAIN_CONTEXT = 4, 512  # tokens per step; a normalized tune is at most 1,400
TRAIN_EPOCHS = 4  # passes over the transposed tunes, within the step bounds below
TRAIN_MIN_STEPS, TRAIN_MAX_STEPS = 30, 400
TRAIN_WARMUP = 10
TRAIN_DROPOUT = 0.1
TRAIN_TRANSPOSED_COPIES = 2  # as the starter's corpus
FULL_LR, LORA_LR = 3e-4, 2e-3  # peak learning rates (bench/finetune.py --compare)
LORA_RANK, LORA_ALPHA = 8, 16
TRAIN_EVALUATIONS = 8  # validation passes per run; the best one's weights are kept
TRAIN_CHECKPOINT_EVERY = 20  # steps
TRAIN_DISK_BYTES = 200 * 1024 * 1024  # the GGUF (20 MB) and a checkpoint (80 MB) with its partial

# --- Music tables: data/music_tables.json, read once and checked here ---------------------------
MUSIC_TABLES_PATH = REPO_ROOT / "data" / "music_tables.json"
MUSIC_TABLE_KEYS = ("about", "drum_voices", "bass_patterns", "voicings", "effects")
EFFECT_ENTRY_KEYS = ("about", "params", "notes", "modes", "mode", "lfo")


def read_music_tables(path: Path) -> dict:
    """The tables in `path`: drum voice → General MIDI note, bass pattern and voicing → what it
    plays, effect type → {"about", "params" and (ladder) "lfo": name → (default, low, high) as
    floats, "notes": name → text, "modes", "mode"}. A ValueError of one line naming the file,
    the place and the mistake when the file breaks that format: the app cannot run without it."""

    def fail(where: str, what: str):
        raise ValueError(f"{path.name}: {where}: {what}")

    def table(value, where: str) -> dict:
        if not isinstance(value, dict) or not value:
            fail(where, "must be an object with entries")
        return value

    def texts(value, where: str) -> dict:
        for name, text in table(value, where).items():
            if not isinstance(text, str) or not text.strip():
                fail(f"{where}.{name}", "must be text")
        return value

    def ranges(value, where: str) -> dict[str, tuple[float, float, float]]:
        found = {}
        for name, entry in table(value, where).items():
            numbers = isinstance(entry, list) and len(entry) == 3
            if not numbers or not all(type(n) in (int, float) for n in entry):
                fail(f"{where}.{name}", f"must be [default, low, high], not {entry!r}")
            default, low, high = map(float, entry)
            if not low <= default <= high:
                fail(f"{where}.{name}", f"the default {default:g} is outside {low:g}..{high:g}")
            found[name] = (default, low, high)
        return found

    def effect(entry, where: str) -> dict:
        for key in table(entry, where):
            if key not in EFFECT_ENTRY_KEYS:
                fail(f"{where}.{key}", f"is not one of {', '.join(EFFECT_ENTRY_KEYS)}")
        made = {"about": entry.get("about", ""), "params": ranges(entry.get("params"), where)}
        made["lfo"] = ranges(entry["lfo"], f"{where}.lfo") if "lfo" in entry else {}
        made["notes"] = texts(entry["notes"], f"{where}.notes") if "notes" in entry else {}
        for name in made["notes"]:
            if name not in made["params"] and name not in made["lfo"]:
                fail(f"{where}.notes.{name}", "is not one of its parameters")
        made["modes"] = tuple(entry.get("modes", ()))
        if made["modes"] and entry.get("mode") not in made["modes"]:
            fail(f"{where}.mode", f"must be one of its modes {', '.join(made['modes'])}")
        made["mode"] = entry.get("mode")
        return made

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:  # nested past Python's depth too
        fail("the file", f"cannot be read as JSON: {error}")
    if not isinstance(data, dict) or tuple(data) != MUSIC_TABLE_KEYS:
        fail("the file", f"must be an object of {', '.join(MUSIC_TABLE_KEYS)}, in that order")
    for name, note in table(data["drum_voices"], "drum_voices").items():
        if type(note) is not int or not 0 <= note <= 127:
            fail(f"drum_voices.{name}", f"must be a General MIDI note 0..127, not {note!r}")
    effects = table(data["effects"], "effects")
    return {
        "drum_voices": data["drum_voices"],
        "bass_patterns": texts(data["bass_patterns"], "bass_patterns"),
        "voicings": texts(data["voicings"], "voicings"),
        "effects": {kind: effect(entry, f"effects.{kind}") for kind, entry in effects.items()},
    }


MUSIC_TABLES = read_music_tables(MUSIC_TABLES_PATH)

# --- Style library : data/styles/*.json, checked on load (scripts/style/style_library.py) ---
STYLES_DIR = REPO_ROOT / "data" / "styles"  # the shipped styles; users add theirs in styles_dir
STYLE_FILE_SUFFIX = ".json"
FALLBACK_STYLE = "pop"  # what a style nothing matches is played as (the sidecar says so)
MAX_STYLES_USED = 4  # a song blends at most this many of the styles typed; the rest are named
STYLE_METERS = ("4/4", "3/4", "6/8", "2/4", "12/8", "9/8", "5/4", "7/8")
TEMPO_RANGE = (30, 300)  # quarter notes a minute: a style's range, a typed or written tempo
DEFAULT_TEMPO = 120  # a tune that gives no usable tempo, a score with none
# What a tune is called as a dance or a piece, in the order a bad style file's message lists
# them: a style's melody.rhythm asks the model for one (R:), and a title ending in one that
# is not the style's own loses it ("Morning Star Reel" in a reggae song is "Morning Star").
TUNE_TYPES = ("reel", "jig", "hornpipe", "polka", "waltz", "march", "strathspey", "slide", "air")
TUNE_TYPES += ("slip jig", "barndance", "mazurka", "schottische", "set dance", "barn dance")
STYLE_SECONDS_RANGE = (60, 300)
# General MIDI drum kits: the program number of each on the drum channel.
DRUM_KITS = {
    "standard": 0,
    "room": 8,
    "power": 16,
    "electronic": 24,
    "tr808": 25,
    "jazz": 32,
    "brush": 40,
    "orchestra": 48,
}
# The drum voices step patterns name, as General MIDI percussion notes.
DRUM_VOICES: dict[str, int] = MUSIC_TABLES["drum_voices"]
KICK_NOTES = (DRUM_VOICES["kick2"], DRUM_VOICES["kick"])  # a kick keys a sidechain
CRASH_NOTE = 49
# Step characters: velocity of a hit ("-" holds a pitched note; "." and "-" are silent on drums).
STEP_VELOCITY = {"X": 118, "x": 96, "o": 58}
# A part's note on the beat, on the off-beat and between, times its velocity: the lilt a player
# gives an accompaniment (a machine style's parts get it too; its humanize stays 0).
METRIC_ACCENTS = (1.08, 0.94, 0.84)
# Drums within each 4-bar phrase: the first bar's downbeat accented, ghost notes before the
# backbeat in the second, a ghosted pickup into the next phrase in the fourth.
DRUM_PHRASE_BARS = 4
DOWNBEAT_ACCENT = 12
GHOST_VELOCITY = 38
BACKBEAT_VOICES = ("snare", "rim")  # a ghost is a drummer's: no ghost claps
STEP_HOLD, STEP_REST = "-", "."
STEP_SEPARATORS = "| "
PART_ROLES = ("bass", "comp", "pad", "arp", "counter")
ROLES = ("melody", "drums", *PART_ROLES)
SECTIONS = ("intro", "A", "B", "breakdown", "build", "drop", "solo", "ending")
CHORD_BARS = (0.5, 1, 2, 4)
MELODY_LENGTHS = ("/", "", "3/2", "2", "3", "4", "6", "8")  # the meter grammar's (over L:1/8)

# --- Mixdown: effects, stems and SoundFonts (scripts/audio/effects.py, mixdown.py) ---
# Each effect's parameters: name -> (default, low, high); a style's "effects" entry is checked
# against them (audio/effects.py, effect_problems).
EFFECT_PARAMS = {kind: entry["params"] for kind, entry in MUSIC_TABLES["effects"].items()}
LADDER_MODES = MUSIC_TABLES["effects"]["ladder"]["modes"]
LADDER_DEFAULT_MODE = MUSIC_TABLES["effects"]["ladder"]["mode"]
# The ladder's optional "lfo": its period in beats and the range it sweeps (log scale, cosine).
LADDER_LFO_PARAMS = MUSIC_TABLES["effects"]["ladder"]["lfo"]
LADDER_LFO_BLOCK = 256  # samples between cutoff changes (5.8 ms at 44.1 kHz): no zipper noise
SUB_LOWEST_HZ = 30.0  # a sub under this is raised an octave: speakers and ears lose it
SUB_EDGE_MS = 3.0  # the sub's attack and release
# The master chain when a style gives none: glue compression, then a limiter under 0 dBFS.
DEFAULT_MASTER: tuple[dict, ...] = (
    {
        "type": "compressor",
        "threshold_db": -14.0,
        "ratio": 2.0,
        "attack_ms": 20.0,
        "release_ms": 200.0,
    },
    {"type": "limiter", "threshold_db": -2.0, "ceiling_db": -1.0},
)
MIX_BLOCK_S = 1.0  # effects run over the mix this many seconds at a time (memory, not sound)
RENDER_WINDOW_S = 8.0  # a stem's notes go to the synth in windows of this many seconds of onsets
MIX_TAIL_S = 3.0  # room after the last note for release, reverb and delay tails
SILENCE_DB = -70.0  # the mix is trimmed after its last sample this far under its peak
# A drum-track note on key 0 (below every GM kit) at velocity 1: silent in TimGM6mb, FluidR3_GM
# and MuseScore_General, it makes the synth render past the last real note so releases ring out.
LENGTH_MARKER_PITCH = 0

# System General MIDI SoundFonts, best first: MuseScore_General renders in tune through symusic
# 0.5.8's synth; FluidR3_GM and the bundled TimGM6mb play many programs off pitch there (symusic
# issue 55), so they come after. Matched case-insensitively against file names.
SOUNDFONT_CANDIDATES: tuple[tuple[str, str], ...] = (
    ("MuseScore_General.sf3", "MuseScore General"),
    ("MuseScore_General.sf2", "MuseScore General"),
    ("MuseScore_General_Lite.sf3", "MuseScore General Lite"),
    ("GeneralUser GS.sf2", "GeneralUser GS"),
    ("GeneralUser_GS.sf2", "GeneralUser GS"),
    ("FluidR3_GM.sf2", "FluidR3 GM"),
    ("FluidR3_GM.sf3", "FluidR3 GM"),
)
BUNDLED_SOUNDFONT_NAME = "TimGM6mb (bundled)"
# Retuned copies of SoundFonts (scripts/audio/soundfont_tuning.py) are kept here; the version
# goes in their names, so a change to the retuning makes new ones.
SOUNDFONT_CACHE_DIR = REPO_ROOT / "data" / "soundfonts"
SOUNDFONT_RETUNE_VERSION = 4
# Filtered copies of samples in it (scripts/audio/soundfont_filter.py), at most this many samples (2
# bytes each): all of TimGM6mb's take 3 M; FluidR3_GM's would take 150 M, the darkest go first.
SOUNDFONT_BAKE_SAMPLES = 16_000_000
# Notes whose FluidSynth velocity levels are within this many dB go to symusic's synth together
# (it ignores velocity; scripts/audio/synth.py scales each group): half of it is the largest error.
VELOCITY_STEP_DB = 1.5

# player meter and gapless
# The meter reads the last frames handed to the audio device: 2048 (46 ms at 44.1 kHz) gives
# 21.5 Hz bins, fine enough for log-spaced bands from METER_LOW_HZ, and one rfft of it is cheap.
METER_FRAMES = 2048
METER_LOW_HZ = 40.0
METER_HIGH_HZ = 16000.0
METER_FLOOR_DB = -60.0  # a band this quiet (dBFS) or quieter reads 0.0; a full-scale sine, 1.0
# Songs are decoded as they play, this many frames a read at most (pyminiaudio's stream reads
# up to 16384); the song queued next is opened ahead, so one follows the other without a gap.
STREAM_BLOCK_FRAMES = 8192

# playlists
# M3U8 files under the output folder (scripts/library/playlists.py), so other players open them too.
PLAYLISTS_DIR_NAME = "playlists"  # under the output folder; playlists beside the songs count too
PLAYLIST_EXTENSION = ".m3u8"  # what the app writes; ".m3u" files from other programs are read
PLAYLIST_EXTENSIONS = (".m3u8", ".m3u")
PLAYLIST_NAME_LIMIT = 80  # characters in a typed playlist name
# A file name holds 255 bytes: room for the extension, a " (2)" and atomic_write's temporary name.
PLAYLIST_NAME_BYTES = 200
PLAYLIST_MAX_BYTES = 16_000_000  # a bigger file is no playlist (10,000 songs take about 0.5 MB)
# Characters and device names Windows refuses in a file name (the part before the first dot).
WINDOWS_RESERVED_CHARACTERS = '<>:"/\\|?*'
WINDOWS_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"]
    + [f"{device}{n}" for device in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")]
)

# --- The lead line (scripts/style/lead.py) ----
BLUES_SCALE = (0, 3, 5, 6, 7, 10)  # semitones over the tonic
PENTATONIC = {"major": (0, 2, 4, 7, 9), "minor": (0, 3, 5, 7, 10)}
SON_CLAVE = (0.0, 1.5, 3.0, 5.0, 6.0)  # 3-2 son clave: its hits in quarters over two 4/4 bars
TICKS_A_QUARTER = 96  # the tune's notes are read on this grid (abc2midi starts some a tick late)

# --- Loudness (BS.1770) and mastering ----
LOUDNESS_STEP_S = 0.1  # gating blocks start this often
LOUDNESS_BLOCK_S = 0.4  # momentary / gating block
SHORT_TERM_S = 3.0
TRUE_PEAK_TAPS_PER_PHASE = 16  # the 4x interpolation filter: 64 taps, Kaiser-windowed sinc
TRUE_PEAK_KAISER_BETA = 8.0
TRUE_PEAK_CEILING_DBTP = -1.0  # no song peaks above this after its MP3 is decoded
# The decoded MP3 is checked this far under the ceiling: the 4x meter above read up to 0.14 dB
# under ffmpeg's ebur128 on the 42 styles' songs (rock: -1.01 here, -0.9 there).
TRUE_PEAK_METER_MARGIN_DB = 0.15
ENCODER_HEADROOM_DB = 1.0  # the limiter aims this far under the ceiling: MP3 adds up to ~0.7 dB
DEFAULT_LUFS = -14.0  # integrated loudness of a style that names none
LUFS_RANGE = (-30.0, -6.0)  # what a style may ask for
# A style's "mastering": its loudness, and how many dB a section sits under the loudest per unit
# of energy it lacks (a breakdown of energy 0.4 in a style of 8: 4.8 dB under the drop).
# "balance": each part's loudness where it plays loudest, in LU against the others (the faders
# of a mix); a style's own values replace these role by role.
ROLE_BALANCE_LU = {
    "drums": 0.0,
    "bass": -2.0,
    "melody": -2.0,
    "comp": -5.0,
    "counter": -7.0,
    "arp": -8.0,
    "pad": -9.0,
}
SECTION_DB_RANGE = (0.0, 20.0)
# A held chord moves down an octave to leave the lead on top only as far as this (C3): lower,
# its close intervals muddy.
CHORD_FLOOR = 48
# The share of a song's power at 60-250 Hz (percent) a style's records fall in. The default is
# a band's: the like-for-like MMA renders of bench/mix.py read 23 (country) to 67 (gospel); a
# style with a sub or 808 moves its weight under 60 Hz and names a lower band.
LOW_BAND_PERCENT = (20.0, 65.0)
BALANCE_RANGE = (-30.0, 10.0)
BALANCE_REFERENCE_LUFS = -20.0  # a part at balance 0 plays its loudest passage at this level
STAGING_LUFS = -20.0  # the mix is brought here before the style's master chain
DC_BLOCK_HZ = 20.0
# Stems high-passed above the bass they would mask (12 dB an octave), unless the style's chain
# for the role has a high-pass of its own; other roles: DC_BLOCK_HZ.
ROLE_HIGHPASS_HZ = {"comp": 140.0, "pad": 160.0, "melody": 90.0, "lead": 90.0}
SECTION_RAMP_S = 0.03  # a section's level change is ramped over this long
LOUDNESS_PASSES = 3  # loudness, then limit; later passes win back what the limiter took
LOUDNESS_TOLERANCE_LU = 0.2  # a pass that moves the loudness less than this is the last
MASTER_BLOCK = 1 << 16  # samples the master's stages work on at a time (memory, not sound)
LIMITER_BLOCK = 32  # samples a step of the limiter's gain (0.7 ms at 44.1 kHz)
LIMITER_ATTACK_S = 0.002
LIMITER_RELEASE_DB_S = 40.0
LIMITER_MARGIN_DB = 0.05
ENCODE_ATTEMPTS = 3  # an MP3 over the ceiling after decoding is encoded again, quieter
DECODE_PIECE_BYTES = 1 << 22  # the MP3's check decodes it this much at a time
ENCODE_PIECE = 1 << 18  # samples the encoder is fed at a time (1 MB of 16-bit stereo)
DECODE_OVERLAP = 64  # frames each piece shares with the last (the true-peak filter's reach)
ENDING_FLOOR_DB = -60.0  # the ending decays to this under full level
ENDING_MAX_S = 8.0  # the ending's decay starts at most this long before the end
