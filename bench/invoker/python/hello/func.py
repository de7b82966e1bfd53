# The benchmarked function in fn's signature, as fn's http template writes it: a sync handle() (which the
# invoker runs in its thread pool). async_func.py is the same as `async def`, asgi_func.py in the ASGI
# signature that func-python serves too.
def handle(context):
    return "Hello world"
