# The hello function in the ASGI signature: what func-python serves (func_main.py), and fn's invoker too.
async def handle(scope, receive, send):
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", b"11")]})
    await send({"type": "http.response.body", "body": b"Hello world"})
