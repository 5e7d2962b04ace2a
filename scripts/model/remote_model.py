"""Talking to a language model on another machine: any server with the OpenAI HTTP API
(llama.cpp's llama-server, llama-cpp-python's server, Ollama, vLLM). The standard library's
http.client does the HTTP, so the app needs no extra package, and it lets the connect and read
timeouts differ (urllib has one timeout for both)."""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import PurePath
from urllib.parse import urlsplit

from scripts import temporary
from scripts.input_files import InputFileError, parse_json
from scripts.model import grammars
from scripts.model.http_deadline import Deadline, DeadlinePassed, DeadlineSocket
from scripts.model.models import Cancelled, ModelError, Sampling
from scripts.utility import printable

Piece = Callable[[dict], str]  # the text one streamed chunk carries
HTML_PAGE = re.compile(r"<(!doctype|html|head|body)\b", re.IGNORECASE)
HTML_HEADING = re.compile(r"<(?:title|h1)[^>]*>(.*?)</(?:title|h1)>", re.IGNORECASE | re.DOTALL)
TAG = re.compile(r"<[^>]*>")


def server_base(url: str) -> str:
    """'http://host:8080/v1/' → 'http://host:8080': the API paths are added to what is left."""
    base = url.strip().rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def error_message(body: bytes) -> str:
    """The sentence a server put in its error reply (OpenAI, FastAPI and Ollama shapes), else the
    start of the reply itself; on one line, so that a status line can show it."""
    text = body.decode("utf-8", "replace")
    try:
        reply = parse_json(text)
    except InputFileError:
        reply = None
    if isinstance(reply, dict):
        error = reply.get("error")
        found = error.get("message") if isinstance(error, dict) else error
        text = str(found or reply.get("message") or reply.get("detail") or text)
    elif HTML_PAGE.search(text):  # a proxy's or web server's error page: its heading, no tags
        heading = HTML_HEADING.search(text)
        text = html.unescape(TAG.sub(" ", heading[1] if heading else text))
    return " ".join(printable(text).split())[: temporary.SERVER_ERROR_BODY_CHARS]


def first_choice(event: dict) -> dict:
    """The chunk's first choice; {} for a chunk without one (a usage chunk at the end)."""
    choices = event.get("choices")
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        raise ValueError("no choices list")
    return choices[0] if choices else {}


def checked_text(value) -> str:
    if value is not None and not isinstance(value, str):
        raise ValueError("the text is not a string")
    return value or ""


def completion_piece(event: dict) -> str:
    return checked_text(first_choice(event).get("text"))


def chat_piece(event: dict) -> str:
    choice = first_choice(event)
    # streamed chunks carry a delta; a server that ignores stream=true sends the whole message
    message = choice.get("delta") or choice.get("message") or {}
    return checked_text(message.get("content"))


def sampling_fields(sampling: Sampling, seed: int) -> dict:
    """Request fields every backend named in the design accepts (top_k, repeat_penalty and seed
    are llama.cpp extensions to the OpenAI API; Ollama and vLLM take or ignore them)."""
    return {
        "max_tokens": sampling.max_tokens,
        "temperature": sampling.temperature,
        "top_p": sampling.top_p,
        "top_k": sampling.top_k,
        "repeat_penalty": sampling.repeat_penalty,
        "seed": seed,
        "stream": True,
    }


