"""The http template's contract, against the real invoker process."""

import http.client
import json

import pytest

FUNCTION = """
import asyncio

async def slow_async(context):
    await asyncio.sleep(0.01)
    return {"async": True}

def handle(context):
    p = context.path
    if p == "/echo":
        return {"method": context.method, "query": context.query, "json": context.json, "form": context.form,
                "text": context.text, "header": context.headers.get("x-test")}
    if p == "/text":
        return "plain text"
    if p == "/bytes":
        return b"\\x01\\x02\\x03"
    if p == "/nothing":
        return None
    if p == "/tuple":
        return {"created": True}, 201, {"X-Made": "yes"}
    if p == "/tuple-text":
        return "a,b", 202, {"Content-Type": "text/csv"}
    if p == "/throw":
        raise RuntimeError("boom in handle")
    if p == "/bad-request":
        e = ValueError("name is required")
        e.status_code = 400
        raise e
    if p == "/async":
        return slow_async(context)
    name = context.query.get("name") or (context.json or {}).get("name") or "world"
    return {"message": f"Hello {name}"}
"""


@pytest.fixture
def fn(run_function):
    return run_function(FUNCTION, FN_MAX_BODY_BYTES="1024")


def test_get_with_a_query_string(fn):
    status, headers, body = fn.request("GET", "/?name=Ada")
    assert status == 200
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"message": "Hello Ada"}


def test_repeated_query_keys_and_headers(fn):
    _, _, body = fn.request("GET", "/echo?a=1&a=2&b=x", headers={"X-Test": "hi"})
    data = json.loads(body)
    assert data["query"] == {"a": ["1", "2"], "b": "x"}
    assert data["header"] == "hi"
    assert data["method"] == "GET"


def test_json_text_and_form_bodies(fn):
    post = lambda body, ctype: json.loads(fn.request("POST", "/echo", body, {"Content-Type": ctype})[2])  # noqa: E731
    assert post('{"name":"Bob"}', "application/json")["json"] == {"name": "Bob"}
    assert post("hello", "text/plain") == {**post("hello", "text/plain"), "text": "hello", "json": None}
    assert post("a=1&b=2", "application/x-www-form-urlencoded")["form"] == {"a": "1", "b": "2"}
    status, _, body = fn.request("POST", "/", '{"name":"Cy"}', {"Content-Type": "application/json"})
    assert (status, json.loads(body)) == (200, {"message": "Hello Cy"})


def test_return_values_map_to_answers(fn):
    status, headers, body = fn.request("GET", "/text")
    assert (status, headers["content-type"], body) == (200, "text/plain; charset=utf-8", b"plain text")
    status, headers, body = fn.request("GET", "/bytes")
    assert (headers["content-type"], body) == ("application/octet-stream", b"\x01\x02\x03")
    assert fn.request("GET", "/nothing")[0] == 204
    status, headers, body = fn.request("GET", "/tuple")
    assert (status, headers["x-made"], json.loads(body)) == (201, "yes", {"created": True})
    status, headers, body = fn.request("GET", "/tuple-text")
    assert (status, headers["content-type"], body) == (202, "text/csv", b"a,b")
    assert json.loads(fn.request("GET", "/async")[2]) == {"async": True}


def test_an_exception_answers_500_json_is_logged_and_the_server_keeps_serving(fn):
    status, headers, body = fn.request("GET", "/throw")
    assert status == 500
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {"error": "boom in handle"}
    assert fn.request("GET", "/?name=again")[0] == 200
    assert "boom in handle" in fn.err_containing("boom in handle") and "Traceback" in fn.err_containing("Traceback")


def test_status_code_attribute_chooses_the_status(fn):
    status, _, body = fn.request("GET", "/bad-request")
    assert (status, json.loads(body)) == (400, {"error": "name is required"})


def test_invalid_json_answers_400(fn):
    status, _, body = fn.request("POST", "/", "{nope", {"Content-Type": "application/json"})
    assert status == 400
    assert "not valid JSON" in json.loads(body)["error"]


def test_a_body_over_the_limit_answers_413(fn):
    status, _, body = fn.request("POST", "/echo", "x" * 2000, {"Content-Type": "text/plain"})
    assert status == 413
    assert "larger than 1024 bytes" in json.loads(body)["error"]
    assert fn.request("GET", "/")[0] == 200


def test_a_chunked_body_is_read_and_limited(fn):
    def chunked(parts):
        conn = http.client.HTTPConnection("127.0.0.1", fn.port, timeout=10)
        conn.request("POST", "/echo", body=iter(parts), headers={"Content-Type": "text/plain"}, encode_chunked=True)
        res = conn.getresponse()
        result = res.status, res.read()
        conn.close()
        return result

    status, body = chunked([b"ab", b"cd"])
    assert (status, json.loads(body)["text"]) == (200, "abcd")
    status, body = chunked([b"y" * 300] * 10)
    assert status == 413


def test_health_endpoints(fn):
    for path in ("/health/liveness", "/health/readiness"):
        assert fn.request("GET", path)[:1] == (200,)
        assert fn.request("GET", path)[2] == b"OK"


def test_keep_alive_connection_serves_several_requests(fn):
    conn = http.client.HTTPConnection("127.0.0.1", fn.port, timeout=10)
    for name in ("a", "b", "c"):
        conn.request("GET", f"/?name={name}")
        assert json.loads(conn.getresponse().read()) == {"message": f"Hello {name}"}
    conn.close()
