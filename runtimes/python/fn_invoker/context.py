"""The ``context`` a function receives: request facts, lazily parsed bodies, and a logger."""

from __future__ import annotations

import json
import logging
from functools import cached_property
from typing import Any
from urllib.parse import parse_qs

from .errors import HttpError

log = logging.getLogger("function")


class Context:
    """What handle() gets for one request.

    method, path, query (dict; a repeated key gives a list), headers (dict, lower-case names),
    body (bytes), text (str), json (parsed when the Content-Type is JSON, else None),
    form (dict for form posts), log (a logging.Logger), cloud_event (cloudevents functions).
    """

    cloud_event: Any = None  # set for cloudevents functions
    log = log

    def __init__(self, method: str, path: str, query_string: str, raw_headers: list[tuple[bytes, bytes]], body: bytes):
        self.method = method
        self.path = path  # as sent: percent-encoded
        self.query_string = query_string
        self._raw_headers = raw_headers  # the ASGI scope's: lower-case names, bytes
        self.body = body

    @cached_property
    def headers(self) -> dict[str, str]:
        # Decoded when first read, not per request: most functions never read them.
        return {name.decode("latin-1"): value.decode("latin-1") for name, value in self._raw_headers}

    @cached_property
    def query(self) -> dict[str, Any]:
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.query_string, keep_blank_values=True).items()}

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").lower()

    @cached_property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @cached_property
    def json(self) -> Any:
        if not self.body or "json" not in self.content_type:
            return None
        try:
            return json.loads(self.body)
        except ValueError as e:
            raise HttpError(400, f"request body is not valid JSON: {e}") from e

    @cached_property
    def form(self) -> dict[str, Any]:
        if not self.content_type.startswith("application/x-www-form-urlencoded"):
            return {}
        return {k: v[0] if len(v) == 1 else v for k, v in parse_qs(self.text, keep_blank_values=True).items()}
