"""``Batcher``: concurrent submitters share calls, and none is served by a call older than it."""

from __future__ import annotations

import threading
import time

import pytest

from shopify_app.batching import Batcher


class _Gate:
    """A batch function whose first call blocks until released; it records every call."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []
        self.first_started = threading.Event()
        self.release = threading.Event()

    def __call__(self, items: list[int]) -> list[int]:
        self.calls.append(list(items))
        if len(self.calls) == 1:
            self.first_started.set()
            assert self.release.wait(10)
        return [item * 10 for item in items]


def _submit_all(batcher: Batcher[int, int], items: list[int], results: dict[int, int]):
    threads = [
        threading.Thread(target=lambda i=i: results.__setitem__(i, batcher.submit(i)))
        for i in items
    ]
    for thread in threads:
        thread.start()
    return threads


def _wait_for_waiters(batcher: Batcher[int, int], count: int) -> None:
    deadline = time.monotonic() + 10
    while len(batcher._queue) < count:  # the submitters have queued their items
        assert time.monotonic() < deadline, "submitters never queued"
        time.sleep(0.001)


def test_submitters_during_a_call_share_the_next_call_and_get_their_own_result():
    gate = _Gate()
    batcher: Batcher[int, int] = Batcher(gate)
    results: dict[int, int] = {}
    (first,) = _submit_all(batcher, [1], results)
    assert gate.first_started.wait(10)

    waiting = _submit_all(batcher, [2, 3, 4, 5], results)
    _wait_for_waiters(batcher, 4)
    gate.release.set()
    for thread in [first, *waiting]:
        thread.join(10)

    # The four that arrived while the first call ran were not served by it (it began before
    # their items existed), but by one shared call after it.
    assert gate.calls[0] == [1]
    assert sorted(gate.calls[1]) == [2, 3, 4, 5]
    assert len(gate.calls) == 2
    assert results == {1: 10, 2: 20, 3: 30, 4: 40, 5: 50}


def test_one_submitter_alone_is_a_plain_call():
    calls: list[list[str]] = []

    def run(items: list[str]) -> list[str]:
        calls.append(items)
        return [item.upper() for item in items]

    batcher: Batcher[str, str] = Batcher(run)
    assert batcher.submit("a") == "A"
    assert batcher.submit("b") == "B"
    assert calls == [["a"], ["b"]]


def test_a_failing_call_raises_in_every_submitter_it_served_and_the_next_call_runs():
    gate = threading.Event()
    calls = 0

    def run(items: list[int]) -> list[int]:
        nonlocal calls
        calls += 1
        if calls == 1:
            assert gate.wait(10)
        if calls == 2:
            raise ConnectionError("broker down")
        return items

    batcher: Batcher[int, int] = Batcher(run)
    errors: list[BaseException] = []

    def submit(item: int) -> None:
        try:
            batcher.submit(item)
        except ConnectionError as exc:
            errors.append(exc)

    first = threading.Thread(target=submit, args=(1,))
    first.start()
    while calls == 0:
        time.sleep(0.001)
    others = [threading.Thread(target=submit, args=(i,)) for i in (2, 3)]
    for thread in others:
        thread.start()
    while len(batcher._queue) < 2:
        time.sleep(0.001)
    gate.set()
    for thread in [first, *others]:
        thread.join(10)

    assert [str(e) for e in errors] == ["broker down", "broker down"]
    assert batcher.submit(4) == 4  # the batcher is usable after a failure


def test_a_call_returning_the_wrong_number_of_results_is_an_error():
    batcher: Batcher[int, int] = Batcher(lambda items: [])
    with pytest.raises(RuntimeError, match="0 results for 1"):
        batcher.submit(1)
