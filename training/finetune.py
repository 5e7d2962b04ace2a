"""Fine-tune the starter model on the user's own tunes, on the CPU, into data/models/NAME.gguf.

All of the starter's 4.9 M weights are trained (full fine-tuning; `bench/finetune.py --compare`
measures it against LoRA at this size, docs/models.md "A model of your own": full fine-tuning
reached a lower held-out loss in a quarter of the time). The tunes are transposed into two more
keys, as the starter's were; with enough tunes a share is held out and the weights of the
step where their loss was lowest are kept. Progress goes to a callback; a cancel (the Event, or
Ctrl+C) writes a checkpoint under models/.training/NAME, and the same call resumes from it. The
GGUF, its record and its card are written under .partial names and renamed when complete, so a
cancelled or failed run leaves no half model; the starter model is only ever read.
"""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import random
import shutil
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import temporary  # noqa: E402
from scripts.model import catalog, own_models  # noqa: E402
from training.export_gguf import export, load_gguf  # noqa: E402
from training.train import BITS, augmented, token_stream, validation_bits  # noqa: E402


class TrainingError(RuntimeError):
    """Training cannot go on; the message says why in one line. Nothing half-made is left."""


class TrainingCancelled(RuntimeError):
    """Stopped by the user; the checkpoint is kept and the same command resumes."""


@dataclass
class Options:
    method: str = "full"  # "full" or "lora"
    steps: int | None = None  # None: from the amount of data (see planned_steps)
    seed: int = temporary.TRAIN_SEED
    threads: int = os.cpu_count() or 1
    lr: float | None = None  # None: the method's default


@dataclass
class TrainProgress:
    step: int
    steps: int
    train_bits: float  # running mean since the last evaluation
    eta_seconds: float
    validation_bits: float | None = None  # at the latest evaluation
    baseline_bits: float | None = None  # the starter's, on the same held-out tunes
    resumed_at: int = 0  # the step this run resumed from a checkpoint at (0: a fresh start)


@dataclass
class Result:
    path: Path
    record: dict = field(default_factory=dict)


class LoRALinear(nn.Module):
    """W x + (B A x) * alpha / rank, W frozen; merged into W for export."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float):
        super().__init__()
        self.base = base
        self.scale = alpha / rank
        self.a = nn.Parameter(torch.randn(rank, base.in_features) / math.sqrt(base.in_features))
        self.b = nn.Parameter(torch.zeros(base.out_features, rank))
        base.weight.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(x) + (x @ self.a.T @ self.b.T) * self.scale

    def merged(self) -> nn.Linear:
        with torch.no_grad():
            self.base.weight += (self.b @ self.a) * self.scale
        self.base.weight.requires_grad_(True)
        return self.base


LORA_LAYERS = ("wq", "wk", "wv", "wo", "gate", "up", "down")


def add_lora(model) -> list[nn.Parameter]:
    """Freeze the model and put adapters on every linear layer. Returns what is trained."""
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    trained = []
    for block in model.blocks:
        for name in LORA_LAYERS:
            adapter = LoRALinear(getattr(block, name), temporary.LORA_RANK, temporary.LORA_ALPHA)
            setattr(block, name, adapter)
            trained += [adapter.a, adapter.b]
    return trained


def merge_lora(model) -> None:
    for block in model.blocks:
        for name in LORA_LAYERS:
            layer = getattr(block, name)
            if isinstance(layer, LoRALinear):
                setattr(block, name, layer.merged())


def split_tunes(tunes: list[str], seed: int) -> tuple[list[str], list[str]]:
    """(train, validation): a share held out once there are enough tunes to spare it."""
    if len(tunes) < temporary.TRAIN_MIN_FOR_VALIDATION:
        return list(tunes), []
    order = list(range(len(tunes)))
    random.Random(seed).shuffle(order)
    cut = max(2, round(len(tunes) * temporary.TRAIN_VALIDATION_SHARE))
    return [tunes[i] for i in order[cut:]], [tunes[i] for i in order[:cut]]


def planned_steps(tokens: int) -> int:
    """Enough steps for TRAIN_EPOCHS passes over the (transposed) tunes, within bounds."""
    per_step = temporary.TRAIN_BATCH * temporary.TRAIN_CONTEXT
    wanted = math.ceil(temporary.TRAIN_EPOCHS * tokens / per_step)
    return max(temporary.TRAIN_MIN_STEPS, min(temporary.TRAIN_MAX_STEPS, wanted))


def learning_rate(step: int, steps: int, peak: float) -> float:
    warmup = min(temporary.TRAIN_WARMUP, steps // 4)
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def batch(stream: torch.Tensor, step: int, seed: int, context: int) -> tuple:
    generator = torch.Generator().manual_seed(seed + step)
    starts = torch.randint(
        0, len(stream) - context - 1, (temporary.TRAIN_BATCH,), generator=generator
    )
    rows = torch.stack([stream[s : s + context + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def digest(tunes: list[str], options: Options) -> str:
    """What a checkpoint was made from: a resume with other tunes or options starts afresh."""
    text = json.dumps([tunes, options.method, options.steps, options.seed, options.lr])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def work_folder(name: str) -> Path:
    return catalog.models_dir() / ".training" / name


def check_folder(folder: Path) -> None:
    """The models folder can be written and has room for a model and its checkpoint."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as error:
        raise TrainingError(
            f"cannot write models to {folder}: {error.strerror or error} "
            f"(set {temporary.MODELS_DIR_ENV} to another folder)"
        ) from None
    needed = temporary.TRAIN_DISK_BYTES
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise TrainingError(
            f"only {free >> 20} MB free in {folder}: training needs about {needed >> 20} MB"
        )


