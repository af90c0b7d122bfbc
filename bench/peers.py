"""The peers' own virtual environment (bench/.peers-venv, git-ignored), installed from PyPI.

    python bench/peers.py   # create or update it; prints its Python

Kinto, kinto-http and matplotlib live here and never in the project's venv: Kinto pins its own
SQLAlchemy and psycopg2, and charts are a benchmark concern, not something a phone ships.
Re-installs only when the pins below change (a stamp file holds the pins it was built from).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

VENV = Path(__file__).resolve().parent / ".peers-venv"
PINS = ("kinto[postgresql]==26.5.0", "kinto-http==11.11.0", "matplotlib==3.11.2")
INSTALL_TIMEOUT_S = 900


def python() -> Path:
    return VENV / "bin" / "python"


def ensure() -> Path:
    """The peers' Python, after creating the venv or installing the pins if needed."""
    stamp = VENV / ".installed"
    wanted = "\n".join(PINS)
    if python().exists() and stamp.exists() and stamp.read_text() == wanted:
        return python()
    print(f"installing the peers into {VENV}: {', '.join(PINS)}", flush=True)
    if not python().exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True, timeout=120)
    subprocess.run(
        [str(python()), "-m", "pip", "install", "--quiet", *PINS], check=True, timeout=INSTALL_TIMEOUT_S
    )
    stamp.write_text(wanted)
    return python()


def version(package: str) -> str:
    """The installed version of one of the peers' packages."""
    out = subprocess.run(
        [str(python()), "-c", f"import importlib.metadata as m; print(m.version({package!r}))"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    )
    return out.stdout.strip()


if __name__ == "__main__":
    print(ensure())
