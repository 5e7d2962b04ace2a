"""ABC → MP3: the app's in-process path against abc2midi | timidity | lame on the same ABC text.

Tunes: the first N of the folk-rnn corpus that the app's own prepare_tune accepts, played as
written (the `render` command's path for a file of ABC tunes).
App: abc_to_midi → render_mix (synth, master) → write_mp3 (one tune rendered first to load the
SoundFont).
Baseline: `abc2midi tune.abc -o tune.mid`, `timidity -Ow -o tune.wav tune.mid`,
`lame --quiet -b 192 tune.wav tune.mp3` (Debian packages abcmidi, timidity, lame), also warmed
up on one tune first.

Mixdown engine: a 3-minute arranged song (drums, bass, comp, pad, melody;
tests/mixdown_scores.song) with a realistic effect set (SONG_EFFECTS: sidechain, LFO ladder,
saturation, chorus, delays, reverbs, compressors, limiter) through render_mix and the
mastering stage, beside the old
path on the same song (the whole score through the synth at once, no effects). Each runs in a child
process that reports its speed, its peak resident memory (ru_maxrss) and how much the render
grew that peak over the imports, a warm-up render and the score. `--plots DIR` writes
spectrograms of a wobble bass and a pumping pad.

Usage: .venv/bin/python bench/render.py [--quick] [--tunes N] [--mix-only] [--plots DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import symusic  # noqa: E402

from scripts import temporary  # noqa: E402
from scripts.audio.audio_render import abc2midi_path, abc_to_midi, default_soundfont, write_mp3
from scripts.audio.mastering import MasterPlan  # noqa: E402
from scripts.audio.mixdown import render_mix  # noqa: E402
from scripts.notation.abc_notation import AbcError, extract_tunes  # noqa: E402
from scripts.settings import defaults  # noqa: E402
from scripts.song.pipeline import prepare_tune  # noqa: E402
from tests import mixdown_scores  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "folk-rnn-samples.abc"
TOOLS = ("abc2midi", "timidity", "lame")
TARGET_RATIO, TARGET_REALTIME = 3.0, 100.0
MIX_SECONDS, MIX_TARGET_REALTIME = 180.0, 50.0


def corpus_tunes(path: Path, count: int, settings: dict) -> list[str]:
    texts = []
    for raw in extract_tunes(path.read_text(encoding="utf-8")):
        header = {"X": "1", "T": f"Corpus {raw.number}", "M": "4/4", "K": "C"}
        try:
            tune, _, _ = prepare_tune(raw, header, None, settings["min_bars"])
        except AbcError:
            continue
        texts.append(tune.to_text())
        if len(texts) == count:
            break
    return texts


def app_render(abc: str, target: Path, settings: dict) -> tuple[float, list[float]]:
    rate = settings["sample_rate"]
    t0 = time.perf_counter()
    midi, _ = abc_to_midi(abc)
    t1 = time.perf_counter()
    plan = MasterPlan(temporary.DEFAULT_LUFS)
    pcm = render_mix(symusic.Score.from_midi(midi), None, default_soundfont(), rate, 1, plan)
    t2 = time.perf_counter()
    tags = {"title": target.stem, "artist": "bench", "album": "bench", "genre": "ABC"}
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


# The child imports only what a render needs (this file's imports would raise its peak), renders
# a 10 s song to warm up, then the 3-minute one; it prints its figures as JSON.
MIX_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from scripts.audio.mastering import MasterPlan
from scripts.audio.audio_render import default_soundfont
from scripts.audio.synth import render
from scripts.audio.mixdown import render_mix
from tests import mixdown_scores

def peak_mb():
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes there, KiB here

rate, effects = {rate}, mixdown_scores.SONG_EFFECTS
song = mixdown_scores.song({seconds})
plan = MasterPlan(-14.0)
render_mix(mixdown_scores.song(10.0), effects, default_soundfont(), rate, 1, plan)
before = peak_mb()
started = time.perf_counter()
if {engine!r} == "mix":
    audio = render_mix(song, effects, default_soundfont(), rate, 1, plan)
else:
    audio = render(song.to('second'), default_soundfont(), rate)
wall = time.perf_counter() - started
print(json.dumps({{"seconds": audio.shape[1] / rate, "wall": wall, "peak_mb": peak_mb(),
                  "grew_mb": peak_mb() - before}}))
"""


