"""ABC → MP3: the app's in-process path against abc2midi | timidity | lame on the same ABC text.

Tunes: the first N of the folk-rnn corpus that the app's own prepare_tune accepts, arranged for
the "Chill" style, written out with their %%MIDI directives exactly as render_song does.
App: abc_to_midi → midi_to_pcm → write_mp3 (one tune rendered first to load the SoundFont).
Baseline: `abc2midi tune.abc -o tune.mid`, `timidity -Ow -o tune.wav tune.mid`,
`lame --quiet -b 192 tune.wav tune.mp3` (Debian packages abcmidi, timidity, lame), also warmed
up on one tune first. Usage: .venv/bin/python bench/render.py [--quick] [--tunes N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.abc_notation import AbcError, extract_tunes  # noqa: E402
from scripts.arrangement import arrange, directives  # noqa: E402
from scripts.audio_render import (  # noqa: E402
    abc2midi_path,
    abc_to_midi,
    default_soundfont,
    midi_to_pcm,
    write_mp3,
)
from scripts.pipeline import prepare_tune  # noqa: E402
from scripts.settings import defaults  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "folk-rnn-samples.abc"
TOOLS = ("abc2midi", "timidity", "lame")
TARGET_RATIO, TARGET_REALTIME = 3.0, 100.0


def corpus_tunes(path: Path, count: int, settings: dict) -> list[str]:
    arrangement = arrange(("Chill",))
    texts = []
    for raw in extract_tunes(path.read_text(encoding="utf-8")):
        header = {"X": "1", "T": f"Corpus {raw.number}", "M": "4/4", "K": "C"}
        try:
            tune, _, _ = prepare_tune(raw, header, arrangement, settings["min_bars"])
        except AbcError:
            continue
        texts.append(tune.to_text(directives(arrangement, tune.headers.get("M", "4/4"))))
        if len(texts) == count:
            break
    return texts


def app_render(abc: str, target: Path, settings: dict) -> tuple[float, list[float]]:
    rate = settings["sample_rate"]
    t0 = time.perf_counter()
    midi, _ = abc_to_midi(abc)
    t1 = time.perf_counter()
    pcm = midi_to_pcm(midi, default_soundfont(), rate)
    t2 = time.perf_counter()
    tags = {"title": target.stem, "artist": "bench", "album": "bench", "genre": "Chill"}
    seconds = write_mp3(pcm, rate, target, tags, settings["mp3_bitrate"])
    return seconds, [t1 - t0, t2 - t1, time.perf_counter() - t2]


def tool_render(abc: str, folder: Path) -> tuple[float, list[float]]:
    folder.mkdir()
    (folder / "tune.abc").write_text(abc, encoding="utf-8")
    commands = (
        ["abc2midi", "tune.abc", "-o", "tune.mid"],
        ["timidity", "-Ow", "-o", "tune.wav", "tune.mid"],
        ["lame", "--quiet", "-b", "192", "tune.wav", "tune.mp3"],
    )
    times = []
    for command in commands:
        started = time.perf_counter()
        subprocess.run(command, cwd=folder, capture_output=True, stdin=subprocess.DEVNULL)
        times.append(time.perf_counter() - started)
    if not (folder / "tune.mp3").is_file():
        raise RuntimeError(f"the baseline wrote no MP3 in {folder}")
    with wave.open(str(folder / "tune.wav")) as wav:
        return wav.getnframes() / wav.getframerate(), times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 tunes instead of 16")
    parser.add_argument("--tunes", type=int, default=16)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    missing = [tool for tool in TOOLS if not shutil.which(tool)]
    if missing:
        print(
            f"baseline tools missing: {', '.join(missing)}; install them with\n"
            "  apt-get update && apt-get install -y abcmidi timidity lame"
        )
        return 1
    settings = defaults()["settings"]
    tunes = corpus_tunes(args.corpus, 4 if args.quick else args.tunes, settings)
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        folder = Path(tmp)
        app_render(tunes[0], folder / "warm.mp3", settings)  # loads the SoundFont
        tool_render(tunes[0], folder / "warm")
        app_audio, app_stages = 0.0, [0.0, 0.0, 0.0]
        started = time.perf_counter()
        for number, abc in enumerate(tunes):
            seconds, stages = app_render(abc, folder / f"app-{number}.mp3", settings)
            app_audio += seconds
            app_stages = [a + b for a, b in zip(app_stages, stages, strict=True)]
        app_wall = time.perf_counter() - started
        tool_audio, tool_stages = 0.0, [0.0, 0.0, 0.0]
        started = time.perf_counter()
        for number, abc in enumerate(tunes):
            seconds, stages = tool_render(abc, folder / f"tool-{number}")
            tool_audio += seconds
            tool_stages = [a + b for a, b in zip(tool_stages, stages, strict=True)]
        tool_wall = time.perf_counter() - started

    def row(name: str, app: str, base: str, target: str = "") -> None:
        print(f"{name:<26}{app:>14}{base:>14}  {target}")

    ratio = tool_wall / app_wall
    app_rt, tool_rt = app_audio / app_wall, tool_audio / tool_wall
    print(
        f"{len(tunes)} corpus tunes, Chill arrangement; app abc2midi: {abc2midi_path()}, "
        f"SoundFont {default_soundfont().name}; baseline: timidity's configured SoundFont"
    )
    row("", "app", "baseline", "target")
    row("audio seconds", f"{app_audio:.1f}", f"{tool_audio:.1f}")
    row("wall seconds", f"{app_wall:.3f}", f"{tool_wall:.3f}")
    row(
        "realtime factor",
        f"{app_rt:.0f}x",
        f"{tool_rt:.0f}x",
        f"app >= {TARGET_REALTIME:.0f}x {'MET' if app_rt >= TARGET_REALTIME else 'MISSED'}",
    )
    row(
        "ratio baseline/app",
        f"{ratio:.2f}x",
        "",
        f">= {TARGET_RATIO:.0f}x {'MET' if ratio >= TARGET_RATIO else 'MISSED'}",
    )
    names = (("midi", "abc2midi"), ("synth", "timidity"), ("mp3", "lame"))
    for (app_name, tool_name), app_s, tool_s in zip(names, app_stages, tool_stages, strict=True):
        row(
            f"  {app_name} / {tool_name} s",
            f"{app_s:.3f} {app_s / app_wall:4.0%}",
            f"{tool_s:.3f} {tool_s / tool_wall:4.0%}",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
