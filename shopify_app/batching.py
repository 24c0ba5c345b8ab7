"""Group calls that arrive together from many threads into one call on their behalf.

The web server answers each request on its own thread. Some of a request's work costs a round
trip whose price hardly depends on how much it carries (asking Redis whether a drain is
pending, for every webhook delivery of a burst). ``Batcher`` lets the threads share it:

- a thread that submits while no call is running becomes the *leader*: it runs the call for
  every item queued so far (its own included) and hands each submitter its result;
- a thread that submits while a call is running waits, and is served by the next call, which
  starts after it submitted. So a submitter never returns on the strength of a call that began
  before its item existed: for the drain request, that is what makes "the row was committed
  before the check" hold for every delivery.

There is no background thread: the leader is always a submitter, so nothing runs when no one is
waiting, and a process that forks (gunicorn's workers) has nothing to restart. The cost for a
follower is one condition wait; with one thread it is a plain call.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class _Slot[T, R]:
    __slots__ = ("done", "error", "item", "result")

    def __init__(self, item: T) -> None:
        self.item = item
        self.done = False
        self.result: R | None = None
        self.error: BaseException | None = None


class Batcher[T, R]:
    """``submit(item)`` returns ``run(items)[i]`` for a call of ``run`` that started after it.

    ``run`` gets the queued items in submission order and returns one result per item. If it
    raises, every submitter of that call gets the exception.
    """

    def __init__(self, run: Callable[[list[T]], list[R]]) -> None:
        self._run = run
        self._cond = threading.Condition()
        self._queue: list[_Slot[T, R]] = []
        self._running = False

    def submit(self, item: T) -> R:
        slot: _Slot[T, R] = _Slot(item)
        with self._cond:
            self._queue.append(slot)
            while self._running and not slot.done:
                self._cond.wait()
            if not slot.done:  # no call running and ours not served yet: lead the next one
                self._running = True
                batch, self._queue = self._queue, []
        if not slot.done:
            self._lead(batch)
        if slot.error is not None:
            raise slot.error
        return slot.result  # type: ignore[return-value]  # set by the call that served it

    def _lead(self, batch: list[_Slot[T, R]]) -> None:
        results: list[R] = []
        error: BaseException | None = None
        try:
            results = self._run([s.item for s in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"batch call returned {len(results)} results for {len(batch)}")
        except BaseException as exc:  # handed to every submitter, re-raised there
            error = exc
        with self._cond:
            for index, s in enumerate(batch):
                if error is None:
                    s.result = results[index]
                else:
                    s.error = error
                s.done = True
            self._running = False
            self._cond.notify_all()
