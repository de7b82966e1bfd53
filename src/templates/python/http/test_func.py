"""Run with `python -m unittest` (or pytest): calls handle() directly, no server needed."""

import logging
import unittest
from types import SimpleNamespace

from func import handle


def context(query=None, json=None):
    return SimpleNamespace(query=query or {}, json=json, log=logging.getLogger("test"))


class HandleTest(unittest.TestCase):
    def test_greets_the_name_from_the_query_string(self):
        self.assertEqual(handle(context(query={"name": "Ada"})), {"message": "Hello Ada"})

    def test_greets_the_name_from_a_json_body(self):
        self.assertEqual(handle(context(json={"name": "Bob"})), {"message": "Hello Bob"})


if __name__ == "__main__":
    unittest.main()
