"""Entry point: ``python -m fn_invoker`` (with this folder's parent on PYTHONPATH).

Environment: PORT (8080), FN_FUNCTION_DIR (working directory), FN_TEMPLATE (http | cloudevents),
FN_ENTRY (func.py), FN_MAX_BODY_BYTES (10 MiB), FN_SHUTDOWN_TIMEOUT_SECONDS (30), FN_THREADS (40),
FN_LOG_LEVEL (INFO), FN_CE_SOURCE, FN_CE_RESPONSE_TYPE.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback

log = logging.getLogger("fn.invoker")


def _int_env(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
        if value < minimum:
            raise ValueError
        return value
    except ValueError:
        log.error("%s=%s is not a whole number%s", name, raw, f" of at least {minimum}" if minimum else "")
        sys.exit(2)


def main() -> None:
    level = getattr(logging, os.environ.get("FN_LOG_LEVEL", "INFO").upper(), logging.INFO)
    logging.basicConfig(stream=sys.stderr, level=level, format="%(levelname)s %(name)s: %(message)s")
    # uvicorn's own progress lines ("Started server process", "Waiting for connections to close") are
    # about its insides; fn logs the stop itself. Its warnings and errors still show.
    logging.getLogger("uvicorn.error").setLevel(max(level, logging.WARNING))
    function_dir = os.environ.get("FN_FUNCTION_DIR") or os.getcwd()
    template = os.environ.get("FN_TEMPLATE") or "http"
    port = _int_env("PORT", 8080)
    max_body = _int_env("FN_MAX_BODY_BYTES", 10 * 1024 * 1024)
    shutdown_timeout = _int_env("FN_SHUTDOWN_TIMEOUT_SECONDS", 30)
    threads = _int_env("FN_THREADS", 40, minimum=1)
    if template not in ("http", "cloudevents"):
        log.error("FN_TEMPLATE=%s is not supported; use http or cloudevents", template)
        sys.exit(2)

    from .app import FunctionApp
    from .loader import ASGI, load
    from .server import Server, listen, run

    try:
        fn = load(function_dir, os.environ.get("FN_ENTRY"))
        adapter = None
        if template == "cloudevents":
            if fn.kind == ASGI:
                raise TypeError(
                    "an ASGI handle(scope, receive, send) gets the raw request, so fn serves it with the http template only "
                    "(FN_TEMPLATE=cloudevents here): set `template: http` in fn.yaml and read the event in the function, "
                    "or write `def handle(context, event)` to get a CloudEvent"
                )
            from .cloudevent import CloudEventAdapter

            adapter = CloudEventAdapter(function_dir, os.environ)
    except Exception:
        log.error("cannot load the function:\n%s", traceback.format_exc())
        sys.exit(1)

    def on_signal(signum: int) -> None:
        log.info("%s: finishing in-flight requests", signal.Signals(signum).name)
        # A stuck request (or a sync handle() uvicorn cannot cancel) must not keep the process forever.
        def give_up() -> None:
            log.error("requests still running after %ss; stopping anyway", shutdown_timeout)
            os._exit(1)

        timer = threading.Timer(shutdown_timeout, give_up)
        timer.daemon = True
        timer.start()

    server: Server
    app = FunctionApp(fn, adapter=adapter, max_body_bytes=max_body, threads=threads, draining=lambda: server.should_exit)
    server = Server(app, on_signal)

    async def serve() -> int:
        if fn.init:
            try:
                await app.call_here(fn.init)
            except Exception:
                log.error("cannot load the function: init failed:\n%s", traceback.format_exc())
                return 1
        try:
            sock = listen(port)
        except OSError as e:
            log.error("cannot listen on port %s: %s", port, e)
            return 1
        print(f"function listening on port {sock.getsockname()[1]} ({template})", file=sys.stderr, flush=True)
        await server.serve(sockets=[sock])
        app.threads.close()
        if fn.shutdown:
            try:
                await app.call_here(fn.shutdown)
            except Exception:
                log.error("shutdown() failed:\n%s", traceback.format_exc())
                return 1
        return 0

    sys.exit(run(serve()))


if __name__ == "__main__":
    main()
