"""What the audit log keeps of an HTTP request."""

from dataclasses import dataclass

from django.http import HttpRequest


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
