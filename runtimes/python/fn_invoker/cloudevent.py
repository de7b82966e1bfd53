"""CloudEvents functions: handle(context, event) with event a ``cloudevents.http.CloudEvent`` read from a
binary- or structured-mode request. The answer, in the request's mode:

    a CloudEvent   → that event, 200
    other data     → wrapped in a CloudEvent (type FN_CE_RESPONSE_TYPE, default "<incoming type>.response";
                     source FN_CE_SOURCE, default "/fn/<K_SERVICE or folder name>"), 200
    None           → 204 No Content

The SDK is imported only here, so http functions do not need it installed.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Mapping

from .errors import HttpError

try:
    from cloudevents.abstract import CloudEvent as AbstractCloudEvent
    from cloudevents.conversion import to_binary, to_structured
    from cloudevents.http import CloudEvent, from_http
except ImportError as e:  # pragma: no cover - exercised by users without the SDK
    raise ImportError(
        "cloudevents functions need the CloudEvents SDK: add `cloudevents>=1.11,<2` to requirements.txt"
    ) from e


class CloudEventAdapter:
    def __init__(self, function_dir: str, env: Mapping[str, str]):
        name = env.get("K_SERVICE") or os.path.basename(os.path.normpath(function_dir))
        self.source = env.get("FN_CE_SOURCE") or f"/fn/{name}"
        self.response_type = env.get("FN_CE_RESPONSE_TYPE")

    def read(self, headers: dict[str, str], body: bytes) -> tuple[Any, bool]:
        """Returns (event, structured)."""
        structured = headers.get("content-type", "").lower().startswith("application/cloudevents+json")
        if headers.get("content-type", "").lower().startswith("application/cloudevents-batch"):
            raise HttpError(400, "batched CloudEvents are not supported; send one event per request")
        try:
            return from_http(headers, body), structured
        except Exception as e:  # the SDK raises several exception types for malformed input
            raise HttpError(400, f"not a valid CloudEvent: {e}") from e

    def answer(self, result: Any, incoming: Any, structured: bool) -> tuple[int, dict[str, str], bytes]:
        if result is None:
            return 204, {}, b""
        if not isinstance(result, AbstractCloudEvent):
            attributes = {"type": self.response_type or f"{incoming['type']}.response", "source": self.source}
            if isinstance(result, str):
                attributes["datacontenttype"] = "text/plain"
            elif not isinstance(result, (bytes, bytearray)):
                attributes["datacontenttype"] = "application/json"
            result = CloudEvent(attributes, result)
        headers, body = (to_structured if structured else to_binary)(result)
        headers = {k.lower(): v for k, v in headers.items()}
        if "content-type" not in headers and result.data is not None:
            # An event without datacontenttype: say what the SDK wrote, so that receivers can parse it.
            data = result.data
            headers["content-type"] = "application/octet-stream" if isinstance(data, (bytes, bytearray)) else "text/plain; charset=utf-8" if isinstance(data, str) else "application/json"
        return 200, headers, body if isinstance(body, bytes) else str(body).encode()

    def call(self, call: Callable[..., Any], handle: Callable[..., Any], context: Any, headers: dict[str, str], body: bytes):
        event, structured = self.read(headers, body)
        context.cloud_event = event
        return self.answer(call(handle, context, event), event, structured)
