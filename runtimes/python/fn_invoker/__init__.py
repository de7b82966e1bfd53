"""fn's Python invoker: serves a function's ``handle`` over HTTP or CloudEvents (see README.md)."""
