"""Fixtures: write a function into a temp folder and run the real invoker process on a free port."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field

import pytest

RUNTIME_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_function(source: str, name: str = "func.py") -> str:
    directory = tempfile.mkdtemp(prefix="fn-py-invoker-")
    os.makedirs(os.path.dirname(os.path.join(directory, name)), exist_ok=True)
    with open(os.path.join(directory, name), "w") as f:
        f.write(textwrap.dedent(source))
    return directory


def invoker_command() -> list[str]:
    return [sys.executable, "-m", "fn_invoker"]


def invoker_env(directory: str, port: int, **env: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": RUNTIME_DIR, "PORT": str(port), "FN_FUNCTION_DIR": directory, **env}


@dataclass
class Invoker:
    process: subprocess.Popen
    port: int
    stdout: list = field(default_factory=list)
    stderr: list = field(default_factory=list)

    @property
    def err(self) -> str:
        return "".join(self.stderr)

    @property
    def out(self) -> str:
        return "".join(self.stdout)

    def err_containing(self, text: str, timeout: float = 5.0) -> str:
        """stderr once it contains text: the invoker logs after answering, and a thread reads the pipe."""
        deadline = time.monotonic() + timeout
        while text not in self.err and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.err

    def request(self, method: str = "GET", path: str = "/", body: bytes | str | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read()
        finally:
            conn.close()

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.terminate()
        return self.process.wait(timeout=15)


def start(directory: str, wait_path: str = "/health/readiness", **env: str) -> Invoker:
    port = free_port()
    process = subprocess.Popen(invoker_command(), cwd=directory, env=invoker_env(directory, port, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    inv = Invoker(process, port)
    for stream, sink in ((process.stdout, inv.stdout), (process.stderr, inv.stderr)):
        threading.Thread(target=lambda s=stream, k=sink: [k.append(line) for line in s], daemon=True).start()
    deadline = time.time() + 15
    while True:
        if process.poll() is not None:
            time.sleep(0.1)
            raise RuntimeError(f"invoker exited early ({process.returncode}): {inv.err}")
        try:
            if inv.request("GET", wait_path)[0] == 200:
                return inv
        except OSError:
            pass
        if time.time() > deadline:
            process.kill()
            raise RuntimeError(f"invoker not ready: {inv.err}")
        time.sleep(0.05)


@pytest.fixture
def run_function():
    started: list[Invoker] = []

    def run(source: str, wait_path: str = "/health/readiness", **env: str) -> Invoker:
        inv = start(write_function(source), wait_path, **env)
        started.append(inv)
        return inv

    yield run
    for inv in started:
        if inv.process.poll() is None:
            inv.process.kill()
            inv.process.wait()
