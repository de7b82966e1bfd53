"""The cloudevents template's contract: binary and structured requests, answers in the same mode."""

import json

import pytest
from cloudevents.conversion import to_binary, to_structured
from cloudevents.http import CloudEvent, from_http

FUNCTION = """
from cloudevents.http import CloudEvent

def handle(context, event):
    t = event["type"]
    if t == "com.test.nothing":
        return None
    if t == "com.test.throw":
        raise RuntimeError("event boom")
    if t == "com.test.event":
        return CloudEvent({"type": "com.test.answer", "source": "/answerer", "id": "answer-1"}, {"ok": True})
    return {"echo": event.data, "type": t, "header": context.headers.get("x-extra")}
"""


@pytest.fixture
def fn(run_function):
    return run_function(FUNCTION, FN_TEMPLATE="cloudevents", FN_MAX_BODY_BYTES="2048")


def send(fn, event, mode="binary", extra=None):
    headers, body = (to_binary if mode == "binary" else to_structured)(event)
    status, res_headers, res_body = fn.request("POST", "/", body, {**headers, **(extra or {})})
    answer = from_http(res_headers, res_body) if status == 200 else None
    return status, res_headers, res_body, answer


def hello(type_="com.test.hello", data=None):
    return CloudEvent({"type": type_, "source": "/tests"}, data if data is not None else {"name": "Ada"})


def test_binary_in_binary_out_with_plain_data_wrapped(fn):
    status, headers, _, answer = send(fn, hello(), extra={"X-Extra": "seen"})
    assert status == 200
    assert "ce-id" in headers
    assert headers["content-type"].startswith("application/json")
    assert answer["type"] == "com.test.hello.response"
    assert answer["source"].startswith("/fn/")
    assert answer.data == {"echo": {"name": "Ada"}, "type": "com.test.hello", "header": "seen"}


def test_structured_in_structured_out(fn):
    status, headers, body, answer = send(fn, hello(), "structured")
    assert status == 200
    assert headers["content-type"].startswith("application/cloudevents+json")
    assert "ce-id" not in headers
    assert json.loads(body)["data"]["echo"] == {"name": "Ada"}


def test_a_returned_cloudevent_is_sent_as_is(fn):
    _, _, _, answer = send(fn, hello("com.test.event"))
    assert (answer["id"], answer["type"], answer["source"], answer.data) == ("answer-1", "com.test.answer", "/answerer", {"ok": True})


def test_none_answers_204(fn):
    assert send(fn, hello("com.test.nothing"))[0] == 204


def test_an_exception_answers_500_json_and_is_logged(fn):
    status, _, body, _ = send(fn, hello("com.test.throw"))
    assert (status, json.loads(body)) == (500, {"error": "event boom"})
    assert "event boom" in fn.err_containing("event boom")
    assert send(fn, hello())[0] == 200


def test_a_request_that_is_not_a_cloudevent_answers_400(fn):
    status, _, body = fn.request("POST", "/", '{"a":1}', {"Content-Type": "application/json"})
    assert status == 400
    assert "not a valid CloudEvent" in json.loads(body)["error"]


def test_an_event_over_the_limit_answers_413(fn):
    status, _, body, _ = send(fn, hello(data={"blob": "z" * 5000}))
    assert status == 413
