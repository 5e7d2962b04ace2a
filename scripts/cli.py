"""launcher.py's command line: the TUI by default, sub-commands for headless use."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

from scripts import settings as settings_store
from scripts import temporary
from scripts.input_files import InputFileError, read_bytes
from scripts.library.song_library import LibraryError, SongLibrary, writable_folder
from scripts.model import train_command
from scripts.model.models import Cancelled, ModelError, check_gguf
from scripts.notation.abc_notation import AbcError
from scripts.user_input import InputError, checked_count, checked_styles
from scripts.utility import LiveLine, json_line, plural, printable, progress_bar, show, user_path


class UsageError(Exception):
    """Bad input from the user: one clear line, exit status 2."""


def song_count(text: str) -> int:
    try:
        return checked_count(text)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def seed_value(text: str) -> int:
    """A fixed seed: the setting's range without its -1 ("random"), which --seed leaving out
    already means."""
    try:
        seed = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, not {text!r}") from None
    high = settings_store.SCHEMA["seed"].range[1]
    if not 0 <= seed <= high:
        raise argparse.ArgumentTypeError(f"seed must be between 0 and {high}")
    return seed


def server_value(text: str) -> str:
    try:
        return settings_store.check_value("server_url", text)
    except settings_store.SettingError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def styles_value(text: str) -> tuple[str, ...]:
    try:
        return checked_styles(text, blank_is_surprise=False)
    except InputError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not the whole usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="launcher.py",
        description=f"{temporary.APP_NAME}: songs from styles, "
        "written by a local language model. With no command, starts the text UI.",
    )
    parser.add_argument("--version", action="version", version=temporary.APP_VERSION)
    commands = parser.add_subparsers(dest="command", parser_class=Parser)
    out_help = "output folder (default: the configured one, else output/)"

    generate = commands.add_parser("generate", help="generate songs with the model")
    generate.add_argument(
        "--styles",
        type=styles_value,
        required=True,
        help='styles, separated by commas, e.g. "Chill, Dubstep"; "?" invents a genre',
    )
    generate.add_argument("--count", type=song_count, default=1, help="how many songs")
    engine = generate.add_mutually_exclusive_group()
    engine.add_argument(
        "--model",
        type=user_path,
        help="a GGUF model file (default: the configured one, else the starter model)",
    )
    engine.add_argument(
        "--server",
        type=server_value,
        help="generate on an OpenAI-compatible server instead, e.g. http://192.168.1.20:8080 "
        "(default: the one set in Options, if any)",
    )
    generate.add_argument("--seed", type=seed_value, help="fixed seed (song N uses seed+N-1)")
    generate.add_argument("--out", type=user_path, help=out_help)
    generate.add_argument("--json", action="store_true", help="print each song's sidecar as JSON")

    render = commands.add_parser(
        "render", help="turn the tunes in an ABC (or any text) file into songs, without a model"
    )
    render.add_argument("file", type=user_path)
    render.add_argument(
        "--styles", type=styles_value, help='styles for arrangement; "?" invents a genre'
    )
    render.add_argument("--out", type=user_path, help=out_help)
    render.add_argument("--json", action="store_true", help="print each song's sidecar as JSON")

    listing = commands.add_parser("list", help="list the songs in the library")
    listing.add_argument("--out", type=user_path, help=out_help)
    listing.add_argument("--json", action="store_true", help="one JSON object per song")
    listing.add_argument(
        "--artist", help="only this artist's songs, most played first (its top tracks)"
    )

    models = commands.add_parser("models", help="list the model catalog and what is downloaded")
    models.add_argument("--json", action="store_true", help="one JSON object per model")

    styles = commands.add_parser("styles", help="list the style library (and files it skipped)")
    styles.add_argument("--json", action="store_true", help="one JSON object per style")
    styles.add_argument(
        "--dir", type=user_path, help="the user styles folder to read (default: the configured one)"
    )

    fetch = commands.add_parser("download", help="download a model of the catalog")
    fetch.add_argument("name", help="a model's name as `models` lists it")
    train_command.add_parser(commands)
    return parser


class ProgressPrinter:
    """Progress on stderr: a live bar on a terminal, one line per stage change otherwise."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total = total
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, progress) -> None:
        label = {"generate": "Producing", "convert": "Converting"}[progress.stage]
        text = f"{label} song {progress.song}/{self.total}"
        if self.live:
            width = shutil.get_terminal_size().columns
            line = f"{text} {progress_bar(progress.fraction)} {progress.fraction:4.0%}"
            self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        elif progress.fraction == 0.0:  # a stage (or a retry) starts: one line for a log
            retry = progress.stage == "generate" and progress.message
            self.stream.write(f"{text} ({progress.message})\n" if retry else f"{text}\n")
        self.stream.flush()

    def done(self, line: str) -> None:
        if self.live:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
        show(line, self.stream)