def mix_bench() -> None:
    figures = {}
    for engine in ("mix", "old"):
        code = MIX_CHILD.format(
            root=str(Path(__file__).resolve().parent.parent),
            rate=defaults()["settings"]["sample_rate"],
            seconds=MIX_SECONDS,
            engine=engine,
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        figures[engine] = json.loads(result.stdout.splitlines()[-1])
    new, old = figures["mix"], figures["old"]
    realtime = new["seconds"] / new["wall"]
    verdict = "MET" if realtime >= MIX_TARGET_REALTIME else "MISSED"
    print(
        f"mixdown: {MIX_SECONDS / 60:.0f}-minute song, 5 roles, SONG_EFFECTS, "
        f"SoundFont {default_soundfont().name}, {defaults()['settings']['sample_rate']} Hz"
    )
    print(f"{'':<26}{'render_mix':>14}{'old path':>14}  target")
    print(f"{'audio seconds':<26}{new['seconds']:>14.1f}{old['seconds']:>14.1f}")
    print(f"{'wall seconds':<26}{new['wall']:>14.3f}{old['wall']:>14.3f}")
    print(
        f"{'realtime factor':<26}{realtime:>13.0f}x{old['seconds'] / old['wall']:>13.0f}x"
        f"  render_mix >= {MIX_TARGET_REALTIME:.0f}x {verdict}"
    )
    print(f"{'peak RSS of the child MB':<26}{new['peak_mb']:>14.0f}{old['peak_mb']:>14.0f}")
    print(f"{'  grown by the render MB':<26}{new['grew_mb']:>14.0f}{old['grew_mb']:>14.0f}")


def write_plots(folder: Path) -> None:
    from scripts.audio.mixdown import render_mix

    folder.mkdir(parents=True, exist_ok=True)
    rate = defaults()["settings"]["sample_rate"]
    kick = mixdown_scores.kicks(16)
    wobble = mixdown_scores.score(
        [("bass", 81, False, [(0.0, 8.0, 33, 110), (8.0, 8.0, 36, 110)])], bpm=140.0
    )
    lfo = {"rate_beats": 0.5, "low_hz": 120, "high_hz": 3000}
    effects = {"tracks": {"bass": [{"type": "ladder", "resonance": 0.5, "lfo": lfo}]}}
    audio = render_mix(wobble, effects, default_soundfont(), rate, 1)
    title = "saw bass (A1, C2) through the LFO ladder, 1/8-note wobble at 140 bpm"
    mixdown_scores.spectrogram_png(audio, rate, title, folder / "wobble-bass.png")
    pad = mixdown_scores.score(
        [
            ("pad", 89, False, mixdown_scores.held_chord(16)),
            ("drums", 25, True, kick),
        ],
        bpm=124.0,
    )
    silent = [{"type": "gain", "gain_db": -60}] * 2  # the kicks key the sidechain, unheard
    effects = {"tracks": {"pad": [{"type": "sidechain", "depth_db": 10}], "drums": silent}}
    audio = render_mix(pad, effects, default_soundfont(), rate, 1)
    title = "held pad sidechained to a kick on every beat (kick muted), 124 bpm"
    mixdown_scores.spectrogram_png(audio, rate, title, folder / "pumping-pad.png")
    print(f"spectrograms in {folder}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 tunes instead of 16")
    parser.add_argument("--tunes", type=int, default=16)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--mix-only", action="store_true", help="only the mixdown engine")
    parser.add_argument("--plots", type=Path, help="write spectrograms (PNG) to this folder")
    args = parser.parse_args()
    if args.plots:
        write_plots(args.plots)
    mix_bench()
    if args.mix_only:
        return 0
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
        f"{len(tunes)} corpus tunes as written; app abc2midi: {abc2midi_path()}, "
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
