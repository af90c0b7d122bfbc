"""`make run`: the central API on SQLite with a demo team, and the field app in web mode beside it,
already connected to the demo team (the API prints a one-time enrollment code; it is passed on).

Both run as child processes; Ctrl-C stops both. Data lives under var/ (git-ignored). The field app
starts even if the API does not: it then works offline and offers "Connect to your team".
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("FIELDWORK_VAR", ROOT / "var"))
API_PORT = int(os.environ.get("FIELDWORK_API_PORT", "8000"))
APP_PORT = int(os.environ.get("FIELDWORK_APP_PORT", "8550"))
API_READY_S = 60.0  # migrations on a fresh SQLite file take a few seconds
CODE_LINE = re.compile(r"enrollment code:\s+(\S+)")
LOGIN_LINE = re.compile(r"supervisor login:\s+(.+)")


class ApiOutput:
    """Forwards the API's output and remembers the demo code and login it prints."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.code: str | None = None
        self.login: str | None = None
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process,), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            sys.stdout.write(f"[api] {line}")
            sys.stdout.flush()
            if match := CODE_LINE.search(line):
                self.code = match.group(1)
            if match := LOGIN_LINE.search(line):
                self.login = match.group(1).strip()
            if "Fieldwork API on" in line:
                self.ready.set()
        self.ready.set()  # the API exited: stop waiting for it


def _stop_on_sigterm(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt  # the same orderly stop as Ctrl-C, so no child is left running


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    VAR.mkdir(exist_ok=True)
    env = os.environ | {"PYTHONUNBUFFERED": "1"}
    env.setdefault("DATABASE_URL", f"sqlite:///{VAR / 'fieldwork.db'}")
    api_url = f"http://127.0.0.1:{API_PORT}"
    serve = ["serve", "--demo", "--host", "127.0.0.1", "--port", str(API_PORT)]
    api = subprocess.Popen(
        [sys.executable, "-m", "server.cli", *serve],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = ApiOutput(api)
    if not output.ready.wait(API_READY_S) or api.poll() is not None:
        print("The API did not start; the field app runs offline.", flush=True)
    app_args = ["--port", str(APP_PORT), "--store", str(VAR / "device"), "--server", api_url]
    if output.code:
        app_args += ["--enroll-code", output.code]  # ignored if this phone is already connected
    field_app = subprocess.Popen(
        [sys.executable, "-m", "app.main", "--web", "--demo", *app_args], cwd=ROOT, env=env
    )
    children: list[subprocess.Popen[Any]] = [api, field_app]
    print(f"Fieldwork field app: http://127.0.0.1:{APP_PORT}  (connects itself to the demo team)", flush=True)
    print(f"Supervisor pages:    {api_url}/login  ({output.login or 'see the API output above'})", flush=True)
    print(f"Central API:         {api_url}  (OpenAPI at /docs)", flush=True)
    if output.code:
        print(f"Enrollment code:     {output.code}  (used by the demo phone)", flush=True)
        print("Another phone:       .venv/bin/fieldwork enrollment-code specialist", flush=True)
    try:
        while field_app.poll() is None:
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
    return field_app.returncode or 0


if __name__ == "__main__":
    raise SystemExit(main())
