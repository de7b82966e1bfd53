"""The ASGI application uvicorn serves: the health endpoints, the body limit, the error net, and the call
into the function in either signature (see loader.py). A sync handle() runs in a thread pool so that it
never holds up the event loop; an async one runs on the loop."""

from __future__ import annotations

import inspect
import logging
import traceback
from typing import Any, Callable, Optional

from .context import Context
from .errors import HttpError, status_of
from .loader import ASGI, Function, is_async
from .respond import JSON, OCTETS, TEXT, error_response, to_response
from .threads import Threads

log = logging.getLogger("fn.invoker")

HEALTH = {"/health/liveness": "liveness", "/health/readiness": "readiness"}
# What handle() usually returns: surely not awaitable, so the (slower) check is skipped.
PLAIN = frozenset((str, bytes, dict, list, tuple, int, float, bool, type(None)))
# The content-type lines answers repeat, encoded once.
CONTENT_TYPE_LINES = {value: (b"content-type", value.encode()) for value in (TEXT, JSON, OCTETS)}


class ClientGone(Exception):
    """The client closed the connection before its request body arrived: there is no one to answer."""


class FunctionApp:
    def __init__(self, fn: Function, *, adapter: Any, max_body_bytes: int, threads: int, draining: Callable[[], bool]):
        self.fn = fn
        self.adapter = adapter  # a CloudEventAdapter for cloudevents functions, else None
        self.max_body_bytes = max_body_bytes
        self.draining = draining
        self.threads = Threads(threads)
        self.too_large = f"request body is larger than {max_body_bytes} bytes (FN_MAX_BODY_BYTES)"
        self.handle_is_async = is_async(fn.handle)

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":  # uvicorn runs without lifespan and websockets: nothing else comes
            return
        check = HEALTH.get(scope["path"])
        if check is not None and scope["method"] in ("GET", "HEAD"):
            await self.health(getattr(self.fn, check), send)
            return
        if self.fn.kind == ASGI:
            await self.call_asgi(scope, receive, send)
            return
        try:
            status, headers, body = await self.answer(scope, receive)
        except ClientGone:
            return
        except Exception as e:
            status, headers, body = self.failed(scope, e)
        start, rest = messages(status, headers, body)
        await send(start)
        await send(rest)

    async def answer(self, scope: dict, receive: Callable) -> tuple[int, dict, bytes]:
        raw_headers = scope["headers"]
        context = Context(scope["method"], raw_path(scope).decode("latin-1"), scope["query_string"].decode("latin-1"), raw_headers, b"")
        for name, _ in raw_headers:
            # Without either header the request has no body (RFC 9112 6.3): there is nothing to receive.
            if name == b"content-length" or name == b"transfer-encoding":
                try:
                    context.body = await self.read_body(context.headers, receive)
                except HttpError as e:
                    return error_response(e.status_code, str(e))
                break
        if self.adapter is None:
            args: tuple = (context,)
        else:
            event, structured = self.adapter.read(context.headers, context.body)
            context.cloud_event = event
            args = (context, event)
        # What self.call does, inline: one coroutine less per request.
        handle = self.fn.handle
        result = await (handle(*args) if self.handle_is_async else self.threads.run(handle, *args))
        if returned_awaitable(result):
            result = await result
        return to_response(result) if self.adapter is None else self.adapter.answer(result, event, structured)

    def failed(self, scope: dict, error: Exception) -> tuple[int, dict, bytes]:
        status = status_of(error)
        if status >= 500:
            log.error("handle() failed on %s %s:\n%s", scope["method"], target(scope), traceback.format_exc())
        return error_response(status, str(error))

    async def read_body(self, headers: dict, receive: Callable) -> bytes:
        length = headers.get("content-length")
        if length is not None and int(length) > self.max_body_bytes:  # httptools refused a malformed one
            raise HttpError(413, self.too_large)
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone()
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.max_body_bytes:  # a chunked body, whose size is known only as it comes
                raise HttpError(413, self.too_large)
            if not message.get("more_body", False):
                return b"".join(chunks) + chunk if chunks else chunk
            chunks.append(chunk)

    async def call(self, fn: Callable[..., Any], *args: Any) -> Any:
        """Awaits an async fn on the loop, runs a sync one on the thread pool. A coroutine a sync fn returns
        is awaited on the loop too."""
        result = await (fn(*args) if is_async(fn) else self.threads.run(fn, *args))
        return await result if returned_awaitable(result) else result

    async def call_here(self, fn: Callable[..., Any]) -> Any:
        """Calls a hook that runs once (init, shutdown) on the loop's own thread, awaiting what it returns."""
        result = fn()
        if inspect.isawaitable(result):
            result = await result
        return result

    async def call_asgi(self, scope: dict, receive: Callable, send: Callable) -> None:
        started = False
        limit = self.max_body_bytes
        received = 0
        for name, value in scope["headers"]:
            if name == b"content-length" and int(value) > limit:
                await respond(send, *error_response(413, self.too_large))
                return

        async def limited_receive() -> dict:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                raise HttpError(413, self.too_large)
            return message

        async def tracking_send(message: dict) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await self.fn.handle(scope, limited_receive, tracking_send)
        except Exception as e:
            if started:
                raise  # too late for an error answer: uvicorn logs it and closes the connection
            await respond(send, *self.failed(scope, e))

    async def health(self, check: Optional[Callable[[], Any]], send: Callable) -> None:
        status, message = 200, "OK"
        if self.draining():
            status, message = 503, "shutting down"
        elif check is not None:
            try:
                # fn's hooks return False when not healthy; func's alive()/ready() return a bool or (bool, message).
                result = await self.call(check)
                healthy, said = result if isinstance(result, tuple) and len(result) == 2 else (result, None)
                status = 503 if healthy is False else 200
                message = str(said) if said is not None else "OK" if status == 200 else "not ready"
            except Exception as e:
                status, message = 503, str(e)
        await respond(send, status, {"content-type": TEXT}, message.encode())