def report_song(sidecar: dict, folder: Path, as_json: bool) -> None:
    if as_json:
        print(json_line(sidecar), flush=True)
    else:
        print(folder / sidecar["files"]["mp3"], flush=True)


def load_config() -> dict:
    config, problems = settings_store.load()
    for problem in problems:
        show(f"warning: {problem}", sys.stderr)
    return config


def describe_artist(artist: dict) -> str:
    """'The Velvet Lanterns (Milo Novak: banjo, Agnes Haugen: tuba)'."""
    members = ", ".join(f"{m['name']}: {m['instrument']}" for m in artist["members"])
    return f"{artist['name']} ({members})" if members else artist["name"]


def choose_engine(args, settings: dict) -> None:
    """--server or --model overrides the configured engine for this run; a local model file is
    checked now, before the output folder and a long model load: fail fast."""
    if args.server is not None or args.model:
        settings["server_url"] = args.server or ""
    if not settings["server_url"]:
        check_gguf(args.model or settings_store.model_file(settings))


class BatchPrinter:
    """A batch's events (scripts/song/batch.py) as the command line shows them: progress and what
    happened on stderr, each finished song on stdout."""

    def __init__(self, count: int, folder: Path, as_json: bool):
        self.progress = ProgressPrinter(count)
        self.folder, self.as_json = folder, as_json
        self.song = 1

    def __call__(self, event) -> None:
        from scripts.song.batch_events import (
            BatchStopped,
            Identity,
            SongMade,
            SongProgress,
            SongSkipped,
        )

        done = self.progress.done
        match event:
            case SongProgress(progress):
                self.song = progress.song
                self.progress(progress)
            case Identity(job):
                by_model = {
                    kind: " (by the model)" if source == "model" else ""
                    for kind, source in job.identity_sources.items()
                }
                if job.genre_invented:
                    done(f"Surprise genre: {job.styles[0]}{by_model['genre']}")
                done(f"Artist: {describe_artist(job.artist)}{by_model['artist']}")
                warn_styles(job.styles_library)
                done(f"Arranged as: {job.blend.arranged_as()}")
            case SongMade(sidecar):
                seconds = sidecar["duration_seconds"]
                done(f"song {self.song} done: {sidecar['title']} ({seconds:.0f} s)")
                report_song(sidecar, self.folder, self.as_json)
            case SongSkipped(number, reason):
                done(f"song {number} skipped: {reason}")
            case BatchStopped(text):
                done(text)


def command_generate(args) -> int:
    from scripts.song.batch import Batch, BatchError, prepare

    config = load_config()
    most = config["settings"]["max_songs_per_batch"]
    if args.count > most:  # the same maximum as the Generate screen's
        raise UsageError(
            f"--count {args.count} is more than the {most} songs a batch may make (Options: "
            f"{settings_store.SCHEMA['max_songs_per_batch'].label}, at most "
            f"{temporary.MAX_SONGS_PER_BATCH})"
        )
    choose_engine(args, config["settings"])
    try:
        job = prepare(args.styles, config, args.out, args.seed)
    except BatchError as error:
        raise UsageError(str(error)) from None
    printer = BatchPrinter(args.count, job.library.folder, args.json)
    outcome = Batch(job, args.count, printer, args.model, args.seed).run()
    return 1 if outcome.skipped or outcome.stopped else 0


