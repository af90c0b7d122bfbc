"""`make run`: the central API on SQLite with a demo team, and the field app in web mode beside it.

Both run as child processes; Ctrl-C stops both. Data lives under var/ (git-ignored).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
API_PORT = int(os.environ.get("FIELDWORK_API_PORT", "8000"))
APP_PORT = int(os.environ.get("FIELDWORK_APP_PORT", "8550"))


def main() -> int:
    VAR.mkdir(exist_ok=True)
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'fieldwork.db'}")
    api = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--demo",
            "--host",
            "127.0.0.1",
            "--port",
            str(API_PORT),
        ],
        cwd=ROOT,
        env=env,
    )
    field_app = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "app.main",
            "--web",
            "--demo",
            "--port",
            str(APP_PORT),
            "--store",
            str(VAR / "device"),
            "--server",
            f"http://127.0.0.1:{API_PORT}",
        ],
        cwd=ROOT,
        env=env,
    )
    children = [api, field_app]
    print(f"Fieldwork field app: http://127.0.0.1:{APP_PORT}", flush=True)
    print(f"Central API:         http://127.0.0.1:{API_PORT}  (OpenAPI at /docs)", flush=True)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGINT)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
    return max((child.returncode or 0) for child in children)


if __name__ == "__main__":
    raise SystemExit(main())
