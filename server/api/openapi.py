"""OpenAPI helpers: wire dataclass schemas for bodies read by hand, and the shared error responses."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter

from sync.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION, ErrorBody, PushRequest

REF = "#/components/schemas/{model}"
_EXTRA_SCHEMAS: dict[str, Any] = {}


def body_schema(wire_type: type) -> dict[str, Any]:
    """`openapi_extra` for a route that reads its JSON body itself (to answer per operation)."""
    schema = TypeAdapter(wire_type).json_schema(ref_template=REF)
    _EXTRA_SCHEMAS.update(schema.pop("$defs", {}))
    name = wire_type.__name__
    _EXTRA_SCHEMAS[name] = schema
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}},
            "description": "JSON; may be sent with Content-Encoding: gzip",
        }
    }


PUSH_BODY = body_schema(PushRequest)


def sync_extra(**extra: Any) -> dict[str, Any]:
    """`openapi_extra` for a /sync route: the `Fieldwork-Protocol` header every sync request must
    carry (server.api.protocol_gate answers before the route runs, so it is not a parameter FastAPI
    reads), merged with `extra`."""
    header = {
        "name": PROTOCOL_HEADER,
        "in": "header",
        "required": True,
        "schema": {"type": "integer", "enum": [PROTOCOL_VERSION]},
        "description": (
            f"The sync protocol version the caller speaks: {PROTOCOL_VERSION}. Missing or older:"
            " 426 app_update_required; any other value: 400 unsupported_protocol_version."
        ),
    }
    return {**extra, "parameters": [header]}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Responses entries documenting the ErrorBody shape for these statuses."""
    return {status: {"model": ErrorBody, "description": "error with a stable code"} for status in statuses}


def install_openapi(app: FastAPI) -> None:
    def build() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        schema.setdefault("components", {}).setdefault("schemas", {})
        for name, value in _EXTRA_SCHEMAS.items():
            schema["components"]["schemas"].setdefault(name, value)
        app.openapi_schema = schema
        return schema

    app.openapi = build  # type: ignore[method-assign]