def warn_styles(library) -> None:
    """One line per style file the library skipped."""
    for problem in library.problems:
        show(f"warning: style {problem}", sys.stderr)


def command_styles(args) -> int:
    from scripts.settings import styles_folder
    from scripts.style.style_library import load_library

    config = load_config()
    library = load_library(args.dir or styles_folder(config["settings"]))
    warn_styles(library)
    for name in library.names():
        style = library[name]
        low, high = style.spec.tempo
        record = {
            "name": name,
            "label": style.label,
            "tempo": [low, high],
            "meter": style.spec.meter,
            "kit": style.spec.kit,
            "synonyms": list(style.spec.synonyms),
            "file": style.source,
        }
        if args.json:
            print(json_line(record))
        else:
            names = ", ".join(style.spec.synonyms[:4])
            show(f"{name:16} {style.spec.meter:5} {low:3}-{high:<3} bpm  {style.label} ({names})")
    return 1 if library.problems else 0


def command_render(args) -> int:
    from scripts.song import identity
    from scripts.song.pipeline import Job, render_text, song_seed

    try:  # a pipe or a device is fine (`render /dev/stdin`), read up to the bound
        data = read_bytes(args.file, temporary.TUNE_FILE_MAX_BYTES, regular_only=False)
    except InputFileError as error:
        raise UsageError(f"{args.file}: {error}") from None
    text = data.decode("utf-8", errors="replace")
    config = load_config()
    folder = writable_folder(args.out or settings_store.output_folder(config["settings"]))
    styles, invented = args.styles or (), args.styles == ()
    if invented:  # "?": tunes from a file keep the neutral artist, but get a new genre
        styles = (identity.invent_genre(song_seed(None, 1, 0)),)
        show(f"Surprise genre: {styles[0]}", sys.stderr)
    job = Job(styles, config, SongLibrary(folder), genre_invented=invented)

    def on_result(number: int, sidecar: dict | None, error: str | None) -> None:
        if sidecar is None:
            show(f"tune {number} skipped: {error}", sys.stderr)
        else:
            report_song(sidecar, folder, args.json)

    try:
        failed = render_text(job, text, args.file.stem, on_result)
    except AbcError as error:
        raise UsageError(f"{args.file}: {error}") from None
    return 1 if failed else 0


def command_list(args) -> int:
    """Reads the library and writes nothing it must: a read-only folder lists as well."""
    config = load_config()
    folder = args.out or settings_store.output_folder(config["settings"])
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"the output folder {folder} is a file, not a folder")
    library = SongLibrary(folder)
    songs = []
    if folder.is_dir():  # a folder not made yet holds no songs
        songs = library.top_tracks(args.artist) if args.artist else library.songs()
    for notice in library.notices:
        show(f"warning: {notice}", sys.stderr)
    if not songs:  # a fine question with no answer: not a usage error
        whose = f" by {printable(args.artist)!r}" if args.artist else ""
        show(f"no songs{whose} in {folder}", sys.stderr)
        return 1
    for song in songs:
        if args.json:
            print(json_line(song.record()))
        else:
            minutes, seconds = divmod(round(song.duration_seconds), 60)
            artist = f" by {song.artist}" if song.artist else ""
            plays = f"  {plural(song.plays, 'play')}" if args.artist else ""
            show(
                f"{song.id}  {minutes}:{seconds:02d}  {song.title}{artist}  "
                f"[{', '.join(song.styles)}]{plays}"
            )
    return 0


