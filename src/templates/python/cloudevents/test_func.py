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


if __name__ == "__main__":
    unittest.main()
