"""Imports the user's module and tells which of the two signatures it has:

    fn's:          def handle(context) / handle(context, event), sync or async,
                   with the optional module hooks init(), shutdown(), liveness(), readiness();
    ASGI (func's): async def handle(scope, receive, send) in the module, or new() returning an object with
                   an ASGI handle and the optional start(cfg), stop(), alive(), ready() (func-python's).

The module is FN_ENTRY (default func.py), a file or a package folder; without func.py, func's project
layout (a function/ package) is used when it is there.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable, Optional

CONTEXT, ASGI = "context", "asgi"


@dataclass
class Function:
    kind: str  # CONTEXT or ASGI
    handle: Callable[..., Any]
    init: Optional[Callable[[], Any]] = None
    shutdown: Optional[Callable[[], Any]] = None
    liveness: Optional[Callable[[], Any]] = None
    readiness: Optional[Callable[[], Any]] = None


def find_entry(function_dir: str, entry: Optional[str]) -> str:
    if entry:
        path = entry if os.path.isabs(entry) else os.path.join(function_dir, entry)
        if not os.path.exists(path):
            raise FileNotFoundError(f"no function found: FN_ENTRY={entry} ({path}) does not exist")
        return path
    path = os.path.join(function_dir, "func.py")
    package = os.path.join(function_dir, "function")
    if not os.path.isfile(path) and os.path.isfile(os.path.join(package, "__init__.py")):
        return package
    if not os.path.isfile(path):
        raise FileNotFoundError(f"no function found: {path} does not exist (set FN_ENTRY to use another file)")
    return path


def import_module(path: str) -> Any:
    if os.path.isdir(path):
        # A package (func's function/): imported under its folder name so that its relative imports work.
        name, init = os.path.basename(os.path.normpath(path)), os.path.join(path, "__init__.py")
        spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[path])
    else:
        name = "func"
        spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def required_positionals(fn: Callable[..., Any]) -> Optional[int]:
    """How many positional arguments fn needs; None when Python cannot tell (some builtins)."""
    try:
        parameters = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    return sum(1 for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty)


def is_async(fn: Callable[..., Any]) -> bool:
    """An async def function or method, or an object whose __call__ is one (an ASGI app instance)."""
    return inspect.iscoroutinefunction(fn) or inspect.iscoroutinefunction(getattr(fn, "__call__", None))


def asgi_handle(handle: Any, where: str) -> Callable[..., Any]:
    if not callable(handle):
        raise TypeError(f"{where} has no handle method: write `async def handle(self, scope, receive, send)`")
    if not is_async(handle):
        raise TypeError(f"{where} takes (scope, receive, send) but is not async: write `async def handle(scope, receive, send)` (ASGI)")
    return handle


def load(function_dir: str, entry: Optional[str] = None) -> Function:
    path = find_entry(function_dir, entry)
    # The function's folder goes first on sys.path so that it can import its sibling modules.
    sys.path.insert(0, function_dir)
    module = import_module(path)
    hook = lambda owner, name: getattr(owner, name, None) if callable(getattr(owner, name, None)) else None  # noqa: E731

    new = hook(module, "new")
    if new is not None:
        # func-python's instanced function: new() → an object with an ASGI handle and optional lifecycle.
        instance = new()
        handle = asgi_handle(getattr(instance, "handle", None), f"the object {path}'s new() returned")
        start = hook(instance, "start")
        return Function(
            ASGI,
            handle,
            init=(lambda: start(os.environ.copy())) if start else None,
            shutdown=hook(instance, "stop"),
            liveness=hook(instance, "alive"),
            readiness=hook(instance, "ready"),
        )

    handle = getattr(module, "handle", None)
    if not callable(handle):
        raise TypeError(f"{path} does not define a handle function: write `def handle(context): ...` (or an ASGI `async def handle(scope, receive, send)`, or func's `new()`)")
    kind = ASGI if required_positionals(handle) == 3 else CONTEXT
    if kind == ASGI:
        asgi_handle(handle, f"handle() in {path}")
    return Function(kind, handle, hook(module, "init"), hook(module, "shutdown"), hook(module, "liveness"), hook(module, "readiness"))
