# func-python (Knative func's Python middleware) serving the ASGI hello function, as func's scaffolding
# does (`serve(handle)`); it listens on LISTEN_ADDRESS.
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "hello"))

from asgi_func import handle  # noqa: E402
from func_python.http import serve  # noqa: E402

serve(handle)
