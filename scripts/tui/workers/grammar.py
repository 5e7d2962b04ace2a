"""The grammar check (a child process, up to GRAMMAR_CHECK_TIMEOUT_S) on a worker thread, so the
Options screen keeps drawing and taking keys while llama.cpp tries a typed grammar. No curses."""

from __future__ import annotations

import queue

from scripts.model import grammars
from scripts.tui.events import GrammarChecked
from scripts.tui.workers.thread import WorkerThread


class GrammarCheck(WorkerThread):
    """Posts one GrammarChecked: its problem is None when the grammar passed."""

    def __init__(self, grammar: str, events: queue.Queue):
        super().__init__("grammar-check", events)
        self.grammar = grammar

    def run(self) -> None:
        try:
            grammars.checked(self.grammar)
            self.post(GrammarChecked(self.grammar, None))
        except grammars.GrammarError as error:
            self.post(GrammarChecked(self.grammar, str(error)))
