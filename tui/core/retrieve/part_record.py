"""The record of a download in progress, so a stopped or killed download resumes where it was.

Beside `<name>.zip` a download keeps `<name>.zip.part` (the bytes, at their offsets) and
`<name>.zip.part.json`, this record: which object (bucket, key, ETag, size), the part size,
and which parts are complete. A part is added only after all its bytes were written, and the
record is replaced atomically (a temporary file renamed over it), so after Ctrl-C, kill -9 or
a crash every part it lists is whole. The record is written before the .part file is made: a
.part without a record is not ours, and neither is a record that does not parse as one; both
are refused rather than touched.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tui.core.model import AwsProblem, CoreError
from tui.core.retrieve.model import ExportObject

FORMAT = "workmail-export download record"
VERSION = 1


def not_ours(path: Path, what: str) -> CoreError:
    return CoreError(AwsProblem(
        code="NotOurFile", operation="download",
        message=f"{path} exists and {what}.",
        hint="It was not made by workmail-export, so it is left alone. Move it away or choose "
             "another --to directory, then run the download again."))


@dataclass
class PartRecord:
    """Which parts of one object are already on disk."""

    path: Path
    bucket: str
    key: str
    etag: str
    size: int
    part_size: int
    done: set[int] = field(default_factory=set)

    @property
    def parts(self) -> int:
        return max(1, -(-self.size // self.part_size))

    def span(self, part: int) -> tuple[int, int]:
        """First and last byte of `part` (0-based)."""
        first = part * self.part_size
        return first, min(self.size, first + self.part_size) - 1

    def part_bytes(self, part: int) -> int:
        first, last = self.span(part)
        return last - first + 1

    @property
    def done_bytes(self) -> int:
        return sum(self.part_bytes(part) for part in self.done)

    def pending(self) -> list[int]:
        return [part for part in range(self.parts) if part not in self.done]

    def is_for(self, export: ExportObject) -> bool:
        return (self.bucket, self.key, self.etag, self.size) == (
            export.bucket, export.key, export.etag, export.size)

    def save(self) -> None:
        document = {"format": FORMAT, "version": VERSION, "bucket": self.bucket,
                    "key": self.key, "etag": self.etag, "size": self.size,
                    "part_size": self.part_size, "done": sorted(self.done)}
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(json.dumps(document), encoding="utf-8")
        os.replace(temporary, self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
        self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)

    @classmethod
    def new(cls, path: Path, export: ExportObject, part_size: int) -> PartRecord:
        return cls(path, export.bucket, export.key, export.etag, export.size, part_size)

    @classmethod
    def load(cls, path: Path) -> PartRecord | None:
        """The record at `path`; None when there is none. CoreError when something else is
        there (not a regular file, or not a record of ours)."""
        if not path.exists() and not path.is_symlink():
            return None
        if path.is_symlink() or not path.is_file():
            raise not_ours(path, "is not a regular file")
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
            if document.get("format") != FORMAT or document.get("version") != VERSION:
                raise ValueError("another format")
            record = cls(path, str(document["bucket"]), str(document["key"]),
                         str(document["etag"]), int(document["size"]),
                         int(document["part_size"]), {int(p) for p in document["done"]})
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise not_ours(path, "is not a download record of workmail-export") from None
        if record.part_size <= 0 or record.size < 0 or not record.done <= set(
                range(record.parts)):
            raise not_ours(path, "is not a download record of workmail-export")
        return record
