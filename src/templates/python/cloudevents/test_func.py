"""Run with `python -m unittest` (or pytest) after `pip install -r requirements.txt`."""

import logging
import unittest
from types import SimpleNamespace

from cloudevents.http import CloudEvent

from func import handle


class HandleTest(unittest.TestCase):
    def test_answers_a_greeting_event(self):
        incoming = CloudEvent({"type": "com.example.hello", "source": "/test"}, {"name": "Ada"})
        answer = handle(SimpleNamespace(log=logging.getLogger("test")), incoming)
        self.assertEqual(answer["type"], "com.example.greeting")
        self.assertEqual(answer.data, {"message": "Hello Ada", "inReplyTo": incoming["id"]})

    def test_greets_the_world_for_any_other_data(self):
        # What a client may send besides a JSON object: text and bytes (as bytes), a JSON array, nothing.
        for data in (b"hello", b"\x00\x01", [1, 2], None):
            incoming = CloudEvent({"type": "com.example.hello", "source": "/test"}, data)
            answer = handle(SimpleNamespace(log=logging.getLogger("test")), incoming)
            self.assertEqual(answer.data["message"], "Hello world", data)


if __name__ == "__main__":
    unittest.main()
