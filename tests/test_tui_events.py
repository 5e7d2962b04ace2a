"""The workers' typed events (scripts/tui/events.py) and the states the screens draw from them."""

import queue
from types import SimpleNamespace

from scripts.song import batch_events
from scripts.tui import events
from scripts.tui.workers.download import DownloadState
from scripts.tui.workers.generation import BatchState
from scripts.tui.workers.thread import WorkerThread
from scripts.tui.workers.train import TrainState


def test_a_batch_state_follows_its_events():
    state = BatchState(("Folk",), 2)
    progress = SimpleNamespace(song=1, stage="generate", fraction=0.5, message="")
    job = SimpleNamespace(
        styles=("Reel",), artist={"name": "The Fiddles"}, blend=SimpleNamespace(arranged_as=str)
    )
    for event in (
        batch_events.Loading("Loading model tiny.gguf..."),
        batch_events.Identity(job),
        batch_events.Loaded(),
        batch_events.SongProgress(progress),
        batch_events.SongMade({"title": "One"}),
        batch_events.SongSkipped(2, "no tune"),
        batch_events.BatchStopped("Stopped at song 3: disk full."),
        events.BatchFinished("Batch finished: 1 made, 1 skipped."),
    ):
        state.apply(event)
    assert (state.styles, state.artist, state.generate) == (("Reel",), "The Fiddles", 0.5)
    assert state.done == [{"title": "One"}] and state.skipped == ["Song 2 skipped: no tune"]
    assert state.finished
    assert state.status == "Batch finished: 1 made, 1 skipped. Stopped at song 3: disk full."


def test_download_and_training_states_follow_their_events():
    download = DownloadState("tiny")
    download.apply(events.DownloadProgress("half"))
    assert download.running
    download.apply(events.DownloadEnded(events.Outcome.CANCELLED, "Cancelled."))
    assert not download.running
    assert (download.progress, download.outcome, download.message) == (
        "half",
        events.Outcome.CANCELLED,
        "Cancelled.",
    )
    training = TrainState("mine")
    training.apply(events.TunesCounted("3 tunes found", ["a.mid: empty"]))
    training.apply(events.TrainingProgress("step 1"))
    training.apply(events.ToolsMissing("PyTorch is missing."))
    assert (training.counts, training.problems) == ("3 tunes found", ["a.mid: empty"])
    assert (training.progress, training.outcome) == ("step 1", events.Outcome.NEEDS_TOOLS)
    training.apply(events.TrainEnded(events.Outcome.INSTALLED, "Installed."))
    assert (training.outcome, training.message) == (events.Outcome.INSTALLED, "Installed.")


def test_a_worker_posts_its_events_on_the_apps_queue():
    posted = queue.Queue()

    class Checker(WorkerThread):
        def run(self) -> None:
            self.post(events.GrammarChecked("root ::= x", None))

    worker = Checker("check", posted)
    worker.start()
    worker.thread.join(timeout=10)
    assert posted.get_nowait() == events.GrammarChecked("root ::= x", None)


def test_the_training_screen_says_it_cancels_until_the_run_ends(tmp_path):
    """After Esc the run's news (tunes counted, a step) leaves "Cancelling..." up; its end
    replaces it, and the next run's news shows again."""
    from scripts.tui.screens.train import Mode, TrainScreen
    from scripts.tui.workers.train import TrainWorker

    screen, app = TrainScreen(), SimpleNamespace(train_events=[])
    screen.state = TrainState("mine")
    screen.worker = TrainWorker([tmp_path], "mine", queue.Queue())  # never started: cancelled only
    screen.cancel("ESC", app)
    assert screen.worker.cancel_event.is_set()
    app.train_events += [events.TunesCounted("3 tunes found", []), events.TrainingProgress(None)]
    screen.drain(app)
    assert screen.message == "Cancelling after this step..."
    app.train_events.append(
        events.TrainEnded(events.Outcome.CANCELLED, "Cancelled. Enter resumes.")
    )
    screen.drain(app)
    assert screen.message == "Cancelled. Enter resumes." and screen.mode() is Mode.TYPING
    app.train_events.append(events.TunesCounted("3 tunes found", []))
    screen.drain(app)
    assert screen.message == "Preparing the training..."
