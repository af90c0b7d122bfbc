"""What browsers are told and what they may send.

`SecurityHeaders` puts on every answer a Content-Security-Policy with no inline script (pages load
their scripts from /static; the map's points travel in a `<script type="application/json">`
block, which is data, not script), `frame-ancestors 'none'`, nosniff, a Referrer-Policy, and
`Cache-Control: no-store` on everything but static files (pages, exports and the API all carry
personal data, which must not stay in a shared or back-button cache). It is the outermost layer
(server.main), so the 500 that ContainUnexpected makes of an unexpected error carries them too.

`OriginGuard` refuses, with 403 and the standard error body, every state-changing request that a
browser says came from another origin (Origin, and Sec-Fetch-Site where the browser sends it),
and any form-encoded request to the JSON API that carries the session cookie: the API reads only
JSON, so such a request can only be a plain HTML form fired from elsewhere at resolve, revoke or
logout, which take no body. Phones and scripts send neither header and are not affected; the web
forms are additionally tied to the session (server.web.common.verify_csrf).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.errors import ErrorCode
from server.middleware import send_error

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a plain HTML form can send; the JSON API accepts none of them.
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"})
# Swagger UI for /docs, pinned to one release (when docs are served at all: Settings.docs_enabled).
DOCS_CDN = "https://cdn.jsdelivr.net"
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def content_security_policy(*, image_origins: tuple[str, ...] = (), docs: bool = False) -> str:
    """The policy for a page; `docs` adds the CDN that Swagger UI's script and styles come from."""
    scripts = "'self'" + (f" {DOCS_CDN}" if docs else "")
    images = " ".join(("'self'", "data:", *image_origins))
    return (
        f"default-src 'none'; script-src {scripts}; style-src {scripts}; img-src {images}; "
        "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    )


def tile_origin(template: str) -> str | None:
    """The origin map tiles come from, for img-src (a `{s}` subdomain placeholder becomes `*`)."""
    if not template:
        return None
    parts = urlsplit(template)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.replace("{s}", "*")
    return f"{parts.scheme}://{host}"


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, page_policy: str, docs_policy: str) -> None:
        self.app = app
        self._page_policy = page_policy
        self._docs_policy = docs_policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        policy = self._docs_policy if path == "/docs" else self._page_policy
        static = path.startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers["Content-Security-Policy"] = policy
                headers["X-Frame-Options"] = "DENY"  # frame-ancestors for browsers that predate it
                headers["X-Content-Type-Options"] = "nosniff"
                # same-origin, not no-referrer: with no-referrer a browser sends `Origin: null` on
                # the pages' own form posts, which OriginGuard would then refuse.
                headers["Referrer-Policy"] = "same-origin"
                headers["Cross-Origin-Opener-Policy"] = "same-origin"
                if not static:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, with_headers)


class OriginGuard:
    def __init__(
        self, app: ASGIApp, *, api_prefix: str, session_cookie: str, trusted: frozenset[str]
    ) -> None:
        self.app = app
        self._api_prefix = api_prefix
        self._session_cookie = session_cookie
        self._trusted = trusted

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in STATE_CHANGING:
            refusal = self._refusal(scope, Headers(scope=scope))
            if refusal is not None:
                await send_error(send, 403, ErrorCode.FORBIDDEN, refusal)
                return
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> str | None:
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ("same-origin", "none"):
            return "refused: this request was sent from another site"
        origin = headers.get("origin")
        if origin is not None and not self._same_origin(origin, headers.get("host", "")):
            return "refused: this request was sent from another site"
        if scope["path"].startswith(self._api_prefix) and self._form_with_session(headers):
            return "refused: the API reads JSON, and a form cannot act with a session cookie"
        return None

    def _same_origin(self, origin: str, host: str) -> bool:
        """`Origin: null` (sandboxed or privacy-hidden) is never ours. The scheme is not compared
        with the request's: behind a TLS proxy the app may see http for an https page."""
        normalised = origin.strip().rstrip("/").lower()
        if normalised in self._trusted:
            return True
        parts = urlsplit(normalised)
        if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
            return False
        return _without_default_port(parts.netloc, parts.scheme) == _without_default_port(
            host.strip().lower(), parts.scheme
        )

    def _form_with_session(self, headers: Headers) -> bool:
        media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media_type not in FORM_TYPES:
            return False
        return self._session_cookie in cookie_parser(headers.get("cookie", ""))


def _without_default_port(netloc: str, scheme: str) -> str:
    default = f":{_DEFAULT_PORTS[scheme]}"
    return netloc[: -len(default)] if netloc.endswith(default) else netloc
