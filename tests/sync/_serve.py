"""Runs the real API in its own process for sync tests: python _serve.py DATABASE_URL PORT."""

from __future__ import annotations

import sys

import uvicorn

from server.main import serving_app
from server.settings import Settings

if __name__ == "__main__":
    database_url, port = sys.argv[1], int(sys.argv[2])
    app = serving_app(Settings(database_url=database_url, secret_key="sync-test-secret"))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False)
