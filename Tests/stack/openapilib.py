"""docs/openapi.yaml for the stack tests: which operation a request reached, and whether
an answer (status, headers, body) is one the document allows.

`Spec.check(resp)` is the one check: the request's method and path must be an operation
of the document (or, for a path that is not one, a 404/405 in the ErrorBody shape), the
status one of that operation's documented responses, the documented headers present and
well formed, and the body valid against the response's schema under the OpenAPI 3.1
dialect (formats checked: uuid, date-time, int64, ...). Any mismatch is an
AssertionError that shows the request and the answer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
import yaml
from openapi_schema_validator import OAS31Validator, oas31_format_checker

REPO = Path(__file__).resolve().parents[2]
SPEC_PATH = REPO / "docs" / "openapi.yaml"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass(frozen=True)
class Operation:
    method: str  # upper case
    template: str  # "/api/v1/customer/conversations/{id}"
    pattern: re.Pattern
    literal_segments: int  # more literal segments win, as in the worker's router
    spec: dict = field(compare=False, hash=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.method} {self.template}"


class Spec:
    def __init__(self, path: Path = SPEC_PATH) -> None:
        self.path = path
        self.doc: dict = yaml.safe_load(path.read_text())
        self.operations: list[Operation] = []
        for template, item in self.doc["paths"].items():
            item = self.resolve(item)
            shared = item.get("parameters", [])
            for method in METHODS:
                if method not in item:
                    continue
                op = dict(item[method])
                op["parameters"] = shared + op.get("parameters", [])
                regex = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
                literals = sum(1 for s in template.split("/") if s and not s.startswith("{"))
                self.operations.append(Operation(method.upper(), template, re.compile(regex), literals, op))
        self.operations.sort(key=lambda o: -o.literal_segments)

    # -- the document ------------------------------------------------------------

    def resolve(self, node: Any) -> Any:
        """Follows a local `$ref` (to any depth) and returns what it names."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), f"only local references: {ref}"
            target: Any = self.doc
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            node = target
            seen += 1
            assert seen < 20, f"reference loop at {ref}"
        return node

    def validator(self, schema: dict) -> Any:
        """An OpenAPI 3.1 validator for `schema`; its `#/components/...` references resolve
        against this document."""
        root = {**schema, "components": self.doc["components"]}
        return OAS31Validator(root, format_checker=oas31_format_checker)

    def schema(self, name: str) -> dict:
        return self.doc["components"]["schemas"][name]

    @cached_property
    def templates(self) -> set[str]:
        return {o.template for o in self.operations}

    def find(self, method: str, path: str) -> tuple[Operation | None, list[str]]:
        """The operation a request reaches (None if none) and the methods its path allows."""
        method = "GET" if method == "HEAD" else method
        matching = [o for o in self.operations if o.pattern.match(path)]
        for o in matching:
            if o.method == method:
                return o, []
        return None, sorted({o.method for o in matching})

    # -- checking answers -----------------------------------------------------------

    def check_body(self, schema: dict, body: Any, where: str) -> None:
        errors = sorted(self.validator(schema).iter_errors(body), key=lambda e: list(e.absolute_path))
        if errors:
            lines = [f"- at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}" for e in errors[:10]]
            raise AssertionError(f"{where}: the body does not match the schema\n" + "\n".join(lines)
                                 + f"\nbody: {json.dumps(body)[:2000]}")

    def check(self, resp: requests.Response) -> Operation | None:
        """Checks an answer against the document; returns the operation it belongs to
        (None for a documented 404/405 of a path that is no operation)."""
        method = resp.request.method.upper()
        path = urlsplit(resp.request.url).path
        where = f"{method} {resp.request.path_url} -> {resp.status_code} {_preview(resp)}"
        op, allowed = self.find(method, path)
        if op is None:
            # Not an operation: only the documented "no such route" answers.
            if allowed:
                assert resp.status_code == 405, f"{where}: {path} answers {allowed}, so {method} must be a 405"
                self.check_response(self.doc["components"]["responses"]["MethodNotAllowed"], resp, where)
                assert set(resp.headers["Allow"].replace(" ", "").split(",")) == set(allowed), (
                    f"{where}: Allow is {resp.headers['Allow']!r}, the document has {allowed}")
            else:
                assert resp.status_code == 404, f"{where}: {path} is no operation of docs/openapi.yaml"
                self.check_response(self.doc["components"]["responses"]["NotFound"], resp, where)
            return None
        responses = op.spec["responses"]
        assert str(resp.status_code) in responses, (
            f"{where}: status {resp.status_code} is not documented for {op.key} "
            f"(documented: {', '.join(sorted(responses))})")
        if resp.status_code in (404, 405) and resp.headers.get("Content-Type", "").startswith("application/json"):
            # A documented route must exist: the router's own answers mean it does not.
            code = _json_or_none(resp)
            assert not (isinstance(code, dict) and code.get("code") in ("route_not_found", "method_not_allowed")), (
                f"{where}: {op.key} is documented but the server has no such route")
        self.check_response(responses[str(resp.status_code)], resp, f"{where} [{op.key}]")
        return op

    def check_response(self, response: dict, resp: requests.Response, where: str) -> None:
        response = self.resolve(response)
        for name, header in (response.get("headers") or {}).items():
            header = self.resolve(header)
            value = resp.headers.get(name)
            if value is None:
                assert not header.get("required"), f"{where}: the {name} header is missing"
                continue
            schema = header.get("schema", {})
            typed: Any = value
            if schema.get("type") == "integer":
                assert re.fullmatch(r"[0-9]+", value), f"{where}: {name}: {value!r} is not an integer"
                typed = int(value)
            self.check_body(schema, typed, f"{where} header {name}")
        content = response.get("content")
        if not content:
            assert not resp.content, f"{where}: the document has no body here, the server sent {resp.content[:200]!r}"
            return
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip().lower()
        # A file's answer documents its type as a range ("*/*", "image/*"): the type found in its bytes.
        assert ctype in content or "*/*" in content or f"{ctype.split('/')[0]}/*" in content, (
            f"{where}: Content-Type {ctype!r}, documented: {list(content)}")
        if ctype != "application/json":
            return
        try:
            body = resp.json()
        except ValueError as e:
            raise AssertionError(f"{where}: the body is not JSON: {e}") from None
        self.check_body(content[ctype]["schema"], body, where)


def _preview(resp: requests.Response) -> str:
    """The start of the body, but never a read of an open event stream (it would block)."""
    if resp.headers.get("Content-Type", "").startswith("text/event-stream"):
        return "<event stream>"
    return repr(resp.text[:300])


def _json_or_none(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


API_ROUTE = re.compile(r"`(GET|POST|PATCH|DELETE|PUT)(?:/(GET|POST|PATCH|DELETE|PUT))? (/api/v1/[^`?\s]*)")


def api_md_routes(text: str) -> set[str]:
    """Every `METHOD /api/v1/...` route of docs/API.md's tables and sections, as
    "METHOD template" with `{name}` parameters (agent routes also under their officer alias)."""
    routes: set[str] = set()
    for m in API_ROUTE.finditer(text):
        path = re.sub(r"\{[^}]+\}", "{}", m.group(3))
        for method in filter(None, (m.group(1), m.group(2))):
            routes.add(f"{method} {path}")
    for route in list(routes):
        if "/api/v1/agent/" in route:
            routes.add(route.replace("/api/v1/agent/", "/api/v1/officer/"))
    return routes
