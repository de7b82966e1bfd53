"""The thread pool that runs sync handle() calls (and sync hooks) off the event loop.

Why not loop.run_in_executor: it wakes a thread for every call and the loop again for every result.
Under load that is two thread switches per request, each waiting for the GIL, and a sync function
answered at a third of the rate of an async one. Here a call wakes a worker only when no worker is free
to take it, a worker runs the calls queued behind it in turn (waking a second one first, so that one slow
call never holds up the rest), and the results go back to the loop in batches: one wake-up of the loop
for all the results that came in meanwhile.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import threading
from typing import Any, Callable


class Threads:
    def __init__(self, size: int):
        self._size = size
        self._lock = threading.Lock()
        self._jobs: collections.deque = collections.deque()  # (loop, future, context, fn, args)
        self._sleeping: list[threading.Lock] = []  # the idle workers, each waiting on its own lock
        self._threads = 0
        self._free = 0  # workers awake and not running a call: they take the next job themselves
        self._done: collections.deque = collections.deque()  # (future, result, error) for the loop
        self._delivery_due = False
        self._closed = False

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """fn(*args) on a worker thread (with the caller's context variables, as asyncio.to_thread does)."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the thread pool is closed")
            self._jobs.append((loop, future, contextvars.copy_context(), fn, args))
            if self._free == 0:
                self._wake_one()
        return future

    def close(self) -> None:
        """Lets the workers end once the queue is empty."""
        with self._lock:
            self._closed = True
            while self._sleeping:
                self._free += 1
                self._sleeping.pop().release()

    def _wake_one(self) -> None:  # with self._lock held
        if self._sleeping:
            self._free += 1
            self._sleeping.pop().release()
        elif self._threads < self._size:
            self._threads += 1
            self._free += 1
            threading.Thread(target=self._work, name=f"fn-handle-{self._threads}", daemon=True).start()

    def _work(self) -> None:
        wake = threading.Lock()
        wake.acquire()
        while True:
            with self._lock:
                if not self._jobs:
                    self._free -= 1
                    if self._closed:
                        self._threads -= 1
                        return
                    self._sleeping.append(wake)
                    job = None
                else:
                    job = self._jobs.popleft()
                    if self._jobs and self._free == 1:
                        self._wake_one()  # someone takes the next job while this one runs
                    self._free -= 1
            if job is None:
                wake.acquire()  # released by _wake_one (which counted this worker free) or close()
                continue
            loop, future, context, fn, args = job
            try:
                outcome = (future, context.run(fn, *args), None)
            except Exception as e:  # handed to the awaiting request, which answers 500
                outcome = (future, None, e)
            except BaseException as e:  # sys.exit() and the like: the request fails, the worker goes on
                outcome = (future, None, RuntimeError(f"handle() raised {e!r}"))
            with self._lock:
                self._free += 1
                self._done.append((loop, outcome))
                due, self._delivery_due = not self._delivery_due, True
            if due:
                try:
                    loop.call_soon_threadsafe(self._deliver)
                except RuntimeError:  # the loop closed: nobody waits for the result
                    pass

    def _deliver(self) -> None:
        with self._lock:
            self._delivery_due = False
            done, self._done = self._done, collections.deque()
        for _loop, (future, result, error) in done:
            if future.done():  # the request was cancelled meanwhile
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)
