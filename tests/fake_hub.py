"""A local stand-in for the Hugging Face Hub, on 127.0.0.1, answering the requests that
huggingface-hub 2.4 and scripts/model/downloads.py make for one file:

- HEAD {hub}/{repo}/resolve/{revision}/{file}: like the hub for an LFS file, a 302 to the CDN with
  X-Repo-Commit, X-Linked-Etag ("sha256"), X-Linked-Size and ETag; 404 with X-Error-Code
  RepoNotFound / EntryNotFound for what it does not have; 500 when told to fail.
- GET {cdn}/blobs/{sha256}: the bytes, from a second server (another origin, as the real CDN is,
  so huggingface-hub stops at the redirect and reads the metadata from it), with Range support
  (206 + Content-Range) for resumed downloads.

Faults on demand: drop the connection mid-body, serve slowly, serve other bytes than advertised,
advertise another size, answer 500 or 404. Every request is recorded (method, path, Range)."""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class HostedFile:
    repo: str
    name: str
    data: bytes
    advertised_size: int | None = None  # a lie about the size, for the mismatch and disk tests
    served_data: bytes | None = None  # other bytes than the sha256 promises

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


@dataclass
class Faults:
    head_status: int | None = None  # e.g. 500: the hub fails
    get_status: int | None = None  # the CDN fails
    drop_after: int | None = None  # close the connection after this many body bytes...
    drops: int = 0  # ...for this many GETs
    delay_per_chunk: float = 0.0  # seconds between 64 KB chunks: a slow line


@dataclass
class Request:
    method: str
    path: str
    range: str | None
    authorization: str | None = None


@dataclass
class FakeHub:
    files: list[HostedFile] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    requests: list[Request] = field(default_factory=list)

    def start(self) -> FakeHub:
        self.hub = self.serve()
        self.cdn = self.serve()
        return self

    def serve(self) -> ThreadingHTTPServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(self))
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    def stop(self) -> None:
        for server in (self.hub, self.cdn):
            server.shutdown()
            server.server_close()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.hub.server_address[1]}"

    @property
    def cdn_url(self) -> str:
        return f"http://127.0.0.1:{self.cdn.server_address[1]}"

    def add(self, repo: str, name: str, data: bytes, **options) -> HostedFile:
        hosted = HostedFile(repo, name, data, **options)
        self.files.append(hosted)
        return hosted

    def get_requests(self) -> list[Request]:
        return [request for request in self.requests if request.method == "GET"]


def make_handler(hub: FakeHub):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep test output quiet
            pass

        def do_HEAD(self):
            hub.requests.append(self.recorded())
            self.resolve()

        def do_GET(self):
            hub.requests.append(self.recorded())
            if self.path.startswith("/blobs/"):
                self.blob(self.path.removeprefix("/blobs/"))
            else:
                self.resolve(body=True)

        def recorded(self) -> Request:
            headers = self.headers
            return Request(
                self.command, self.path, headers.get("Range"), headers.get("Authorization")
            )

        def answer(self, status: int, headers: dict, body: bytes = b"") -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, str(value))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and self.command != "HEAD":
                self.wfile.write(body)

        def resolve(self, body: bool = False) -> None:
            parts = self.path.lstrip("/").split("/")
            if len(parts) < 5 or parts[2] != "resolve":
                return self.answer(404, {"X-Error-Code": "RepoNotFound"}, b'{"error":"no"}')
            repo, name = "/".join(parts[:2]), "/".join(parts[4:])
            if hub.faults.head_status:
                return self.answer(hub.faults.head_status, {}, b'{"error":"Internal Error"}')
            if not any(hosted.repo == repo for hosted in hub.files):
                return self.answer(404, {"X-Error-Code": "RepoNotFound"}, b'{"error":"Repo"}')
            hosted = next((f for f in hub.files if f.repo == repo and f.name == name), None)
            if hosted is None:
                headers = {"X-Error-Code": "EntryNotFound", "X-Repo-Commit": COMMIT}
                return self.answer(404, headers, b'{"error":"Entry not found"}')
            size = hosted.advertised_size or len(hosted.data)
            self.answer(
                302,
                {
                    "Location": f"{hub.cdn_url}/blobs/{hosted.sha256}",
                    "X-Repo-Commit": COMMIT,
                    "ETag": '"1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e"',
                    "X-Linked-Etag": f'"{hosted.sha256}"',
                    "X-Linked-Size": size,
                },
            )

        def blob(self, sha256: str) -> None:
            hosted = next((f for f in hub.files if f.sha256 == sha256), None)
            if hosted is None:
                return self.answer(404, {}, b"no such blob")
            if hub.faults.get_status:
                return self.answer(hub.faults.get_status, {}, b'{"error":"CDN error"}')
            data = hosted.served_data if hosted.served_data is not None else hosted.data
            start = self.range_start()
            if start >= len(data) and start:
                return self.answer(416, {"Content-Range": f"bytes */{len(data)}"})
            body = data[start:]
            self.send_response(206 if start else 200)
            if start:
                self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Accept-Ranges", "bytes")
            self.end_headers()
            self.send_body(body)

        def range_start(self) -> int:
            value = self.headers.get("Range") or ""
            if value.startswith("bytes=") and value.endswith("-"):
                return int(value[len("bytes=") : -1])
            return 0

        def send_body(self, body: bytes) -> None:
            limit = len(body)
            if hub.faults.drops > 0 and hub.faults.drop_after is not None:
                hub.faults.drops -= 1
                limit = min(limit, hub.faults.drop_after)
            chunk = 64 * 1024
            try:
                for offset in range(0, limit, chunk):
                    self.wfile.write(body[offset : min(offset + chunk, limit)])
                    self.wfile.flush()
                    if hub.faults.delay_per_chunk:
                        time.sleep(hub.faults.delay_per_chunk)
            except (BrokenPipeError, ConnectionResetError):  # the client cancelled
                pass
            self.close_connection = True

    return Handler


def catalog_entry(name: str, hosted: HostedFile | None = None, **fields) -> dict:
    """A catalog entry (the shape of data/catalog.json) for a file the fake hub serves."""
    entry = {
        "name": name,
        "display_name": f"Test model {name}",
        "repo": hosted.repo if hosted else "test/none-GGUF",
        "file": hosted.name if hosted else f"{name}.gguf",
        "revision": None,
        "size_bytes": len(hosted.data) if hosted else 1000,
        "size_exact": True,
        "sha256": None,
        "license": "MIT",
        "format": "abc",
        "sampling": {"temperature": 0.8, "top_p": 0.9, "top_k": 30, "repeat_penalty": 1.1},
        "uses": ["music"],
        "ram_gb": 0.1,
        "note": "served by the fake hub",
        "verified": "test",
    }
    entry.update(fields)
    return entry


def write_catalog(path, entries: list[dict]) -> None:
    import json

    path.write_text(json.dumps({"models": entries}, indent=1), encoding="utf-8")
