"""Entry point: ``python -m fn_invoker`` (with this folder's parent on PYTHONPATH).

Environment: PORT (8080), FN_FUNCTION_DIR (working directory), FN_TEMPLATE (http | cloudevents),
FN_ENTRY (func.py), FN_MAX_BODY_BYTES (10 MiB), FN_SHUTDOWN_TIMEOUT_SECONDS (30), FN_LOG_LEVEL (INFO),
FN_CE_SOURCE, FN_CE_RESPONSE_TYPE.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import traceback

from .context import Context
from .errors import status_of
from .loader import Caller, load
from .respond import error_response, to_response
from .server import FunctionServer

log = logging.getLogger("fn.invoker")


def _int_env(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
        if value < 0:
            raise ValueError
        return value
    except ValueError:
        log.error("%s=%s is not a whole number", name, raw)
        sys.exit(2)


def main() -> None:
    level = os.environ.get("FN_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level, logging.INFO), format="%(levelname)s %(name)s: %(message)s")
    function_dir = os.environ.get("FN_FUNCTION_DIR") or os.getcwd()
    template = os.environ.get("FN_TEMPLATE") or "http"
    port = _int_env("PORT", 8080)
    max_body = _int_env("FN_MAX_BODY_BYTES", 10 * 1024 * 1024)
    shutdown_timeout = _int_env("FN_SHUTDOWN_TIMEOUT_SECONDS", 30)
    if template not in ("http", "cloudevents"):
        log.error("FN_TEMPLATE=%s is not supported; use http or cloudevents", template)
        sys.exit(2)

    caller = Caller()
    try:
        fn = load(function_dir, os.environ.get("FN_ENTRY") or "func.py")
        if fn.init:
            caller.call(fn.init)
        adapter = None
        if template == "cloudevents":
            from .cloudevent import CloudEventAdapter

            adapter = CloudEventAdapter(function_dir, os.environ)
    except Exception:
        log.error("cannot load the function:\n%s", traceback.format_exc())
        sys.exit(1)

    def answer(method: str, target: str, headers: dict, body: bytes):
        context = Context(method, target, headers, body)
        try:
            if adapter is not None:
                return adapter.call(caller.call, fn.handle, context, headers, body)
            return to_response(caller.call(fn.handle, context))
        except Exception as e:
            status = status_of(e)
            if status >= 500:
                log.error("handle() failed on %s %s:\n%s", method, target, traceback.format_exc())
            return error_response(status, str(e))

    try:
        server = FunctionServer(("", port), answer, max_body_bytes=max_body, hooks=fn)
    except OSError as e:
        log.error("cannot listen on port %s: %s", port, e)
        sys.exit(1)

    def on_signal(signum: int, _frame) -> None:
        log.info("%s: finishing in-flight requests", signal.Signals(signum).name)
        # A stuck request must not keep the process forever.
        timer = threading.Timer(shutdown_timeout, lambda: (log.error("requests still running after %ss; stopping anyway", shutdown_timeout), os._exit(1)))
        timer.daemon = True
        timer.start()
        server.drain()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(f"function listening on port {server.server_address[1]} ({template})", file=sys.stderr, flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()  # waits for the in-flight requests' threads
    if fn.shutdown:
        try:
            caller.call(fn.shutdown)
        except Exception:
            log.error("shutdown() failed:\n%s", traceback.format_exc())
            sys.exit(1)
    sys.exit(0)


if __name__ == "__main__":
    main()
