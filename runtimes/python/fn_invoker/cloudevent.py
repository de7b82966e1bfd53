"""CloudEvents functions: handle(context, event) with event a ``cloudevents.http.CloudEvent`` read from a
binary- or structured-mode request. The answer, in the request's mode:

    a CloudEvent   → that event, 200
    other data     → wrapped in a CloudEvent (type FN_CE_RESPONSE_TYPE, default "<incoming type>.response";
                     source FN_CE_SOURCE, default "/fn/<K_SERVICE or folder name>"), 200
    None           → 204 No Content

Around the SDK's from_http / to_binary this applies the HTTP binding rules the SDK (1.x) leaves out: the
content mode from a case-insensitive media type, 415 for batches and other event formats, the required
attributes checked on the message itself (the SDK accepts empty ones), and percent-encoded ce- header
values (HTTP binding 3.1.3.2). runtimes/conformance/cases.json says what every invoker answers.

The SDK is imported only here, so http functions do not need it installed.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Mapping

from .errors import HttpError

try:
    from cloudevents.abstract import CloudEvent as AbstractCloudEvent
    from cloudevents.conversion import to_binary, to_structured
    from cloudevents.http import CloudEvent, from_http
except ImportError as e:  # pragma: no cover - exercised by users without the SDK
    raise ImportError(
        "cloudevents functions need the CloudEvents SDK: add `cloudevents>=1.11,<2` to requirements.txt"
    ) from e


SPEC_VERSIONS = ("1.0", "0.3")
REQUIRED = ("specversion", "id", "source", "type")
STRUCTURED_JSON = "application/cloudevents+json"
# Printable ASCII but for double-quote and percent: what a ce- header value may carry unencoded.
_PLAIN = frozenset(chr(c) for c in range(0x21, 0x7F)) - {'"', "%"}
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")


def media_type(content_type: str) -> str:
    """The media type of a Content-Type value: no parameters, lower case."""
    return content_type.split(";", 1)[0].strip().lower()


def content_mode(content_type: str) -> str:
    """'structured' or 'binary'; batches and structured formats other than JSON answer 415."""
    media = media_type(content_type)
    if media.startswith("application/cloudevents-batch"):
        raise HttpError(415, "batched CloudEvents (application/cloudevents-batch+json) are not supported: send one event per request, in binary or structured mode")
    if media.startswith("application/cloudevents"):
        if media != STRUCTURED_JSON:
            raise HttpError(415, f"the event format {media} is not supported: send {STRUCTURED_JSON} (structured mode) or binary mode")
        return "structured"
    return "binary"


def invalid(message: str) -> HttpError:
    return HttpError(400, f"not a valid CloudEvent: {message}")


def check_required(attributes: Mapping[str, Any]) -> None:
    """specversion, id, source and type must be non-empty strings, and specversion one the SDK reads."""
    for name in REQUIRED:
        value = attributes.get(name)
        if not isinstance(value, str) or value == "":
            raise invalid(
                f'attribute "{name}" must be a non-empty string (required: {", ".join(REQUIRED)}; '
                f"as ce- headers in binary mode, or members of an {STRUCTURED_JSON} body)"
            )
    if attributes["specversion"] not in SPEC_VERSIONS:
        raise invalid(f"specversion {json.dumps(attributes['specversion'])} is not supported; accepted: {', '.join(SPEC_VERSIONS)}")


def decode_header_value(name: str, value: str) -> str:
    """A ce- header value as the attribute's string: a quoted-string is unquoted, then one round of
    percent-decoding; a % that starts no escape is kept. Raises 400 when the bytes are not UTF-8."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = re.sub(r"\\(.)", r"\1", value[1:-1])
    # http.server hands header bytes over as latin-1 characters: take the bytes back.
    raw = _ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), value.encode("latin-1"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid(f"header {name} is not percent-encoded UTF-8: {value!r}") from None


def encode_header_value(value: str) -> str:
    """An attribute string as a header value: space, ", % and everything outside U+0021-U+007E percent-encoded."""
    return "".join(ch if ch in _PLAIN else "".join(f"%{b:02X}" for b in ch.encode("utf-8")) for ch in str(value))


class CloudEventAdapter:
    def __init__(self, function_dir: str, env: Mapping[str, str]):
        name = env.get("K_SERVICE") or os.path.basename(os.path.normpath(function_dir))
        self.source = env.get("FN_CE_SOURCE") or f"/fn/{name}"
        self.response_type = env.get("FN_CE_RESPONSE_TYPE")

    def read(self, headers: dict[str, str], body: bytes) -> tuple[Any, bool]:
        """Returns (event, structured); headers have lower-case names."""
        structured = content_mode(headers.get("content-type", "")) == "structured"
        if structured:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if not isinstance(parsed, dict):
                raise invalid(f"the {STRUCTURED_JSON} body is not a JSON object")
            check_required(parsed)
            headers = {**headers, "content-type": STRUCTURED_JSON}
        else:
            headers = {k: decode_header_value(k, v) if k.startswith("ce-") else v for k, v in headers.items()}
            check_required({name: headers.get(f"ce-{name}") for name in REQUIRED})
        try:
            return from_http(headers, body), structured
        except Exception as e:  # the SDK raises several exception types for malformed input
            raise invalid(str(e)) from e

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
        headers = {k.lower(): encode_header_value(v) if k.lower().startswith("ce-") else v for k, v in headers.items()}
        if "content-type" not in headers and result.data is not None:
            # An event without datacontenttype: say what the SDK wrote, so that receivers can parse it.
            data = result.data
            headers["content-type"] = "application/octet-stream" if isinstance(data, (bytes, bytearray)) else "text/plain; charset=utf-8" if isinstance(data, str) else "application/json"
        return 200, headers, body if isinstance(body, bytes) else str(body).encode()
