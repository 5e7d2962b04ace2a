"""The grammar check (a child process, up to GRAMMAR_CHECK_TIMEOUT_S) on a worker thread, so the
Options screen keeps drawing and taking keys while llama.cpp tries a typed grammar. No curses."""

from __future__ import annotations

import queue

from scripts import grammars
from scripts.tui.worker_thread import WorkerThread


class GrammarCheck(WorkerThread):
    """Posts one "grammar-checked" event: (grammar, None) when it passed, (grammar, reason)."""

    def __init__(self, grammar: str, events: queue.Queue):
        super().__init__("grammar-check", events)
        self.grammar = grammar

    def run(self) -> None:
        try:
            grammars.checked(self.grammar)
            self.post("grammar-checked", (self.grammar, None))
        except grammars.GrammarError as error:
            self.post("grammar-checked", (self.grammar, str(error)))
