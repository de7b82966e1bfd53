"""ASGI functions, as func-python serves them: `async def handle(scope, receive, send)` in the module, or
`new()` returning an object with `handle` and the optional `start(cfg)`, `stop()`, `alive()`, `ready()`."""

import json
import os
import signal
import subprocess
import threading
import time

from conftest import free_port, invoker_command, invoker_env, start, write_function

MODULE_HANDLE = """
async def handle(scope, receive, send):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] == "/boom":
        raise RuntimeError("asgi boom")
    answer = {"method": scope["method"], "path": scope["path"], "query": scope["query_string"].decode(), "body": body.decode()}
    await send({"type": "http.response.start", "status": 201, "headers": [[b"content-type", b"application/json"]]})
    await send({"type": "http.response.body", "body": __import__("json").dumps(answer).encode()})
"""

# func's http template, as `func create -l python` writes it (function/func.py), plus a slow path.
INSTANCE = """
import asyncio
import logging


def new():
    return Function()


class Function:
    def __init__(self):
        self.greeting = None

    async def handle(self, scope, receive, send):
        if scope["path"] == "/slow":
            print("slow request started", flush=True)
            await asyncio.sleep(1.0)
        await send({"type": "http.response.start", "status": 200, "headers": [[b"content-type", b"text/plain"]]})
        await send({"type": "http.response.body", "body": f"{self.greeting} {scope['path']}".encode()})

    def start(self, cfg):
        self.greeting = cfg.get("GREETING", "none")
        logging.info("Function starting")

    def stop(self):
        print("stop ran", flush=True)

    def alive(self):
        return True, "Alive"

    def ready(self):
        return False, "Warming up"
"""


def test_a_module_asgi_handle_gets_the_request_and_answers(run_function):
    fn = run_function(MODULE_HANDLE, FN_MAX_BODY_BYTES="64")
    status, headers, body = fn.request("POST", "/echo?x=1", "hello", {"Content-Type": "text/plain"})
    assert (status, headers["content-type"]) == (201, "application/json")
    assert json.loads(body) == {"method": "POST", "path": "/echo", "query": "x=1", "body": "hello"}
    # fn's rules hold for ASGI functions too: health, the body limit, an exception as 500 JSON.
    assert fn.request("GET", "/health/liveness")[:1] == (200,)
    status, _, body = fn.request("POST", "/", "x" * 100)
    assert (status, json.loads(body)["error"]) == (413, "request body is larger than 64 bytes (FN_MAX_BODY_BYTES)")
    status, headers, body = fn.request("GET", "/boom")
    assert (status, headers["content-type"], json.loads(body)) == (500, "application/json", {"error": "asgi boom"})
    assert "asgi boom" in fn.err_containing("Traceback")
    assert fn.request("GET", "/again")[0] == 201


def test_a_chunked_body_over_the_limit_answers_413_for_an_asgi_handle(run_function):
    import http.client

    fn = run_function(MODULE_HANDLE, FN_MAX_BODY_BYTES="64")
    conn = http.client.HTTPConnection("127.0.0.1", fn.port, timeout=10)
    conn.request("POST", "/", body=iter([b"y" * 40] * 3), encode_chunked=True)
    assert conn.getresponse().status == 413
    conn.close()


def test_func_pythons_new_instance_runs_unchanged_with_its_hooks(run_function):
    fn = run_function(INSTANCE, wait_path="/health/liveness", GREETING="hi")
    assert fn.request("GET", "/x")[2] == b"hi /x"
    assert fn.request("GET", "/health/liveness")[1:] and fn.request("GET", "/health/liveness")[2] == b"Alive"
    status, _, body = fn.request("GET", "/health/readiness")
    assert (status, body) == (503, b"Warming up")


def test_sigterm_during_a_slow_asgi_request_answers_it_then_runs_stop_and_exits_0(run_function):
    fn = run_function(INSTANCE, wait_path="/health/liveness")
    result = {}
    slow = threading.Thread(target=lambda: result.update(answer=fn.request("GET", "/slow")))
    slow.start()
    deadline = time.monotonic() + 5
    while "slow request started" not in fn.out and time.monotonic() < deadline:
        time.sleep(0.02)
    fn.process.send_signal(signal.SIGTERM)
    slow.join(10)
    assert result["answer"][:1] == (200,)
    assert result["answer"][2] == b"none /slow"
    assert result["answer"][1].get("connection") == "close"
    assert fn.process.wait(10) == 0
    time.sleep(0.1)
    assert "stop ran" in fn.out


def test_funcs_project_layout_a_function_package_is_found():
    directory = write_function("from .func import new\n", name="function/__init__.py")
    with open(os.path.join(directory, "function", "func.py"), "w") as f:
        f.write(INSTANCE)
    fn = start(directory, wait_path="/health/liveness")
    try:
        assert fn.request("GET", "/")[2] == b"none /"
    finally:
        assert fn.stop() == 0


def test_an_asgi_handle_under_the_cloudevents_template_exits_1_naming_the_fix():
    directory = write_function(MODULE_HANDLE)
    r = subprocess.run(invoker_command(), env=invoker_env(directory, free_port(), FN_TEMPLATE="cloudevents"), capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "ASGI" in r.stderr and "template" in r.stderr


def test_a_sync_function_with_the_asgi_parameters_exits_1_naming_the_fix():
    directory = write_function("def handle(scope, receive, send):\n    pass\n")
    r = subprocess.run(invoker_command(), env=invoker_env(directory, free_port()), capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "async def handle(scope, receive, send)" in r.stderr
