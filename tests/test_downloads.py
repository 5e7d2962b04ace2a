"""Downloads against a local server that answers like the Hugging Face Hub (tests/fake_hub.py):
real HTTP through huggingface-hub's client, real files, the real llama.cpp loading the result."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from scripts import settings, temporary
from scripts.model.catalog import parse_entry
from scripts.model.downloads import (
    DownloadCancelled,
    DownloadError,
    describe,
    download,
    eta_seconds,
    measure,
    transfer_speed,
)
from scripts.model.models import LocalModel
from scripts.tui.screens.options import model_files
from tests.conftest import REPO, run_launcher
from tests.fake_hub import catalog_entry, write_catalog

REPO_ID, FILE = "test/tiny-GGUF", "tiny.gguf"


@pytest.fixture
def hosted(fake_hub, abc_model):
    """The tiny llama GGUF (2.5 MB), served by the fake hub."""
    return fake_hub.add(REPO_ID, FILE, abc_model.read_bytes())


def entry_for(hosted, **fields):
    return parse_entry(catalog_entry("tiny", hosted, **fields), 0)


def partials(folder):
    return sorted((folder / temporary.PARTIAL_DOWNLOADS_DIR_NAME).glob("*"))


@pytest.fixture
def quick_retries(monkeypatch):
    monkeypatch.setattr(temporary, "DOWNLOAD_RETRY_WAIT_S", 0.05)


def test_a_download_loads_in_llama_cpp_and_joins_the_model_list(
    fake_hub, hosted, models_folder, monkeypatch
):
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.endpoint)  # read at the call, not at import
    reports = []
    path = download(entry_for(hosted), on_progress=reports.append)
    assert path == models_folder / FILE and path.read_bytes() == hosted.data
    assert [(r.method, r.path) for r in fake_hub.requests] == [
        ("HEAD", f"/{REPO_ID}/resolve/main/{FILE}"),
        ("GET", f"/blobs/{hosted.sha256}"),
    ]
    last_download = [r for r in reports if r.stage == "download"][-1]
    assert last_download.done == last_download.total == len(hosted.data)
    assert last_download.speed > 0 and last_download.eta == 0
    assert reports[-1].stage == "verify"
    assert model_files() == [str(path)]
    assert partials(models_folder) == []
    config = settings.defaults()["settings"]
    model = LocalModel(path, config)
    assert model.llama.n_vocab() > 256


def test_a_token_goes_to_the_hub_but_never_to_the_cdn(fake_hub, hosted, models_folder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_secret")
    download(entry_for(hosted), endpoint=fake_hub.endpoint)
    head, get = fake_hub.requests
    assert head.authorization == "Bearer hf_secret" and get.authorization is None


def test_a_dropped_connection_is_resumed_with_a_range_request(fake_hub, hosted, models_folder):
    fake_hub.faults.drop_after, fake_hub.faults.drops = 300_000, 1
    path = download(entry_for(hosted), endpoint=fake_hub.endpoint)
    first, second = fake_hub.get_requests()
    assert first.range is None and second.range == "bytes=300000-"
    assert path.read_bytes() == hosted.data


def test_an_interrupted_download_is_kept_and_the_next_call_resumes_it(
    fake_hub, hosted, models_folder, quick_retries
):
    fake_hub.faults.drop_after = 100_000
    fake_hub.faults.drops = temporary.DOWNLOAD_RETRIES + 1  # every try of the first call drops
    with pytest.raises(DownloadError, match="connection was lost.*download again to resume"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    [partial] = partials(models_folder)
    kept = partial.stat().st_size
    assert kept == 100_000 * (temporary.DOWNLOAD_RETRIES + 1)
    assert not (models_folder / FILE).exists() and model_files() == []
    path = download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert fake_hub.get_requests()[-1].range == f"bytes={kept}-"
    assert path.read_bytes() == hosted.data and partials(models_folder) == []


def test_cancel_keeps_the_partial_out_of_the_model_list_and_a_new_call_resumes(
    fake_hub, hosted, models_folder
):
    fake_hub.faults.delay_per_chunk = 0.02
    cancel = threading.Event()

    def on_progress(progress):
        if progress.done > 500_000:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="kept"):
        download(entry_for(hosted), on_progress, cancel, endpoint=fake_hub.endpoint)
    [partial] = partials(models_folder)
    kept = partial.stat().st_size
    assert 500_000 < kept < len(hosted.data)
    assert model_files() == [] and not (models_folder / FILE).exists()
    fake_hub.faults.delay_per_chunk = 0
    path = download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert fake_hub.get_requests()[-1].range == f"bytes={kept}-"
    assert path.read_bytes() == hosted.data


def test_a_server_error_says_so_and_leaves_no_model(fake_hub, hosted, models_folder):
    fake_hub.faults.head_status = 500
    with pytest.raises(DownloadError, match=r"failed \(HTTP 500\); try again later"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    fake_hub.faults.head_status, fake_hub.faults.get_status = None, 503
    with pytest.raises(DownloadError, match=r"HTTP 503"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert model_files() == [] and not (models_folder / FILE).exists()


def test_a_missing_repo_or_file_is_a_404(fake_hub, hosted, models_folder):
    for fields in ({"repo": "test/absent-GGUF"}, {"file": "absent.gguf"}):
        with pytest.raises(DownloadError, match=r"not found on .* \(404\)"):
            download(entry_for(hosted, **fields), endpoint=fake_hub.endpoint)
    assert model_files() == []


def test_a_refused_connection_names_the_endpoint(hosted, models_folder):
    with socket.socket() as probe:  # a port nobody listens on once it is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(DownloadError, match=f"cannot connect to http://127.0.0.1:{port}"):
        download(entry_for(hosted), endpoint=f"http://127.0.0.1:{port}")


def test_wrong_bytes_are_caught_by_sha256_and_deleted(fake_hub, hosted, models_folder):
    hosted.served_data = bytes(reversed(hosted.data))  # same size, other bytes
    with pytest.raises(DownloadError, match="sha256 mismatch.*the file was deleted"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert partials(models_folder) == [] and model_files() == []


def test_a_size_mismatch_is_caught_and_deleted(fake_hub, hosted, models_folder):
    hosted.advertised_size = len(hosted.data) + 10
    with pytest.raises(DownloadError, match="size mismatch.*the file was deleted"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert partials(models_folder) == [] and model_files() == []


def test_a_catalog_sha256_that_differs_from_the_hub_stops_before_the_transfer(fake_hub, hosted):
    with pytest.raises(DownloadError, match="is not the file the catalog names"):
        download(entry_for(hosted, sha256="0" * 64), endpoint=fake_hub.endpoint)
    assert fake_hub.get_requests() == []


def test_not_enough_disk_space_is_said_before_the_transfer(fake_hub, hosted, models_folder):
    hosted.advertised_size = 10**15  # a petabyte: more than any test machine has free
    with pytest.raises(
        DownloadError, match="not enough disk space for tiny: it needs 1000000.0 GB"
    ):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert fake_hub.get_requests() == []


def test_the_audio_token_model_and_offline_mode_refuse_without_the_network(
    fake_hub, hosted, monkeypatch
):
    with pytest.raises(DownloadError, match=r"emits audio-codec tokens \(YuE stage 2\)"):
        download(entry_for(hosted, format="audio-tokens"), endpoint=fake_hub.endpoint)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(DownloadError, match="HF_HUB_OFFLINE is set"):
        download(entry_for(hosted), endpoint=fake_hub.endpoint)
    assert fake_hub.requests == []


def test_speed_eta_and_the_progress_line():
    assert transfer_speed(5_000_000, 2.0) == 2_500_000 and transfer_speed(10, 0) == 0
    assert eta_seconds(1_000, 11_000, 1_000.0) == 10.0
    assert eta_seconds(1_000, None, 1_000.0) is None and eta_seconds(0, 10, 0.0) is None
    progress = measure(done=1_500_000_000, total=4_100_000_000, fetched=1_000_000_000, elapsed=200)
    assert describe(progress) == "1.5 GB of 4.1 GB, 5.0 MB/s, ETA 08:40"
    slow = measure(done=0, total=4_100_000_000, fetched=1_000_000, elapsed=1.0)
    assert describe(slow).endswith("ETA 1:08:20")


# --- launcher.py download, as a subprocess pointed at the fake hub --------------------------------


def cli_env(tmp_path, fake_hub, entries) -> dict:
    catalog = tmp_path / "catalog.json"
    write_catalog(catalog, entries)
    return {
        "LLM_MUSIC_GEN_CATALOG": str(catalog),
        "LLM_MUSIC_GEN_MODELS": str(tmp_path / "models"),
        "HF_ENDPOINT": fake_hub.endpoint,
    }


def test_cli_download_shows_progress_and_prints_the_path(fake_hub, hosted, data_dir, tmp_path):
    env = cli_env(tmp_path, fake_hub, [catalog_entry("tiny", hosted)])
    done = run_launcher("download", "TINY", data=data_dir, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(tmp_path / "models" / FILE)
    assert (tmp_path / "models" / FILE).read_bytes() == hosted.data
    last = [line for line in done.stderr.splitlines() if "/s, ETA" in line][-1]
    assert last.startswith("tiny: 100% 2.6 MB of 2.6 MB, ")
    again = run_launcher("download", "tiny", data=data_dir, env=env, timeout=120)
    assert again.returncode == 0 and len(fake_hub.get_requests()) == 1  # already here


def test_cli_download_errors_exit_1_and_unknown_names_exit_2(fake_hub, hosted, data_dir, tmp_path):
    entries = [
        catalog_entry("missing", hosted, repo="test/absent-GGUF"),
        catalog_entry("goat", hosted, format="audio-tokens", uses=[]),
    ]
    env = cli_env(tmp_path, fake_hub, entries)
    missing = run_launcher("download", "missing", data=data_dir, env=env)
    assert missing.returncode == 1
    assert missing.stderr.strip().splitlines()[-1].endswith("(404): test/absent-GGUF/tiny.gguf")
    goat = run_launcher("download", "goat", data=data_dir, env=env)
    assert goat.returncode == 1 and "llama.cpp alone cannot turn them into music" in goat.stderr
    unknown = run_launcher("download", "nope", data=data_dir, env=env)
    assert unknown.returncode == 2
    assert "unknown model 'nope'; the catalog has: missing, goat" in unknown.stderr
    assert [r.path for r in fake_hub.requests] == [f"/test/absent-GGUF/resolve/main/{FILE}"]


def test_ctrl_c_keeps_the_partial_and_the_next_run_resumes(fake_hub, hosted, data_dir, tmp_path):
    env = {**os.environ, "LLM_MUSIC_GEN_DATA": str(data_dir)}
    env.update(cli_env(tmp_path, fake_hub, [catalog_entry("tiny", hosted)]))
    fake_hub.faults.delay_per_chunk = 0.05
    command = [sys.executable, str(REPO / "launcher.py"), "download", "tiny"]
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while not partials(tmp_path / "models") or not partials(tmp_path / "models")[0].stat().st_size:
        assert time.monotonic() < deadline, "the download never started"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted:" in stderr and "again to resume" in stderr
    [partial] = partials(tmp_path / "models")
    kept = partial.stat().st_size
    fake_hub.faults.delay_per_chunk = 0
    resumed = run_launcher("download", "tiny", data=data_dir, env=env, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming tiny:" in resumed.stderr
    assert fake_hub.get_requests()[-1].range == f"bytes={kept}-"
    assert (tmp_path / "models" / FILE).read_bytes() == hosted.data
