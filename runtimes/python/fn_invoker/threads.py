"""The thread pool that runs sync handle() calls (and sync hooks) off the event loop.

Why not loop.run_in_executor: it wakes a thread for every call and the loop again for every result.
Under load that is two thread switches per request, each waiting for the GIL, and a sync function
answered at a third of the rate of an async one. Here a call wakes a worker only when no worker is free
to take it, a worker runs the calls queued behind it in turn (waking a second one first, so that one slow
call never holds up the rest), and the results go back to the loop in batches: one wake-up of the loop
for all the results that came in meanwhile.

Two more hand-offs are avoided where the loop and the workers share a core (a container with one CPU):
- A worker rings the loop through a socket pair, whose send() lets go of the GIL first. With
  call_soon_threadsafe it would hold the GIL while waking the loop thread, which would then run only to
  wait for the GIL and switch back.
- Workers are SCHED_BATCH threads (Linux): waking one does not preempt the loop thread (which holds the
  GIL the worker needs); it runs when the loop waits for I/O or a core is free. Their CPU share is the same.
  Threads and processes a handler starts inherit the policy.
"""

from __future__ import annotations

import asyncio
import collections
import contextvars
import os
import socket
import threading
from typing import Any, Callable, Optional


class Threads:
    def __init__(self, size: int):
        self._size = size
        self._lock = threading.Lock()
        self._jobs: collections.deque = collections.deque()  # (future, context, fn, args)
        self._sleeping: list[threading.Lock] = []  # the idle workers, each waiting on its own lock
        self._threads = 0
        self._free = 0  # workers awake and not running a call: they take the next job themselves
        self._done: collections.deque = collections.deque()  # (future, result, error) for the loop
        self._delivery_due = False
        self._closed = False
        self._loop: Optional[asyncio.AbstractEventLoop] = None  # the loop the pool answers, set by the first run()
        self._bell: Optional[tuple[socket.socket, socket.socket]] = None  # (the loop's end, the workers' end)

    def run(self, fn: Callable[..., Any], *args: Any) -> asyncio.Future:
        """fn(*args) on a worker thread (with the caller's context variables, as asyncio.to_thread does)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._attach(loop)
        future = loop.create_future()
        lock = self._lock
        lock.acquire()  # and release() in finally: half the time of `with` on this path, which runs per request
        try:
            if self._closed:
                raise RuntimeError("the thread pool is closed")
            self._jobs.append((future, contextvars.copy_context(), fn, args))
            if self._free == 0:
                self._wake_one()
        finally:
            lock.release()
        return future

    def close(self) -> None:
        """Lets the workers end once the queue is empty (on the loop's thread, or once the loop closed).
        Results still to come reach the loop through call_soon_threadsafe."""
        with self._lock:
            self._closed = True
            while self._sleeping:
                self._free += 1
                self._sleeping.pop().release()
        self._silence()

    def _silence(self) -> None:
        bell, self._bell = self._bell, None
        if bell is not None:
            if not self._loop.is_closed():
                self._loop.remove_reader(bell[0].fileno())
            bell[0].close()
            bell[1].close()

    def _attach(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._loop is not None:
            if not self._loop.is_closed():
                raise RuntimeError("the thread pool answers one event loop")
            self._silence()
        self._loop = loop
        ours, theirs = socket.socketpair()
        ours.setblocking(False)
        theirs.setblocking(False)  # a full buffer means rung already
        try:
            loop.add_reader(ours.fileno(), self._deliver)
        except NotImplementedError:  # asyncio's loop on Windows watches no sockets: call_soon_threadsafe then
            ours.close()
            theirs.close()
            return
        self._bell = (ours, theirs)

    def _wake_one(self) -> None:  # with self._lock held
        if self._sleeping:
            self._free += 1
            self._sleeping.pop().release()
        elif self._threads < self._size:
            self._threads += 1
            self._free += 1
            threading.Thread(target=self._work, name=f"fn-handle-{self._threads}", daemon=True).start()

    def _work(self) -> None:
        batch_scheduling()
        wake = threading.Lock()
        wake.acquire()
        outcome = None  # of the last call, handed back under the same lock that takes the next
        lock = self._lock
        while True:
            due = leaving = False
            lock.acquire()  # as in run()
            try:
                if outcome is not None:
                    self._free += 1
                    self._done.append(outcome)
                    due, self._delivery_due = not self._delivery_due, True
                    outcome = None
                if not self._jobs:
                    self._free -= 1
                    leaving = self._closed
                    if leaving:
                        self._threads -= 1
                    else:
                        self._sleeping.append(wake)
                    job = None
                else:
                    job = self._jobs.popleft()
                    if self._jobs and self._free == 1:
                        self._wake_one()  # someone takes the next job while this one runs
                    self._free -= 1
            finally:
                lock.release()
            if due:
                self._ring()  # before the next call runs, however long it takes
            if job is None:
                if leaving:
                    return
                wake.acquire()  # released by _wake_one (which counted this worker free) or close()
                continue
            future, context, fn, args = job
            try:
                outcome = (future, context.run(fn, *args), None)
            except Exception as e:  # handed to the awaiting request, which answers 500
                outcome = (future, None, e)
            except BaseException as e:  # sys.exit() and the like: the request fails, the worker goes on
                outcome = (future, None, RuntimeError(f"handle() raised {e!r}"))

    def _ring(self) -> None:
        """Has the loop run _deliver."""
        bell = self._bell  # once: close() may take it away meanwhile
        if bell is not None:
            try:
                bell[1].send(b"\0")
                return
            except BlockingIOError:  # the loop has not read the rings before: it will deliver
                return
            except OSError:  # the bell is gone (the loop closed it): try the loop itself
                pass
        try:
            self._loop.call_soon_threadsafe(self._deliver)
        except RuntimeError:  # the loop closed: nobody waits for the result
            pass

    def _deliver(self) -> None:
        bell = self._bell
        if bell is not None:
            try:
                bell[0].recv(4096)
            except OSError:  # BlockingIOError: called before the ring was read, or not rung at all
                pass
        with self._lock:
            self._delivery_due = False
            done, self._done = self._done, collections.deque()
        for future, result, error in done:
            if future.done():  # the request was cancelled meanwhile
                continue
            if error is None:
                future.set_result(result)
            else:
                future.set_exception(error)


def batch_scheduling() -> None:
    """Makes the calling thread SCHED_BATCH where there is such a policy (Linux): see the module's doc."""
    policy = getattr(os, "SCHED_BATCH", None)
    if policy is not None:
        try:
            os.sched_setscheduler(0, policy, os.sched_param(0))  # 0: this thread
        except OSError:
            pass
