"""The remote engine against real servers: llama-cpp-python's OpenAI-compatible server running the
starter model, and small standard-library HTTP servers that misbehave the ways servers do."""

import json
import queue
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from scripts import settings
from scripts.library.song_library import SongLibrary
from scripts.model.model_choice import open_model
from scripts.model.models import Cancelled, LocalModel, ModelError, Sampling
from scripts.model.remote_model import RemoteModel, server_base
from scripts.song.batch_events import Loading, SongMade
from scripts.song.pipeline import Job, SongFailed, generate_song
from scripts.temporary import STARTER_MODEL_PATH
from scripts.tui.events import BatchFinished
from scripts.tui.workers.generation import GenerationWorker
from tests.audio_probe import seconds_and_rms
from tests.conftest import run_launcher

PROMPT = "X:1\nM:4/4\nL:1/8\nK:D\n"
SERVER_START_S = 120
PROSE = "Sure! Here is a nice song about the sea, with a verse and a chorus. I hope you like it."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_models(url: str, process: subprocess.Popen, log) -> float:
    """Seconds until GET /v1/models answers; fails with the server's log if it never does."""
    started = time.monotonic()
    while time.monotonic() - started < SERVER_START_S:
        if process.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/v1/models", timeout=2):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.2)
    log.seek(0)
    pytest.fail(f"llama_cpp.server did not start:\n{log.read()[-3000:]}")


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory):
    """python -m llama_cpp.server with the starter model, on a free port; its base URL."""
    port = free_port()
    log = (tmp_path_factory.mktemp("server") / "server.log").open("w+")
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(STARTER_MODEL_PATH)]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "1024"]
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        seconds = wait_for_models(url, process, log)
        print(f"llama_cpp.server answered after {seconds:.1f} s")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def config():
    return settings.defaults()


@pytest.fixture(scope="module")
def remote(llama_server):
    return RemoteModel(llama_server)


def sampling(config, **changes) -> Sampling:
    return Sampling.from_settings({**config["settings"], **changes})


def complete(model, config, seed, cancel=None, on_token=lambda n: None, **options):
    return model.complete(
        PROMPT, sampling(config), seed, ["\n\n"], on_token, cancel or threading.Event(), **options
    )


def cancel() -> threading.Event:
    return threading.Event()


def files_in(folder) -> list[str]:
    return sorted(path.name for path in folder.rglob("*"))


# --- a real server: llama-cpp-python's, running the starter model ---------------------------------


def test_complete_streams_abc_and_the_same_seed_gives_the_same_text(remote, config):
    counts = []
    first = complete(remote, config, seed=7, on_token=counts.append)
    assert counts == list(range(1, len(counts) + 1)) and len(counts) > 20
    assert "|" in first  # bar lines: the starter model continues the header with a tune
    assert complete(remote, config, seed=7) == first
    assert complete(remote, config, seed=8) != first


def test_the_model_is_named_by_the_server(remote, llama_server):
    assert remote.model_id.endswith("starter-model.gguf")
    assert remote.name == f"{remote.model_id} at 127.0.0.1"


@pytest.mark.parametrize("suffix", ["/", "/v1", "/v1/", "  "])
def test_urls_with_a_trailing_slash_or_v1_reach_the_same_server(llama_server, suffix):
    assert server_base(llama_server + suffix) == llama_server
    assert RemoteModel(llama_server + suffix).model_id.endswith("starter-model.gguf")


def test_a_song_end_to_end(remote, config, tmp_path):
    events = []
    job = Job(("Chill",), config, SongLibrary(tmp_path), on_progress=events.append)
    sidecar = generate_song(remote, job, 1, base_seed=11)
    mp3 = tmp_path / sidecar["files"]["mp3"]
    assert (tmp_path / sidecar["files"]["abc"]).is_file()
    assert (tmp_path / f"{mp3.stem}.json").is_file()
    seconds, rms = seconds_and_rms(mp3)
    assert seconds > 5 and rms > 0.005
    assert sidecar["model"] == remote.name and sidecar["raw_text"]
    fractions = [e.fraction for e in events if e.stage == "generate"]
    assert 0 < max(fractions) <= 1 and ("convert", "done") in [(e.stage, e.message) for e in events]
    assert [song.id for song in SongLibrary(tmp_path).songs()] == [mp3.stem]


