"""The simulator's side of "COMPLETED": the export .zip and its output log, put into moto's S3.

`ExportWriter` (a SimulatedAws's `.exports`) writes the export of a COMPLETED job the first
time someone reads from where it lies (`materialize`, called by the S3 request paths in
`s3_objects`), or when a test or benchmark asks (`write(job)`, `write_completed()`), never
before: a test that never reads an export pays nothing for it.

The zip is streamed into a temporary file (never whole in memory), its sha384 and S3 ETag
computed on the way, and handed to moto as the object's storage, so HeadObject, GetObject
and ranged reads all see a real object, SSE-KMS with the job's key. Its size follows the
mailbox's seeded size (`workmail.mailbox_size_for`, MB) times `bytes_per_mb`: small by
default (about 256 bytes per MB: 230-380 KB for the demo's mailboxes), hundreds of MB for the
mailboxes a world or test names in `bytes_per_mb_for`.

ASSUMPTION (unverified): the output log's key and format are the layout's (export_content);
the log is a JSON object with the seven keys the admin guide shows, encrypted like the zip;
`totalBytes` is the size of the .zip object and `sha384Hash` the SHA-384 of its bytes;
`totalMessages` counts the entries that are MIME messages (calendar items count when they
are MIME messages); `totalFolders` every folder the zip shows; `totalNonExportableItems` the
contacts and tasks that were left out (a number drawn from the seed).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import threading
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, BinaryIO

from .directory import ACCOUNT_ID
from .export_content import (
    CALENDAR,
    EMPTY_FOLDERS,
    LAYOUTS,
    MESSAGE,
    OTHER,
    Item,
    Layout,
    export_items,
    folders_of,
)
from .jobs import SimExportJob

if TYPE_CHECKING:
    from .backend import WorkMailBackend

DEFAULT_BYTES_PER_MB = 256
ETAG_PART_SIZE = 8 * 1024 * 1024  # multipart uploads of this size: ETags like "...-N"
_CHUNK = 1024 * 1024


@dataclass(frozen=True)
class WrittenExport:
    """What the simulator wrote for one job: the truth tests compare the product with."""

    job_id: str
    bucket: str
    key: str
    log_key: str
    layout: str
    size: int
    sha384: str  # hex
    messages: int
    calendar_items: int  # .ics entries and MIME calendar messages alike
    others: int
    folders: int
    non_exportable: int
    log: dict[str, Any]


class _NoUtf8Flag(zipfile.ZipInfo):
    """A zip entry whose non-ASCII name is stored as raw UTF-8 without the UTF-8 flag, as
    some zip writers do (readers then guess the encoding)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("utf-8"), self.flag_bits & ~0x800


