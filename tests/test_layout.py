"""The structure the design asks for: curses only in the text UI's folder (scripts/tui/)."""

import ast

from tests.conftest import REPO

TUI = REPO / "scripts" / "tui"


def curses_imports(path) -> list[int]:
    """The lines of `path` that import curses (or one of its modules)."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        if any(name == "curses" or name.startswith("curses.") for name in names):
            lines.append(node.lineno)
    return lines


def test_curses_is_imported_only_in_the_tui_folder():
    sources = [
        path
        for path in REPO.rglob("*.py")
        if not {".venv", ".git", "tests"} & set(path.relative_to(REPO).parts)
    ]
    assert len(sources) > 20 and any(path.is_relative_to(TUI) for path in sources)
    outside = {
        str(path.relative_to(REPO)): lines
        for path in sources
        if not path.is_relative_to(TUI) and (lines := curses_imports(path))
    }
    assert outside == {}
    assert curses_imports(TUI / "interface.py")  # the check sees an import where there is one
