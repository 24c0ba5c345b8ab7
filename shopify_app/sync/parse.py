"""Stream-parse a bulk operation's JSONL result without holding the file in memory.

Shopify writes one JSON object per line. With ``groupObjects: false`` the children of a nested
connection are separate lines carrying ``"__parentId": "<parent GID>"``; they come after their
parent but not necessarily right after it (shopify-platform.md §9). This module only turns bytes
into lines and objects and remembers where each line ended, so the importer can store a byte
offset that is exactly the start of the next unprocessed line and resume from it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from shopify_app.exceptions import ShopifyError


class BulkResultCorrupt(ShopifyError):
    """A line of the bulk result is not what Shopify writes; ``offset`` says where, if known."""

    def __init__(self, message: str, *, offset: int | None = None) -> None:
        super().__init__(message if offset is None else f"{message} (line ending at byte {offset})")
        self.offset = offset


def iter_lines(chunks: Iterable[bytes], *, start_offset: int = 0) -> Iterator[tuple[bytes, int]]:
    """Yield each line of ``chunks`` (without its newline) with the offset where it ended.

    ``chunks`` is the byte stream starting at ``start_offset`` of the file (a resumed download
    begins mid-file, always at a line boundary because we only ever store line ends). The offset
    is just past the line's newline: where the next line starts. Blank lines are skipped. A final
    line without a trailing newline is still a line. Lines are not parsed here (``parse_line``):
    the importer parses each where it maps it, so no per-line wrapper object is built.
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
                yield line, offset
    if pending and not pending.isspace():
        yield pending, offset + len(pending)


def parse_line(line: bytes, *, offset: int) -> dict[str, Any]:
    """One line as a JSON object; ``BulkResultCorrupt`` for anything else (importing past such
    a line would lose data silently). ``offset`` (where the line ended) goes into the error."""
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
