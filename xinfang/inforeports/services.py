"""Writes of information reports: filing one for the actor's unit (every other change is a step
of the report machine, `machine.report_transition`), and a sign (苗头信息) registered as a
petition (转为信访件) through the petitions' own service."""

from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta

from .choices import ReportKind
from .machine import allowed_actions, report_transition
from .models import InfoReport

SUBJECT_MAX = 200  # a petition's 标题
PETITIONER_FIELDS = {"petitioners.0.name": "name", "petitioners.0.phone": "phone"}


def report_file(*, actor: User, request_meta: RequestMeta | None = None, **fields: Any) -> InfoReport:
    """Files a report of the actor's own unit (the information officer's unit)."""
    if actor.unit is None:
        raise ValidationFailed("您的账号没有所属单位，不能报送信息。")
    return report_transition(
        report=InfoReport(unit=actor.unit), action="file", actor=actor, request_meta=request_meta, **fields
    )


def report_to_petition(
    *,
    actor: User,
    report: InfoReport,
    name: str,
    phone: str = "",
    category: str,
    not_repeat: bool = False,
    repeat_of: int | None = None,
    request_meta: RequestMeta | None = None,
) -> Any:
    """转为信访件: a sign becomes a registered petition (channel 来访, the person named as
    petitioner, the sign's title as subject, its content and demands as content, the reporting
    unit as 问题属地, the actor as 首问责任人), then the sign records the link (`link`).

    As the duty log's registration: the petition is registered by its own service first (its
    checks, its repeat check and its word segmentation before it takes SQLite's write lock), then
    the report's step links it. Whatever the link would refuse is asked first, so a link refused
    after the registration can only come of a race: the petition then stands, registered and
    audited, and the link can be recorded again."""
    from xinfang.petitions.services import PetitionerInput, PetitionInput, petition_register

    ensure_capability(actor, "petitions.register")
    if report.kind != ReportKind.EARLY_SIGN:
        raise Conflict("只有苗头信息可以转为信访件。")
    done = next((link for link in report.links if link.get("kind") == "petition"), None)
    if done is not None:
        raise Conflict(f"这条苗头信息已转为信访件 {done.get('number', '')}。")
    if "link" not in allowed_actions(report, actor):
        raise PermissionDenied("只有报送单位或其上级单位可以将这条苗头信息转为信访件。")
    errors: dict[str, str] = {}
    if not name.strip():
        errors["name"] = "请填写信访人姓名。"
    if not category.strip():
        errors["category"] = "请选择问题类别。"
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    content = report.content.strip()
    if report.demands.strip():
        content = f"{content}\n\n主要诉求：{report.demands.strip()}".strip()
    data = PetitionInput(
        channel="visit",
        received_at=timezone.now(),
        subject=report.title[:SUBJECT_MAX],
        content=content,
        category=category.strip(),
        problem_unit=report.unit_id,
        petitioners=[PetitionerInput(name=name.strip(), phone=phone.strip())],
        not_repeat=not_repeat,
        repeat_of=repeat_of,
    )
    try:
        petition = petition_register(actor=actor, data=data, request_meta=request_meta)
    except ValidationFailed as exc:  # the petitioner's fields under this form's names
        fields = {PETITIONER_FIELDS.get(k, k): v for k, v in exc.extra.items()}
        raise ValidationFailed(exc.message, fields) from None
    report_transition(
        report=report,
        action="link",
        actor=actor,
        request_meta=request_meta,
        kind="petition",
        target=petition.pk,
        number=petition.number,
    )
    return petition
