"""The HTTP server: uvicorn, on uvloop with httptools (HTTP/1.1 keep-alive and pipelining), without its
lifespan, websockets, access log or proxy-header rewriting, writing each answer at once (Protocol). fn
keeps the signals: SIGTERM or SIGINT stop accepting, answer the in-flight requests (with Connection:
close), close idle connections, then return, so that the process exits 0 (uvicorn's own handler would
raise the signal again after its stop)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from typing import Any, Callable, Coroutine, Iterator

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

try:
    import uvloop
except ImportError:  # no uvloop on Windows or PyPy (see requirements/server.in): asyncio's loop then
    uvloop = None

# Longer than the idle timeout of the proxies in front (Knative's queue-proxy, load balancers), so that
# they, not the function, close an idle keep-alive connection: a request is never sent on one just closed.
KEEP_ALIVE_SECONDS = 75


# Where a held write is written at once rather than at the loop's next turn: a bigger one is not copied.
CORK_BYTES = 64 * 1024


class CorkedTransport:
    """A connection's transport that holds what is written until the response is complete or the loop's
    next turn, then writes it at once: uvicorn writes a response's head and its body separately, which is a
    system call and a TCP segment each. (Node's socket.cork() until nextTick, for the same reason.)"""

    def __init__(self, transport: Any, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._held: Any = None
        self.is_closing = transport.is_closing
        self.get_extra_info = transport.get_extra_info

    def write(self, data: Any) -> None:
        if not data:
            return
        if type(data) is not bytes:
            data = bytes(data)  # an app may change its bytearray once send() returned
        held = self._held
        if held is None:
            self._held = data
            self._loop.call_soon(self.flush)
        elif len(held) + len(data) <= CORK_BYTES:
            self._held = held + data
        else:
            self._held = None
            self._transport.write(held)
            self._transport.write(data)

    def flush(self) -> None:
        held = self._held
        if held is not None:
            self._held = None
            if not self._transport.is_closing():
                self._transport.write(held)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Protocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, writing each response at once (CorkedTransport)."""

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # its flow control pauses and resumes the transport itself
        self.transport = CorkedTransport(transport, self.loop)

    def on_response_complete(self) -> None:
        self.transport.flush()
        super().on_response_complete()


class Server(uvicorn.Server):
    def __init__(self, app: Any, on_signal: Callable[[int], None]):
        super().__init__(
            uvicorn.Config(
                app,
                http=Protocol,
                lifespan="off",
                ws="none",
                interface="asgi3",
                access_log=False,
                log_config=None,
                proxy_headers=False,
                server_header=False,
                timeout_keep_alive=KEEP_ALIVE_SECONDS,
            )
        )
        self.on_signal = on_signal

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(signum: int, _frame: Any) -> None:
            if not self.should_exit:
                self.on_signal(signum)
            self.should_exit = True

        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def listen(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("", port))
    except OSError:
        sock.close()
        raise
    return sock


def run(main: Coroutine[Any, Any, Any]) -> Any:
    """Runs main on a uvloop event loop (asyncio's where uvloop is not installed)."""
    factory = uvloop.new_event_loop if uvloop is not None else asyncio.new_event_loop
    if sys.version_info >= (3, 11):
        with asyncio.Runner(loop_factory=factory) as runner:
            return runner.run(main)
    loop = factory()
    asyncio.set_event_loop(loop)
    try:
        return loop.run_until_complete(main)
    finally:
        loop.close()
