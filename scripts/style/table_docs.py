"""The lists in data/styles/README.md (drum voices, bass patterns, voicings, effects) and the
effects table at the top of scripts/audio/effects.py, made from data/music_tables.json:
`python -m scripts.style.table_docs` rewrites them between their markers, and tests
(test_styles.py, test_mixdown.py) fail when a list and the tables disagree."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from scripts import temporary

README = temporary.STYLES_DIR / "README.md"
EFFECTS_MODULE = temporary.REPO_ROOT / "scripts" / "audio" / "effects.py"
WIDTH = 99


def markers(name: str, docstring: bool = False) -> tuple[str, str]:
    made = "made from data/music_tables.json by `python -m scripts.style.table_docs`"
    if docstring:
        return f"[{name}: {made}]", f"[/{name}]"
    return f"<!-- {name}: {made} -->", f"<!-- /{name} -->"


def ranged(name: str, entry: tuple[float, float, float], note: str | None) -> str:
    default, low, high = entry
    return f"{name} {low:g}..{high:g} [{default:g}]" + (f" ({note})" if note else "")


def effect_text(entry: dict) -> str:
    """'room_size 0..1 [0.5], ...': an effect's parameters, ranges and defaults."""
    notes = entry["notes"]
    params = [ranged(name, value, notes.get(name)) for name, value in entry["params"].items()]
    if entry["modes"]:
        params.insert(0, f"mode {'|'.join(entry['modes'])} [{entry['mode']}]")
    text = ", ".join(params)
    if entry["lfo"]:
        lfo = [ranged(name, value, notes.get(name)) for name, value in entry["lfo"].items()]
        text += f', an optional "lfo": {{{", ".join(lfo)}}}'
    return f"{entry['about']}: {text}" if entry["about"] else text


def effects_table() -> str:
    """The docstring's table: each type, then its parameters."""
    effects = temporary.MUSIC_TABLES["effects"]
    return "\n".join(
        textwrap.fill(
            effect_text(entry),
            WIDTH - 4,
            initial_indent=f"  {kind:<11} ",
            subsequent_indent=" " * 14,
        )
        for kind, entry in effects.items()
    )


def bullets(table: dict[str, str]) -> str:
    return "\n".join(
        textwrap.fill(f"`{name}`: {text}", WIDTH, initial_indent="- ", subsequent_indent="  ")
        for name, text in table.items()
    )


def readme_lists() -> dict[str, str]:
    tables = temporary.MUSIC_TABLES
    voices = ", ".join(f"`{name}` ({note})" for name, note in tables["drum_voices"].items())
    effects = {kind: effect_text(entry) for kind, entry in tables["effects"].items()}
    return {
        "drum-voices": textwrap.fill(voices, WIDTH),
        "bass-patterns": bullets(tables["bass_patterns"]),
        "voicings": bullets(tables["voicings"]),
        "effects": bullets(effects),
    }


def replaced(text: str, name: str, body: str, docstring: bool = False) -> str:
    """`text` with `body` between the markers named `name`."""
    begin, end = markers(name, docstring)
    head, rest = text.split(begin, 1)
    _, tail = rest.split(end, 1)
    return f"{head}{begin}\n{body}\n{end}{tail}"


def with_lists(readme: str) -> str:
    for name, body in readme_lists().items():
        readme = replaced(readme, name, body)
    return readme


def with_table(module: str) -> str:
    return replaced(module, "effects", effects_table(), docstring=True)


def main() -> int:
    for path, made in ((README, with_lists), (EFFECTS_MODULE, with_table)):
        text = Path(path).read_text(encoding="utf-8")
        if made(text) != text:
            path.write_text(made(text), encoding="utf-8")
            print(f"updated {path.relative_to(temporary.REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
