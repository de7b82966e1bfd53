"""The shared CloudEvents table (runtimes/conformance/cases.json) against the real Python invoker, and the
table's header values against its percent-encoding."""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import subprocess
import time

import pytest

from conftest import RUNTIME_DIR, start, write_function
from fn_invoker.errors import HttpError

CONFORMANCE_DIR = os.path.join(os.path.dirname(RUNTIME_DIR), "conformance")
with open(os.path.join(CONFORMANCE_DIR, "cases.json"), encoding="utf-8") as f:
    TABLE = json.load(f)
RECEIVED = "fn-test-received "

ECHO = f"""
import json

from cloudevents.http import CloudEvent


def handle(context, event):
    d = event.data
    if d is None:
        data = None
    elif isinstance(d, (bytes, bytearray)):
        data = bytes(d).decode("utf-8")
    elif isinstance(d, str):
        data = d
    else:
        data = json.dumps(d)
    report = {{**event.get_attributes(), "data": data}}
    print({RECEIVED!r} + json.dumps(report), flush=True)
    if event["type"] == "com.fn.test.nothing":
        return None
    attributes = {{"id": "reply-1", "source": "/fn/test", "type": "com.fn.test.reply", "datacontenttype": "application/json"}}
    if "subject" in event.get_attributes():
        attributes["subject"] = event["subject"]
    return CloudEvent(attributes, report)
"""


def conformance_tool() -> str:
    """FN_CE_CONFORMANCE, else where install.sh puts it; missing → a failure that says how to get it."""
    path = os.environ.get("FN_CE_CONFORMANCE") or subprocess.run(
        ["bash", os.path.join(CONFORMANCE_DIR, "install.sh"), "--print-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    if not os.access(path, os.X_OK):
        pytest.fail(f"the CloudEvents conformance tool is not installed at {path}: run `bash runtimes/conformance/install.sh` (runtimes/test-all.sh does)")
    return path


@pytest.fixture(scope="module")
def echo():
    inv = start(write_function(ECHO), FN_TEMPLATE="cloudevents")
    yield inv
    inv.process.kill()
    inv.process.wait()


def send_raw(inv, raw):
    if "bodyBase64" in raw:
        body = base64.b64decode(raw["bodyBase64"])
    elif "bodyJson" in raw:
        body = json.dumps(raw["bodyJson"], ensure_ascii=False).encode("utf-8")
    else:
        body = raw.get("body", "").encode("utf-8")
    conn = http.client.HTTPConnection("127.0.0.1", inv.port, timeout=10)
    try:
        conn.putrequest(raw.get("method", "POST"), "/")
        for name, value in raw.get("headers", {}).items():
            conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        res = conn.getresponse()
        return res.status, {k.lower(): v for k, v in res.getheaders()}, res.read().decode("utf-8")
    finally:
        conn.close()


def received_since(inv, start_line: int, wait: bool):
    deadline = time.monotonic() + (5 if wait else 0)
    while True:
        for line in inv.stdout[start_line:]:
            if line.startswith(RECEIVED):
                return json.loads(line[len(RECEIVED):])
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.02)


def check_reply(headers, body, expected):
    media = headers.get("content-type", "").split(";")[0].strip()
    if expected.get("mode") == "structured":
        assert media == "application/cloudevents+json" and "ce-id" not in headers, headers
    if expected.get("mode") == "binary":
        assert "ce-id" in headers, headers
    for name, want in expected.get("headers", {}).items():
        assert headers.get(name) == want, f"reply header {name}"
    for name, want in expected.get("body", {}).items():
        assert json.loads(body).get(name) == want, f"reply member {name}"


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_the_cloudevents_table(echo, case):
    tool = conformance_tool()
    expect = case["expect"]
    start_line = len(echo.stdout)
    if "tool" in case["send"]:
        assert "error" not in expect and "reply" not in expect, "the conformance tool shows neither the error nor the reply: use send.raw"
        url = f"http://127.0.0.1:{echo.port}/"
        result = subprocess.run([tool, "send", url, *case["send"]["tool"]], capture_output=True, text=True)
        if result.returncode == 0:
            assert 200 <= expect["status"] < 300, f"answered 2xx, expected {expect['status']}"
        else:
            got = re.search(r"got (\d{3})", result.stderr)
            assert got, f"cloudevents send failed without an HTTP status: {result.stderr}"
            assert int(got.group(1)) == expect["status"]
    else:
        status, headers, body = send_raw(echo, case["send"]["raw"])
        assert status == expect["status"], body
        if "error" in expect:
            assert re.search(expect["error"], json.loads(body)["error"]), json.loads(body)["error"]
        if "reply" in expect:
            check_reply(headers, body, expect["reply"])
    if expect["status"] >= 400:
        assert received_since(echo, start_line, wait=False) is None, "the function must not be called"
    elif "received" in expect:
        report = received_since(echo, start_line, wait=True)
        assert report is not None, "the function was not called"
        for name, want in expect["received"].items():
            if name == "data" and not isinstance(want, str):
                assert json.loads(report["data"]) == want
            else:
                assert report.get(name) == want, f"attribute {name}"


@pytest.mark.parametrize("value", TABLE["headerValues"], ids=[v["encoded"] for v in TABLE["headerValues"]])
def test_ce_header_values(value):
    from fn_invoker.cloudevent import decode_header_value, encode_header_value

    if value.get("invalid"):
        with pytest.raises(HttpError, match="header ce-x is not percent-encoded UTF-8") as raised:
            decode_header_value("ce-x", value["encoded"])
        assert raised.value.status_code == 400
        return
    assert decode_header_value("ce-x", value["encoded"]) == value["decoded"]
    if not value.get("decodeOnly"):
        assert encode_header_value(value["decoded"]) == value["encoded"]
