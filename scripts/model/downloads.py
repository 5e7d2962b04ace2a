"""Downloading catalog models from the Hugging Face Hub (or any server that answers like it, named
by HF_ENDPOINT): resumable, cancellable, checked for disk space before and verified after.

huggingface-hub finds the file (the HEAD on /{repo}/resolve/{revision}/{file}: redirects, size,
sha256 etag, commit, its error classes) and lends its HTTP client. The body is fetched here, not
by hf_hub_download: in huggingface-hub 2.4 that writes to a temporary name unique to each call and
deletes it on any failure, so an interrupted or cancelled download could never resume. Here the
partial file keeps one name per file version (under data/models/.downloads/) and the next call
asks for the rest with a Range request. No curses here: the CLI and the TUI both drive this."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from scripts import temporary
from scripts.model.catalog import CatalogEntry, models_dir
from scripts.utility import duration, human_bytes

ETAG_SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadError(RuntimeError):
    """The download failed; the message says why in one line and what was kept."""


class DownloadCancelled(Exception):
    """The user cancelled; what was fetched so far is kept for the next try."""


@dataclass(frozen=True)
class Progress:
    done: int  # bytes in the file so far, including what an earlier call fetched
    total: int | None
    speed: float  # bytes per second over this call
    eta: float | None  # seconds left at that speed
    stage: str = "download"  # or "verify": reading the file back to check its sha256

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0


def transfer_speed(fetched: int, elapsed: float) -> float:
    """Bytes per second over this call; 0 until some time has passed."""
    return fetched / elapsed if elapsed > 0 else 0.0


def eta_seconds(done: int, total: int | None, speed: float) -> float | None:
    """Seconds left at `speed`; None while there is no total or no speed yet."""
    if not total or speed <= 0:
        return None
    return max(0.0, (total - done) / speed)


def measure(done: int, total: int | None, fetched: int, elapsed: float, stage="download"):
    speed = transfer_speed(fetched, elapsed)
    return Progress(done, total, speed, eta_seconds(done, total, speed), stage)


def describe(progress: Progress) -> str:
    """'1.2 GB of 4.1 GB, 5.3 MB/s, ETA 09:12': the same words on the CLI and in the TUI."""
    if progress.stage == "verify":
        return f"checking sha256: {human_bytes(progress.done)} of {human_bytes(progress.total)}"
    of_total = f" of {human_bytes(progress.total)}" if progress.total else ""
    eta = duration(progress.eta) if progress.eta is not None else "--:--"
    return f"{human_bytes(progress.done)}{of_total}, {human_bytes(progress.speed)}/s, ETA {eta}"


@dataclass(frozen=True)
class RemoteFile:
    url: str  # where the bytes are (the CDN location the hub redirects to, or the hub itself)
    size: int | None
    sha256: str | None  # the LFS etag, when the hub gives one
    version: str  # names the partial file, so a changed upstream file is never resumed into


ProgressCallback = Callable[[Progress], None]


def download(
    entry: CatalogEntry,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    endpoint: str | None = None,
    folder: Path | None = None,
) -> Path:
    """The entry's file in the models folder, fetched unless it is already there. Raises
    DownloadError (one line for the user) or DownloadCancelled."""
    refuse_unusable(entry)
    import_hub_quietly()
    folder = folder or models_dir()
    target = folder / entry.file
    if target.is_file():
        return target
    endpoint = hub_endpoint(endpoint)
    remote = find_remote_file(entry, endpoint)
    size = remote.size or (entry.size_bytes if entry.size_exact else None)
    expected_sha = expected_sha256(entry, remote)
    partial = partial_path(folder, entry, remote)
    remove_stale_partials(partial, entry)
    have = partial.stat().st_size if partial.exists() else 0
    check_disk_space(folder, entry, (size or entry.size_bytes) - have)
    report = on_progress or (lambda progress: None)
    fetch(remote.url, partial, size, report, cancel or threading.Event(), endpoint)
    verify(partial, size, expected_sha, report, cancel or threading.Event())
    os.replace(partial, target)
    return target


def refuse_unusable(entry: CatalogEntry) -> None:
    if not entry.usable:
        raise DownloadError(entry.explanation())
    if entry.bundled:
        raise DownloadError(f"{entry.name} ships with the app; there is nothing to download")


def import_hub_quietly() -> None:
    """Import huggingface-hub with its telemetry off unless the user turned it on: otherwise
    building the request headers fetches {endpoint}/api/agent-harnesses once a day. The hub reads
    the variable at import, so this runs before anything else imports it."""
    os.environ.setdefault(temporary.HF_TELEMETRY_ENV, "1")
    import huggingface_hub  # noqa: F401


def hub_endpoint(endpoint: str | None) -> str:
    """The endpoint named now: huggingface-hub reads HF_ENDPOINT once, at import."""
    from huggingface_hub import constants

    return (endpoint or os.environ.get(temporary.HF_ENDPOINT_ENV) or constants.ENDPOINT).rstrip("/")


def offline() -> bool:
    from huggingface_hub import constants

    value = os.environ.get(temporary.HF_OFFLINE_ENV, "")
    return constants.HF_HUB_OFFLINE or value.upper() in ("1", "ON", "YES", "TRUE")


def find_remote_file(entry: CatalogEntry, endpoint: str) -> RemoteFile:
    """The hub's HEAD on the file: where to fetch it, its size and its sha256."""
    if offline():
        raise DownloadError(
            f"{temporary.HF_OFFLINE_ENV} is set, so downloads are off; unset it to download "
            f"{entry.name}"
        )
    from huggingface_hub import get_hf_file_metadata, hf_hub_url

    revision = entry.revision or temporary.DEFAULT_REVISION
    url = hf_hub_url(entry.repo, entry.file, revision=revision, endpoint=endpoint)
    try:
        metadata = get_hf_file_metadata(url, endpoint=endpoint)
    except Exception as error:  # the hub's errors, httpx2's and OSError: one message each
        raise DownloadError(explain(error, entry, endpoint)) from None
    etag = (metadata.etag or "").lower()
    sha256 = etag if ETAG_SHA256.fullmatch(etag) else None
    version = hashlib.sha1(f"{metadata.commit_hash}:{etag}".encode()).hexdigest()[:16]
    return RemoteFile(metadata.location, metadata.size, sha256, version)


