"""Your function. fn calls handle() once for every HTTP request.

context has: method, path, query (dict), headers (dict, lower-case names), body (bytes), text (str),
json (the parsed body when it is JSON, else None), form (dict for form posts) and log (a logging.Logger).

Return a dict or list (sent as JSON), a str (sent as text), bytes, None (204), or a tuple
(body, status) / (body, status, headers) to choose the status and headers yourself. handle() may be
`async def`. A raised exception answers 500 {"error": "..."}; give it a `status_code` attribute
(e.g. 400) to answer with that status instead.

Try it: `fn run`, then `fn invoke` or `curl 'http://127.0.0.1:8080/?name=Ada'`.
"""


def handle(context):
    name = context.query.get("name") or (context.json or {}).get("name") or "world"
    context.log.info("{{fn.name}}: saying hello to %s", name)
    return {"message": f"Hello {name}"}


# Optional hooks fn also calls when you define them:
#   def init(): ...        before the first request (open connections, read config)
#   def shutdown(): ...    on SIGTERM, after in-flight requests finished
#   def readiness(): ...   return False to answer 503 on /health/readiness
