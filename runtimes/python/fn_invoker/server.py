"""The HTTP server: health endpoints, a body limit, an error net, and a graceful stop that answers
in-flight requests first. Standard library only (http.server with a thread per connection)."""

from __future__ import annotations

import logging
import select
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Optional

from .errors import HttpError, status_of
from .respond import TEXT, error_response

log = logging.getLogger("fn.invoker")

# A request answerer: (method, target, headers, body) → (status, headers, body bytes).
Answer = Callable[[str, str, dict, bytes], tuple]


class FunctionServer(ThreadingHTTPServer):
    # Non-daemon threads and block_on_close: server_close() waits for every connection's thread.
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], answer: Answer, *, max_body_bytes: int, hooks: Any = None, idle_seconds: float = 60.0):
        self.answer = answer
        self.max_body_bytes = max_body_bytes
        self.hooks = hooks
        self.idle_seconds = idle_seconds
        self.draining = threading.Event()
        super().__init__(address, RequestHandler)

    def drain(self) -> None:
        """Stop accepting; busy connections finish their request, idle ones close (see handle_one_request)."""
        self.draining.set()
        threading.Thread(target=self.shutdown, name="fn-shutdown", daemon=True).start()


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fn-python"
    sys_version = ""
    server: FunctionServer

    def handle_one_request(self) -> None:
        # Wait for the next request in short slices so that an idle keep-alive connection notices a
        # drain (or its idle timeout) instead of blocking the shutdown.
        waited = 0.0
        while True:
            if self.server.draining.is_set():
                self.close_connection = True
                return
            readable, _, _ = select.select([self.connection], [], [], 0.1)
            if readable:
                break
            waited += 0.1
            if waited >= self.server.idle_seconds:
                self.close_connection = True
                return
        super().handle_one_request()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug("%s " + format, self.address_string(), *args)

    def _dispatch(self) -> None:
        try:
            status, headers, body = self._answer()
        except Exception as e:  # the last net: never let a request take the process down
            status, headers, body = error_response(status_of(e), str(e))
            traceback.print_exc()
        self._send(status, headers, body)

    def _answer(self) -> tuple:
        path = self.path.partition("?")[0]
        if path in ("/health/liveness", "/health/readiness") and self.command in ("GET", "HEAD"):
            return self._health(getattr(self.server.hooks, "liveness" if path.endswith("liveness") else "readiness", None))
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body = self._read_body()
        except HttpError as e:
            self.close_connection = True  # the rest of the body was not read
            return error_response(e.status_code, str(e))
        return self.server.answer(self.command, self.path, headers, body)

    def _health(self, check: Optional[Callable[[], Any]]) -> tuple:
        if self.server.draining.is_set():
            return 503, {"content-type": TEXT}, b"shutting down"
        if check is not None:
            try:
                if check() is False:
                    return 503, {"content-type": TEXT}, b"not ready"
            except Exception as e:
                return 503, {"content-type": TEXT}, str(e).encode()
        return 200, {"content-type": TEXT}, b"OK"

    def _read_body(self) -> bytes:
        limit = self.server.max_body_bytes
        too_large = HttpError(413, f"request body is larger than {limit} bytes (FN_MAX_BODY_BYTES)")
        if "chunked" in self.headers.get("transfer-encoding", "").lower():
            return self._read_chunked(limit, too_large)
        length = self.headers.get("content-length")
        if not length:
            return b""
        try:
            size = int(length)
        except ValueError:
            raise HttpError(400, f"invalid Content-Length {length!r}") from None
        if size > limit:
            raise too_large
        return self.rfile.read(size)

    def _read_chunked(self, limit: int, too_large: HttpError) -> bytes:
        chunks, total = [], 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise HttpError(400, "malformed chunked request body") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > limit:
                raise too_large
            chunks.append(self.rfile.read(size))
            self.rfile.readline(8)  # the CRLF after each chunk

    def _send(self, status: int, headers: dict, body: bytes) -> None:
        if self.server.draining.is_set():
            self.close_connection = True
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status not in (204, 304):
            self.send_header("content-length", str(len(body)))
        if self.close_connection:
            self.send_header("connection", "close")
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch
