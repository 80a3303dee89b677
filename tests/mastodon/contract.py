"""What the client sends, checked against the OpenAPI operation for its method and path.

The contract server runs every request through `RequestChecker.check`: an operation that the spec
does not have, a query parameter it does not declare or of the wrong type, a body in a form the
operation does not take, or a body that does not validate against the operation's schema (and no
property the schema does not name) is a violation. The server answers it 422 and records it, and
the test fails at teardown.

Two readings of the spec, both what Mastodon itself does:
- Bodies may always be sent as a form (urlencoded or multipart): Mastodon's documentation gives
  "form data parameters" for every operation, and OAuth's token endpoint takes only a form. A form
  value is read by the schema's type (one value of an array property is a one-item array, `x[]`
  names an array). JSON is accepted only where the operation declares `application/json`.
- The spec's `oneOf` in request bodies (text, media or poll status) is read as `anyOf`: a status
  with text and media is both a text status and a media status, which Mastodon accepts.

One correction: the spec's generator wrote an edit's `media_attributes[]` as an array of strings;
Mastodon reads objects with `id`, `description` and `focus` (its docs give
`media_attributes[][id]`...), and that is what the check expects.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import jsonschema

from tests.mastodon.wire import Request
from tests.support import FIXTURES

SCHEMA = FIXTURES / "mastodon" / "openapi-schema.json"
METHODS = ("get", "post", "put", "patch", "delete")
FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


@cache
def spec() -> dict[str, Any]:
    loaded = json.loads(SCHEMA.read_text())
    _correct_media_attributes(loaded)
    return loaded


def _correct_media_attributes(loaded: dict[str, Any]) -> None:
    edit = loaded["paths"].get("/api/v1/statuses/{id}", {}).get("put") or {}
    for content in ((edit.get("requestBody") or {}).get("content") or {}).values():
        props = (content.get("schema") or {}).get("properties") or {}
        if "media_attributes[]" in props:
            described = props.pop("media_attributes[]")
            props["media_attributes"] = {
                "type": "array",
                "description": described.get("description", ""),
                "items": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "description": {"type": "string"},
                        "focus": {"type": "string"},
                    },
                    "required": ["id"],
                    "additionalProperties": False,
                },
            }


def _any_of(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {("anyOf" if k == "oneOf" else k): _any_of(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_any_of(v) for v in schema]
    return schema


@cache
def _components() -> dict[str, Any]:
    return _any_of(spec()["components"])


def _resolve(schema: Any) -> dict[str, Any]:
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        merged = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**_components()["schemas"][name], **merged}
    return schema if isinstance(schema, dict) else {}


def _properties(schema: Any) -> tuple[dict[str, Any], bool]:
    """The properties an object schema names (through $ref, allOf, anyOf) and whether it is open
    (takes properties it does not name)."""
    schema = _resolve(schema)
    known: dict[str, Any] = dict(schema.get("properties") or {})
    open_ = bool(schema.get("additionalProperties")) or schema.get("type") not in (None, "object")
    parts = [p for key in ("allOf", "anyOf") for p in schema.get(key) or []]
    for part in parts:
        more, part_open = _properties(part)
        known.update(more)
        open_ = open_ or part_open
    if not known and not parts:
        open_ = True  # a free-form object
    return known, open_


def _unknown(value: Any, schema: Any, where: str) -> list[str]:
    found: list[str] = []
    resolved = _resolve(schema)
    if isinstance(value, dict):
        known, open_ = _properties(resolved)
        for key, item in value.items():
            if key in known:
                found += _unknown(item, known[key], f"{where}{key}.")
            elif not open_:
                found.append(f"{where}{key} is not a parameter of this operation")
    elif isinstance(value, list) and "items" in resolved:
        for item in value:
            found += _unknown(item, resolved["items"], where)
    return found


def _type_of(schema: Any) -> str:
    schema = _resolve(schema)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    return kind or "string"


def _coerce(value: str, schema: Any) -> Any:
    kind = _type_of(schema)
    if kind == "integer" and re.fullmatch(r"-?\d+", value):
        return int(value)
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return value
    if kind == "boolean" and value in ("true", "false"):
        return value == "true"
    return value


class RequestChecker:
    def __init__(self) -> None:
        self.paths: list[tuple[re.Pattern[str], str, dict[str, Any]]] = []
        for template, item in spec()["paths"].items():
            pattern = "/".join(
                "[^/]+" if seg.startswith("{") else re.escape(seg) for seg in template.split("/")
            )
            self.paths.append((re.compile(pattern + "$"), template, item))
        # A literal segment wins over a template: /accounts/verify_credentials, not /accounts/{id}.
        self.paths.sort(key=lambda p: p[1].count("{"))

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any] | None]:
        for pattern, template, item in self.paths:
            if pattern.match(path):
                return template, item.get(method.lower())
        return "", None

    def check(self, req: Request) -> list[str]:
        template, op = self.operation(req.method, req.path)
        if not template:
            return [f"{req.method} {req.path}: no such operation in the API"]
        if op is None:
            return [f"{req.method} {template}: the API has no such method for this path"]
        where = f"{req.method} {template}"
        return [f"{where}: {v}" for v in self._query(req, op) + self._body(req, op)]

    # ----- query ---------------------------------------------------------------------------------
    def _query(self, req: Request, op: dict[str, Any]) -> list[str]:
        params = {p["name"]: p for p in op.get("parameters") or [] if p.get("in") == "query"}
        given: dict[str, list[str]] = {}
        bracketed: set[str] = set()
        for key, value in req.query:
            name = key[:-2] if key.endswith("[]") else key
            if key.endswith("[]"):
                bracketed.add(name)
            given.setdefault(name, []).append(value)
        found = [
            f"query parameter {name!r} is required"
            for name, p in params.items()
            if p.get("required") and name not in given
        ]
        for name, values in given.items():
            param = params.get(name)
            if param is None:
                found.append(f"query parameter {name!r} is not a parameter of this operation")
                continue
            schema = _resolve(param.get("schema") or {})
            if _type_of(schema) == "array":
                item_schema = schema.get("items") or {}
            else:
                if name in bracketed or len(values) > 1:
                    found.append(f"query parameter {name!r} takes one value, not a list")
                item_schema = schema
            for value in values:
                found += self._value(name, _coerce(value, item_schema), item_schema)
        return found

    def _value(self, name: str, value: Any, schema: Any) -> list[str]:
        try:
            jsonschema.Draft202012Validator(
                {"components": _components(), **_any_of(schema)}
            ).validate(value)
        except jsonschema.ValidationError as exc:
            return [f"query parameter {name!r}={value!r}: {exc.message}"]
        return []

    # ----- body ----------------------------------------------------------------------------------
    def _body(self, req: Request, op: dict[str, Any]) -> list[str]:
        declared = op.get("requestBody")
        ctype = req.headers.get("content-type", "").split(";")[0].strip().lower()
        if not req.body:
            if declared and declared.get("required"):
                # An empty required body is fine when the schema requires nothing in it.
                schema = self._schema(declared)
                if _resolve(schema).get("required"):
                    return ["a request body is required"]
            return []
        if not declared:
            return [f"sends a body ({ctype or 'no content type'}) the operation does not take"]
        content = declared.get("content") or {}
        schema = self._schema(declared)
        if ctype == "application/json":
            if "application/json" not in content:
                return [f"sends JSON where the operation takes {', '.join(content)}"]
            try:
                body = json.loads(req.body)
            except ValueError:
                return ["the JSON body does not parse"]
        elif ctype in FORMS:
            body = self._form(req, schema)
        else:
            return [f"sends a body of type {ctype or 'unknown'}"]
        found = _unknown(body, schema, "body ")
        try:
            jsonschema.Draft202012Validator(
                {"components": _components(), **_any_of(schema)}
            ).validate(body)
        except jsonschema.ValidationError as exc:
            path = "/".join(str(p) for p in exc.absolute_path)
            found.append(f"body {path or '(top)'}: {exc.message}")
        return found

    def _schema(self, declared: dict[str, Any]) -> Any:
        content = declared.get("content") or {}
        for ctype in ("application/json", *FORMS):
            if ctype in content:
                return content[ctype].get("schema") or {}
        return next(iter(content.values()), {}).get("schema") or {}

    def _form(self, req: Request, schema: Any) -> dict[str, Any]:
        known, _ = _properties(schema)
        body: dict[str, Any] = {}
        for key, value in req.pairs:
            name = key[:-2] if key.endswith("[]") else key
            prop = known.get(name) or known.get(key) or {}
            if _type_of(prop) == "array" or key.endswith("[]"):
                items = _resolve(prop).get("items") or {}
                body.setdefault(name, []).append(_coerce(value, items))
            else:
                body[name] = _coerce(value, prop)
        for name in req.files:
            body[name] = "(a file)"
        return body
