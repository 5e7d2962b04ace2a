"""Configure Options: every setting and prompt template, edited in place, checked where it is
entered, and saved atomically to data/persistent.json as soon as it is accepted."""

from __future__ import annotations

import curses
import json
from dataclasses import dataclass
from pathlib import Path

from scripts import grammars, temporary
from scripts import settings as settings_store
from scripts.catalog import models_dir
from scripts.models import ModelError, check_gguf, configured_model
from scripts.prompts import PromptError, build_prompt, fill
from scripts.ui_widgets import Canvas, LineEditor, key_name

FOOTER = "Move = Up/Down, Edit = Enter, Default = D, Catalog = M, Train = T, Back = B, Exit = X"
EDIT_FOOTER = "Save = Enter, Cancel = Esc, Clear = Ctrl+U"
SAMPLE_FIELDS = {
    "meter": "4/4",
    "unit": "1/8",
    "key": "C",
    "tempo": "1/4=120",
    "rhythm": "reel",
    "styles": "Chill",
}


@dataclass(frozen=True)
class Option:
    label: str
    name: str
    group: str = "settings"  # or "prompts"
    hint: str = ""


OPTIONS = (
    Option("Model", "model_path", hint="a GGUF file; empty = the starter model; M = catalog"),
    Option("Server URL", "server_url", hint="an OpenAI-compatible server; empty = the local Model"),
    Option("Prompt format", "prompt_format", hint=" ".join(temporary.PROMPT_FORMATS)),
    Option("Chat ABC grammar", "use_grammar", hint="yes/no: chat models write ABC, no prose"),
    Option("Meter grammar", "meter_grammar", hint="yes/no: ABC models keep every bar in meter"),
    Option("Context size (tokens)", "n_ctx"),
    Option("CPU threads", "n_threads", hint="0 = one per physical core"),
    Option("GPU layers", "n_gpu_layers", hint="-1 = all, 0 = CPU only"),
    Option("Temperature", "temperature"),
    Option("Top-p", "top_p"),
    Option("Top-k", "top_k"),
    Option("Repeat penalty", "repeat_penalty"),
    Option("Max tokens per song", "max_tokens"),
    Option("Seed", "seed", hint="-1 = a new random seed for every song"),
    Option("Retries per song", "retries"),
    Option("Max songs per batch", "max_songs_per_batch"),
    Option("SoundFont", "soundfont_path", hint="an .sf2 file; empty = the bundled TimGM6mb"),
    Option("MP3 bitrate", "mp3_bitrate", hint=" ".join(temporary.MP3_BITRATES)),
    Option("Output folder", "output_dir", hint="empty = output/ beside launcher.py"),
    Option(
        "Prompt: ABC header", "abc_header", "prompts", "\\n = new line; {meter} {key} {title}.."
    ),
    Option("Prompt: stop strings", "stop", "prompts", 'a JSON list, e.g. ["\\n\\n"]'),
    Option("Chat: system", "chat_system", "prompts", "what a chat model is told it is"),
    Option("Chat: request", "chat_user", "prompts", "{styles} {meter} {key} {unit} {tempo}"),
    Option("ChatMusician prompt", "chatmusician", "prompts", "{message} = the chat request"),
    Option("ABC grammar (GBNF)", "abc_grammar", "prompts", "\\n = new line; empty = shipped"),
)


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


def parsed(option: Option, text: str):
    """Typed text → the value to store; raises ValueError with a sentence for the user."""
    if option.name == "stop":
        value = json.loads(text)
        if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value):
            raise ValueError("stop strings must be a JSON list of non-empty strings")
        return value
    if option.group == "prompts":
        return parsed_prompt(option.name, text.replace("\\n", "\n"))
    value = settings_store.check_value(option.name, text.strip())
    if option.name == "model_path" and value:
        check_gguf(configured_model({"model_path": value}))
    if option.name == "soundfont_path" and value and not Path(value).expanduser().is_file():
        raise ValueError(f"no such file: {value}")
    return value


def parsed_prompt(name: str, template: str) -> str:
    """A prompt template, tried the way it will be used (PromptError, GrammarError say why not)."""
    if name == "abc_grammar":  # empty or unchanged: the shipped one
        if template.strip() in ("", grammars.shipped_abc_grammar().strip()):
            return ""
        return grammars.checked(template)  # llama.cpp would crash on a bad one
    if name == "chatmusician" and "{message}" not in template:
        raise ValueError("the ChatMusician prompt needs {message}, where the request goes")
    if name == "chatmusician":
        fill(template, {"message": ""})
    elif name == "abc_header":
        build_prompt(template, SAMPLE_FIELDS)
    else:
        fill(template, SAMPLE_FIELDS)
    return template


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

    def enter(self, app) -> None:
        self.message, self.editor = "", None

    def draw(self, canvas: Canvas, app) -> None:
        canvas.frame("Configure Options", EDIT_FOOTER if self.editor else FOOTER, app.busy_text())
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
        model = configured_model(app.config["settings"])
        if option.name == "model_path":
            hint = f"{option.hint}; Tab: {len(model_files())} in {models_dir()} [{model}]"
        else:
            hint = option.hint
        canvas.text(canvas.height - 4, 0, hint, curses.A_DIM)
        canvas.text(canvas.height - 3, 0, self.message, curses.A_BOLD)

    def key(self, key, app) -> None:
        name = key_name(key)
        if self.editor is not None:
            self.key_editing(key, name, app)
        elif name == "KEY_UP":
            self.selected = (self.selected - 1) % len(OPTIONS)
        elif name == "KEY_DOWN":
            self.selected = (self.selected + 1) % len(OPTIONS)
        elif name == "ENTER":
            self.start_editing(app)
        elif name in ("d", "D"):
            option = OPTIONS[self.selected]
            default = settings_store.defaults()[option.group][option.name]
            self.store(app, option, default)
        elif name in ("m", "M"):
            app.show("catalog")
        elif name in ("t", "T"):
            app.show("train")
        elif name in ("b", "B", "ESC"):
            app.show("menu")
        elif name in ("x", "X"):
            app.quit()

    def start_editing(self, app) -> None:
        option = OPTIONS[self.selected]
        stored = app.config[option.group][option.name]
        choices = temporary.SETTING_CHOICES.get(option.name)
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

    def key_editing(self, key, name: str, app) -> None:
        if name == "ESC":
            self.editor, self.message = None, "Not changed."
        elif name == "ENTER":
            option = OPTIONS[self.selected]
            try:
                value = parsed(option, self.editor.value)
            except (ValueError, PromptError, ModelError) as error:
                self.message = f"{error}. Edit it or press Esc."
                return
            self.editor = None
            self.store(app, option, value)
        elif name == "\t" and OPTIONS[self.selected].name == "model_path":
            self.editor = LineEditor(next_model(self.editor.value))
        else:
            self.editor.handle(key)

    def store(self, app, option: Option, value) -> None:
        app.config[option.group][option.name] = value
        try:
            settings_store.save(app.config)
            self.message = f"Saved: {option.label} = {shown(option, app.config)}"
        except OSError as error:
            self.message = f"Could not save the settings: {error.strerror or error}"