def test_cancel_mid_stream_raises_and_leaves_no_files(remote, config, tmp_path):
    job = Job(("Folk",), config, SongLibrary(tmp_path))
    seen = []

    def cancel_while_writing(progress):
        if progress.stage == "generate" and progress.fraction > 0:
            seen.append(progress.fraction)
            if len(seen) == 5:
                job.cancel.set()

    job.on_progress = cancel_while_writing
    with pytest.raises(Cancelled):
        generate_song(remote, job, 1, base_seed=5)
    assert len(seen) == 5  # checked at the very next chunk
    assert files_in(tmp_path) == []
    assert complete(remote, config, seed=1)  # the server took the dropped connection in its stride


def test_chat_streams_a_reply(remote, config):
    counts = []
    messages = [{"role": "user", "content": "Write a tune.\nX:1\nK:G\n"}]
    reply = remote.chat(
        messages, sampling(config, max_tokens=40), 3, counts.append, threading.Event()
    )
    assert reply.strip() and counts == list(range(1, len(counts) + 1))
    # The starter has no chat template: llama-cpp-python's server falls back to its llama-2
    # format, so the same seed gives the same reply.
    again = remote.chat(messages, sampling(config, max_tokens=40), 3, lambda n: None, cancel())
    assert again == reply


def test_a_grammar_constrains_the_completion(remote, config):
    assert complete(remote, config, seed=1, grammar='root ::= "abc"') == "abc"
    chat = remote.chat(
        [{"role": "user", "content": "X:1"}],
        sampling(config, max_tokens=20),
        1,
        lambda n: None,
        cancel(),
        grammar='root ::= "D2" | "E2"',
    )
    assert chat in ("D2", "E2")


def test_a_path_that_is_not_the_api_is_a_404_with_a_hint(llama_server, config):
    model = RemoteModel(f"{llama_server}/not-here")  # no model list there: named by its host
    assert model.name == "127.0.0.1"
    with pytest.raises(ModelError, match="HTTP 404") as error:
        complete(model, config, seed=1)
    assert "/v1/completions" in str(error.value) and "OpenAI-compatible" in str(error.value)


def test_open_model_picks_the_engine_the_settings_name(llama_server, config):
    assert isinstance(open_model({**config["settings"], "server_url": llama_server}), RemoteModel)
    local = open_model(config["settings"])
    assert isinstance(local, LocalModel) and local.path == STARTER_MODEL_PATH


def test_the_text_ui_worker_generates_on_the_server(llama_server, config, tmp_path):
    changes = {"server_url": llama_server, "seed": 2}
    job_config = {**config, "settings": {**config["settings"], **changes}}
    events = queue.Queue()
    worker = GenerationWorker(Job(("Jig",), job_config, SongLibrary(tmp_path)), 1, events)
    worker.start()
    worker.thread.join(timeout=300)
    posted = []
    while not events.empty():
        posted.append(events.get())
    assert [e.text for e in posted if isinstance(e, Loading)] == [
        f"Connecting to {llama_server}..."
    ]
    assert [e.text for e in posted if isinstance(e, BatchFinished)] == [
        "Batch finished: 1 made, 0 skipped."
    ]
    [made] = [e.sidecar for e in posted if isinstance(e, SongMade)]
    assert made["model"].endswith("starter-model.gguf at 127.0.0.1")


def test_the_cli_generates_on_the_server_without_a_local_model(llama_server, data_dir, tmp_path):
    stored = settings.defaults()
    stored["settings"]["model_path"] = str(tmp_path / "no-such-model.gguf")
    settings.save(stored, data_dir)
    out = tmp_path / "songs"
    flags = ["--server", llama_server, "--styles", "Chill", "--count", "1", "--seed", "4"]
    result = run_launcher("generate", *flags, "--out", str(out), data=data_dir)
    assert result.returncode == 0, result.stderr
    mp3 = Path(result.stdout.strip())
    assert mp3.parent == out
    assert mp3.is_file() and mp3.with_suffix(".json").is_file()
    assert "starter-model.gguf at 127.0.0.1" in mp3.with_suffix(".json").read_text()


