"""The song's form over every shipped style, tune length and tempo: what a listener hears as
the order of verses and choruses."""

from scripts.style.song_form import lay_out
from scripts.style.style_library import load_library

TUNE_BARS = (4, 8, 12, 16, 17, 24, 32, 48, 64)
BAR_SECONDS = (1.5, 2.0, 2.5, 3.0)  # 160 to 80 bpm in 4/4


def repeats(names: list[str]) -> list[int]:
    pairs = zip(names, names[1:], strict=False)
    return [i for i, (a, b) in enumerate(pairs) if a == b and a in ("A", "B")]


def test_a_verse_or_chorus_never_plays_twice_in_a_row_unless_the_style_asks():
    """Fitting a song to the style's longest used to drop a solo and leave its choruses
    side by side (afrobeat: intro A B A B B ending), in 286 of these 1512 layouts."""
    library = load_library()
    for name in library.names():
        form = library[name].spec.form
        asked = len(repeats(form.plan))  # a doubled last chorus, as gospel and soul have
        for tune_bars in TUNE_BARS:
            for bar_seconds in BAR_SECONDS:
                names = [section.name for section in lay_out(form, tune_bars, bar_seconds)]
                assert len(repeats(names)) <= asked, (name, tune_bars, bar_seconds, names)
