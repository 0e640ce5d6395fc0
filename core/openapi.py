"""The OpenAPI description tells every answer the API can give (a drf-spectacular hook).

Views document their success and their own refusals; this hook adds the answers every operation
shares, all in the one error shape (core.drf.ErrorOutput): 400 where there is input, 401/403
(not signed in, not allowed, CSRF for session writes), 404 where the path names an object, 413
for an over-large JSON body, 429 where a rate limit applies."""

from __future__ import annotations

from typing import Any

ERROR_REF = {"$ref": "#/components/schemas/ErrorOutput"}
DESCRIPTIONS = {
    "400": "Refused: `code` says why, `fields` which input.",
    "401": "Not signed in (token authentication).",
    "403": "Not allowed, or not signed in (session authentication).",
    "404": "No such object, or not visible to the caller.",
    "413": "The JSON body is larger than API_MAX_BODY_BYTES.",
}
WRITE_METHODS = ("post", "put", "patch", "delete")


def _error(code: str) -> dict[str, Any]:
    return {"description": DESCRIPTIONS[code], "content": {"application/json": {"schema": ERROR_REF}}}


ASCII_SLUG = "^[-\\w]+$"  # what drf-spectacular writes for a SlugField: ASCII only in JSON Schema
SLUG = "^[^\\s/?#]+$"  # our slugs keep Chinese (allow_unicode): any word, no separator


def _unicode_slugs(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("pattern") == ASCII_SLUG:
            node["pattern"] = SLUG
        for value in node.values():
            _unicode_slugs(value)
    elif isinstance(node, list):
        for value in node:
            _unicode_slugs(value)


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    _unicode_slugs(result.get("components", {}))
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            wanted = ["401", "403"]
            if operation.get("parameters") or method in WRITE_METHODS:
                wanted.append("400")
            if "{" in path:
                wanted.append("404")
            if "application/json" in operation.get("requestBody", {}).get("content", {}):
                wanted.append("413")
            for code in wanted:
                responses.setdefault(code, _error(code))
    return result
