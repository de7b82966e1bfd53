"""What the server underneath does for every function: uvicorn with uvloop and httptools, sync functions off
the event loop, pipelining, keep-alive."""

import json
import os
import socket
import threading
import time

import pytest

SLEEPY = """
import time

def handle(context):
    if context.path == "/sleep":
        time.sleep(1.0)
        return "slept"
    return "quick " + context.path
"""


def raw_exchange(port: int, payload: bytes, answers: int, timeout: float = 10.0) -> bytes:
    """Sends payload on one connection and reads until `answers` HTTP responses arrived (each has a body
    with content-length)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(payload)
        data = b""
        deadline = time.monotonic() + timeout
        while data.count(b"HTTP/1.1 ") < answers or not _complete(data, answers):
            if time.monotonic() > deadline:
                raise AssertionError(f"only got {data!r}")
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        return data


def _complete(data: bytes, answers: int) -> bool:
    rest, seen = data, 0
    while seen < answers:
        head, sep, rest = rest.partition(b"\r\n\r\n")
        if not sep:
            return False
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        if len(rest) < length:
            return False
        rest = rest[length:]
        seen += 1
    return True


def bodies(data: bytes) -> list[bytes]:
    out, rest = [], data
    while rest:
        head, _, rest = rest.partition(b"\r\n\r\n")
        length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0)
        out.append(rest[:length])
        rest = rest[length:]
    return out


def test_a_sync_handle_that_sleeps_does_not_block_a_concurrent_request(run_function):
    fn = run_function(SLEEPY)
    slow = {}
    thread = threading.Thread(target=lambda: slow.update(answer=fn.request("GET", "/sleep")))
    thread.start()
    time.sleep(0.2)  # the slow request is in handle() now
    started = time.monotonic()
    status, _, body = fn.request("GET", "/other")
    took = time.monotonic() - started
    assert (status, body) == (200, b"quick /other")
    assert took < 0.5, f"the quick request waited {took:.2f}s for the sleeping one"
    assert fn.request("GET", "/health/readiness")[0] == 200
    thread.join(5)
    assert slow["answer"][2] == b"slept"


def test_pipelined_requests_are_answered_in_order_on_one_connection(run_function):
    fn = run_function(SLEEPY)
    # The first one sleeps: the two behind it must still come back after it, in order.
    payload = b"".join(f"GET {p} HTTP/1.1\r\nHost: x\r\n\r\n".encode() for p in ("/sleep", "/a", "/b"))
    data = raw_exchange(fn.port, payload, 3)
    assert bodies(data) == [b"slept", b"quick /a", b"quick /b"]
    assert data.count(b"HTTP/1.1 200") == 3


def test_the_server_is_uvicorn_on_uvloop_with_httptools(run_function):
    fn = run_function(
        """
        import asyncio, sys

        async def handle(context):
            loop = type(asyncio.get_running_loop()).__module__
            return {"loop": loop, "uvicorn": "uvicorn" in sys.modules, "httptools": "uvicorn.protocols.http.httptools_impl" in sys.modules}
        """
    )
    assert json.loads(fn.request("GET", "/")[2]) == {"loop": "uvloop", "uvicorn": True, "httptools": True}


def test_a_413_closes_the_connection_since_the_rest_of_the_body_was_not_read(run_function):
    fn = run_function(SLEEPY, FN_MAX_BODY_BYTES="10")
    data = raw_exchange(fn.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n" + b"x" * 20, 1)
    head = data.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 413")
    assert b"connection: close" in head
    assert json.loads(bodies(data)[0]) == {"error": "request body is larger than 10 bytes (FN_MAX_BODY_BYTES)"}


def test_pipelined_requests_with_and_without_bodies_each_get_their_own_body(run_function):
    # A request with neither Content-Length nor Transfer-Encoding has no body, which the invoker does not
    # wait for; the ones around it on the same connection still get theirs, in order.
    fn = run_function(
        """
        def handle(context):
            return f"{context.method} {context.path} [{context.text}]"
        """
    )
    payload = (
        b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
        b"POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        b"POST /c HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /d HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"
        b"POST /e HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
        b"GET /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
    )
    data = raw_exchange(fn.port, payload, 6)
    assert bodies(data) == [b"GET /a []", b"POST /b [hello]", b"POST /c []", b"GET /d []", b"POST /e [abcde]", b"GET /f [xyz]"]


def write_calls(pid: int) -> int:
    with open(f"/proc/{pid}/io") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("syscw:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="counts write(2) calls in Linux's /proc")
def test_each_answer_goes_out_in_one_write(run_function):
    # uvicorn writes an answer's head and body separately: two system calls and two TCP segments each.
    fn = run_function(SLEEPY)
    with socket.create_connection(("127.0.0.1", fn.port), timeout=10) as s:
        s.sendall(b"GET /warm HTTP/1.1\r\nHost: x\r\n\r\n")
        s.recv(65536)
        before = write_calls(fn.process.pid)
        for i in range(20):
            s.sendall(f"GET /{i} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
            data = b""
            while not data.endswith(f"quick /{i}".encode()):
                data += s.recv(65536)
        writes = write_calls(fn.process.pid) - before
    assert writes <= 22, f"20 answers took {writes} write calls"


def test_a_streamed_answer_is_sent_as_it_comes_not_when_it_ends(run_function):
    fn = run_function(
        """
        import asyncio

        async def handle(scope, receive, send):
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": b"first;", "more_body": True})
            await asyncio.sleep(1.5)
            await send({"type": "http.response.body", "body": b"last"})
        """
    )
    with socket.create_connection(("127.0.0.1", fn.port), timeout=10) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        started, data = time.monotonic(), b""
        while b"first;" not in data:
            data += s.recv(65536)
        assert time.monotonic() - started < 1.0, "the first part waited for the end of the answer"
        while not data.endswith(b"0\r\n\r\n"):
            data += s.recv(65536)
    assert data.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in data.lower() and b"last" in data


def test_expect_100_continue_is_answered_before_the_body_is_sent(run_function):
    fn = run_function(
        """
        def handle(context):
            return "got " + context.text
        """
    )
    with socket.create_connection(("127.0.0.1", fn.port), timeout=10) as s:
        s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        s.settimeout(1.0)
        assert s.recv(65536).startswith(b"HTTP/1.1 100 Continue")
        s.settimeout(10)
        s.sendall(b"hello")
        data = b""
        while not data.endswith(b"got hello"):
            data += s.recv(65536)
