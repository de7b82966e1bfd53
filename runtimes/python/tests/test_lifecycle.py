"""Process behaviour: graceful SIGTERM, hooks, startup failures, and prepare.py."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

from conftest import RUNTIME_DIR, free_port, invoker_command, invoker_env, write_function


def test_sigterm_lets_an_in_flight_request_finish_then_exits_0_and_runs_shutdown(run_function):
    fn = run_function(
        """
        import time
        def handle(context):
            if context.path == "/slow":
                time.sleep(0.8)
            return "done " + context.path
        def shutdown():
            print("shutdown hook ran", flush=True)
        """
    )
    result = {}
    slow = threading.Thread(target=lambda: result.update(answer=fn.request("GET", "/slow")))
    slow.start()
    time.sleep(0.3)
    fn.process.send_signal(signal.SIGTERM)
    slow.join(10)
    assert result["answer"][0] == 200
    assert result["answer"][2] == b"done /slow"
    assert fn.process.wait(10) == 0
    time.sleep(0.1)
    assert "shutdown hook ran" in fn.out


def test_an_idle_keep_alive_connection_does_not_hold_up_shutdown(run_function):
    import http.client

    fn = run_function("def handle(context):\n    return 'ok'\n")
    conn = http.client.HTTPConnection("127.0.0.1", fn.port, timeout=10)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"ok"
    started = time.time()
    fn.process.send_signal(signal.SIGTERM)
    assert fn.process.wait(10) == 0
    assert time.time() - started < 3
    conn.close()


def test_init_runs_before_serving_and_a_readiness_hook_can_say_not_ready(run_function):
    fn = run_function(
        """
        state = {}
        def init():
            state["greeting"] = "initialised"
        def readiness():
            return False
        def handle(context):
            return state["greeting"]
        """,
        wait_path="/health/liveness",
    )
    assert fn.request("GET", "/health/readiness")[0] == 503
    assert fn.request("GET", "/")[2] == b"initialised"


def test_async_handle_is_awaited(run_function):
    fn = run_function("async def handle(context):\n    return {'async': True}\n")
    assert json.loads(fn.request("GET", "/")[2]) == {"async": True}


def test_fn_entry_picks_the_module_file(run_function):
    directory = write_function("def handle(context):\n    return 'from other'\n", name="other.py")
    from conftest import start

    fn = start(directory, FN_ENTRY="other.py")
    try:
        assert fn.request("GET", "/")[2] == b"from other"
    finally:
        fn.stop()


def test_a_module_without_handle_exits_1_naming_the_fix():
    directory = write_function("x = 1\n")
    r = subprocess.run(invoker_command(), env=invoker_env(directory, free_port()), capture_output=True, text=True, timeout=20)
    assert r.returncode == 1
    assert "does not define a handle function" in r.stderr


def test_bad_settings_exit_2_naming_the_variable():
    directory = write_function("def handle(context):\n    return 1\n")
    for name, value in (("FN_TEMPLATE", "grpc"), ("FN_MAX_BODY_BYTES", "lots")):
        r = subprocess.run(invoker_command(), env=invoker_env(directory, free_port(), **{name: value}), capture_output=True, text=True, timeout=20)
        assert r.returncode == 2
        assert name in r.stderr


def make_wheel(directory: str, name: str, version: str, source: str) -> str:
    """A minimal pure-Python wheel, built by hand so that the test needs neither network nor a build backend."""
    import base64
    import hashlib
    import zipfile

    info = f"{name}-{version}.dist-info"
    files = {
        f"{name}.py": source,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: fn-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = "".join(
        f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b'=').decode()},{len(text.encode())}\n" for path, text in files.items()
    ) + f"{info}/RECORD,,\n"
    filename = f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(os.path.join(directory, filename), "w") as z:
        for path, text in {**files, f"{info}/RECORD": record}.items():
            z.writestr(path, text)
    return filename


def test_prepare_fills_the_venv_with_the_locked_server_then_does_nothing_until_a_file_changes():
    directory = write_function("def handle(context):\n    return 1\n")
    with open(os.path.join(directory, "requirements.txt"), "w") as f:
        f.write("# nothing yet\n")
    env = {**os.environ, "FN_FUNCTION_DIR": directory, "FN_TEMPLATE": "http"}
    prepare = [sys.executable, os.path.join(RUNTIME_DIR, "prepare.py")]
    first = subprocess.run(prepare, env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr
    python = os.path.join(directory, ".fn", "venv", "bin", "python")
    assert "Creating a virtual environment" in first.stderr
    versions = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(*(m.version(n) for n in ('uvicorn', 'uvloop', 'httptools')))"],
        capture_output=True, text=True, check=True,
    ).stdout.split()
    with open(os.path.join(RUNTIME_DIR, "requirements", "server.txt")) as f:
        lock = f.read()
    assert [f"{name}=={v}" in lock for name, v in zip(("uvicorn", "uvloop", "httptools"), versions)] == [True] * 3
    second = subprocess.run(prepare, env=env, capture_output=True, text=True, timeout=60)
    assert (second.returncode, second.stderr) == (0, "")

    # The function's own requirements install without hashes of their own (the lock's hashes must not
    # switch pip to hash-checking for them): a local wheel, so that no network is needed.
    wheel = make_wheel(directory, "fn_test_dep", "1.0", "VALUE = 42\n")
    with open(os.path.join(directory, "requirements.txt"), "w") as f:
        f.write(f"./{wheel}\n")
    dep = subprocess.run(prepare, env=env, capture_output=True, text=True, timeout=300)
    assert dep.returncode == 0, dep.stderr
    assert subprocess.run([python, "-c", "import fn_test_dep; print(fn_test_dep.VALUE)"], capture_output=True, text=True).stdout == "42\n"

    # The function's requirements are held to the invoker's locked versions: a conflict fails, naming it.
    with open(os.path.join(directory, "requirements.txt"), "w") as f:
        f.write("uvicorn==0.30.0\n")
    third = subprocess.run(prepare, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 1
    assert "uvicorn==0.30.0" in third.stderr and "pip install failed" in third.stderr


def test_a_request_still_running_after_the_shutdown_timeout_exits_1(run_function):
    fn = run_function("import time\ndef handle(context):\n    time.sleep(10)\n    return 'late'\n", FN_SHUTDOWN_TIMEOUT_SECONDS="1")
    def abandoned():
        try:
            fn.request("GET", "/")
        except OSError:
            pass  # the process goes away without answering: that is the point

    threading.Thread(target=abandoned, daemon=True).start()
    time.sleep(0.3)
    started = time.time()
    fn.process.send_signal(signal.SIGTERM)
    assert fn.process.wait(10) == 1
    assert time.time() - started < 4
    assert "requests still running after 1s" in fn.err_containing("requests still running")
