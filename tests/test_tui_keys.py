"""Keys as data: every keymap's keys do something, the help and the footers come from the keymaps,
and the README's key lists are the keymaps' (python -m scripts.tui.key_docs makes them)."""

from types import SimpleNamespace

import pytest

from scripts import temporary
from scripts.tui import key_docs
from scripts.tui.keymap import Binding, Keymap, help_lines
from tests.synthetic_library import make_library

KEYMAPS = key_docs.keymaps()
JUKEBOX = "scripts.tui.screens.jukebox"


def test_the_readme_lists_the_keys_of_the_keymaps():
    readme = key_docs.README.read_text(encoding="utf-8")
    assert readme.count(key_docs.BEGIN) == 1 and readme.count(key_docs.END) == 1
    assert key_docs.with_key_lists(readme) == readme, "run: python -m scripts.tui.key_docs"


@pytest.mark.parametrize(("keymap", "handler"), KEYMAPS, ids=[k.title for k, _ in KEYMAPS])
def test_every_binding_has_an_action_its_handler_does(keymap, handler):
    for binding in keymap.bindings:
        assert callable(getattr(handler, binding.action, None)), binding
        assert binding.keys and binding.label and binding.help, binding


def test_every_key_of_a_keymap_reaches_its_action_with_its_name():
    done = []

    class Recorder:
        def __getattr__(self, action):
            return lambda name, *context: done.append((action, name, context))

    keymap = Keymap("Test", Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "move", "move", "Move"))
    assert keymap.dispatch("KEY_DOWN", Recorder(), "app")
    assert not keymap.dispatch("KEY_LEFT", Recorder(), "app")
    assert done == [("move", "KEY_DOWN", ("app",))]
    with pytest.raises(ValueError, match="bound twice"):
        Keymap("Twice", Binding(("n",), "N", "a", "a"), Binding(("N",), "N", "b", "b"))


def test_every_footer_fits_an_80_column_terminal():
    for keymap, _ in KEYMAPS:
        assert len(keymap.footer()) < 80, keymap.footer()


class FakeApp:
    def __init__(self, service):
        self.service, self.shown, self.quitting, self.batch = service, [], False, None

    def music_service(self):
        return self.service

    def show(self, name):
        self.shown.append(name)

    def quit(self):
        self.quitting = True


@pytest.fixture
def jukebox(tmp_path, data_dir, monkeypatch):
    """The jukebox screen on a small library, playing through miniaudio's null device (or the
    silent clock where miniaudio is missing)."""
    from scripts.player.music_service import MusicService
    from scripts.tui.screens.jukebox.screen import JukeboxScreen

    monkeypatch.setenv(temporary.AUDIO_BACKEND_ENV, "null")
    folder = tmp_path / "songs"
    make_library(folder, 4, seconds=2)
    service = MusicService(folder)
    app = FakeApp(service)
    screen = JukeboxScreen()
    screen.enter(app)
    yield screen, app
    service.close()


def states(screen):
    """Each view of the jukebox in each of its modes, set up on `screen`: (name, set-up)."""

    def view(name, **modes):
        def set_up():
            screen.view, screen.question, screen.prompt, screen.panel = name, None, None, None
            for attribute, value in modes.items():
                setattr(screen.views.get(name, screen), attribute, value)

        return set_up

    return {
        "Playing": view("Playing"),
        "Artists": view("Artists"),
        "Genres": view("Genres"),
        "Songs": view("Songs"),
        "Queue": view("Queue"),
        "Playlists": view("Playlists", opened=False),
        "Playlists opened": view("Playlists", opened=True),
        "Search typing": view("Search", typing=True),
        "Search results": view("Search", typing=False),
    }


def test_every_key_of_every_jukebox_keymap_works_in_its_view(jukebox):
    """No dead entry: each key, pressed where its keymap is in force (and no keymap before it
    takes that key), runs its action."""
    from scripts.tui.screens.jukebox.screen import BROWSER_KEYS, PLAYER_KEYS

    screen, app = jukebox
    pressed = set()
    for set_up in states(screen).values():
        set_up()
        view = screen.list_view()
        layers = [*([view.keymap()] if view is not None else []), BROWSER_KEYS, PLAYER_KEYS]
        for depth, keymap in enumerate(layers):
            for binding in keymap.bindings:
                for key in binding.keys:
                    if any(before.find(key) for before in layers[:depth]):
                        continue  # a keymap before it takes this key here
                    set_up()
                    screen.key(key, app)  # raises where an action is missing or broken
                    pressed.add((keymap.title, binding.action))
    every = {(k.title, b.action) for k, _ in KEYMAPS for b in k.bindings if k in layers_of(screen)}
    assert len(every) > 40 and every <= pressed
    assert app.quitting and "menu" in app.shown


def layers_of(screen) -> list:
    """Every keymap a view or the screen dispatches outside a question, prompt or panel."""
    from scripts.tui.screens.jukebox.screen import BROWSER_KEYS, PLAYER_KEYS

    return [BROWSER_KEYS, PLAYER_KEYS, *(keymap for keymap, _ in KEYMAPS if is_view_keymap(keymap))]


def is_view_keymap(keymap) -> bool:
    from scripts.tui.screens.jukebox.lists import View

    return any(
        handler is not None and issubclass(handler, View) for k, handler in KEYMAPS if k is keymap
    )


