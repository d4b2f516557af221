"""Download an export: concurrent ranged GETs into a part file, resumable, checked by sha384.

boto3's managed transfer (`s3transfer`'s TransferManager) splits a download into concurrent
ranged GetObjects, but keeps no record of which parts are done, so a download stopped by
Ctrl-C or kill -9 starts over. This module does the same ranged GETs with boto3's client
(same defaults as the AWS CLI: 8 MiB parts, 10 at once) and keeps `part_record.PartRecord`
beside the bytes, so a new run fetches only the parts that were not complete.

The order of a download:
1. the file is not there already (if it is, its sha384 is compared with the log and nothing
   is fetched); what is at the part and record paths is ours or is refused;
2. free space: the bytes still to fetch (plus 1 MiB) must fit on the target's file system;
   the part file is then reserved at full size (posix_fallocate, where the file system has it);
3. parts are fetched concurrently (GetObject with Range and If-Match on the ETag, so an object
   replaced mid-way is noticed), written at their offsets, and recorded when whole; a part
   whose stream breaks is fetched again (3 tries);
4. sha384 is computed while downloading: a thread of its own follows the completed parts in
   order, reading back what was just written (from the page cache), so no part is held in
   memory; a hashed part is then handed to the disk (its writeback started, its pages
   released). The fetching is not held back to wait for the hash: a bound on how far it
   may run ahead makes one slow part (S3 has stragglers) hold up every connection
   (benchmarks/model_read_ahead.py), and a resumed download would wait for the parts of
   the earlier run to be hashed again before fetching anything;
5. complete: the part file is flushed to disk and renamed to its final name, or, when its
   sha384 differs from the log's, to `<name>.sha384-mismatch.zip`; the log is kept beside it.
A full disk, a refused kms:Decrypt and a changed object are sentences (CoreError); Ctrl-C or
`stop` leaves the record for the next run (DownloadStopped).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from tui.core.errors import translate
from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.access import (
    decrypt_refused,
    error_code,
    is_denied,
    is_missing,
    object_arn,
    refused,
)
from tui.core.retrieve.model import (
    DownloadProgress,
    DownloadResult,
    DownloadState,
    ExportLocation,
    ExportLog,
    ExportObject,
)
from tui.core.retrieve.part_record import PartRecord, not_ours

if TYPE_CHECKING:
    from tui.core.session import Aws

MIB = 1024 * 1024
DEFAULT_PART_SIZE = 8 * MIB  # the AWS CLI's multipart_chunksize
DEFAULT_CONCURRENCY = 10  # the AWS CLI's max_concurrent_requests (and botocore's pool size)
CHUNK = MIB
SPACE_MARGIN = MIB  # room for the record and the log copy
TRIES_PER_PART = 3
_FULL = (errno.ENOSPC, errno.EDQUOT)
_POLL = 0.1  # seconds a waiting thread sleeps before it looks at the stop flag again


class DownloadStopped(Exception):
    """Stopped on request (Ctrl-C, or a face's stop): the completed parts stay recorded."""

    def __init__(self, path: Path, parts_done: int, parts: int) -> None:
        super().__init__(f"Stopped with {parts_done} of {parts} parts saved in {path}.")
        self.path = path
        self.parts_done = parts_done
        self.parts = parts


@dataclass(frozen=True)
class TransferOptions:
    """How to download: part size, parts at once, and how free space is measured."""

    part_size: int = DEFAULT_PART_SIZE
    concurrency: int = DEFAULT_CONCURRENCY
    free_space: Callable[[Path], int] = lambda path: shutil.disk_usage(path).free


Progress = Callable[[DownloadProgress], None]


def partial_paths(target: Path) -> tuple[Path, Path]:
    """The part file and the record beside a download's final path."""
    return target.with_name(target.name + ".part"), target.with_name(target.name + ".part.json")


def mismatch_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.sha384-mismatch{target.suffix}")


def log_path(target: Path) -> Path:
    return target.with_name(f"{target.stem}.log.json")


def download(aws: Aws, location: ExportLocation, export: ExportObject, log: ExportLog | None,
             target: Path, options: TransferOptions | None = None,
             on_progress: Progress | None = None, stop: threading.Event | None = None
             ) -> DownloadResult:
    """Download the export to `target` (a file path), resuming an earlier partial download
    of the same object. See the module docstring for the order of things."""
    options = options or TransferOptions()
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() or target.is_symlink():
        return _already_there(target, export, log)
    data_path, record_path = partial_paths(target)
    in_the_way = [mismatch_path(target)]
    if log is None or not _holds(log_path(target), log.document):
        in_the_way.append(log_path(target))  # our own copy of this log is no obstacle
    for other in in_the_way:
        if other.exists() or other.is_symlink():
            raise not_ours(other, f"is in the way of downloading {target.name}")
    record = PartRecord.load(record_path)
    if record is None and (data_path.exists() or data_path.is_symlink()):
        raise not_ours(data_path, "has no download record beside it")
    if record is not None and not (record.is_for(export) and data_path.is_file()):
        record.remove()  # ours, but of an older object (or its bytes are gone): start over
        data_path.unlink(missing_ok=True)
        record = None
    fresh = record is None
    if record is None:
        record = PartRecord.new(record_path, export, max(1, options.part_size))
    _check_space(target.parent, export.size - record.done_bytes, options)
    run = _Run(aws, location, export, record, data_path, on_progress, stop or threading.Event())
    try:
        with _writing(record_path.parent, export.size - record.done_bytes, record.done_bytes):
            record.save()
            run.open_file()
            run.fetch_all(max(1, options.concurrency))
            digest = run.digest()
            run.close(flush=True)
            return _complete(target, data_path, record, digest, log, run.fetched)
    except BaseException:
        run.close(flush=False)
        if fresh and not record.done and not isinstance(run.failure, _Changed):
            record.remove()  # nothing of value: leave no trace
            data_path.unlink(missing_ok=True)
        if isinstance(run.failure, _Changed):
            record.remove()
            data_path.unlink(missing_ok=True)
        raise


class _Changed(CoreError):
    """The object changed (its ETag) while it was being downloaded."""


class _Run:
    """One download run: the file, the workers, the progress and the following hash."""

    def __init__(self, aws: Aws, location: ExportLocation, export: ExportObject,
                 record: PartRecord, data_path: Path, on_progress: Progress | None,
                 stop: threading.Event) -> None:
        self.aws = aws
        self.s3 = aws.client("s3")
        self.location = location
        self.export = export
        self.record = record
        self.data_path = data_path
        self.on_progress = on_progress
        self.stop = stop
        self.fd = -1
        self.fetched = 0
        self.failure: BaseException | None = None
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a part done (the hasher waits)
        self._done_bytes = record.done_bytes
        self._reused = record.done_bytes
        self._reused_parts = len(record.done)
        self._hash = hashlib.sha384()
        self._hashed_parts = 0
        self._hash_failure: BaseException | None = None

    # ------------------------------------------------------------------ the file
    def open_file(self) -> None:
        self.fd = os.open(self.data_path, os.O_RDWR | os.O_CREAT, 0o600)
        if os.fstat(self.fd).st_size != self.record.size:
            try:
                os.posix_fallocate(self.fd, 0, max(1, self.record.size))
            except OSError as error:  # a file system without it: a sparse file will do
                if error.errno in _FULL:
                    raise
            os.ftruncate(self.fd, self.record.size)

    def close(self, flush: bool) -> None:
        if self.fd >= 0:
            if flush:
                os.fsync(self.fd)
            os.close(self.fd)
            self.fd = -1

    # ------------------------------------------------------------------ the parts
    def fetch_all(self, concurrency: int) -> None:
        """Fetch every pending part while the hasher follows; return once both are done."""
        hasher = threading.Thread(target=self._hash_in_order, name="download-hash",
                                  daemon=True)
        hasher.start()
        try:
            self._fetch_pending(concurrency)
        except BaseException as error:
            self._end_hasher(hasher)
            if self._hash_failure is not None and isinstance(error, DownloadStopped):
                self.failure = self._hash_failure  # the hash stopped the workers
                raise self._hash_failure from None
            raise
        self._end_hasher(hasher, stop=False)
        if self._hash_failure is not None:
            self.failure = self._hash_failure
            raise self._hash_failure
        if self._hashed_parts < self.record.parts:  # a stop came as the last part arrived
            raise DownloadStopped(self.data_path, len(self.record.done), self.record.parts)

    def _end_hasher(self, hasher: threading.Thread, stop: bool = True) -> None:
        """Wait for the hasher: it ends when every part is hashed, or at once after a stop."""
        if stop:
            self.stop.set()
        with self._changed:
            self._changed.notify_all()
        hasher.join()

    def _fetch_pending(self, concurrency: int) -> None:
        pending = self.record.pending()
        self._report()
        if not pending:
            return
        with ThreadPoolExecutor(max_workers=min(concurrency, len(pending)),
                                thread_name_prefix="download") as pool:
            futures: list[Future[None]] = [pool.submit(self._fetch_part, p) for p in pending]
            try:
                finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            except BaseException:  # KeyboardInterrupt in the waiting thread
                self.stop.set()
                wait(futures)
                raise
            errors = [error for f in finished if (error := f.exception()) is not None]
            if errors:
                self.stop.set()
                wait(futures)
        if errors:
            first = next((e for e in errors if not isinstance(e, DownloadStopped)), errors[0])
            self.failure = first
            raise first
        if self.record.pending():  # stopped between parts
            raise DownloadStopped(self.data_path, len(self.record.done), self.record.parts)

    def _fetch_part(self, part: int) -> None:
        for attempt in range(1, TRIES_PER_PART + 1):
            if self.stop.is_set():
                raise DownloadStopped(self.data_path, len(self.record.done), self.record.parts)
            try:
                self._read_part_once(part)
                break
            except (ClientError, BotoCoreError) as exc:  # before any byte of the part came
                if attempt == TRIES_PER_PART or not _transient(exc):
                    raise self._problem(exc) from exc
            except _PartialRead as partial:
                self._count(-partial.written)
                if attempt == TRIES_PER_PART:
                    raise self._problem(partial.cause) from partial.cause
        with self._changed:
            self.record.done.add(part)
            self.record.save()
            self.fetched += 1
            self._changed.notify_all()
        self._report()

    def _read_part_once(self, part: int) -> None:
        first, last = self.record.span(part)
        answer = self.s3.get_object(Bucket=self.location.bucket, Key=self.location.key,
                                    Range=f"bytes={first}-{last}", IfMatch=self.export.etag)
        body = answer["Body"]
        offset, written = first, 0
        try:
            for chunk in body.iter_chunks(CHUNK):
                if self.stop.is_set():
                    raise DownloadStopped(self.data_path, len(self.record.done),
                                          self.record.parts)
                os.pwrite(self.fd, chunk, offset)
                offset += len(chunk)
                written += len(chunk)
                self._count(len(chunk))
        except (ClientError, BotoCoreError) as exc:
            raise _PartialRead(written, exc) from exc
        finally:
            body.close()
        if written != last - first + 1:
            raise _PartialRead(written, _ShortRead(written, last - first + 1))

    def _problem(self, exc: BaseException) -> CoreError:
        url = self.location.url
        if isinstance(exc, _ShortRead):
            return CoreError(AwsProblem(
                code="IncompleteRead", operation="s3:GetObject",
                message=f"S3 sent {exc.got:,} of {exc.wanted:,} bytes of a part of {url}, "
                        f"{TRIES_PER_PART} times.",
                hint="Check the network, then run the same command again: finished parts "
                     "are kept."))
        if error_code(exc) in ("PreconditionFailed", "412"):
            return _Changed(AwsProblem(
                code="ObjectChanged", operation="s3:GetObject",
                message=f"{url} changed in S3 while it was being downloaded (its ETag is no "
                        f"longer {self.export.etag}).",
                hint="Run the download again: it starts over with the new object."))
        if is_denied(exc) and self.export.encryption == "aws:kms":
            return decrypt_refused(exc, url, self.export.kms_key_id or
                                   self.location.kms_key_arn, self.aws.profile)
        if is_denied(exc):
            return refused(exc, "s3:GetObject", object_arn(self.location.bucket,
                                                           self.location.key), self.aws.profile)
        if is_missing(exc):
            return CoreError(AwsProblem(
                code="NoSuchKey", operation="s3:GetObject",
                message=f"{url} was deleted while it was being downloaded.",
                hint="Export the mailbox again."))
        return CoreError(translate(exc, "s3:GetObject", self.aws.profile))

    # ------------------------------------------------------------------ progress and hash
    def _count(self, delta: int) -> None:
        with self._lock:
            self._done_bytes += delta
        if delta > 0:
            self._report()

    def _report(self) -> None:
        if self.on_progress is None:
            return
        with self._lock:
            snapshot = DownloadProgress(self._done_bytes, self.record.size, len(self.record.done),
                                        self.record.parts, self._reused)
        self.on_progress(snapshot)

    def _hash_in_order(self) -> None:
        """The hasher thread: hash each part once it is complete, in order, reading it back
        from the file; a failure is kept for `fetch_all` and stops the workers."""
        try:
            while self._hashed_parts < self.record.parts:
                with self._changed:
                    while self._hashed_parts not in self.record.done:
                        if self.stop.is_set():
                            return
                        self._changed.wait(_POLL)
                self._hash_part(self._hashed_parts)
                self._hashed_parts += 1  # only this thread writes it
        except BaseException as error:
            self._hash_failure = error
            self.stop.set()

    def _hash_part(self, part: int) -> None:
        first, last = self.record.span(part)
        position = first
        try:
            while position <= last:
                chunk = os.pread(self.fd, min(CHUNK, last - position + 1), position)
                if not chunk:
                    raise OSError(errno.EIO, "the file is shorter than recorded")
                self._hash.update(chunk)
                position += len(chunk)
        except OSError as error:
            raise CoreError(AwsProblem(
                code="ReadBackFailed", operation="download",
                message=f"Could not read back {self.data_path} to compute its sha384: "
                        f"{error.strerror or error}.",
                hint="Check the disk, then run the same command again: the parts already "
                     "saved are kept and hashed again.")) from error
        _write_back(self.fd, first, last - first + 1)

    def digest(self) -> str:
        """The file's sha384, once `fetch_all` has returned."""
        if self._hashed_parts != self.record.parts:
            raise OSError(errno.EIO, f"{self.data_path}: not every part could be hashed")
        return self._hash.hexdigest()


class _ShortRead(Exception):
    def __init__(self, got: int, wanted: int) -> None:
        super().__init__(f"{got} of {wanted} bytes")
        self.got, self.wanted = got, wanted


class _PartialRead(Exception):
    """A part's stream ended early or broke after `written` bytes."""

    def __init__(self, written: int, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.written, self.cause = written, cause


def _write_back(fd: int, offset: int, length: int) -> None:
    """Start writing a hashed part to disk now, and let its pages leave the cache.

    On Linux, POSIX_FADV_DONTNEED starts the writeback of the range's dirty pages without
    waiting for it, then drops the pages already clean: the disk works while the next parts
    arrive, so the fsync before the rename has little left to wait for (bench_retrieve: 75 ms
    -> 2 ms for 263 MiB), and a download of several GiB does not crowd the page cache. Where
    the call does not exist (macOS) the fsync does all the work."""
    if hasattr(os, "posix_fadvise"):
        with contextlib.suppress(OSError):
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)


def _transient(exc: BaseException) -> bool:
    """Worth another try: the stream or connection broke, or S3 said slow down / 5xx."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0
        return int(status) >= 500 or error_code(exc) in ("SlowDown", "RequestTimeout")
    return True  # botocore's own: connection closed, read timeout, streaming error


def _check_space(directory: Path, remaining: int, options: TransferOptions) -> None:
    free = options.free_space(directory)
    if free < remaining + SPACE_MARGIN:
        raise CoreError(AwsProblem(
            code="NotEnoughSpace", operation="download",
            message=f"Not enough free space in {directory}: the export needs {remaining:,} "
                    f"more bytes, and {free:,} are free.",
            hint="Free some space there or choose another --to directory; nothing was "
                 "downloaded."))


class _writing:
    """Turns a full disk (ENOSPC, EDQUOT) into a sentence; parts already done stay."""

    def __init__(self, directory: Path, remaining: int, done: int) -> None:
        self.directory, self.remaining, self.done = directory, remaining, done

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 _: Any) -> None:
        if isinstance(error, OSError) and error.errno in _FULL:
            raise CoreError(AwsProblem(
                code="DiskFull", operation="download",
                message=f"The disk holding {self.directory} is full; the download stopped "
                        "before the export was complete (no file claims to be complete).",
                hint="Free some space there, then run the same command again: the parts "
                     "already saved are kept and only the rest is fetched.")) from error
        if isinstance(error, OSError):
            raise CoreError(AwsProblem(
                code="WriteFailed", operation="download",
                message=f"Could not write in {self.directory}: {error.strerror or error}.",
                hint="Check that the directory is writable, or choose another --to.")
            ) from error


def _already_there(target: Path, export: ExportObject, log: ExportLog | None
                   ) -> DownloadResult:
    """The final file exists: it is this export (same sha384 as the log, or same size when
    there is no log) and nothing is fetched, or it is refused as not ours."""
    if not target.is_file() or target.is_symlink():
        raise not_ours(target, "is not a regular file")
    size = target.stat().st_size
    digest = file_sha384(target) if size == export.size else ""
    if log is not None and log.sha384 and digest == log.sha384:
        state = DownloadState.MATCHED
    elif (log is None or not log.sha384) and digest:
        state = DownloadState.NO_LOG
    else:
        raise not_ours(target, "is not this export (its size or sha384 differs)")
    return DownloadResult(str(target), size, digest, state, already_there=True, log=log,
                          log_path=str(log_path(target)) if log_path(target).exists() else "")


def _holds(path: Path, text: str) -> bool:
    """Whether `path` is a regular file holding exactly `text`."""
    if not path.is_file() or path.is_symlink() or path.stat().st_size > 2 * len(text) + 16:
        return False
    try:
        return path.read_text(encoding="utf-8") == text
    except (OSError, UnicodeDecodeError):
        return False


def file_sha384(path: Path) -> str:
    """The SHA-384 of a file, read a chunk at a time."""
    digest = hashlib.sha384()
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _complete(target: Path, data_path: Path, record: PartRecord, digest: str,
              log: ExportLog | None, fetched: int) -> DownloadResult:
    """Keep the log beside the zip, then give the part file its final name (the last step:
    until then nothing claims to be complete) and drop the record."""
    if log is not None and log.sha384:
        state = DownloadState.MATCHED if digest == log.sha384 else DownloadState.HASH_MISMATCH
    else:
        state = DownloadState.NO_LOG
    saved_log = ""
    if log is not None and log.document:
        copy = log_path(target)
        copy.write_text(log.document, encoding="utf-8")
        saved_log = str(copy)
    final = target if state != DownloadState.HASH_MISMATCH else mismatch_path(target)
    os.replace(data_path, final)
    record.remove()
    return DownloadResult(str(final), record.size, digest, state, log_path=saved_log,
                          fetched_parts=fetched, reused_parts=record.parts - fetched, log=log)
