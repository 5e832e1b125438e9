"""Writes of information reports: filing one for the actor's unit (every other change is a step
of the report machine, `machine.report_transition`)."""

from typing import Any

from xinfang.accounts.models import User
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta

from .machine import report_transition
from .models import InfoReport


def report_file(*, actor: User, request_meta: RequestMeta | None = None, **fields: Any) -> InfoReport:
    """Files a report of the actor's own unit (the information officer's unit)."""
    if actor.unit is None:
        raise ValidationFailed("您的账号没有所属单位，不能报送信息。")
    return report_transition(
        report=InfoReport(unit=actor.unit), action="file", actor=actor, request_meta=request_meta, **fields
    )