class _Hashing:
    """A write-only file that hashes what passes through (sha384, and the S3 ETag)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.sha384 = hashlib.sha384()
        self._part = hashlib.md5(usedforsecurity=False)
        self._part_bytes = 0
        self._part_digests: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.sha384.update(data)
        view = memoryview(data)
        while view:
            room = ETAG_PART_SIZE - self._part_bytes
            self._part.update(view[:room])
            self._part_bytes += min(room, len(view))
            view = view[room:]
            if self._part_bytes == ETAG_PART_SIZE:
                self._end_part()
        self.size += len(data)
        return len(data)

    def _end_part(self) -> None:
        self._part_digests.append(self._part.digest())
        self._part = hashlib.md5(usedforsecurity=False)
        self._part_bytes = 0

    def etag(self) -> str:
        """The ETag S3 gives an object uploaded in parts of ETAG_PART_SIZE (a single-part
        upload's ETag is its MD5)."""
        if self._part_bytes or not self._part_digests:
            self._end_part()
        if len(self._part_digests) == 1:
            return self._part_digests[0].hex()
        joined = hashlib.md5(b"".join(self._part_digests), usedforsecurity=False)
        return f"{joined.hexdigest()}-{len(self._part_digests)}"

    def tell(self) -> int:
        return self.size

    def flush(self) -> None:
        self.raw.flush()


def _zip_time(moment: datetime) -> tuple[int, int, int, int, int, int]:
    moment = max(moment, datetime(1980, 1, 1, tzinfo=moment.tzinfo))
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


def _entry_info(item: Item, layout: Layout) -> zipfile.ZipInfo:
    return _info(item.path, item.date, layout, item.compression, 0o100644 << 16)


def _directory_info(folder: tuple[str, ...], date: datetime, layout: Layout) -> zipfile.ZipInfo:
    return _info("/".join(folder) + "/", date, layout, zipfile.ZIP_STORED,
                 (0o40755 << 16) | 0x10)


def _info(name: str, date: datetime, layout: Layout, compression: int,
          attributes: int) -> zipfile.ZipInfo:
    kind = zipfile.ZipInfo if layout.utf8_flag or name.isascii() else _NoUtf8Flag
    info = kind(name, date_time=_zip_time(date))
    info.compress_type = compression
    info.external_attr = attributes
    return info


class ExportWriter:
    """Writes exports of COMPLETED jobs into moto's S3, once each, when first needed."""

    def __init__(self, workmail: WorkMailBackend) -> None:
        self.workmail = workmail
        self.bytes_per_mb = DEFAULT_BYTES_PER_MB
        self.bytes_per_mb_for: dict[str, int] = {}  # entity id -> bytes per MB (big ones)
        self.written: dict[str, WrittenExport] = {}
        self._lock = threading.RLock()
        self._directory: str | None = None

    @property
    def layout(self) -> str:
        """The layout exports are written in (the simulator's Assumptions.export_layout)."""
        return self.workmail.assumptions.export_layout

    @layout.setter
    def layout(self, name: str) -> None:
        if name not in LAYOUTS:
            raise ValueError(f"Unknown layout {name!r}; choose one of {', '.join(LAYOUTS)}.")
        self.workmail.assumptions = replace(self.workmail.assumptions, export_layout=name)

    # ------------------------------------------------------------------ when
    def materialize(self, bucket: str, key: str | None = None, prefix: str | None = None
                    ) -> None:
        """Write every export of a COMPLETED job in `bucket` whose zip or log is `key`, or
        lies under `prefix` (both None: the whole bucket), unless written already."""
        for job in self._completed_unwritten(bucket):
            wanted = self.keys_of(job)
            if key is not None and key not in wanted:
                continue
            if prefix is not None and not any(k.startswith(prefix) for k in wanted):
                continue
            self.write(job)

    def write_completed(self) -> list[WrittenExport]:
        """Write the export of every COMPLETED job not written yet (tests, benchmarks)."""
        return [self.write(job) for job in self._completed_unwritten(None)]

    def _completed_unwritten(self, bucket: str | None) -> list[SimExportJob]:
        now = self.workmail.clock.now()
        with self.workmail._lock:
            jobs = list(self.workmail.book.jobs.values())
        return [job for job in jobs if job.job_id not in self.written
                and (bucket is None or job.bucket == bucket) and job.state(now) == "COMPLETED"]

    def keys_of(self, job: SimExportJob) -> tuple[str, str]:
        """The zip's key (the job's S3Path) and the log's key, in the current layout."""
        layout = LAYOUTS[self.layout]
        prefix = job.prefix if job.prefix.endswith("/") else job.prefix + "/"
        return job.s3_path, prefix + layout.log_name.format(job_id=job.job_id)

    def target_bytes(self, entity_id: str) -> int:
        per_mb = self.bytes_per_mb_for.get(entity_id, self.bytes_per_mb)
        return int(self.workmail.mailbox_size_for(entity_id) * per_mb)

    # ------------------------------------------------------------------ what
    def write(self, job: SimExportJob) -> WrittenExport:
        """Write (or return the already written) export of `job`: zip, then log."""
        with self._lock:
            if job.job_id in self.written:
                return self.written[job.job_id]
            layout = LAYOUTS[self.layout]
            zip_key, log_key = self.keys_of(job)
            path = os.path.join(self._temporary_directory(), f"{job.job_id}.zip")
            mailbox = self._mailbox_address(job)
            ended = job.end_time(self.workmail.clock.now()) or job.start_time
            seed = zlib.crc32(job.job_id.encode())
            with open(path, "wb") as raw:
                hashing = _Hashing(raw)
                counts = self._write_zip(hashing, export_items(
                    mailbox, seed, self.target_bytes(job.entity_id), layout, job.start_time),
                    layout)
            sha384 = hashing.sha384.digest()
            non_exportable = seed % 5
            log = self._log(layout, counts, hashing.size, sha384, non_exportable, job, ended)
            self._put(job, zip_key, path, hashing.size, hashing.etag(), ended)
            self._put_bytes(job, log_key, json.dumps(log, indent=2).encode(), ended)
            written = WrittenExport(
                job_id=job.job_id, bucket=job.bucket, key=zip_key, log_key=log_key,
                layout=layout.name, size=hashing.size, sha384=sha384.hex(),
                messages=counts[MESSAGE], calendar_items=counts[CALENDAR],
                others=counts[OTHER], folders=counts["folders"],
                non_exportable=non_exportable, log=log)
            self.written[job.job_id] = written
            return written

    def _mailbox_address(self, job: SimExportJob) -> str:
        for org in self.workmail.directory.orgs.values():
            entity = org.entities.get(job.entity_id)
            if entity is not None:
                return entity.email or f"{entity.name}@{org.default_domain}"
        return f"{job.entity_id}@example-corp.awsapps.com"

    @staticmethod
    def _write_zip(out: _Hashing, items: Iterator[Item], layout: Layout) -> dict[str, int]:
        counts = {MESSAGE: 0, CALENDAR: 0, OTHER: 0}
        folders: set[tuple[str, ...]] = set()
        with zipfile.ZipFile(out, "w", allowZip64=True) as archive:  # type: ignore[arg-type]
            if layout.directory_entries:
                for empty in EMPTY_FOLDERS:
                    archive.writestr(_directory_info(empty, datetime(2026, 1, 1), layout), b"")
            folders.update(EMPTY_FOLDERS if layout.directory_entries else ())
            for item in items:
                for parent in sorted(folders_of({item.folder}) - folders, key=len):
                    if layout.directory_entries:
                        archive.writestr(_directory_info(parent, item.date, layout), b"")
                    folders.add(parent)
                with archive.open(_entry_info(item, layout), "w") as entry:
                    entry.write(item.body)
                counts[item.kind] += 1
                if item.calendar and item.kind == MESSAGE:
                    counts[CALENDAR] += 1  # a calendar item in MIME form: also a message
        counts["folders"] = len(folders)
        return counts

    @staticmethod
    def _log(layout: Layout, counts: dict[str, int], size: int, sha384: bytes,
             non_exportable: int, job: SimExportJob, ended: datetime) -> dict[str, Any]:
        scale = 1000 if layout.log_millis else 1
        values: dict[str, Any] = {
            "totalNonExportableItems": non_exportable,
            "totalMessages": counts[MESSAGE],
            "sha384Hash": sha384.hex() if layout.log_hash == "hex"
            else base64.b64encode(sha384).decode(),
            "totalBytes": size,
            "totalFolders": counts["folders"],
            "startTime": int(job.start_time.timestamp() * scale),
            "endTime": int(ended.timestamp() * scale),
        }
        if layout.log_strings:
            values = {name: str(value) for name, value in values.items()}
        return values

    # ------------------------------------------------------------------ where
    def _temporary_directory(self) -> str:
        if self._directory is None:
            self._directory = tempfile.mkdtemp(prefix="workmail-sim-exports-")
        return self._directory

    @staticmethod
    def _s3() -> Any:
        from moto.s3.models import s3_backends

        return s3_backends[ACCOUNT_ID]["aws"]

    def _put(self, job: SimExportJob, key: str, path: str, size: int, etag: str,
             modified: datetime) -> None:
        """Put the file at `path` into moto as the object `key`, without reading it into
        memory: moto's key gets the file itself as its storage."""
        stored = self._put_bytes(job, key, b"", modified)
        with stored.lock:
            stored._value_buffer.close()
            stored._value_buffer = open(path, "rb+")  # noqa: SIM115 (moto owns it now)
            stored.contentsize = size
            stored._etag = etag

    def _put_bytes(self, job: SimExportJob, key: str, value: bytes, modified: datetime) -> Any:
        stored = self._s3().put_object(job.bucket, key, value, encryption="aws:kms",
                                       kms_key_id=job.kms_key_arn)
        stored.last_modified = modified.replace(tzinfo=None)
        return stored

    def close(self) -> None:
        """Remove the temporary files (moto's objects that used them are gone with moto)."""
        if self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
