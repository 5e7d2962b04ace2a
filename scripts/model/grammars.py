"""GBNF grammars that keep a model to ABC or to a JSON shape.

llama.cpp crashes the whole process (segfault) on a grammar it cannot parse, and parses it only
when sampling starts. So a grammar is first run, in a child process, against the small starter
model: only one that passes there is handed to the app's own llama.cpp.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import threading

from scripts import temporary


class GrammarError(ValueError):
    """The grammar is unusable; the message carries llama.cpp's own complaint."""


PASSED: set[str] = set()  # digests of grammars that passed in this process
PASSED_LOCK = threading.Lock()


def shipped_abc_grammar() -> str:
    return temporary.ABC_GRAMMAR_PATH.read_text(encoding="utf-8")


def abc_grammar(prompts: dict) -> str:
    """The user's grammar from the prompts (Options), else the one shipped in data/grammars."""
    return prompts.get("abc_grammar") or shipped_abc_grammar()


def failure_reason(stderr: str, returncode: int) -> str:
    """llama.cpp's parse message, e.g. "Undefined rule identifier 'foo'"."""
    for line in stderr.splitlines():
        if "error parsing grammar" in line or "GrammarError" in line:
            return line.split(":", 1)[-1].strip()
    return f"llama.cpp stopped with code {returncode}"


def checked(grammar: str) -> str:
    """`grammar`, once a child process has sampled with it; GrammarError otherwise."""
    digest = hashlib.sha256(grammar.encode("utf-8")).hexdigest()
    with PASSED_LOCK:
        if digest in PASSED:
            return grammar
    try:
        child = subprocess.run(
            [sys.executable, "-m", "scripts.model.grammars"],
            input=grammar,
            capture_output=True,
            text=True,
            cwd=temporary.REPO_ROOT,
            timeout=temporary.GRAMMAR_CHECK_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise GrammarError("checking the grammar took too long") from None
    if child.returncode != 0:
        raise GrammarError(
            f"the grammar is invalid: {failure_reason(child.stderr, child.returncode)}"
        )
    with PASSED_LOCK:
        PASSED.add(digest)
    return grammar


def sample_with(grammar: str) -> None:
    """Start sampling with `grammar` on the starter model: where llama.cpp parses it."""
    from llama_cpp import Llama, LlamaGrammar

    model = Llama(model_path=str(temporary.STARTER_MODEL_PATH), n_ctx=256, verbose=False)
    rule = LlamaGrammar.from_string(grammar, verbose=False)
    model.create_completion("", max_tokens=2, grammar=rule, seed=0)


if __name__ == "__main__":
    sample_with(sys.stdin.read())