def save_atomic(data: dict, path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    torch.save(data, partial)
    os.replace(partial, path)


def finetune(
    name: str,
    tunes: list[str],
    sources: list[str],
    summary: str,
    on_progress: Callable[[TrainProgress], None] = lambda progress: None,
    cancel: threading.Event | None = None,
    options: Options | None = None,
) -> Result:
    """Train NAME on the tunes; returns the finished model. Raises TrainingCancelled (checkpoint
    kept: call again to resume) or TrainingError (nothing half-made left)."""
    options = options or Options()
    cancel = cancel or threading.Event()
    if not tunes:
        raise TrainingError("no tunes to train on")
    folder = catalog.models_dir()
    check_folder(folder)
    work = work_folder(name)
    partials = [folder / f"{name}{ext}.partial" for ext in (".gguf", ".json", ".md")]
    try:
        work.mkdir(parents=True, exist_ok=True)
        result = run(name, tunes, sources, summary, on_progress, cancel, options, work)
    except OSError as error:
        for path in partials:
            path.unlink(missing_ok=True)
        if error.errno == errno.ENOSPC:
            raise TrainingError(f"the disk is full ({folder}): no model was written") from None
        raise TrainingError(f"cannot write to {folder}: {error.strerror or error}") from None
    except BaseException:
        for path in partials:
            path.unlink(missing_ok=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    try:
        work.parent.rmdir()  # .training, when no other run waits there
    except OSError:
        pass
    return result


def run(name, tunes, sources, summary, on_progress, cancel, options, work) -> Result:
    torch.set_num_threads(options.threads)
    torch.manual_seed(options.seed)
    model, tokenizer = load_gguf(temporary.STARTER_MODEL_PATH)
    train, validation = split_tunes(tunes, options.seed)
    texts = augmented(train, temporary.TRAIN_TRANSPOSED_COPIES, random.Random(options.seed))
    stream = token_stream(tokenizer, texts)
    context = temporary.TRAIN_CONTEXT
    while len(stream) < context + 2:  # a tune or two: repeat them to fill one window
        stream = torch.cat([stream, stream])
    steps = options.steps or planned_steps(len(stream))
    baseline = validation_bits(model, tokenizer, validation) if validation else None
    for module in model.modules():  # the starter was trained with dropout; so is this
        if isinstance(module, nn.Dropout):
            module.p = temporary.TRAIN_DROPOUT
    lora = options.method == "lora"
    trained = add_lora(model) if lora else list(model.parameters())
    peak = options.lr or (temporary.LORA_LR if lora else temporary.FULL_LR)
    optimizer = torch.optim.AdamW(trained, lr=peak, betas=(0.9, 0.95), weight_decay=0.0)
    model.train()
    checkpoint = work / "checkpoint.pt"
    key = digest(tunes, options)
    step, history, best = 0, [], None
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=False)
        if state.get("digest") == key:
            model.load_state_dict(state["model"])
            optimizer.load_state_dict(state["optimizer"])
            step, history, best = state["step"], state["history"], state["best"]
            torch.set_rng_state(state["rng"])

    def save() -> None:
        save_atomic(
            {
                "digest": key,
                "model": model.state_dict(),
                "optimizer": optimizer.state_dict(),
                "step": step,
                "history": history,
                "best": best,
                "rng": torch.get_rng_state(),
            },
            checkpoint,
        )

    started, start_step, running = time.time(), step, []
    latest = history[-1]["validation_bits"] if history else None
    every = max(1, steps // temporary.TRAIN_EVALUATIONS)
    try:
        while step < steps:
            if cancel.is_set():
                raise KeyboardInterrupt
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(step, steps, peak)
            inputs, targets = batch(stream, step, options.seed, context)
            loss = functional.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(trained, 1.0)
            optimizer.step()
            running.append(loss.item() * BITS)
            step += 1
            if validation and (step % every == 0 or step == steps):
                latest = validation_bits(model, tokenizer, validation)
                history.append(
                    {
                        "step": step,
                        "train_bits": sum(running) / len(running),
                        "validation_bits": latest,
                    }
                )
                running = running[-1:]
                if best is None or latest < best["validation_bits"]:
                    best = {"step": step, "validation_bits": latest, "model": model_copy(model)}
            elif not validation and step == steps:
                history.append({"step": step, "train_bits": sum(running) / len(running)})
            rate = (time.time() - started) / (step - start_step)
            mean = sum(running) / len(running)
            eta = rate * (steps - step)
            on_progress(TrainProgress(step, steps, mean, eta, latest, baseline, start_step))
            if step % temporary.TRAIN_CHECKPOINT_EVERY == 0:
                save()
    except KeyboardInterrupt:
        save()
        raise TrainingCancelled(f"stopped at step {step} of {steps}, its checkpoint kept") from None
    seconds = time.time() - started
    if best is not None:
        model.load_state_dict(best["model"])
    if lora:
        merge_lora(model)
    record = {
        "kind": "own",
        "name": name,
        "created": time.strftime("%Y-%m-%d %H:%M"),
        "base_model": temporary.STARTER_MODEL_PATH.name,
        "method": options.method,
        "sources": sources,
        "collection": summary,
        "tunes": {"train": len(train), "validation": len(validation), "texts": len(texts)},
        "steps": steps,
        "kept_step": best["step"] if best else steps,
        "train_bits": history[-1]["train_bits"] if history else None,
        "validation_bits": best["validation_bits"] if best else None,
        "starter_validation_bits": baseline,
        "history": history,
        "seconds_this_run": round(seconds, 1),
        "threads": options.threads,
    }
    return write_model(name, model.eval(), tokenizer, record)


def model_copy(model) -> dict:
    return {key: value.detach().clone() for key, value in model.state_dict().items()}


def write_model(name: str, model, tokenizer, record: dict) -> Result:
    """GGUF, record and card under .partial names, then renamed: the record (which makes the
    model the user's own in the catalog) last."""
    gguf, record_file, card = (
        own_models.model_path(name),
        own_models.record_path(name),
        own_models.card_path(name),
    )
    partial = {path: path.with_name(path.name + ".partial") for path in (gguf, record_file, card)}
    export(model, tokenizer, partial[gguf], f"{name}: the starter model fine-tuned on your tunes")
    partial[card].write_text(model_card(record), encoding="utf-8")
    partial[record_file].write_text(json.dumps(record, indent=1), encoding="utf-8")
    for path in (gguf, card, record_file):
        os.replace(partial[path], path)
    return Result(gguf, record)


def model_card(record: dict) -> str:
    """NAME.md: what the model is, what it learned from, how training went."""
    tunes = record["tunes"]
    loss = record["validation_bits"]
    lines = [
        f"# Model card: {record['name']} (your own model)",
        "",
        f"The app's starter model (`{record['base_model']}`, see data/starter-model.md) "
        f"fine-tuned on your own tunes on {record['created']}, on this machine's CPU "
        f"({record['threads']} threads).",
        "",
        "## Data",
        f"- Found: {record['collection']}.",
        f"- Trained on {tunes['train']} tunes ({tunes['texts']} with two transpositions each), "
        f"{tunes['validation']} held out for validation.",
        "- Each tune was normalized as the starter's corpus was (training/corpus.py).",
        "- Source files:",
        *[f"  - `{source}`" for source in record["sources"]],
        "",
        "## Training",
        f"- Method: {record['method']} fine-tuning, {record['steps']} steps of "
        f"{temporary.TRAIN_BATCH} x {temporary.TRAIN_CONTEXT} tokens; "
        f"weights kept from step {record['kept_step']}.",
        f"- Time: {record['seconds_this_run'] / 60:.1f} minutes (the last run, if resumed).",
        f"- Train loss: {record['train_bits']:.3f} bits per character."
        if record["train_bits"] is not None
        else "- Train loss: not recorded.",
    ]
    if loss is not None:
        lines.append(
            f"- Validation loss on your held-out tunes: {loss:.3f} bits per character "
            f"(the starter model: {record['starter_validation_bits']:.3f})."
        )
    else:
        lines.append(
            f"- No validation: fewer than {temporary.TRAIN_MIN_FOR_VALIDATION} tunes to hold out."
        )
    lines += ["", "## Use", "Writes ABC melodies like the starter model, no words (instrumental)."]
    return "\n".join(lines) + "\n"
