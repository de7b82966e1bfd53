# The baseline: the smallest useful ASGI app, served by uvicorn on uvloop with httptools
# (`python -m uvicorn --loop uvloop --http httptools --no-access-log bare:app`), answering the same text.
async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"11")]})
    await send({"type": "http.response.body", "body": b"Hello world"})
