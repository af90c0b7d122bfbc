"""Entry point of the phone package (`flet build apk` / `flet build ipa`).

flet-cli 1.0.5 keeps only the last name of ``[tool.flet.app] module`` ("app.main" would become
"app") and runs ``<module>.py`` from the root of the packed app, so the entry point must be a file
at the repository root: this one. The app itself is ``app/main.py``.
"""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from app.main import run

    run(sys.argv[1:])
