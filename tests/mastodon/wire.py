"""The contract server's HTTP messages: a parsed request and the reply a route gives."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any
from urllib.parse import parse_qsl


@dataclass
class Request:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes
    form: dict[str, Any] = field(default_factory=dict)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    head: bytes = b""  # the request line and headers as received (to pass an upgrade on)
    pairs: list[tuple[str, str]] = field(default_factory=list)  # a form body's fields, in order

    def arg(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.query:
            if k == name:
                return v
        value = self.form.get(name)
        return value if isinstance(value, str) else default

    def args(self, name: str) -> list[str]:
        return [v for k, v in self.query if k == name]


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    schema: str | None = None  # component name, "X[]" for a list, "X{}" for a map of X
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    content_type: str = "application/json; charset=utf-8"


@dataclass
class Fault:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    method: str | None
    times: int


def parse_body(req: Request) -> None:
    ctype = req.headers.get("content-type", "")
    if not req.body:
        return
    if ctype.startswith("application/json"):
        with contextlib.suppress(ValueError):
            data = json.loads(req.body)
            if isinstance(data, dict):
                req.form = data
    elif ctype.startswith("application/x-www-form-urlencoded"):
        pairs = parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        req.pairs = pairs
        req.form = dict(pairs)
        for k, v in pairs:
            if k.endswith("[]"):
                req.form.setdefault(k[:-2], []).append(v)
    elif ctype.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            filename = part.get_filename()
            payload = part.get_payload(decode=True) or b""
            if filename:
                req.files[name] = (filename, payload)
            elif name:
                req.form[name] = payload.decode("utf-8", "replace")
                req.pairs.append((name, req.form[name]))
