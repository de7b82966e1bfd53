"""Imports the user's module (FN_ENTRY, default func.py) and picks handle() and the optional hooks."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Optional


@dataclass
class Function:
    handle: Callable[..., Any]
    init: Optional[Callable[[], Any]] = None
    shutdown: Optional[Callable[[], Any]] = None
    liveness: Optional[Callable[[], Any]] = None
    readiness: Optional[Callable[[], Any]] = None


def load(function_dir: str, entry: str = "func.py") -> Function:
    path = entry if os.path.isabs(entry) else os.path.join(function_dir, entry)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no function found: {path} does not exist (set FN_ENTRY to use another file)")
    # The function's folder goes first on sys.path so that it can import its sibling modules.
    sys.path.insert(0, function_dir)
    spec = importlib.util.spec_from_file_location("func", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["func"] = module
    spec.loader.exec_module(module)
    handle = getattr(module, "handle", None)
    if not callable(handle):
        raise TypeError(f"{path} does not define a handle function: write `def handle(context): ...`")
    hook = lambda name: getattr(module, name, None) if callable(getattr(module, name, None)) else None  # noqa: E731
    return Function(handle, hook("init"), hook("shutdown"), hook("liveness"), hook("readiness"))


class Caller:
    """Calls plain and async functions alike; coroutines run on one event loop in a background thread."""

    def __init__(self) -> None:
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._lock = threading.Lock()

    def _event_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
                threading.Thread(target=self._loop.run_forever, name="fn-asyncio", daemon=True).start()
            return self._loop

    def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        result = fn(*args)
        if inspect.isawaitable(result):
            return asyncio.run_coroutine_threadsafe(_await(result), self._event_loop()).result()
        return result


async def _await(awaitable: Any) -> Any:
    return await awaitable
