#!/usr/bin/env python3
"""Fills a function's virtual environment: the invoker's server (requirements/server.txt: uvicorn, uvloop,
httptools) and, for cloudevents functions, the CloudEvents SDK (requirements/cloudevents.txt), both
installed from fn's lock files with their hashes; then the function's requirements.txt, held to the
versions the invoker was locked with (pip names the conflict if the function asks for others).

One install rule for every place the invoker runs:
    fn run (runtime.yaml)   prepare.py                       → <function>/.fn/venv, skipped when unchanged
    the image (Dockerfile)  prepare.py --venv /opt/venv --invoker-only, then --function-only --remove-pip
    the invoker's tests     prepare.py --venv .venv --requirements test-requirements.txt --template cloudevents

Environment: FN_FUNCTION_DIR (working directory), FN_TEMPLATE (http | cloudevents).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import venv

HERE = os.path.dirname(os.path.abspath(__file__))
LOCKS = os.path.join(HERE, "requirements")


def has_pip(python: str) -> bool:
    return subprocess.run([python, "-m", "pip", "--version"], capture_output=True).returncode == 0


def requirement_lines(path: str | None) -> list[str]:
    if not path or not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.strip().startswith("#")]


def invoker_locks(template: str) -> list[str]:
    return [os.path.join(LOCKS, "server.txt")] + ([os.path.join(LOCKS, "cloudevents.txt")] if template == "cloudevents" else [])


def outer_pip() -> bool:
    """Whether the Python running this has a pip that can install into another environment (--python,
    pip 22.3+): then the venv is made without pip of its own, seconds sooner, and ships none."""
    result = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True)
    parts = result.stdout.split()[1].split(".") if result.returncode == 0 and len(result.stdout.split()) > 1 else []
    try:
        return tuple(int(p) for p in parts[:2]) >= (22, 3)
    except ValueError:
        return False


OUTER_PIP = outer_pip()


def pip(python: str, args: list[str], cwd: str | None = None) -> None:
    runner = [sys.executable, "-m", "pip", "--python", python] if OUTER_PIP else [python, "-m", "pip"]
    command = [*runner, "install", "--disable-pip-version-check", "--quiet", *args]
    if subprocess.run(command, cwd=cwd, stdout=sys.stderr).returncode != 0:
        print("pip install failed: see its output above", file=sys.stderr)
        sys.exit(1)


def install_invoker(python: str, template: str) -> None:
    # Hash-checking mode: every package and its dependencies must be in the lock, and match it.
    pip(python, ["--require-hashes", *[arg for lock in invoker_locks(template) for arg in ("-r", lock)]])


def pins(lock: str) -> list[str]:
    """The lock's `name==version ; marker` lines without their hashes: a constraints file with hashes
    would switch pip to hash-checking for the function's own requirements too, which have none."""
    with open(lock, encoding="utf-8") as f:
        joined = f.read().replace("\\\n", " ")
    return [line.split(" --hash", 1)[0].strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def install_function(python: str, template: str, requirements: str) -> None:
    if not requirement_lines(requirements):
        return
    with tempfile.NamedTemporaryFile("w", suffix="-fn-constraints.txt", delete=False) as f:
        f.write("\n".join(pin for lock in invoker_locks(template) for pin in pins(lock)) + "\n")
    try:
        pip(python, ["-r", requirements, "-c", f.name], cwd=os.path.dirname(os.path.abspath(requirements)))
    finally:
        os.unlink(f.name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--venv", help="the virtual environment to make or fill (default: <function folder>/.fn/venv, skipped when nothing changed)")
    parser.add_argument("--requirements", help="the function's requirements file (default: <function folder>/requirements.txt)")
    parser.add_argument("--template", default=os.environ.get("FN_TEMPLATE") or "http", choices=("http", "cloudevents"))
    part = parser.add_mutually_exclusive_group()
    part.add_argument("--invoker-only", action="store_true", help="install the invoker's locked packages only")
    part.add_argument("--function-only", action="store_true", help="install the function's requirements only")
    parser.add_argument("--remove-pip", action="store_true", help="uninstall pip from the venv afterwards, if it has one (an image runs no installer)")
    args = parser.parse_args()

    function_dir = os.environ.get("FN_FUNCTION_DIR") or os.getcwd()
    requirements = os.path.abspath(args.requirements or os.path.join(function_dir, "requirements.txt"))
    venv_dir = os.path.abspath(args.venv or os.path.join(function_dir, ".fn", "venv"))
    python = os.path.join(venv_dir, "Scripts" if os.name == "nt" else "bin", "python")

    # fn run: nothing to do when the venv already holds what these files say (a hash of them and Python).
    stamp = None if args.venv else os.path.join(venv_dir, "fn-requirements.sha256")
    digest = hashlib.sha256(sys.version.encode() + args.template.encode())
    for path in [*invoker_locks(args.template), requirements]:
        digest.update(path.encode() + b"\0" + (open(path, "rb").read() if os.path.isfile(path) else b"") + b"\0")
    if stamp and os.path.exists(python) and os.path.exists(stamp) and open(stamp).read().strip() == digest.hexdigest():
        return 0

    if not os.path.exists(python):
        print(f"Creating a virtual environment in {venv_dir}", file=sys.stderr, flush=True)
        # Symlinks to the interpreter, as `python -m venv` makes them (copies would add ~20 MB to an image).
        venv.EnvBuilder(with_pip=not OUTER_PIP, clear=True, symlinks=os.name != "nt").create(venv_dir)
    elif not OUTER_PIP and not has_pip(python):
        subprocess.run([python, "-m", "ensurepip", "--default-pip"], stdout=sys.stderr, check=True)
    if not args.function_only:
        print(f"Installing the invoker's server{' and the CloudEvents SDK' if args.template == 'cloudevents' else ''} (fn's lock files)", file=sys.stderr, flush=True)
        install_invoker(python, args.template)
    if not args.invoker_only and requirement_lines(requirements):
        print(f"Installing {os.path.basename(requirements)}", file=sys.stderr, flush=True)
        install_function(python, args.template, requirements)
    if args.remove_pip and has_pip(python):
        subprocess.run([python, "-m", "pip", "uninstall", "--yes", "--quiet", "pip"], stdout=sys.stderr, check=True)
    if stamp:
        with open(stamp, "w") as f:
            f.write(digest.hexdigest() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