async def respond(send: Callable, status: int, headers: dict, body: bytes) -> None:
    start, rest = messages(status, headers, body)
    await send(start)
    await send(rest)


def messages(status: int, headers: dict, body: bytes) -> tuple[dict, dict]:
    """The two ASGI messages of an answer (respond() sends them; FunctionApp.__call__ itself, to save a
    coroutine per request)."""
    if status == 200 and len(headers) == 1:  # what handle() mostly gives: its head is built in a third of the time
        line = CONTENT_TYPE_LINES.get(headers.get("content-type"))
        if line is not None:
            raw = [line, (b"content-length", b"%d" % len(body))]
            return {"type": "http.response.start", "status": 200, "headers": raw}, {"type": "http.response.body", "body": body}
    raw = []
    for name, value in headers.items():  # a loop, not a comprehension: no function frame (this runs per request)
        raw.append((name == "content-type" and CONTENT_TYPE_LINES.get(value)) or (name.encode("latin-1"), value.encode("latin-1")))
    if status == 413:
        raw.append((b"connection", b"close"))  # the rest of the body was not read
    if status not in (204, 304):
        raw.append((b"content-length", b"%d" % len(body)))
    return {"type": "http.response.start", "status": status, "headers": raw}, {"type": "http.response.body", "body": body}


def returned_awaitable(result: Any) -> bool:
    return type(result) not in PLAIN and inspect.isawaitable(result)


def raw_path(scope: dict) -> bytes:
    """The path as the client sent it (percent-encoded)."""
    return scope.get("raw_path") or scope["path"].encode()


def target(scope: dict) -> str:
    """The request target as the client sent it: the raw path and the query string."""
    path, query = raw_path(scope), scope["query_string"]
    return (path + b"?" + query if query else path).decode("latin-1")