def explain(error: Exception, entry: CatalogEntry, endpoint: str) -> str:
    """One sentence for a failure of the hub request: what happened and where."""
    import httpx2
    from huggingface_hub import errors

    where = f"{entry.repo}/{entry.file}"
    if isinstance(error, errors.OfflineModeIsEnabled):
        return f"{temporary.HF_OFFLINE_ENV} is set, so downloads are off"
    if isinstance(error, (errors.RepositoryNotFoundError, errors.RemoteEntryNotFoundError)):
        return f"not found on {endpoint} (404): {where}"
    if isinstance(error, errors.RevisionNotFoundError):
        return f"revision {entry.revision} of {entry.repo} not found on {endpoint}"
    if isinstance(error, errors.HfHubHTTPError) and error.response is not None:
        status = error.response.status_code
        if status == 404:
            return f"not found on {endpoint} (404): {where}"
        if status >= 500:
            return f"the server {endpoint} failed (HTTP {status}); try again later"
        return f"the server {endpoint} refused {where} (HTTP {status})"
    if isinstance(error, httpx2.ConnectError):
        return f"cannot connect to {endpoint} ({error or 'connection refused'})"
    if isinstance(error, httpx2.TimeoutException):
        return f"{endpoint} did not answer in time"
    return f"cannot reach {where} on {endpoint}: {error}"


def expected_sha256(entry: CatalogEntry, remote: RemoteFile) -> str | None:
    """The catalog's sha256, else the hub's. When both are known and differ, the file upstream
    is not the one the catalog describes: refuse rather than fetch gigabytes to throw away."""
    if entry.sha256 and remote.sha256 and entry.sha256 != remote.sha256:
        raise DownloadError(
            f"the hub's {entry.file} (sha256 {remote.sha256[:12]}...) is not the file the "
            f"catalog names (sha256 {entry.sha256[:12]}...); not downloaded"
        )
    return entry.sha256 or remote.sha256


def partial_folder(folder: Path) -> Path:
    return folder / temporary.PARTIAL_DOWNLOADS_DIR_NAME


def partial_path(folder: Path, entry: CatalogEntry, remote: RemoteFile) -> Path:
    name = f"{entry.file}.{remote.version}{temporary.PARTIAL_DOWNLOAD_SUFFIX}"
    return partial_folder(folder) / name


def remove_stale_partials(partial: Path, entry: CatalogEntry) -> None:
    """Partials of another version of the same file can never complete: drop them."""
    if partial.parent.is_dir():
        for other in partial.parent.glob(f"{entry.file}.*{temporary.PARTIAL_DOWNLOAD_SUFFIX}"):
            if other != partial:
                other.unlink(missing_ok=True)


def partial_bytes(entry: CatalogEntry, folder: Path | None = None) -> int:
    """Bytes waiting in partial files for this entry (what a new download resumes from)."""
    partials = partial_folder(folder or models_dir())
    pattern = f"{entry.file}.*{temporary.PARTIAL_DOWNLOAD_SUFFIX}"
    return sum(path.stat().st_size for path in partials.glob(pattern)) if partials.is_dir() else 0


def check_disk_space(folder: Path, entry: CatalogEntry, needed: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(folder).free
    if free < needed + temporary.MIN_FREE_DISK_BYTES:
        raise DownloadError(
            f"not enough disk space for {entry.name}: it needs {human_bytes(needed)} more, "
            f"{folder} has {human_bytes(free)} free"
        )


def fetch(url: str, partial: Path, size, report: ProgressCallback, cancel, endpoint: str) -> None:
    """Append the rest of the file to `partial`; a dropped connection is resumed a few times."""
    import httpx2

    partial.parent.mkdir(parents=True, exist_ok=True)
    started, start_size = time.monotonic(), partial_size(partial)
    for attempt in range(temporary.DOWNLOAD_RETRIES + 1):
        try:
            fetch_once(url, partial, size, report, cancel, (started, start_size), endpoint)
            return
        except (httpx2.TransportError, httpx2.RemoteProtocolError) as error:
            if attempt == temporary.DOWNLOAD_RETRIES:
                kept = human_bytes(partial_size(partial))
                raise DownloadError(
                    f"the connection was lost ({type(error).__name__}); {kept} kept in "
                    f"{partial.parent}: download again to resume"
                ) from None
            time.sleep(temporary.DOWNLOAD_RETRY_WAIT_S)


def partial_size(partial: Path) -> int:
    return partial.stat().st_size if partial.exists() else 0


def fetch_once(url: str, partial: Path, size, report, cancel, origin, endpoint: str) -> None:
    from huggingface_hub.utils import build_hf_headers, get_session, hf_raise_for_status

    have = partial_size(partial)
    if size is not None and have >= size:
        return
    # A user's token goes to the hub only, never to the CDN host it redirects to (as the hub does).
    same_host = urlsplit(url).netloc == urlsplit(endpoint).netloc
    headers = build_hf_headers(
        token=None if same_host else False,
        library_name=temporary.APP_NAME,
        library_version=temporary.APP_VERSION,
    )
    headers["Accept-Encoding"] = "identity"  # byte ranges of the file itself, never of a gzip
    if have:
        headers["Range"] = f"bytes={have}-"
    session = get_session()
    with session.stream(
        "GET", url, headers=headers, timeout=temporary.DOWNLOAD_TIMEOUT_S, follow_redirects=True
    ) as response:
        if response.status_code == 416:  # the partial does not fit the file any more
            partial.unlink(missing_ok=True)
            raise DownloadError("the server would not resume the download; start it again")
        if response.status_code >= 400:
            response.read()
            try:
                hf_raise_for_status(response)
            except Exception as error:
                raise DownloadError(f"the download failed: {error_line(error)}") from None
        resumed = response.status_code == 206
        total = size or content_total(response, have if resumed else 0)
        write_body(response, partial, resumed, total, report, cancel, origin)


def error_line(error: Exception) -> str:
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status and status >= 500:
        return f"the server failed (HTTP {status}); try again later"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def content_total(response, offset: int) -> int | None:
    """The whole file's size from Content-Range (a resumed answer) or Content-Length."""
    content_range = response.headers.get("Content-Range", "")
    if "/" in content_range and content_range.rsplit("/", 1)[1].isdigit():
        return int(content_range.rsplit("/", 1)[1])
    length = response.headers.get("Content-Length")
    return offset + int(length) if length and length.isdigit() else None


def write_body(response, partial: Path, resumed: bool, total, report, cancel, origin) -> None:
    """Stream the body into the partial file (from scratch when the server ignored the Range),
    reporting progress and checking `cancel` between chunks."""
    started, start_size = origin
    last_report = 0.0
    try:
        with partial.open("ab" if resumed else "wb") as handle:
            done = handle.tell()
            # Each network read as it comes: a buffered chunk would be lost when the line drops.
            for chunk in response.iter_bytes():
                handle.write(chunk)
                done += len(chunk)
                now = time.monotonic()
                if now - last_report >= temporary.DOWNLOAD_PROGRESS_INTERVAL_S:
                    last_report = now
                    report(measure(done, total, done - start_size, now - started))
                if cancel.is_set():
                    raise DownloadCancelled(
                        f"download cancelled; {human_bytes(done)} kept for the next try"
                    )
            report(measure(done, total, done - start_size, time.monotonic() - started))
    except OSError as error:
        if error.errno == errno.ENOSPC:
            raise DownloadError(
                f"the disk is full; {partial.parent} keeps what was fetched: free some space "
                "and download again to resume"
            ) from None
        raise DownloadError(f"cannot write {partial}: {error.strerror or error}") from None


def verify(partial: Path, size, sha256: str | None, report, cancel) -> None:
    """Size, then sha256 when one is known; a file that fails is deleted, never kept."""
    actual = partial_size(partial)
    if size is not None and actual != size:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"size mismatch: expected {size} bytes, got {actual}; the file was deleted"
        )
    if sha256 is None:
        return
    digest = file_sha256(partial, report, cancel)
    if digest != sha256:
        partial.unlink(missing_ok=True)
        raise DownloadError(
            f"sha256 mismatch: expected {sha256[:12]}..., got {digest[:12]}...; "
            "the file was deleted"
        )


def file_sha256(path: Path, report: ProgressCallback, cancel) -> str:
    digest, done, total = hashlib.sha256(), 0, path.stat().st_size
    started, last_report = time.monotonic(), 0.0
    with path.open("rb") as handle:
        while block := handle.read(temporary.HASH_BLOCK_BYTES):
            digest.update(block)
            done += len(block)
            now = time.monotonic()
            if now - last_report >= temporary.DOWNLOAD_PROGRESS_INTERVAL_S:
                last_report = now
                report(measure(done, total, done, now - started, "verify"))
            if cancel.is_set():
                raise DownloadCancelled("download cancelled while checking; the file is kept")
    report(measure(done, total, done, time.monotonic() - started, "verify"))
    return digest.hexdigest()
