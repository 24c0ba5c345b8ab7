import json

import pytest

from shopify_app.sync.parse import BulkResultCorrupt, gid_type, iter_lines, parse_line

LINES = [
    {"id": "gid://shopify/Order/1", "name": "#1001"},
    {"id": "gid://shopify/LineItem/11", "__parentId": "gid://shopify/Order/1"},
    {"id": "gid://shopify/Order/2", "name": "#1002 ünïcode"},
]


def _file(lines=LINES) -> bytes:
    return b"".join(json.dumps(line, ensure_ascii=False).encode() + b"\n" for line in lines)


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _objects(lines) -> list[dict]:
    return [parse_line(line, offset=end) for line, end in lines]


@pytest.mark.parametrize("size", [1, 7, 64, 10_000])
def test_lines_survive_any_chunking(size):
    data = _file()
    lines = list(iter_lines(_chunks(data, size)))
    assert _objects(lines) == LINES
    assert lines[-1][1] == len(data)


def test_end_offsets_are_line_boundaries_to_resume_from():
    data = _file()
    lines = list(iter_lines([data]))
    first_end = lines[0][1]
    resumed = list(iter_lines([data[first_end:]], start_offset=first_end))
    assert resumed == lines[1:]
    assert _objects(resumed) == LINES[1:]


def test_last_line_without_newline_and_blank_lines():
    data = b'\n{"id": "gid://shopify/Customer/1"}\n\n{"id": "gid://shopify/Customer/2"}'
    lines = list(iter_lines(_chunks(data, 5)))
    assert [obj["id"] for obj in _objects(lines)] == [
        "gid://shopify/Customer/1",
        "gid://shopify/Customer/2",
    ]
    assert lines[-1][1] == len(data)


@pytest.mark.parametrize("line", [b"{not json", b"[1, 2]", b'"text"'])
def test_corrupt_line_is_refused_with_its_offset(line):
    data = _file(LINES[:1]) + line + b"\n"
    with pytest.raises(BulkResultCorrupt) as excinfo:
        _objects(iter_lines([data]))
    assert excinfo.value.offset == len(data)


def test_gids():
    assert gid_type("gid://shopify/LineItem/42") == "LineItem"
    with pytest.raises(BulkResultCorrupt):
        gid_type("Order/1")