# --- command line and settings: no server needed --------------------------------------------------


@pytest.mark.parametrize("url", ["not-a-url", "ftp://host/", "http://", "localhost:8080"])
def test_the_cli_rejects_a_bad_server_url_in_one_line(data_dir, url):
    result = run_launcher("generate", "--server", url, "--styles", "Chill", data=data_dir)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Server URL must be empty or an http" in result.stderr


def test_the_cli_says_when_no_server_answers(data_dir, tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    result = run_launcher(
        "generate", "--server", url, "--styles", "Chill", "--out", str(tmp_path), data=data_dir
    )
    assert result.returncode == 2
    assert result.stderr.splitlines()[-1] == (
        f"launcher.py: error: no server answers at {url}: is it running?"
    )
    assert not [name for name in files_in(tmp_path) if name.endswith((".mp3", ".part"))]


@pytest.mark.parametrize(
    "url", ["", "  ", "http://127.0.0.1:8080", "https://gpu.example.org/llm/v1/", "http://[::1]:1"]
)
def test_server_url_setting_accepts_empty_or_an_http_address(url):
    assert settings.check_value("server_url", url) == url.strip()


@pytest.mark.parametrize(
    "url", ["example.org", "ftp://example.org", "http://", "http://host:port", "http:/x", 8080]
)
def test_server_url_setting_rejects_anything_else(url):
    with pytest.raises(settings.SettingError, match="Server URL must be"):
        settings.check_value("server_url", url)


def test_a_bad_stored_server_url_falls_back_to_local(data_dir):
    (data_dir / "persistent.json").write_text(json.dumps({"settings": {"server_url": "nope"}}))
    config, problems = settings.load(data_dir)
    assert config["settings"]["server_url"] == ""
    assert problems and "server_url" in problems[0]


# --- servers that fail: standard-library HTTP servers that misbehave ------------------------------


def sse(*events: object) -> bytes:
    return b"".join(
        f"data: {e if isinstance(e, str) else json.dumps(e)}\n\n".encode() for e in events
    )


def text_chunk(text: str, finish: str | None = None) -> dict:
    return {"choices": [{"text": text, "index": 0, "finish_reason": finish}]}


def chat_chunk(text: str, finish: str | None = None) -> dict:
    return {"choices": [{"delta": {"content": text}, "index": 0, "finish_reason": finish}]}


class FakeServer:
    """A stdlib HTTP server on a thread: GET /v1/models lists "fake-model"; every POST is recorded
    and answered by `reply(handler)`."""

    def __init__(self, reply: Callable[[BaseHTTPRequestHandler], None]):
        self.requests: list[dict] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                body = json.dumps({"object": "list", "data": [{"id": "fake-model"}]}).encode()
                self.answer(200, "application/json", body)

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                outer.requests.append(json.loads(self.rfile.read(length)))
                reply(self)

            def answer(self, status: int, kind: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_server():
    servers = []

    def start(reply) -> FakeServer:
        servers.append(FakeServer(reply))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def streams(body: bytes):
    def reply(handler):
        handler.answer(200, "text/event-stream", body)

    return reply


def test_a_server_writing_prose_is_retried_then_skipped_with_the_reason(
    fake_server, config, tmp_path
):
    prose = [chat_chunk(word + " ") for word in PROSE.split()]
    server = fake_server(streams(sse(*prose, chat_chunk("", "stop"), "[DONE]")))
    # An unknown served model is taken for a chat model; without the grammar it can answer prose.
    settings = {**config["settings"], "retries": 2, "use_grammar": False}
    config = {**config, "settings": settings}
    job = Job(("Rock",), config, SongLibrary(tmp_path))
    with pytest.raises(SongFailed, match="no usable tune after 3 tries") as failure:
        generate_song(RemoteModel(server.url), job, 1, base_seed=3)
    assert failure.value.stage == "abc"
    assert "no ABC tune found" in str(failure.value)
    assert "the model wrote 'Sure! Here is a nice song about the sea" in str(failure.value)
    assert files_in(tmp_path) == []
    assert len(server.requests) == 3  # one chat request per try


def test_the_request_carries_the_sampling_seed_stop_model_and_grammar(fake_server, config):
    server = fake_server(streams(sse(text_chunk("A2", "stop"), "[DONE]")))
    model = RemoteModel(server.url)
    assert complete(model, config, seed=99, grammar='root ::= "A2"') == "A2"
    request = server.requests[0]
    assert request["model"] == "fake-model" and request["stream"] is True
    assert request["prompt"] == PROMPT and request["stop"] == ["\n\n"]
    assert request["seed"] == 99 and request["grammar"] == 'root ::= "A2"'
    expected = sampling(config).__dict__
    assert {name: request[name] for name in expected} == expected
    complete(model, config, seed=1)
    assert "grammar" not in server.requests[1]


def test_no_server_listening_is_a_clear_error():
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(ModelError, match=f"no server answers at {url}: is it running"):
        RemoteModel(url)


def test_a_server_that_never_answers_times_out():
    listener = socket.socket()  # accepts connections (the kernel does) but never answers
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    try:
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        started = time.monotonic()
        with pytest.raises(ModelError, match=f"{url} sent nothing for 0.5 s"):
            RemoteModel(url, timeouts=(2, 0.5))
        assert time.monotonic() - started < 5
    finally:
        listener.close()


def test_a_stream_that_stalls_times_out(fake_server, config):
    def stall(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler.wfile.write(sse(text_chunk("A2")))
        handler.wfile.flush()
        server.stop.wait(30)

    server = fake_server(stall)
    model = RemoteModel(server.url, timeouts=(2, 0.5))
    counts = []
    with pytest.raises(ModelError, match="sent nothing for 0.5 s: the server is stuck"):
        complete(model, config, seed=1, on_token=counts.append)
    assert counts == [1]


def test_an_http_error_quotes_the_status_and_the_servers_message(fake_server, config):
    error = {"error": {"message": "CUDA out of memory", "type": "server_error"}}

    def fail(handler):
        handler.answer(500, "application/json", json.dumps(error).encode())

    server = fake_server(fail)
    with pytest.raises(ModelError) as failure:
        complete(RemoteModel(server.url), config, seed=1)
    assert str(failure.value) == (
        f"{server.url} answered HTTP 500 Internal Server Error: CUDA out of memory"
    )


def test_an_error_reply_nested_too_deep_is_quoted_not_a_traceback(fake_server, config):
    server = fake_server(lambda handler: handler.answer(500, "application/json", b"[" * 100_000))
    with pytest.raises(ModelError) as failure:
        complete(RemoteModel(server.url), config, seed=1)
    assert str(failure.value).startswith(
        f"{server.url} answered HTTP 500 Internal Server Error: [["
    )


@pytest.mark.parametrize(
    ("body", "kind", "message"),
    [
        (b"<html>Welcome to nginx</html>", "text/html", "not answering like an OpenAI-compatible"),
        (b"data: {not json\n\n", "text/event-stream", "not answering like an OpenAI-compatible"),
        (sse({"choices": "none"}), "text/event-stream", "not answering like an OpenAI-compatible"),
        (sse(text_chunk("A2")), "text/event-stream", "closed the connection before the reply"),
        (sse({"error": {"message": "slot unavailable"}}), "text/event-stream", "slot unavailable"),
        # Issue 19: JSON nested 100,000 deep raised RecursionError, uncaught
        (b"[" * 100_000, "application/json", "not answering like an OpenAI-compatible"),
        (sse("[" * 100_000), "text/event-stream", "not answering like an OpenAI-compatible"),
    ],
)
def test_a_reply_that_is_not_the_expected_json_or_sse(fake_server, config, body, kind, message):
    server = fake_server(lambda handler: handler.answer(200, kind, body))
    with pytest.raises(ModelError, match=message):
        complete(RemoteModel(server.url), config, seed=1)


def test_a_server_that_ignores_stream_still_works(fake_server, config):
    reply = json.dumps({"choices": [{"text": "ABcd|", "finish_reason": "stop"}]}).encode()
    server = fake_server(lambda handler: handler.answer(200, "application/json", reply))
    counts = []
    assert complete(RemoteModel(server.url), config, seed=1, on_token=counts.append) == "ABcd|"
    assert counts == [1]


def test_an_html_error_page_is_quoted_by_its_heading(fake_server, config):
    page = (
        b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title>\n<style>body {color: red}"
        b"</style></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>"
        b"nginx/1.18.0 (Ubuntu)</center>" + b"<!-- padding -->" * 20 + b"</body></html>\n"
    )
    server = fake_server(lambda handler: handler.answer(502, "text/html", page))
    with pytest.raises(ModelError) as failure:
        complete(RemoteModel(server.url), config, seed=1)
    assert str(failure.value) == f"{server.url} answered HTTP 502 Bad Gateway: 502 Bad Gateway"


# --- a deadline for a whole reply, however it trickles; sizes bounded -----------------------------


def trickle(data: bytes, every_s: float, stop: threading.Event):
    """Sends `data` a byte at a time, `every_s` apart: each read gets a byte within any timeout."""

    def send(connection: socket.socket) -> None:
        for byte in data:
            if stop.wait(every_s):
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return

    return send


def raw_server(answer) -> tuple[str, Callable[[], None]]:
    """A TCP server that reads a request and answers with `answer(connection)`; its URL and a
    function that stops it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            connection.recv(65536)
            threading.Thread(target=answered, args=(connection,), daemon=True).start()

    def answered(connection):
        try:
            answer(connection)
        except (ConnectionResetError, BrokenPipeError):
            pass  # the app hung up, as it should on a reply it refuses
        finally:
            connection.close()

    threading.Thread(target=serve, daemon=True).start()

    def close():
        stop.set()
        listener.close()

    return f"http://127.0.0.1:{listener.getsockname()[1]}", close


MODELS_REPLY = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{"data": []}'


def test_a_server_trickling_its_reply_is_stopped_by_the_deadline():
    stop = threading.Event()
    url, close = raw_server(trickle(MODELS_REPLY * 100, 0.1, stop))
    try:
        started = time.monotonic()
        with pytest.raises(ModelError, match="did not finish sending its reply within 1 s"):
            RemoteModel(url, timeouts=(2, 1))  # every byte within 0.1 s; the headers never end
        assert time.monotonic() - started < 4
    finally:
        stop.set()
        close()


def test_a_stream_trickling_one_line_is_stopped_by_the_deadline(fake_server, config):
    def slow_line(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/event-stream")
        handler.end_headers()
        handler.wfile.write(sse(text_chunk("A2")))
        handler.wfile.flush()
        for byte in sse(text_chunk("B" * 200)):
            if server.stop.wait(0.1):
                return
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()

    server = fake_server(slow_line)
    model = RemoteModel(server.url, timeouts=(2, 1))
    counts, started = [], time.monotonic()
    with pytest.raises(ModelError, match="did not finish sending its reply within 1 s"):
        complete(model, config, seed=1, on_token=counts.append)
    assert counts == [1] and time.monotonic() - started < 4


def test_a_huge_model_list_or_stream_line_is_refused_in_one_line(fake_server, config):
    huge = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b" " * 10_000_000
    url, close = raw_server(lambda connection: connection.sendall(huge))
    try:
        with pytest.raises(ModelError, match=f"{url} sent a reply over 4 MB"):
            RemoteModel(url)
    finally:
        close()
    server = fake_server(streams(b"data: " + b"x" * 2_000_000 + b"\n\n"))
    with pytest.raises(ModelError, match="sent a line of its stream over 1 MB"):
        complete(RemoteModel(server.url), config, seed=1)