def load_catalog_or_fail() -> list:
    """The catalog's models and the user's own."""
    from scripts.model.catalog import CatalogError
    from scripts.model.own_models import all_entries

    try:
        return all_entries()
    except CatalogError as error:
        raise UsageError(str(error)) from None


def model_record(entry) -> dict:
    """What `models --json` prints for one entry: the catalog's fields and whether it is here."""
    from dataclasses import asdict

    from scripts.model.catalog import is_present, local_path

    return {**asdict(entry), "downloaded": is_present(entry), "path": str(local_path(entry))}


def command_models(args) -> int:
    from scripts.model.catalog import is_present
    from scripts.utility import human_bytes

    for entry in load_catalog_or_fail():
        if args.json:
            print(json_line(model_record(entry)))
            continue
        here = "bundled" if entry.bundled else "downloaded" if is_present(entry) else "-"
        here = "your own" if entry.own else here
        size = ("" if entry.size_exact else "~") + human_bytes(entry.size_bytes)
        uses = ",".join(entry.uses) or "none"
        show(f"{entry.name:18} {size:>9}  {entry.format:12} {uses:18} {here}")
    return 0


class DownloadPrinter(LiveLine):
    """Download progress on stderr: a live line on a terminal, a line per 10% otherwise."""

    def __init__(self, name: str, stream=sys.stderr):
        super().__init__(stream)
        self.name = name
        self.logged = -1.0

    def __call__(self, progress) -> None:
        from scripts.model.downloads import describe

        step = progress.fraction // temporary.DOWNLOAD_CLI_LOG_STEP
        to_log = step != self.logged or progress.fraction >= 1.0
        self.logged = step
        self.show(f"{self.name}: {progress.fraction:4.0%} {describe(progress)}", to_log)


def command_download(args) -> int:
    from scripts.model.catalog import find, is_present, local_path
    from scripts.model.downloads import DownloadCancelled, DownloadError, download, partial_bytes
    from scripts.utility import human_bytes

    entries = load_catalog_or_fail()
    entry = find(entries, args.name)
    if entry is None:
        names = ", ".join(e.name for e in entries)
        raise UsageError(f"unknown model {args.name!r}; the catalog has: {names}")
    if not entry.usable:  # said before anything touches the network
        show(f"launcher.py: {entry.explanation()}", sys.stderr)
        return 1
    if entry.bundled or is_present(entry):
        print(local_path(entry))
        return 0
    printer = DownloadPrinter(entry.name)
    kept = partial_bytes(entry)
    if kept:
        show(f"resuming {entry.name}: {human_bytes(kept)} already here", printer.stream)
    try:
        path = download(entry, on_progress=printer)
    except (DownloadError, DownloadCancelled) as error:
        printer.end_line()
        show(f"launcher.py: error: {error}", sys.stderr)
        return 1
    except KeyboardInterrupt:
        printer.end_line()
        show(
            f"interrupted: {human_bytes(partial_bytes(entry))} of {entry.name} kept; "
            f"run `launcher.py download {entry.name}` again to resume",
            sys.stderr,
        )
        return 130
    printer.end_line()
    print(path)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        from scripts.tui.interface import run_tui

        return run_tui()
    handler = {
        "generate": command_generate,
        "render": command_render,
        "list": command_list,
        "models": command_models,
        "download": command_download,
        "train": lambda args: train_command.command_train(args, UsageError),
        "styles": command_styles,
    }
    try:
        return handler[args.command](args)
    except (UsageError, LibraryError, ModelError) as error:
        show(f"launcher.py: error: {error}", sys.stderr)
        return 2
    except Cancelled:
        show("cancelled", sys.stderr)
        return 130
    except BrokenPipeError:  # `launcher.py styles --json | head -1`: the reader has what it wants
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing more to flush
        return 128 + 13  # as a program killed by SIGPIPE, which shells and pipefail expect
    except KeyboardInterrupt:
        print(
            "\ninterrupted: finished songs are kept, the unfinished one is discarded",
            file=sys.stderr,
        )
        return 130
