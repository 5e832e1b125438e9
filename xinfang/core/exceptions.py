"""Errors raised by services. One API handler and one page handler map them to responses."""

from typing import Any


class ApplicationError(Exception):
    """A rule of the domain refused the request; `message` is shown to the user in Chinese."""

    status_code = 400

    def __init__(self, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class ValidationFailed(ApplicationError):
    status_code = 422


class PermissionDenied(ApplicationError):
    status_code = 403


class NotFound(ApplicationError):
    """Raised both for a record that does not exist and for one outside the caller's scope."""

    status_code = 404

    def __init__(
        self,
        message: str = "记录不存在或您无权查看。",
        extra: dict[str, Any] | None = None,
        *,
        missed: tuple[Any, Any] | None = None,
    ):
        super().__init__(message, extra)
        # (model, id) a lock through the caller's scope did not find: audited as ACCESS_DENIED
        # once the transaction it was raised in has rolled back, if the record exists
        self.missed = missed


class Conflict(ApplicationError):
    status_code = 409
