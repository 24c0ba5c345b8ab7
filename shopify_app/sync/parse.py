"""Stream-parse a bulk operation's JSONL result without holding the file in memory.

Shopify writes one JSON object per line. With ``groupObjects: false`` the children of a nested
connection are separate lines carrying ``"__parentId": "<parent GID>"``; they come after their
parent but not necessarily right after it (shopify-platform.md §9). This module only turns bytes
into objects and remembers where each line ended, so the importer can store a byte offset that
is exactly the start of the next unprocessed line and resume from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from shopify_app.exceptions import ShopifyError


class BulkResultCorrupt(ShopifyError):
    """A line of the bulk result is not what Shopify writes; ``offset`` says where, if known."""

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (line ending at byte {offset})")
        self.offset = offset


@dataclass(frozen=True, slots=True)
class JsonlRecord:
    obj: dict[str, Any]
    end_offset: int  # byte offset just past this line's newline: where the next line starts


def iter_jsonl(chunks: Iterable[bytes], *, start_offset: int = 0) -> Iterator[JsonlRecord]:
    """Yield each line of ``chunks`` as a parsed object with the offset where it ended.

    ``chunks`` is the byte stream starting at ``start_offset`` of the file (a resumed download
    begins mid-file, always at a line boundary because we only ever store line ends). Blank lines
    are skipped. A final line without a trailing newline is still a line. Raises
    ``BulkResultCorrupt`` for a line that is not a JSON object: importing past it would lose data
    silently.
    """
    offset = start_offset
    pending = b""
    for chunk in chunks:
        if not chunk:
            continue
        lines = (pending + chunk).split(b"\n")
        pending = lines.pop()  # the (possibly empty) start of a line that continues
        for line in lines:
            offset += len(line) + 1
            if line and not line.isspace():
                yield JsonlRecord(_loads(line, offset=offset), offset)
    if pending and not pending.isspace():
        offset += len(pending)
        yield JsonlRecord(_loads(pending, offset=offset), offset)


def _loads(line: bytes, *, offset: int) -> dict[str, Any]:
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise BulkResultCorrupt("invalid JSON line", offset=offset) from exc
    if not isinstance(obj, dict):
        raise BulkResultCorrupt("line is not a JSON object", offset=offset)
    return obj


def gid_type(gid: str) -> str:
    """``"gid://shopify/LineItem/1"`` → ``"LineItem"`` (what a bulk line is, by its id)."""
    parts = gid.split("/")
    if len(parts) < 5 or parts[0] != "gid:" or parts[2] != "shopify":
        raise BulkResultCorrupt(f"not a Shopify GID: {gid!r}")
    return parts[3]
