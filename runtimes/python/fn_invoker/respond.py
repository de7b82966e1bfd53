"""Turns what handle() returned into (status, headers, body bytes):

    None                        → 204 No Content
    str                         → 200 text/plain
    bytes / bytearray           → 200 application/octet-stream
    (body, status)              → that status; (body, status, headers) → and those headers
    dict, list, number, bool    → 200 application/json
"""

from __future__ import annotations

import json
from typing import Any

TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
OCTETS = "application/octet-stream"


def to_response(value: Any) -> tuple[int, dict[str, str], bytes]:
    status, headers = 200, {}
    if isinstance(value, tuple):
        if not 2 <= len(value) <= 3 or not isinstance(value[1], int) or not 100 <= value[1] <= 599:
            raise TypeError("handle() returned a tuple: use (body, status) or (body, status, headers) with status 100-599")
        status = value[1]
        headers = {k.lower(): str(v) for k, v in (value[2] if len(value) == 3 else {}).items()}
        value = value[0]
    if value is None:
        return (204 if status == 200 else status), headers, b""
    if isinstance(value, str):
        content_type, body = TEXT, value.encode("utf-8")
    elif isinstance(value, (bytes, bytearray, memoryview)):
        content_type, body = OCTETS, bytes(value)
    else:
        content_type, body = JSON, json.dumps(value, separators=(",", ":")).encode("utf-8")
    headers.setdefault("content-type", content_type)
    return status, headers, body


def error_response(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"content-type": JSON}, json.dumps({"error": message}).encode("utf-8")
