"""The log finder: the export's output log in S3, and reading one.

AWS's admin guide shows an output log with totalMessages, totalBytes, totalFolders,
totalNonExportableItems, sha384Hash, startTime and endTime, but not where it is stored.
ASSUMPTION (unverified): it is a small JSON object under the job's S3 prefix (the directory of
the .zip when the prefix is unknown), encrypted like the zip. `find_log` lists that prefix,
reads the small objects (those naming the JobId first) and takes one that carries these keys:
one naming the JobId, else the only one found, else the one written closest to the zip (within
an hour). Values may be numbers or strings of digits; times epoch seconds, milliseconds or ISO
8601; the hash hex or base64. Nothing found is None, never a guess.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from tui.core.retrieve.access import decrypt_refused, is_denied, object_arn, refused
from tui.core.retrieve.model import ExportLocation, ExportLog, ExportObject

if TYPE_CHECKING:
    from tui.core.session import Aws

LOG_KEYS = ("totalMessages", "totalBytes", "totalFolders", "totalNonExportableItems",
            "sha384Hash", "startTime", "endTime")
MAX_LOG_BYTES = 64 * 1024  # a log is a few hundred bytes; anything bigger is not one
MAX_READS = 20  # small objects read while looking for a log that does not name the job
MAX_LISTED = 10_000  # keys listed under the prefix before giving up
CLOSE_ENOUGH = timedelta(hours=1)


def log_prefix(location: ExportLocation) -> str:
    """Where the log is looked for: the job's prefix, else the directory of the zip."""
    if location.prefix:
        return location.prefix
    directory, slash, _ = location.key.rpartition("/")
    return directory + slash


def find_log(aws: Aws, location: ExportLocation, export: ExportObject | None
             ) -> ExportLog | None:
    """The export's output log, or None when none is found (see the module docstring).

    Raises CoreError naming s3:ListBucket when the prefix cannot be listed, and kms:Decrypt
    (or s3:GetObject) when a candidate cannot be read."""
    candidates = _small_objects(aws, location)
    naming = [c for c in candidates if location.job_id and location.job_id in c["Key"]]
    for candidate in naming:
        log = _read_log(aws, location, export, candidate["Key"])
        if log is not None:
            return log
    others = [c for c in candidates if c not in naming]
    if export is not None and export.last_modified is not None:
        others.sort(key=lambda c: abs(c["LastModified"] - export.last_modified))
    found: list[tuple[dict[str, Any], ExportLog]] = []
    for candidate in others[:MAX_READS]:
        log = _read_log(aws, location, export, candidate["Key"])
        if log is not None:
            found.append((candidate, log))
    if len(found) == 1:
        return found[0][1]
    if found and export is not None and export.last_modified is not None:
        closest, log = found[0]
        if abs(closest["LastModified"] - export.last_modified) <= CLOSE_ENOUGH:
            return log
    return None


def _small_objects(aws: Aws, location: ExportLocation) -> list[dict[str, Any]]:
    s3 = aws.client("s3")
    params: dict[str, Any] = {"Bucket": location.bucket, "Prefix": log_prefix(location)}
    small: list[dict[str, Any]] = []
    listed = 0
    try:
        while listed < MAX_LISTED:
            page = s3.list_objects_v2(**params)
            for item in page.get("Contents", []):
                listed += 1
                if item["Key"] != location.key and int(item.get("Size", 0)) <= MAX_LOG_BYTES:
                    small.append(item)
            if not page.get("IsTruncated"):
                break
            params["ContinuationToken"] = page["NextContinuationToken"]
    except (ClientError, BotoCoreError) as exc:
        raise refused(exc, "s3:ListBucket", object_arn(location.bucket), aws.profile,
                      why=f" (to find the export's output log under {params['Prefix']})"
                      ) from exc
    return small


def _read_log(aws: Aws, location: ExportLocation, export: ExportObject | None,
              key: str) -> ExportLog | None:
    try:
        body = aws.client("s3").get_object(Bucket=location.bucket, Key=key)["Body"]
        text = body.read(MAX_LOG_BYTES + 1)
    except (ClientError, BotoCoreError) as exc:
        if is_denied(exc) and export is not None and export.encryption == "aws:kms":
            raise decrypt_refused(exc, f"s3://{location.bucket}/{key} (the output log)",
                                  export.kms_key_id or location.kms_key_arn,
                                  aws.profile) from exc
        raise refused(exc, "s3:GetObject", object_arn(location.bucket, key),
                      aws.profile) from exc
    if len(text) > MAX_LOG_BYTES:
        return None
    return parse_log(text, key)


def parse_log(text: bytes | str, key: str = "") -> ExportLog | None:
    """An ExportLog from a log's JSON text, or None when it is not one (not JSON, not an
    object, or fewer than three of the log's keys with totalMessages or sha384Hash)."""
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict):
        return None
    present = [name for name in LOG_KEYS if name in document]
    if len(present) < 3 or not {"totalMessages", "sha384Hash"} & set(present):
        return None
    raw = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return ExportLog(
        key=key, total_messages=_number(document.get("totalMessages")),
        total_bytes=_number(document.get("totalBytes")),
        total_folders=_number(document.get("totalFolders")),
        total_non_exportable=_number(document.get("totalNonExportableItems")),
        sha384=sha384_hex(document.get("sha384Hash")),
        start_time=_moment(document.get("startTime")),
        end_time=_moment(document.get("endTime")), document=raw)


def _number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def _moment(value: Any) -> datetime | None:
    number = _number(value)
    if number is not None:
        seconds = number / 1000 if number > 100_000_000_000 else number  # ms after 1973
        try:
            return datetime.fromtimestamp(seconds, tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return None


def sha384_hex(value: Any) -> str:
    """A SHA-384 given as hex or base64, as lower-case hex ("" when it is neither)."""
    if not isinstance(value, str):
        return ""
    text = value.strip()
    if len(text) == 96:
        try:
            return bytes.fromhex(text).hex()
        except ValueError:
            return ""
    try:
        digest = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return ""
    return digest.hex() if len(digest) == 48 else ""


def log_beside(zip_path: str | os.PathLike[str]) -> ExportLog | None:
    """The log a download saved beside its zip (`<name>.log.json`), if it is there and
    reads as a log; a `.sha384-mismatch.zip` finds the log of its download too."""
    path = Path(zip_path)
    stem = path.stem.removesuffix(".sha384-mismatch")
    candidate = path.with_name(f"{stem}.log.json")
    if not candidate.is_file():
        return None
    try:
        with candidate.open("rb") as stream:
            text = stream.read(MAX_LOG_BYTES + 1)
    except OSError:
        return None
    return parse_log(text, str(candidate)) if len(text) <= MAX_LOG_BYTES else None
