"""Your function. fn calls handle() once for every CloudEvent it receives (binary or structured mode).

event is a cloudevents.http.CloudEvent: event["type"], event["source"], event["id"], event.data
(parsed JSON: a dict, a list, ...; bytes for text and other data; None without data). context has
headers (dict), log (a logging.Logger) and the raw body.

Return a CloudEvent to answer with; or plain data, which fn wraps in a CloudEvent of type
"<incoming type>.response"; or None (answers 204). handle() may be `async def`. A raised exception
answers 500 {"error": "..."}.

Try it: `fn run`, then `fn invoke --cloudevent --type com.example.hello --data '{"name":"Ada"}'`.
"""

from cloudevents.http import CloudEvent


def handle(context, event):
    context.log.info("{{fn.name}}: received %s from %s", event["type"], event["source"])
    # Only a JSON object carries a name; a client may also send text, a JSON array, bytes or no data.
    data = event.data
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or name == "":
        name = "world"
    return CloudEvent(
        {"type": "com.example.greeting", "source": "/{{fn.name}}"},
        {"message": f"Hello {name}", "inReplyTo": event["id"]},
    )
