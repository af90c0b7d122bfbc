"""/docs: Swagger UI over /openapi.json, served only when Settings.docs_enabled (by default on the
embedded SQLite database, off on PostgreSQL).

FastAPI's own page loads `swagger-ui-dist@5` (whatever 5.x the CDN holds today) and starts it with
an inline script; this one pins one release and starts it from /static/docs.js, so the page works
under the same Content-Security-Policy as every other (plus the CDN: server.browser_policy).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from server.browser_policy import DOCS_CDN

SWAGGER_UI = f"{DOCS_CDN}/npm/swagger-ui-dist@5.17.14"
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Fieldwork API</title>
<link rel="stylesheet" href="{SWAGGER_UI}/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="{SWAGGER_UI}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
"""


async def _docs(_request: Request) -> HTMLResponse:
    return HTMLResponse(PAGE)


def install_docs(app: FastAPI) -> None:
    # A plain route, as FastAPI's own /docs is: not an API operation, not a supervisor page.
    app.add_route("/docs", _docs, methods=["GET"], include_in_schema=False)
