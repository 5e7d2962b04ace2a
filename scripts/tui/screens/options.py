"""Configure Options: every setting and prompt template, edited in place, checked where it is
entered, and saved atomically to data/persistent.json as soon as it is accepted."""

from __future__ import annotations

import curses
import json
from dataclasses import dataclass

from scripts import settings as settings_store
from scripts import temporary
from scripts.audio.soundfonts import find_system_soundfont
from scripts.model import grammars
from scripts.model.catalog import models_dir
from scripts.model.models import ModelError, check_gguf
from scripts.model.prompts import PromptError, check_template
from scripts.style.style_library import StyleLibrary, load_library
from scripts.tui.keymap import Binding, Keymap
from scripts.tui.widgets import Canvas, LineEditor, key_name, wrap_to_width
from scripts.tui.workers.grammar import GrammarCheck
from scripts.utility import plural

KEYS = Keymap(
    "Choosing an option",
    Binding(("KEY_UP", "KEY_DOWN"), "Up/Down", "move", "choose an option"),
    Binding(("KEY_HOME", "KEY_END"), "Home/End", "move", "the first or last option"),
    Binding(("ENTER",), "Enter", "start_editing", "edit it (a choice or yes/no: the next)", "Edit"),
    Binding(("d",), "D", "restore_default", "its default", "Default"),
    Binding(("m",), "M", "open_catalog", "the Model Catalog", "Catalog"),
    Binding(("t",), "T", "open_training", "train a model on your own tunes", "Train"),
    Binding(("b", "ESC"), "B", "back", "back to the menu (Esc too)", "Back"),
    Binding(("x",), "X", "leave", "exit", "Exit"),
)
EDIT_KEYS = Keymap(
    "Editing an option",
    Binding(("ENTER",), "Enter", "save", "check and save it", "Save"),
    Binding(("ESC",), "Esc", "cancel", "leave it as it was", "Cancel"),
    Binding(("^U", "\x15"), "Ctrl+U", "clear_line", "clear the line", "Clear"),
    Binding(("\t",), "Tab", "next_model", "in the Model field: the next model file"),
)


@dataclass(frozen=True)
class Option:
    label: str
    name: str
    group: str = "settings"  # or "prompts"
    hint: str = ""


SETTING_OPTIONS = tuple(
    Option(setting.label, name, hint=setting.help)
    for name, setting in settings_store.SCHEMA.items()
)
PROMPT_OPTIONS = tuple(
    Option(spec["label"], name, "prompts", spec["help"])
    for name, spec in temporary.PROMPT_OPTIONS.items()
)
OPTIONS = SETTING_OPTIONS + PROMPT_OPTIONS


