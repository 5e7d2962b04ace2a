"""Tokens per second: the app's LocalModel.complete (streamed, progress callback, cancel Event,
as generate_song calls it) against bare Llama.create_completion(stream=False) on the same Llama,
prompt, seed and sampling, alternated round by round. Model: --model PATH, else a tiny bigram
GGUF built from the corpus (tests/tiny_gguf.py). stop=[] and a fixed max_tokens: both write the
same count.
Usage: .venv/bin/python bench/generate.py [--quick] [--model PATH] [--rounds N] [--max-tokens N]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.model.models import LocalModel, Sampling  # noqa: E402
from scripts.model.prompts import build_prompt, header_fields  # noqa: E402
from scripts.settings import defaults  # noqa: E402
from scripts.style.style_library import load_library  # noqa: E402
from scripts.style.style_match import blend  # noqa: E402
from tests.tiny_gguf import bigram_gguf  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "folk-rnn-samples.abc"
SEED = 1234
TARGET = 0.90


def tiny_model(folder: Path) -> Path:
    text = CORPUS.read_text(encoding="utf-8")
    blocks = [b for b in text.split("\n\n") if b.strip()]
    train = "".join("X:1\n" + b.strip().replace("\n", "\nL:1/8\n", 1) + "\n\n" for b in blocks)
    return bigram_gguf(folder / "bigram.gguf", train, damp={"\n": 0.05})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 rounds of 256 tokens")
    parser.add_argument("--model", type=Path)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--max-tokens", type=int, default=512)
    args = parser.parse_args()
    rounds, max_tokens = (2, 256) if args.quick else (args.rounds, args.max_tokens)
    config = defaults()
    settings = config["settings"]
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as tmp:
        path = args.model or tiny_model(Path(tmp))
        model = LocalModel(path, settings)
        megabytes = path.stat().st_size / 1e6
    llama = model.llama
    sampling = dataclasses.replace(Sampling.from_settings(settings), max_tokens=max_tokens)
    chill = blend(("Chill",), load_library())
    fields = header_fields(chill, chill.key_for(SEED), chill.tempo_for(SEED))
    prompt = build_prompt(config["prompts"]["abc_header"], fields)
    cancel, counts = threading.Event(), [0]

    def on_token(count: int) -> None:
        counts[0] = count

    def app() -> tuple[int, float, str]:
        started = time.perf_counter()
        text = model.complete(prompt, sampling, SEED, [], on_token, cancel)
        return counts[0], time.perf_counter() - started, text

    def bare() -> tuple[int, float, str]:
        started = time.perf_counter()
        out = llama.create_completion(
            prompt, max_tokens=sampling.max_tokens, temperature=sampling.temperature,
            top_p=sampling.top_p, top_k=sampling.top_k, repeat_penalty=sampling.repeat_penalty,
            seed=SEED, stop=[], stream=False,
        )  # fmt: skip
        elapsed = time.perf_counter() - started
        return out["usage"]["completion_tokens"], elapsed, out["choices"][0]["text"]

    app(), bare()  # warm-up: first evaluation, caches
    results: dict[str, list[tuple[int, float, str]]] = {"app": [], "bare": []}
    for _ in range(rounds):
        results["app"].append(app())
        results["bare"].append(bare())
    # The stream's last chunk carries only finish_reason: callbacks = tokens + 1. When the texts
    # match, the app wrote exactly the tokens the bare call counted.
    callbacks = results["app"][0][0]
    pairs = list(zip(results["app"], results["bare"], strict=True))
    results["app"] = [(b[0] if a[2] == b[2] else a[0], a[1], a[2]) for a, b in pairs]
    rates = {name: [n / s for n, s, _ in runs] for name, runs in results.items()}
    medians = {name: statistics.median(values) for name, values in rates.items()}
    ratio = medians["app"] / medians["bare"]
    same = all(a[2] == b[2] for a, b in pairs)

    print(
        f"model {path.name} ({megabytes:.1f} MB), n_ctx {settings['n_ctx']}, "
        f"n_threads {llama.n_threads}, {rounds} rounds of {max_tokens} tokens, seed {SEED}, "
        f"prompt {prompt!r}"
    )
    print(f"{'':<22}{'app':>12}{'bare':>12}  target")
    print(f"{'tokens per run':<22}{results['app'][0][0]:>12}{results['bare'][0][0]:>12}")
    print(f"{'on_token calls':<22}{callbacks:>12}{'':>12}")
    for index in range(rounds):
        print(
            f"{f'round {index + 1} tok/s':<22}"
            f"{rates['app'][index]:>12.1f}{rates['bare'][index]:>12.1f}"
        )
    print(f"{'median tok/s':<22}{medians['app']:>12.1f}{medians['bare']:>12.1f}")
    print(
        f"{'ratio app/bare':<22}{ratio:>12.1%}{'':>12}  >= {TARGET:.0%} "
        f"{'MET' if ratio >= TARGET else 'MISSED'}"
    )
    print(f"{'same text as bare':<22}{'yes' if same else 'NO':>12}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
