"""Every keymap of the text UI with the class that does its actions, and the README's key lists
made from them: `python -m scripts.tui.key_docs` rewrites the lists between the markers, and
tests/test_tui_keys.py fails when the README and the keymaps disagree."""

from __future__ import annotations

import sys

from scripts import temporary
from scripts.tui.keymap import Keymap

README = temporary.REPO_ROOT / "README.md"
BEGIN = "<!-- keys: made from the keymaps by `python -m scripts.tui.key_docs` -->"
END = "<!-- /keys -->"


def screens() -> list[tuple[str, list[tuple[Keymap, type]]]]:
    """Each screen's keymaps with their handlers, in the order the README lists them."""
    from scripts.tui.screens import catalog as screen_catalog
    from scripts.tui.screens import generate as screen_generate
    from scripts.tui.screens import menu as screen_menu
    from scripts.tui.screens import options as screen_options
    from scripts.tui.screens import train
    from scripts.tui.screens.jukebox import modals, playlists, screen, search
    from scripts.tui.screens.jukebox.artists import ArtistsView
    from scripts.tui.screens.jukebox.genres import GenresView
    from scripts.tui.screens.jukebox.queue_view import QueueView
    from scripts.tui.screens.jukebox.songs import SongsView

    generate, jukebox = screen_generate.GenerateScreen, screen.JukeboxScreen
    options, catalog = screen_options.OptionsScreen, screen_catalog.CatalogScreen
    return [
        ("Main Menu", [(screen_menu.KEYS, screen_menu.MenuScreen)]),
        (
            "Generate Music",
            [
                (screen_generate.STYLES_KEYS, generate),
                (screen_generate.COUNT_KEYS, generate),
                (screen_generate.RUNNING_KEYS, generate),
                (screen_generate.FINISHED_KEYS, generate),
                (screen_generate.EXIT_KEYS, generate),
            ],
        ),
        (
            "Output Jukebox",
            [
                (screen.PLAYER_KEYS, jukebox),
                (screen.BROWSER_KEYS, jukebox),
                (ArtistsView.keys, ArtistsView),
                (GenresView.keys, GenresView),
                (SongsView.keys, SongsView),
                (QueueView.keys, QueueView),
                (playlists.PLAYLISTS_KEYS, playlists.PlaylistsView),
                (playlists.OPEN_KEYS, playlists.PlaylistsView),
                (search.TYPING_KEYS, search.SearchView),
                (search.RESULTS_KEYS, search.SearchView),
                (modals.DETAILS_KEYS, jukebox),
                (modals.HELP_KEYS, jukebox),
                (modals.QUESTION_KEYS, jukebox),
                (modals.PROMPT_KEYS, jukebox),
            ],
        ),
        (
            "Configure Options",
            [(screen_options.KEYS, options), (screen_options.EDIT_KEYS, options)],
        ),
        (
            "Model Catalog",
            [
                (screen_catalog.KEYS, catalog),
                (screen_catalog.DOWNLOADING_KEYS, catalog),
                (screen_catalog.CONFIRM_KEYS, catalog),
            ],
        ),
        (
            "Train Your Own Model",
            [
                (train.KEYS, train.TrainScreen),
                (train.RUNNING_KEYS, train.TrainScreen),
                (train.CONFIRM_KEYS, train.TrainScreen),
            ],
        ),
    ]


def keymaps() -> list[tuple[Keymap, type]]:
    return [pair for _, pairs in screens() for pair in pairs]


def key_lists() -> str:
    """A screen a line, a keymap of it a line under it: each key and what it does. A key said
    the same way on a line before, on the same screen, is not repeated."""
    lines = []
    for screen, pairs in screens():
        lines.append(f"- **{screen}**")
        said: set[str] = set()
        for keymap, _ in pairs:
            entries = [f"`{b.label}` {b.help}" for b in keymap.bindings]
            new = [entry for entry in entries if entry not in said]
            if len(new) < len(entries):
                new.append("the keys above" if new else "the same keys as above")
            lines.append(f"  - *{keymap.title}*: {' · '.join(new)}")
            said.update(entries)
    return "\n".join(lines)


def with_key_lists(readme: str) -> str:
    """The README with the key lists between its markers made anew."""
    head, rest = readme.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{BEGIN}\n{key_lists()}\n{END}{tail}"


def main() -> int:
    text = README.read_text(encoding="utf-8")
    made = with_key_lists(text)
    if made != text:
        README.write_text(made, encoding="utf-8")
        print(f"{README.name}: key lists rewritten", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
