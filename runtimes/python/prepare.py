#!/usr/bin/env python3
"""Before `fn run`: make the function's virtual environment in .fn/venv and install its
requirements.txt (plus the invoker's own requirements.txt for cloudevents functions) into it.

Quick when nothing changed: the installed requirements' hash is kept in .fn/venv/fn-requirements.sha256.
Needs no network when there is nothing to install (an http function with an empty requirements.txt).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv

HERE = os.path.dirname(os.path.abspath(__file__))


def requirement_lines(path: str) -> list[str]:
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]


def main() -> int:
    function_dir = os.environ.get("FN_FUNCTION_DIR") or os.getcwd()
    venv_dir = os.path.join(function_dir, ".fn", "venv")
    python = os.path.join(venv_dir, "Scripts" if os.name == "nt" else "bin", "python")
    files = [os.path.join(function_dir, "requirements.txt")]
    if os.environ.get("FN_TEMPLATE") == "cloudevents":
        files.append(os.path.join(HERE, "requirements.txt"))
    wanted = [f for f in files if requirement_lines(f)]

    if not os.path.exists(python):
        print(f"Creating a virtual environment in {venv_dir}", file=sys.stderr, flush=True)
        # pip is only put in when something is to be installed: an http function without requirements
        # starts sooner.
        venv.EnvBuilder(with_pip=bool(wanted), clear=True).create(venv_dir)

    digest = hashlib.sha256(sys.version.encode())
    for f in wanted:
        digest.update(f.encode() + b"\0" + open(f, "rb").read() + b"\0")
    stamp = os.path.join(venv_dir, "fn-requirements.sha256")
    if os.path.exists(stamp) and open(stamp).read().strip() == digest.hexdigest():
        return 0
    if wanted:
        if subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode != 0:
            subprocess.run([python, "-m", "ensurepip", "--default-pip"], stdout=sys.stderr, check=True)
        names = ["requirements.txt" if f == files[0] else "the invoker's requirements (cloudevents)" for f in wanted]
        print("Installing " + " and ".join(names) + " into .fn/venv", file=sys.stderr, flush=True)
        args = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
        for f in wanted:
            args += ["-r", f]
        result = subprocess.run(args, cwd=function_dir, stdout=sys.stderr)
        if result.returncode != 0:
            print("pip install failed: see its output above", file=sys.stderr)
            return result.returncode
    with open(stamp, "w") as f:
        f.write(digest.hexdigest() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
