"""Your function. fn calls handle() once for every CloudEvent it receives (binary or structured mode).

event is a cloudevents.http.CloudEvent: event["type"], event["source"], event["id"], event.data
(parsed JSON). context has headers (dict), log (a logging.Logger) and the raw body.

Return a CloudEvent to answer with; or plain data, which fn wraps in a CloudEvent of type
"<incoming type>.response"; or None (answers 204). handle() may be `async def`. A raised exception
answers 500 {"error": "..."}.

Try it: `fn run`, then `fn invoke --cloudevent --type com.example.hello --data '{"name":"Ada"}'`.
"""

from cloudevents.http import CloudEvent


def handle(context, event):
    context.log.info("{{fn.name}}: received %s from %s", event["type"], event["source"])
    name = (event.data or {}).get("name", "world")
    return CloudEvent(
        {"type": "com.example.greeting", "source": "/{{fn.name}}"},
        {"message": f"Hello {name}", "inReplyTo": event["id"]},
    )
