"""CPU per request of fn's own Python code: FunctionApp driven directly by 32 tasks, without sockets or
uvicorn, for a sync and an async handle(context). It is steadier than wrk on a shared machine and meant for
comparing two versions of the invoker side by side:

    python bench/invoker/python/app_cost.py runtimes/python /tmp/old/runtimes/python

Each argument is a folder holding fn_invoker (default: runtimes/python); the rounds alternate between them
and the median of each is printed. Run it with the venv `fn run` made (uvloop), pinned to one CPU
(taskset -c 1) as bench/invoker/run.sh pins the servers."""

from __future__ import annotations

import asyncio
import importlib
import statistics
import sys
import time
from pathlib import Path

import uvloop

ROUNDS = 7
REQUESTS = 64000
CONNECTIONS = 32
SCOPE = {"type": "http", "method": "GET", "path": "/", "raw_path": b"/", "query_string": b"",
         "headers": [(b"host", b"127.0.0.1:8080"), (b"user-agent", b"wrk")]}


def handle(context):
    return "Hello world"


async def async_handle(context):
    return "Hello world"


class Function:
    kind = "http"

    def __init__(self, fn):
        self.handle = fn


async def receive():
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message):
    pass


def load(folder: str):
    """fn_invoker.app from that folder (each folder's modules apart from the others')."""
    for name in [name for name in sys.modules if name == "fn_invoker" or name.startswith("fn_invoker.")]:
        del sys.modules[name]
    sys.path.insert(0, folder)
    try:
        return importlib.import_module("fn_invoker.app")
    finally:
        sys.path.pop(0)


async def cost(module, fn) -> float:
    """Microseconds of CPU per request."""
    app = module.FunctionApp(Function(fn), adapter=None, max_body_bytes=1 << 20, threads=40, draining=lambda: False)

    async def connection():
        for _ in range(REQUESTS // CONNECTIONS):
            await app(SCOPE, receive, send)

    start = time.process_time()
    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    spent = time.process_time() - start
    app.threads.close()
    return spent / REQUESTS * 1e6


async def main(folders: list[str]) -> None:
    modules = {folder: load(folder) for folder in folders}
    samples: dict[tuple[str, str], list[float]] = {}
    for _ in range(ROUNDS):
        for folder, module in modules.items():
            for name, fn in (("sync", handle), ("async", async_handle)):
                samples.setdefault((folder, name), []).append(await cost(module, fn))
    for (folder, name), values in samples.items():
        print(f"{folder}  {name:5s} handle: {statistics.median(values):5.2f} us per request"
              f"  (all: {' '.join(f'{v:.2f}' for v in values)})")


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[3]
    uvloop.run(main(sys.argv[1:] or [str(root / "runtimes" / "python")]))
