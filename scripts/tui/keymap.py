"""Keys as data: each screen (and each mode of one, each jukebox view) has one Keymap, a table of
bindings that gives the dispatch, the footer, the `?` help and the README's key lists, so a key is
written down once. No curses here: key names are key_name()'s spellings ('n', 'KEY_UP', 'ENTER')."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Binding:
    keys: tuple[str, ...]  # key_name() spellings; a letter stands for both its cases
    label: str  # how the footer, the help and the README write the keys: "Space", "Up/Down"
    action: str  # the name of the screen's (or view's) method that does it
    help: str  # what it does, for the help and the README
    footer: str = ""  # its word in the footer; "" leaves it out of the footer


def quiet(binding: Binding) -> Binding:
    """The binding left out of a footer that has no room for it (the help still lists it)."""
    return replace(binding, footer="")


def fold(name: str) -> str:
    """'N' and 'n' are one key to every screen."""
    return name.lower() if len(name) == 1 else name


class Keymap:
    """The bindings of one screen or mode, in the order the footer and the help list them.
    `footer_item` spells one binding in the footer ("{word} = {key}" or "{key} {word}"), `frame`
    wraps the joined items."""

    def __init__(
        self,
        title: str,
        *bindings: Binding,
        footer_item: str = "{word} = {key}",
        separator: str = ", ",
        frame: str = "{}",
    ):
        self.title, self.bindings = title, bindings
        self.footer_item, self.separator, self.frame = footer_item, separator, frame
        self.by_key: dict[str, Binding] = {}
        for binding in bindings:
            for key in binding.keys:
                if fold(key) in self.by_key:  # a key doing two things in one mode is a slip
                    raise ValueError(f"{title}: {key!r} is bound twice")
                self.by_key[fold(key)] = binding

    def find(self, name: str) -> Binding | None:
        return self.by_key.get(fold(name))

    def dispatch(self, name: str, handler: object, *args) -> bool:
        """Do what `name` is bound to: handler.<action>(name, *args), the key's name first since
        one binding may hold several keys (Up/Down). False when it is bound to nothing here, or
        when the action returns False (it does not apply now: another keymap may take it)."""
        binding = self.find(name)
        if binding is None:
            return False
        return getattr(handler, binding.action)(name, *args) is not False

    def footer(self, *more: Binding) -> str:
        """The footer-worthy bindings, then `more` (another keymap's that work here too)."""
        shown = [b for b in (*self.bindings, *more) if b.footer]
        items = [self.footer_item.format(word=b.footer, key=b.label) for b in shown]
        return self.frame.format(self.separator.join(items))

    def entries(self) -> list[str]:
        """Each binding as the help and the README say it: "N next song"."""
        return [f"{binding.label} {binding.help}" for binding in self.bindings]


def packed(entries: list[str], width: int, gap: str = " · ") -> list[str]:
    """Entries joined on lines of at most `width` characters (an entry is never split)."""
    lines: list[str] = []
    for entry in entries:
        if lines and len(lines[-1]) + len(gap) + len(entry) <= width:
            lines[-1] += gap + entry
        else:
            lines.append(entry)
    return lines


def help_lines(keymaps: list[Keymap], width: int) -> list[tuple[str, bool]]:
    """The `?` help: each keymap's title (bold: True) and its entries packed to `width`."""
    lines: list[tuple[str, bool]] = []
    for keymap in keymaps:
        lines.append((keymap.title, True))
        lines += [(line, False) for line in packed(keymap.entries(), width)]
    return lines
