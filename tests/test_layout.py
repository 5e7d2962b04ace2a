"""The structure the design asks for: domain packages in scripts/ that import one another in one
direction only, and curses only in the text UI's package (scripts/tui/)."""

import ast

from tests.conftest import REPO

SCRIPTS = REPO / "scripts"
TUI = SCRIPTS / "tui"
# What each part of scripts/ may import besides itself and the app-wide modules (temporary,
# utility, input_files, settings), which import none of the packages. The front ends (the command
# line, what users type, the text UI) may import anything; nothing else imports them.
FOUNDATION = {"temporary", "utility", "input_files", "settings"}
FRONT_ENDS = {"cli", "user_input", "tui"}
MAY_IMPORT = {
    "notation": set(),
    "audio": set(),
    "library": set(),
    "style": {"notation", "audio"},  # a style's effects are checked against audio's table
    "model": {"notation", "style"},  # a prompt asks for the style's meter and rhythm
    "player": {"library"},
    "song": {"notation", "audio", "style", "model", "library"},
}


def imports(path) -> list[tuple[int, str]]:
    """(line, module) for each module `path` imports, `from a import b` giving a.b."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def part(module: str) -> str | None:
    """The part of scripts/ a dotted name is in: a package, or a module at the top."""
    names = module.split(".")
    return names[1] if names[0] == "scripts" and len(names) > 1 else None


def sources():
    return [
        path
        for path in REPO.rglob("*.py")
        if not {".venv", ".git", "tests"} & set(path.relative_to(REPO).parts)
    ]


def wrong_imports(scripts) -> list[str]:
    """Each import in the tree `scripts` that goes against MAY_IMPORT."""
    wrong = []
    for path in sorted(scripts.rglob("*.py")):
        here = path.relative_to(scripts).parts[0].removesuffix(".py")
        if here in FRONT_ENDS:
            continue
        allowed = {here} | FOUNDATION | MAY_IMPORT.get(here, set())
        for line, module in imports(path):
            if (there := part(module)) and there not in allowed:
                wrong.append(f"{path.relative_to(scripts)}:{line} imports {module}")
    return wrong


def test_the_packages_import_in_one_direction():
    packages = {path.parent.name for path in SCRIPTS.glob("*/__init__.py")}
    assert packages == set(MAY_IMPORT) | {"tui"}, "a new package needs its place in MAY_IMPORT"
    top = {path.stem for path in SCRIPTS.glob("*.py")}
    assert top == FOUNDATION | (FRONT_ENDS - {"tui"}), "a new top-level module: which is it?"
    assert wrong_imports(SCRIPTS) == []


def test_the_direction_check_sees_a_wrong_import(tmp_path):
    (tmp_path / "notation").mkdir()
    (tmp_path / "notation" / "abc_lyrics.py").write_text(
        "import os\nfrom scripts import temporary\nfrom scripts.song.lyrics import as_text\n"
    )
    (tmp_path / "song").mkdir()
    (tmp_path / "song" / "lyrics.py").write_text("from scripts.notation import abc_lyrics\n")
    assert wrong_imports(tmp_path) == [
        "notation/abc_lyrics.py:3 imports scripts.song.lyrics.as_text"
    ]


def curses_imports(path) -> list[int]:
    """The lines of `path` that import curses (or one of its modules)."""
    return [
        line for line, module in imports(path) if module == "curses" or module.startswith("curses.")
    ]


def test_curses_is_imported_only_in_the_tui_folder():
    files = sources()
    assert len(files) > 20 and any(path.is_relative_to(TUI) for path in files)
    outside = {
        str(path.relative_to(REPO)): lines
        for path in files
        if not path.is_relative_to(TUI) and (lines := curses_imports(path))
    }
    assert outside == {}
    assert curses_imports(TUI / "interface.py")  # the check sees an import where there is one
