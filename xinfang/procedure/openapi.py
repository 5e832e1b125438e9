"""A step's input schema as the documented request body of its own API operation.

The engine validates the body itself (after scope, role and state, so that a stranger learns
nothing from a 422), so the operation declares the body for the docs only: `request_body(schema)`
is the OpenAPI `requestBody` with the schema's definitions inlined.
"""

from typing import Any

from .inputs import StepInput


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        own = {k: _inline(v, defs) for k, v in node.items() if k not in ("$defs", "$ref")}
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            # the field's own keys (its Chinese title, its help) win over the definition's
            return {**_inline(defs[ref.removeprefix("#/$defs/")], defs), **own}
        return own
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def request_body(schema: type[StepInput], description: str = "") -> dict[str, Any]:
    raw = schema.model_json_schema()
    body = _inline(raw, raw.get("$defs", {}))
    body["title"] = schema.__name__
    return {
        "requestBody": {
            "required": False,
            "description": description,
            "content": {"application/json": {"schema": body}},
        }
    }