def test_the_panels_and_questions_take_their_keys_first(jukebox):
    from scripts.tui.screens.jukebox import modals

    screen, app = jukebox
    screen.key("?", app)
    assert isinstance(screen.panel, modals.Help)
    screen.key("KEY_DOWN", app)
    screen.key("?", app)
    assert screen.panel is None
    screen.key("\t", app)  # Artists
    screen.key("i", app)
    assert isinstance(screen.panel, modals.Details) and screen.panel.song is not None
    screen.key("d", app)
    assert screen.question.text.startswith(f"Delete {screen.panel.song.title} ")
    screen.key("z", app)  # only Y, N and Esc answer
    screen.key("n", app)
    assert screen.question is None and isinstance(screen.panel, modals.Details)
    screen.key("ESC", app)
    assert screen.panel is None
    screen.key("l", app)
    assert screen.prompt is not None
    for key in ("M", "i", "x", "ESC"):  # typed, then Esc leaves it unchanged
        screen.key(key, app)
    assert screen.prompt is None and not app.quitting


def test_the_help_lists_every_key_of_the_view_shown_and_of_every_view(jukebox):
    screen, _ = jukebox
    for name, set_up in states(screen).items():
        set_up()
        keymaps = screen.help_keymaps()
        lines = help_lines(keymaps, temporary.UI_MIN_WIDTH - 1)
        assert all(len(line) < temporary.UI_MIN_WIDTH for line, _ in lines), name
        text = "\n".join(line for line, _ in lines)
        for keymap in keymaps:
            for entry in keymap.entries():
                assert entry in text, (name, entry)
        view = screen.list_view()
        if view is not None:
            assert keymaps[0] is view.keymap()


def test_the_jukebox_footers_come_from_its_keymaps(jukebox):
    from scripts.tui.screens.jukebox.screen import HELP, PLAYER_KEYS

    screen, app = jukebox
    assert screen.footer().startswith("Space Pause  N Next  P Previous  ? Help  B Back")
    screen.key("\t", app)
    screen.key("\t", app)
    screen.key("\t", app)  # Songs
    assert screen.footer() == screen.list_view().keymap().footer(HELP)
    assert "O Order" in screen.footer() and screen.footer().endswith("? Help")
    assert PLAYER_KEYS.find("?") is HELP


class ScreenApp:
    """What the other screens ask of the app while a key is dispatched."""

    notice = ""
    batch = SimpleNamespace(finished=False)

    def __init__(self, downloading=False):
        self.downloading = downloading

    def download_running(self):
        return self.downloading


def screen_states():
    """(screen class, set-up of one state, the keymap in force there, app) for each keymap of
    the screens other than the jukebox."""
    from scripts.tui.screens import catalog as screen_catalog
    from scripts.tui.screens import generate as screen_generate
    from scripts.tui.screens import menu as screen_menu
    from scripts.tui.screens import options as screen_options
    from scripts.tui.screens import train
    from scripts.tui.widgets import LineEditor

    Phase = screen_generate.Phase

    def phase(step, finished=False, asking=False):
        def set_up(screen, app):
            screen.phase, screen.asking_exit = step, asking
            app.batch = SimpleNamespace(finished=finished)

        return set_up

    def attributes(**values):
        def set_up(screen, app):
            for attribute, value in values.items():
                setattr(screen, attribute, value() if callable(value) else value)

        return set_up

    running = SimpleNamespace(running=True)
    generate, options = screen_generate.GenerateScreen, screen_options.OptionsScreen
    catalog = screen_catalog.CatalogScreen
    return [
        (screen_menu.MenuScreen, attributes(), screen_menu.KEYS, ScreenApp()),
        (generate, phase(Phase.STYLES), screen_generate.STYLES_KEYS, ScreenApp()),
        (generate, phase(Phase.COUNT), screen_generate.COUNT_KEYS, ScreenApp()),
        (generate, phase(Phase.BATCH), screen_generate.RUNNING_KEYS, ScreenApp()),
        (generate, phase(Phase.BATCH, finished=True), screen_generate.FINISHED_KEYS, ScreenApp()),
        (generate, phase(Phase.BATCH, asking=True), screen_generate.EXIT_KEYS, ScreenApp()),
        (options, attributes(editor=None), screen_options.KEYS, ScreenApp()),
        (options, attributes(editor=LineEditor), screen_options.EDIT_KEYS, ScreenApp()),
        (catalog, attributes(confirming=None), screen_catalog.KEYS, ScreenApp()),
        (catalog, attributes(), screen_catalog.DOWNLOADING_KEYS, ScreenApp(downloading=True)),
        (catalog, attributes(confirming="tiny"), screen_catalog.CONFIRM_KEYS, ScreenApp()),
        (train.TrainScreen, attributes(), train.KEYS, ScreenApp()),
        (train.TrainScreen, attributes(worker=running), train.RUNNING_KEYS, ScreenApp()),
        (train.TrainScreen, attributes(confirming=True), train.CONFIRM_KEYS, ScreenApp()),
    ]


def test_every_key_of_the_other_screens_reaches_its_action_in_its_state():
    """Each screen, put in the state where a keymap is in force, dispatches every key of that
    keymap to the action the keymap names (the actions are stood in for: only the routing is
    tested here; the screens' tests in a terminal test what they do)."""
    states = screen_states()
    assert {id(keymap) for _, _, keymap, _ in states} == {
        id(keymap) for keymap, handler in KEYMAPS if not handler.__module__.startswith(JUKEBOX)
    }
    for screen_class, set_up, keymap, app in states:
        for binding in keymap.bindings:
            for key in binding.keys:
                screen, done = screen_class(), []
                set_up(screen, app)
                for action in {b.action for b in keymap.bindings}:
                    setattr(screen, action, lambda *_, a=action, d=done: d.append(a))
                screen.key(key, app)
                assert done == [binding.action], (keymap.title, key)
