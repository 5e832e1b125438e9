"""What the audit log keeps of an HTTP request."""

import json
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from .exceptions import ValidationFailed


@dataclass(frozen=True)
class RequestMeta:
    ip: str | None
    user_agent: str

    @classmethod
    def from_request(cls, request: HttpRequest | None) -> "RequestMeta | None":
        if request is None:
            return None
        return cls(
            ip=request.META.get("REMOTE_ADDR") or None,
            user_agent=(request.META.get("HTTP_USER_AGENT") or "")[:300],
        )


def json_body(request: HttpRequest) -> dict[str, Any]:
    """A JSON object body as a dict ({} for none); 422 in Chinese for anything else. The
    procedure validates it with the step's schema after scope, role and state are checked."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except ValueError:
        raise ValidationFailed("请求体不是合法的 JSON。", {"__all__": "请求体不是合法的 JSON。"}) from None
    if not isinstance(body, dict):
        raise ValidationFailed("请求体须为 JSON 对象。", {"__all__": "请求体须为 JSON 对象。"})
    return body


# names the transition functions take themselves: a body that sends them is not a step's input
_NOT_STEP_FIELDS = frozenset(
    {
        "action",
        "actor",
        "request_meta",
        "petition",
        "shift",
        "supervision",
        "incident",
        "dispute",
        "person",
        "case",
        "machine",
    }
)


def step_fields(request: HttpRequest) -> dict[str, Any]:
    """A step's input from the JSON body: its non-null values, without the names the transition
    functions take as their own arguments (sent in a body, they would clash with them: a 500)."""
    return {k: v for k, v in json_body(request).items() if v is not None and k not in _NOT_STEP_FIELDS}
