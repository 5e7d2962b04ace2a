"""Train the starter model on the CPU: `python training/train.py [--out training/run]`.

Reproducible from --seed: the split, the augmentation and every batch are drawn from it (the batch
of step N from seed + N, so a resumed run draws the same batches). A checkpoint is written every
--checkpoint-every steps, atomically; running the same command again resumes from it. Train and
validation loss (bits per character) are printed as it goes and kept in losses.json.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

import torch
from torch.nn import functional

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from training import corpus  # noqa: E402
from training.model import Config, Llama  # noqa: E402
from training.tokenizer import CharTokenizer  # noqa: E402
from training.transpose import INTERVALS, Unplayable, transpose  # noqa: E402

BITS = 1 / math.log(2)


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "run")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--context", type=int, default=1024)
    parser.add_argument("--width", type=int, default=256)
    parser.add_argument("--layers", type=int, default=6)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--feed-forward", type=int, default=704)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--weight-decay", type=float, default=0.1)
    parser.add_argument("--dropout", type=float, default=0.1)
    parser.add_argument("--augment", type=int, default=2, help="transposed copies per tune")
    parser.add_argument("--tunes", type=int, default=None, help="use only the first N (tests)")
    parser.add_argument("--eval-every", type=int, default=200)
    parser.add_argument("--checkpoint-every", type=int, default=50)
    parser.add_argument(
        "--pause-at", type=int, default=None, help="stop after this step; run again to resume"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    return parser.parse_args(argv)


def augmented(tunes: list[str], copies: int, rng: random.Random) -> list[str]:
    """Each tune plus up to `copies` transpositions into other keys."""
    out = []
    for tune in tunes:
        out.append(tune)
        intervals = list(INTERVALS)
        rng.shuffle(intervals)
        made = 0
        for interval in intervals:
            if made == copies:
                break
            try:
                out.append(transpose(tune, interval))
                made += 1
            except Unplayable:
                continue
    rng.shuffle(out)
    return out


def token_stream(tokenizer: CharTokenizer, tunes: list[str]) -> torch.Tensor:
    ids: list[int] = []
    for tune in tunes:
        ids.extend(tokenizer.encode(tune, bos=True, eos=True))
    return torch.tensor(ids, dtype=torch.long)


def batch_at(stream: torch.Tensor, step: int, size: int, context: int, seed: int):
    generator = torch.Generator().manual_seed(seed + step)
    starts = torch.randint(0, len(stream) - context - 1, (size,), generator=generator)
    rows = torch.stack([stream[s : s + context + 1] for s in starts.tolist()])
    return rows[:, :-1], rows[:, 1:]


def learning_rate(step: int, args: argparse.Namespace) -> float:
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    progress = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


@torch.no_grad()
def validation_bits(model: Llama, tokenizer: CharTokenizer, tunes: list[str]) -> float:
    """Bits per character over the validation tunes, each scored on its own from its BOS."""
    model.eval()
    total, count = 0.0, 0
    for tune in tunes:
        ids = torch.tensor([tokenizer.encode(tune, bos=True, eos=True)[: model.config.context]])
        logits = model(ids[:, :-1])
        total += functional.cross_entropy(logits[0], ids[0, 1:], reduction="sum").item()
        count += ids.shape[1] - 1
    model.train()
    return total / count * BITS


def save_atomic(data: dict, path: Path) -> None:
    partial = path.with_suffix(".partial")
    torch.save(data, partial)
    os.replace(partial, path)


def train(args: argparse.Namespace) -> Path:
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    data = corpus.split(corpus.load_tunes()[: args.tunes], seed=args.seed)
    tokenizer = CharTokenizer.from_texts(data.train + data.validation)
    tokenizer.save(args.out / "tokenizer.json")
    (args.out / "validation.abc").write_text("\n".join(data.validation), encoding="utf-8")
    train_tunes = augmented(data.train, args.augment, random.Random(args.seed))
    stream = token_stream(tokenizer, train_tunes)
    config = Config(
        vocab=len(tokenizer),
        width=args.width,
        layers=args.layers,
        heads=args.heads,
        feed_forward=args.feed_forward,
        context=args.context,
        dropout=args.dropout,
    )
    model = Llama(config)
    optimizer = torch.optim.AdamW(
        model.parameters(), lr=args.lr, betas=(0.9, 0.95), weight_decay=args.weight_decay
    )
    checkpoint_path = args.out / "checkpoint.pt"
    step, history = 0, []
    if checkpoint_path.exists():
        state = torch.load(checkpoint_path, weights_only=False)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, history = state["step"], state["history"]
        if "rng" in state:  # dropout's random state: a resumed run equals an unbroken one
            torch.set_rng_state(state["rng"])
        print(f"resumed at step {step}", flush=True)
    print(
        f"{len(data.train)} train tunes ({len(train_tunes)} with transpositions, "
        f"{len(stream):,} tokens), {len(data.validation)} validation; "
        f"{model.parameter_count():,} parameters, vocabulary {len(tokenizer)}",
        flush=True,
    )
    started, running = time.time(), []
    last = min(args.steps, args.pause_at or args.steps)
    while step < last:
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args)
        inputs, targets = batch_at(stream, step, args.batch, args.context, args.seed)
        loss = functional.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        running.append(loss.item() * BITS)
        step += 1
        if step % args.eval_every == 0 or step == args.steps:
            record = {
                "step": step,
                "train_bits": sum(running) / len(running),
                "validation_bits": validation_bits(model, tokenizer, data.validation),
                "seconds": time.time() - started,
            }
            history.append(record)
            running = []
            print(json.dumps(record), flush=True)
        if step % args.checkpoint_every == 0 or step == last:
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
            state.update(step=step, history=history, rng=torch.get_rng_state())
            save_atomic(state, checkpoint_path)
    if step < args.steps:
        print(f"paused at step {step}: run the same command again to go on", flush=True)
        return checkpoint_path
    final = args.out / "model.pt"
    save_atomic({"config": config.as_dict(), "model": model.state_dict()}, final)
    (args.out / "losses.json").write_text(json.dumps(history, indent=1), encoding="utf-8")
    return final


if __name__ == "__main__":
    print(f"wrote {train(arguments())}")