class RemoteModel:
    """A model served over HTTP; the same interface as scripts.model.models.LocalModel."""

    def __init__(self, url: str, timeouts: tuple[float, float] | None = None):
        """Asks the server which model it serves, so a wrong address fails here, not mid-song.
        `timeouts`: (connect, read) seconds; the read timeout runs between streamed chunks."""
        self.url = server_base(url)
        parts = urlsplit(self.url)
        self.host = parts.hostname or self.url
        self.netloc, self.path_prefix = parts.netloc, parts.path
        self.connection_class = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self.timeouts = timeouts or (
            temporary.SERVER_CONNECT_TIMEOUT_S,
            temporary.SERVER_READ_TIMEOUT_S,
        )
        self.model_id = self.served_model()

    @property
    def name(self) -> str:
        return f"{self.model_id} at {self.host}" if self.model_id else self.host

    @property
    def file_name(self) -> str:
        """The served model's file name where the id is a path (llama.cpp servers), for the
        catalog to recognise it."""
        return PurePath(self.model_id or "").name

    # Servers apply the model's own template to chats; the catalog says which models are not
    # chat models (the starter).
    has_chat_template = True

    def complete(
        self,
        prompt: str,
        sampling: Sampling,
        seed: int,
        stop: list[str],
        on_token: Callable[[int], None],
        cancel: threading.Event,
        grammar: str | None = None,
    ) -> str:
        """Stream a completion (POST /v1/completions). `on_token(n)` is told how many chunks
        (about one token each) have come; `cancel` is checked between chunks."""
        body = {"prompt": prompt, "stop": stop, **sampling_fields(sampling, seed)}
        body = self.with_model(body, grammar)
        return self.stream("/v1/completions", body, completion_piece, on_token, cancel)

    def chat(
        self,
        messages: list[dict],
        sampling: Sampling,
        seed: int,
        on_token: Callable[[int], None],
        cancel: threading.Event,
        grammar: str | None = None,
    ) -> str:
        """Stream a chat reply (POST /v1/chat/completions); the server applies its template."""
        body = {"messages": messages, **sampling_fields(sampling, seed)}
        body = self.with_model(body, grammar)
        return self.stream("/v1/chat/completions", body, chat_piece, on_token, cancel)

    def with_model(self, body: dict, grammar: str | None) -> dict:
        """Ollama and vLLM need the model named; llama.cpp servers take a GBNF `grammar`."""
        if self.model_id:
            body["model"] = self.model_id
        if grammar is not None:
            # A llama.cpp server can crash on a bad grammar, as the local one does: check first.
            body["grammar"] = grammars.checked(grammar)
        return body

    def served_model(self) -> str | None:
        """The first model id GET /v1/models lists; None when the server has no such list."""
        connection, response, _ = self.request("GET", "/v1/models", None, allow=(404,))
        try:
            if response.status == 404:
                return None
            reply = self.parsed(self.read_body(response))
        finally:
            connection.close()
        models = reply.get("data")
        if isinstance(models, list) and models and isinstance(models[0], dict):
            return str(models[0].get("id") or "") or None
        return None

    def stream(
        self,
        path: str,
        body: dict,
        piece: Piece,
        on_token: Callable[[int], None],
        cancel: threading.Event,
    ) -> str:
        connection, response, deadline = self.request("POST", path, body)
        pieces: list[str] = []
        try:
            for event in self.events(response, deadline):
                if cancel.is_set():
                    raise Cancelled()
                try:
                    text = piece(event)
                except (AttributeError, ValueError):
                    raise self.bad_reply(json.dumps(event)) from None
                if text:
                    pieces.append(text)
                    on_token(len(pieces))
        finally:
            connection.close()  # on cancel too: the server sees the client go and stops
        return "".join(pieces)

    def request(
        self, method: str, path: str, body: dict | None, allow: tuple[int, ...] = ()
    ) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse, Deadline]:
        """Send a request; the connection, the response once its headers have come, and the
        deadline its reply is read under (http_deadline). An HTTP error status (other than
        those in `allow`) becomes a ModelError quoting the server."""
        connect_s, read_s = self.timeouts
        connection = self.connection_class(self.netloc, timeout=connect_s)
        deadline = Deadline(read_s, temporary.SERVER_REQUEST_DEADLINE_S)
        phase = "connect"
        try:
            connection.connect()
            connection.sock.settimeout(read_s)
            connection.sock = DeadlineSocket(connection.sock, deadline, read_s)
            phase = "read"
            data = None if body is None else json.dumps(body).encode("utf-8")
            headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
            connection.request(method, self.path_prefix + path, body=data, headers=headers)
            response = connection.getresponse()
            deadline.renew()  # the body, or the stream's first chunk, is the next step
            if response.status >= 400 and response.status not in allow:
                raise self.http_error(response, path)
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            raise self.network_error(error, phase) from None
        except BaseException:
            connection.close()
            raise
        return connection, response, deadline

    def events(self, response: http.client.HTTPResponse, deadline: Deadline) -> Iterator[dict]:
        """The JSON objects of a server-sent event stream, up to its [DONE]; a server that
        answers with plain JSON instead (it ignored stream=true) gives one object. Each line
        must come within the read timeout of the one before, however it trickles in."""
        if "text/event-stream" not in (response.getheader("Content-Type") or ""):
            yield self.parsed(self.read_body(response))
            return
        finished = False
        try:
            while raw := response.readline(temporary.SERVER_MAX_LINE_BYTES + 1):
                if len(raw) > temporary.SERVER_MAX_LINE_BYTES:
                    raise self.too_large("a line of its stream", temporary.SERVER_MAX_LINE_BYTES)
                deadline.renew()
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("error:"):  # llama-server reports a failure mid-stream so
                    raise ModelError(f"{self.url} stopped with an error: {line[6:].strip()}")
                if not line.startswith("data:"):  # blank separators, ": ping" comments
                    continue
                data = line[len("data:") :].strip()
                if data == "[DONE]":
                    return
                event = self.parsed(data.encode("utf-8"))
                if event.get("error"):
                    message = error_message(data.encode("utf-8"))
                    raise ModelError(f"{self.url} stopped with an error: {message}")
                finished = finished or self.finishes(event)
                yield event
        except (OSError, http.client.HTTPException) as error:
            raise self.network_error(error, "read") from None
        if not finished:  # some servers end after the last choice without [DONE]: that is fine
            raise ModelError(f"{self.url} closed the connection before the reply was complete")

    @staticmethod
    def finishes(event: dict) -> bool:
        """Whether a chunk is the last of its choice (it names a finish_reason)."""
        try:
            return bool(first_choice(event).get("finish_reason"))
        except ValueError:
            return False

    def read_body(self, response: http.client.HTTPResponse) -> bytes:
        try:
            body = response.read(temporary.SERVER_MAX_REPLY_BYTES + 1)
        except (OSError, http.client.HTTPException) as error:
            raise self.network_error(error, "read") from None
        if len(body) > temporary.SERVER_MAX_REPLY_BYTES:
            raise self.too_large("a reply", temporary.SERVER_MAX_REPLY_BYTES)
        return body

    def too_large(self, what: str, limit: int) -> ModelError:
        return ModelError(
            f"{self.url} sent {what} over {limit // 1_000_000} MB: it is not answering like an "
            "OpenAI-compatible server"
        )

    def parsed(self, data: bytes) -> dict:
        try:  # the one JSON reader of the app: bounded depth and numbers
            reply = parse_json(data.decode("utf-8"))
        except (UnicodeDecodeError, InputFileError):
            reply = None
        if not isinstance(reply, dict):
            raise self.bad_reply(data.decode("utf-8", "replace"))
        return reply

    def bad_reply(self, text: str) -> ModelError:
        sample = " ".join(printable(text).split())[:80]
        return ModelError(
            f"{self.url} is not answering like an OpenAI-compatible server (got {sample!r})"
        )

    def http_error(self, response: http.client.HTTPResponse, path: str) -> ModelError:
        message = error_message(response.read(64 * 1024))
        status = f"{self.url} answered HTTP {response.status} {printable(response.reason)}"
        status = status.rstrip()
        if response.status == 404:
            message = f"no {path} there: is this the address of an OpenAI-compatible server?"
        return ModelError(f"{status}: {message}" if message else status)

    def network_error(self, error: Exception, phase: str) -> ModelError:
        connect_s, read_s = self.timeouts
        if isinstance(error, ConnectionRefusedError):
            return ModelError(f"no server answers at {self.url}: is it running?")
        if isinstance(error, DeadlinePassed):
            return ModelError(
                f"{self.url} did not finish sending its reply within {read_s:g} s (it came too "
                "slowly, or not at all): the server is stuck or overloaded"
            )
        if isinstance(error, TimeoutError) and phase == "connect":
            return ModelError(f"{self.url} did not accept a connection within {connect_s:g} s")
        if isinstance(error, TimeoutError):
            return ModelError(
                f"{self.url} sent nothing for {read_s:g} s: the server is stuck or overloaded"
            )
        if isinstance(error, socket.gaierror):
            return ModelError(f"cannot find the host {self.host} of {self.url}: check the address")
        reason = printable(str(error)) or type(error).__name__
        return ModelError(f"the connection to {self.url} failed: {reason}")
