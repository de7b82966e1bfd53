// A Python function as Knative func writes it (`func create -l python`: a function/ package whose func.py
// has new() returning an object with an ASGI handle and the start/stop/alive/ready hooks of
// func-python), unchanged but for what its answer reports: the event loop and HTTP parser serving it,
// whether start() ran, and whether pip is in its environment. The run-invoke and build tests serve it
// with `fn run` and in the built image.
export const FUNC_PYTHON_FILES: Record<string, string> = {
  'function/__init__.py': 'from .func import new\n',
  'function/func.py': `import asyncio
import importlib.util
import json
import sys


def new():
    return Function()


class Function:
    def __init__(self):
        self.started = False

    async def handle(self, scope, receive, send):
        answer = {
            "loop": type(asyncio.get_running_loop()).__module__,
            "httptools": "uvicorn.protocols.http.httptools_impl" in sys.modules,
            "started": self.started,
            "pip": importlib.util.find_spec("pip") is not None,
            "path": scope["path"],
        }
        await send({"type": "http.response.start", "status": 200, "headers": [[b"content-type", b"application/json"]]})
        await send({"type": "http.response.body", "body": json.dumps(answer).encode()})

    def start(self, cfg):
        self.started = True

    def stop(self):
        print("func stop ran", flush=True)

    def alive(self):
        return True, "Alive"

    def ready(self):
        return True, "Ready"
`,
};
