"""`launcher.py train PATH... --name NAME`: the user's tunes → their own model, on the CPU.

The counts (found, kept, why not) come first and need no PyTorch; training needs it, and says how
to install it when it is missing.
"""

from __future__ import annotations

import importlib.util
import sys

from scripts import temporary
from scripts.utility import LiveLine, plural, progress_bar, show, user_path

TRAIN_TOOLS = ("torch", "gguf")


def training_tools_missing(names: tuple[str, ...] = TRAIN_TOOLS) -> str:
    """'' when PyTorch and gguf can be imported; else the line that says how to get them."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if not missing:
        return ""
    return (
        f"training needs {' and '.join(missing)}, which the app does not install: run "
        "`python3 requisites.py train-tools` (PyTorch for the CPU, about 200 MB)"
    )


def enough_tunes(kept: int) -> str:
    """'' when there are enough tunes to train on, else why not."""
    if kept >= temporary.TRAIN_MIN_TUNES:
        return ""
    found = "no usable tune" if kept == 0 else f"only {plural(kept, 'usable tune')}"
    return f"{found}: at least {temporary.TRAIN_MIN_TUNES} are needed to train a model"


def format_eta(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


def progress_text(progress) -> str:
    """'step 40/120 loss 1.412 val 1.480 (starter 1.783) ETA 0:52'."""
    text = f"step {progress.step}/{progress.steps} loss {progress.train_bits:.3f}"
    if progress.validation_bits is not None:
        text += f" val {progress.validation_bits:.3f} (starter {progress.baseline_bits:.3f})"
    return text + f" ETA {format_eta(progress.eta_seconds)}"


def progress_line(progress) -> str:
    return f"{progress_bar(progress.step / progress.steps)} {progress_text(progress)}"


class TrainPrinter(LiveLine):
    """Progress on stderr: a live line on a terminal, a line per tenth of the steps otherwise."""

    def __init__(self, stream=sys.stderr):
        super().__init__(stream)
        self.logged, self.said_resume = -1, False

    def __call__(self, progress) -> None:
        if progress.resumed_at and not self.said_resume:
            self.said_resume = True
            self.stream.write(f"resumed at step {progress.resumed_at}\n")
        tenth = progress.step * 10 // progress.steps
        to_log = tenth != self.logged or progress.step == 1
        self.logged = tenth
        self.show(progress_line(progress), to_log)


def command_train(args, usage_error) -> int:
    from scripts.model.own_models import ModelNameError, checked_name

    try:
        name = checked_name(args.name)
    except ModelNameError as error:
        raise usage_error(str(error)) from None
    sys.path.insert(0, str(temporary.REPO_ROOT))
    from training.user_tunes import TuneSourceError, collect

    try:
        collection = collect([user_path(path) for path in args.paths])
    except TuneSourceError as error:
        raise usage_error(str(error)) from None
    for problem in collection.file_problems:
        show(f"skipped {problem}", sys.stderr)
    show(collection.summary(), sys.stderr)
    if reason := enough_tunes(collection.kept):  # the input cannot train a model: as a bad path
        raise usage_error(reason)
    if reason := training_tools_missing():
        show(f"launcher.py: error: {reason}", sys.stderr)
        return 1
    from training.finetune import Options, TrainingCancelled, TrainingError, finetune

    printer = TrainPrinter()
    options = Options(method=args.method, steps=args.steps)
    try:
        result = finetune(
            name, collection.tunes, collection.sources, collection.summary(), printer, None, options
        )
    except TrainingCancelled as error:
        printer.end_line()
        show(f"interrupted: {error}: run the same command again to resume", sys.stderr)
        return 130
    except TrainingError as error:
        printer.end_line()
        show(f"launcher.py: error: {error}", sys.stderr)
        return 1
    except KeyboardInterrupt:  # before the first step: there is nothing to keep yet
        printer.end_line()
        show("interrupted before training began: nothing was written", sys.stderr)
        return 130
    printer.end_line()
    record = result.record
    if record["validation_bits"] is not None:
        show(
            f"validation {record['validation_bits']:.3f} bits per character "
            f"(starter {record['starter_validation_bits']:.3f})",
            sys.stderr,
        )
    print(result.path)
    return 0


def add_parser(commands) -> None:
    train = commands.add_parser(
        "train", help="fine-tune the starter model on your own ABC or MIDI files"
    )
    train.add_argument("paths", nargs="+", help="ABC files, MIDI files or folders of them")
    train.add_argument("--name", required=True, help="the new model's name (data/models/NAME.gguf)")
    train.add_argument("--steps", type=positive, help="training steps (default: from the data)")
    train.add_argument(
        "--method",
        choices=("full", "lora"),
        default="full",
        help="full fine-tuning (default) or LoRA",
    )


def positive(text: str) -> int:
    import argparse

    if not text.isdigit() or not 0 < int(text) <= temporary.TRAIN_MAX_STEPS * 10:
        raise argparse.ArgumentTypeError(f"steps must be 1 to {temporary.TRAIN_MAX_STEPS * 10}")
    return int(text)