def shown(option: Option, config: dict) -> str:
    value = config[option.group][option.name]
    if option.name == "stop":
        return json.dumps(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if option.name == "abc_grammar" and not value:
        return f"(shipped) {temporary.ABC_GRAMMAR_PATH.name}"
    if option.group == "prompts":
        return value.replace("\n", "\\n")
    if option.name == "model_path" and not value:
        return f"(starter model) {temporary.STARTER_MODEL_PATH.name}"
    return str(value)


def parsed(option: Option, text: str, settings: dict):
    """Typed text → the value to store; raises ValueError with a sentence for the user. A path
    is checked where it will be used: settings.py resolves it for both."""
    if option.name == "stop":
        return settings_store.check_prompt("stop", json.loads(text))
    if option.group == "prompts":
        return parsed_prompt(option.name, text.replace("\\n", "\n"))
    value = settings_store.check_value(option.name, text.strip())
    changed = {**settings, option.name: value}
    if option.name == "model_path" and value:
        check_gguf(settings_store.model_file(changed))
    problem = settings_store.SCHEMA[option.name].is_path and settings_store.path_problem(
        option.name, changed
    )
    if problem:
        raise ValueError(problem)
    return value


def parsed_prompt(name: str, template: str) -> str:
    """A prompt template, tried the way it will be used (PromptError, GrammarError say why not)."""
    if name == "abc_grammar":  # empty or unchanged: the shipped one; else checked off-thread
        return "" if template.strip() in ("", grammars.shipped_abc_grammar().strip()) else template
    return check_template(name, template)


def model_files() -> list[str]:
    """The finished GGUF files in the models folder. Downloads in progress live in a hidden
    subfolder under another suffix, and hidden files are skipped, so none can be chosen here."""
    folder = models_dir()
    if not folder.is_dir():
        return []
    return sorted(
        str(path)
        for path in folder.glob("*.gguf")
        if path.is_file() and not path.name.startswith(".")
    )


def next_model(current: str) -> str:
    """Tab in the Model field: the starter model (empty), then each file in the models folder."""
    choices = ["", *model_files()]
    return choices[(choices.index(current) + 1) % len(choices)] if current in choices else ""


class OptionsScreen:
    def __init__(self):
        self.selected = 0
        self.editor: LineEditor | None = None
        self.message = ""
        self.top = 0
        self.checking: GrammarCheck | None = None  # a typed grammar being tried by llama.cpp
        self.styles = StyleLibrary()
        self.default_soundfont = temporary.BUNDLED_SOUNDFONT_NAME

    def enter(self, app) -> None:
        self.message, self.editor = "", None
        found = find_system_soundfont()  # what an empty SoundFont setting plays: say it
        self.default_soundfont = found[1] if found else temporary.BUNDLED_SOUNDFONT_NAME
        self.message = self.load_styles(app)

    def load_styles(self, app) -> str:
        """The style library of the styles folder set now; a style file with a mistake is said:
        which file, what is wrong."""
        self.styles = load_library(settings_store.styles_folder(app.config["settings"]))
        if not self.styles.problems:
            return ""
        more = len(self.styles.problems) - 1
        return f"Style {self.styles.problems[0]}" + (f" (+{more} more)" if more else "")

    def draw(self, canvas: Canvas, app) -> None:
        keys = EDIT_KEYS if self.editor else KEYS
        canvas.frame("Configure Options", keys.footer(), app.busy_text())
        rows = canvas.height - 8
        self.top = min(max(self.top, self.selected - rows + 1), self.selected)
        for row, option in enumerate(OPTIONS[self.top : self.top + rows]):
            index = self.top + row
            attribute = curses.A_REVERSE if index == self.selected and not self.editor else 0
            canvas.text(4 + row, 0, f"{option.label:24}", attribute)
            if self.editor and index == self.selected:
                self.editor.draw(canvas, 4 + row, 25)
            else:
                canvas.text(4 + row, 25, shown(option, app.config))
        option = OPTIONS[self.selected]
        model = settings_store.model_file(app.config["settings"])
        if option.name == "model_path":
            hint = f"{option.hint}; Tab: {len(model_files())} in {models_dir()} [{model}]"
        elif option.name == "soundfont_path" and not app.config["settings"]["soundfont_path"]:
            hint = f"{option.hint}; empty plays {self.default_soundfont}"
        elif option.name == "styles_dir":
            folder = settings_store.styles_folder(app.config["settings"])
            hint = f"{option.hint}; {plural(len(self.styles.styles), 'style')} ({folder})"
        else:
            hint = option.hint
        if len(wrap_to_width(self.message, canvas.width - 1)) > 1:  # over the hint, not cut
            canvas.wrapped(canvas.height - 4, self.message, canvas.height - 3, curses.A_BOLD)
        else:
            canvas.text(canvas.height - 4, 0, hint, curses.A_DIM)
            canvas.text(canvas.height - 3, 0, self.message, curses.A_BOLD)

    def key(self, key, app) -> None:
        name = key_name(key)
        if self.editor is None:
            KEYS.dispatch(name, self, app)
        elif self.checking is not None and name != "ESC":
            return  # the editor waits for the check's answer (Esc gives up on it)
        elif not EDIT_KEYS.dispatch(name, self, app):
            self.editor.handle(key)

    def move(self, name: str, app) -> None:
        up, down, last = self.selected - 1, self.selected + 1, len(OPTIONS) - 1
        targets = {"KEY_UP": up, "KEY_DOWN": down, "KEY_HOME": 0, "KEY_END": last}
        self.selected = targets[name] % len(OPTIONS)

    def restore_default(self, name: str, app) -> None:
        option = OPTIONS[self.selected]
        self.store(app, option, settings_store.defaults()[option.group][option.name])

    def open_catalog(self, name: str, app) -> None:
        app.show("catalog")

    def open_training(self, name: str, app) -> None:
        app.show("train")

    def back(self, name: str, app) -> None:
        app.show("menu")

    def leave(self, name: str, app) -> None:
        app.quit()

    def start_editing(self, name: str, app) -> None:
        option = OPTIONS[self.selected]
        stored = app.config[option.group][option.name]
        setting = settings_store.SCHEMA.get(option.name)
        choices = setting.choices if setting and option.group == "settings" else ()
        if choices:  # a short list: Enter steps through it
            self.store(app, option, choices[(choices.index(stored) + 1) % len(choices)])
        elif isinstance(stored, bool):
            self.store(app, option, not stored)
        elif option.name == "abc_grammar":  # edit from the shipped grammar when none is set
            text = stored or grammars.shipped_abc_grammar()
            self.editor = LineEditor(text.replace("\n", "\\n"), limit=temporary.GRAMMAR_MAX_CHARS)
        else:
            text = shown(option, app.config) if option.group == "prompts" else str(stored)
            self.editor = LineEditor(text)

    def cancel(self, name: str, app) -> None:
        self.editor, self.checking, self.message = None, None, "Not changed."

    def save(self, name: str, app) -> None:
        option = OPTIONS[self.selected]
        try:
            value = parsed(option, self.editor.value, app.config["settings"])
        except (ValueError, PromptError, ModelError) as error:
            self.message = f"{error}. Edit it or press Esc."
            return
        if option.name == "abc_grammar" and value:  # llama.cpp would crash on a bad one
            self.checking = GrammarCheck(value, app.events)
            self.checking.start()
            self.message = "Checking the grammar with llama.cpp in a child process..."
            return
        self.editor = None
        self.store(app, option, value)

    def clear_line(self, name: str, app) -> None:
        self.editor.handle(name)

    def next_model(self, name: str, app) -> bool:
        """Tab steps through the model files; in any other field it is not bound."""
        if OPTIONS[self.selected].name != "model_path":
            return False
        self.editor = LineEditor(next_model(self.editor.value))
        return True

    def grammar_checked(self, app, grammar: str, problem: str | None) -> None:
        """The answer of the check started at Enter (ignored when Esc gave up on it)."""
        if self.checking is None or self.checking.grammar != grammar:
            return
        self.checking = None
        if problem:
            self.message = f"{problem}. Edit it or press Esc."
            return
        self.editor = None
        self.store(app, OPTIONS[self.selected], grammar)

    def store(self, app, option: Option, value) -> None:
        app.config[option.group][option.name] = value
        try:
            settings_store.save(app.config)
            self.message = f"Saved: {option.label} = {shown(option, app.config)}"
            if option.name == "styles_dir":  # the new folder's count and broken files, at once
                problem = self.load_styles(app)
                count = plural(len(self.styles.styles), "style")
                self.message = " ".join(filter(None, (f"Saved: {option.label}, {count}.", problem)))
        except OSError as error:
            self.message = f"Could not save the settings: {error.strerror or error}"
