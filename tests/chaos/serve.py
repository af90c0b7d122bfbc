"""The API as the chaos harness runs it: `python -m tests.chaos.serve DATABASE_URL PORT`.

Prints `ready` once uvicorn listens, so the controller waits on that line instead of polling.
"""

from __future__ import annotations

import socket
import sys

import uvicorn
from pydantic import SecretStr

from server.main import serving_app
from server.settings import Settings

SECRET = "chaos-secret"


class ReadyServer(uvicorn.Server):
    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            print("ready", flush=True)


def main(database_url: str, port: int) -> None:
    app = serving_app(Settings(database_url=database_url, secret_key=SecretStr(SECRET)))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, server_header=False
    )
    ReadyServer(config).run()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
