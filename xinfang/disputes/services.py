"""Writes around disputes besides the machine's steps: registering one of a unit in scope, opening
one from a petition (访调对接) or a sign (苗头信息), sending a failed one into the petition procedure
or to an incident (the other app's own service first, then the `refer` step records the link), the
settings, and the audit of a case file's view (the parties' particulars are personal data)."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import ensure_capability
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, PermissionDenied, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import access_unit_by_id

from .choices import Destination, DisputeStatus, Source
from .machine import allowed_actions, dispute_transition
from .models import DEFAULT_CHAIN, Dispute, DisputeSetting

SETTINGS_CAPABILITY = "rules.manage"


def dispute_register(
    *, actor: User, unit: int | None = None, request_meta: RequestMeta | None = None, **fields: Any
) -> Dispute:
    """Registers a dispute that arose at `unit` (default: the actor's own), a unit in scope."""
    if unit is None:
        if actor.unit is None:
            raise ValidationFailed("您的账号没有所属单位，不能登记矛盾纠纷。")
        target = actor.unit
    else:
        target = access_unit_by_id(actor, unit, request_meta)
    return dispute_transition(
        dispute=Dispute(unit=target, unit_path=target.path),
        action="register",
        actor=actor,
        request_meta=request_meta,
        **fields,
    )


def dispute_from_petition(
    *, actor: User, petition_id: Any, kind: str, request_meta: RequestMeta | None = None, **fields: Any
) -> Dispute:
    """访调对接: a petition the office finds suitable for mediation opens a dispute at the unit the
    matter concerns, its petitioners as the first parties, linked to the petition."""
    from xinfang.petitions.selectors import access_petition_by_id, identity_hidden

    ensure_capability(actor, "disputes.register")
    petition = access_petition_by_id(actor, petition_id, request_meta)
    if identity_hidden(actor, petition):  # the unit complained about never learns who complained
        raise PermissionDenied("您不能查看这件信访事项的信访人，不能将其转入人民调解。")
    if Dispute.objects.filter(source=Source.PETITION, source_id=petition.pk).exists():
        raise Conflict(f"信访件 {petition.number} 已转入人民调解。")
    unit = _mediating_unit(actor, petition)
    petitioners = [link.petitioner for link in petition.petitioner_links.select_related("petitioner")[:50]]
    parties = fields.pop("parties", None) or [
        {"name": p.name, "id_number": p.id_number, "phone": p.phone, "address": p.address}
        for p in petitioners
    ]
    return dispute_register(
        actor=actor,
        unit=unit,
        request_meta=request_meta,
        kind=kind,
        place=fields.pop("place", "") or (petition.problem_unit.name if petition.problem_unit else "—"),
        facts=fields.pop("facts", "") or petition.content[:5000],
        demands=fields.pop("demands", "") or petition.subject,
        parties=parties,
        source=Source.PETITION,
        source_id=petition.pk,
        source_number=petition.number,
        **fields,
    )


def _mediating_unit(actor: User, petition: Any) -> int | None:
    """Where a petition's dispute is registered: the unit the matter concerns, unless the petition
    complains about that unit (or one above it): then the unit above the one complained about,
    so that nobody in it learns who complained (409 when that lies outside the actor's scope)."""
    unit = petition.problem_unit_id or actor.unit_id
    protected = getattr(petition, "protected_path", "") or ""
    if not protected:
        return unit
    path = petition.problem_unit.path if petition.problem_unit else (actor.unit.path if actor.unit else "")
    if not path.startswith(protected):
        return unit
    from xinfang.organisation.models import Unit

    complained = Unit.objects.filter(path=protected).select_related("parent").first()
    above = complained.parent if complained is not None else None
    if above is None or actor.unit is None or not above.path.startswith(actor.unit.path):
        raise Conflict("该信访件反映的是问题属地本身，不能由其调解；请由其上级单位转入人民调解。")
    return above.pk


def dispute_from_sign(
    *,
    actor: User,
    report_id: Any,
    kind: str,
    parties: list[dict[str, Any]],
    request_meta: Any = None,
    **fields: Any,
) -> Dispute:
    """A sign (苗头信息) that is a dispute: registered at the reporting unit, and the sign records
    the link (its `link` step, kind "dispute")."""
    from xinfang.inforeports.machine import report_transition
    from xinfang.inforeports.selectors import access_report_by_id

    report = access_report_by_id(actor, report_id, request_meta)
    if any(link.get("kind") == "dispute" for link in report.links or []):
        raise Conflict("这条苗头信息已转为矛盾纠纷。")
    with transaction.atomic():
        dispute = dispute_register(
            actor=actor,
            unit=report.unit_id,
            request_meta=request_meta,
            kind=kind,
            place=fields.pop("place", "") or report.place or report.unit.name,
            facts=fields.pop("facts", "") or report.content or report.title,
            demands=fields.pop("demands", "") or report.demands or report.title,
            people=fields.pop("people", None) or report.headcount or 2,
            parties=parties,
            source=Source.SIGN,
            source_id=report.pk,
            source_number=report.number,
            **fields,
        )
        report_transition(
            report=report,
            action="link",
            actor=actor,
            request_meta=request_meta,
            kind="dispute",
            target=dispute.pk,
            number=dispute.number,
        )
    return dispute


def dispute_to_petition(
    *, actor: User, dispute: Dispute, category: str, not_repeat: bool = False, request_meta: Any = None
) -> Any:
    """A failed mediation that goes into the petition procedure: registered as a petition (channel
    来访, the parties as petitioners, the unit where it arose as 问题属地) by the petitions' own
    service, then the dispute's `refer` step records where it went and the link."""
    from xinfang.petitions.services import PetitionerInput, PetitionInput, petition_register

    ensure_capability(actor, "petitions.register")
    if dispute.status != DisputeStatus.FAILED:
        raise Conflict("只有调解不成的纠纷可以导入信访程序。")
    if "refer" not in allowed_actions(dispute, actor):
        raise PermissionDenied("只有承担调处的调委会可以将纠纷导入信访程序。")
    if not category.strip():
        raise ValidationFailed("请选择问题类别。", {"category": "请选择问题类别。"})
    parties = list(dispute.parties.all()[:5])
    data = PetitionInput(
        channel="visit",
        received_at=timezone.now(),
        subject=f"{dispute.kind.name}：{dispute.demands[:60]}",
        content=f"{dispute.facts}\n\n诉求：{dispute.demands}\n\n（矛盾纠纷 {dispute.number} 调解不成转入）",
        category=category.strip(),
        problem_unit=dispute.unit_id,
        petitioners=[
            PetitionerInput(name=p.name, id_number=p.id_number, phone=p.phone, address=p.address)
            for p in parties
        ],
        not_repeat=not_repeat,
    )
    petition = petition_register(actor=actor, data=data, request_meta=request_meta)
    dispute_transition(
        dispute=dispute,
        action="refer_linked",
        actor=actor,
        request_meta=request_meta,
        to=Destination.PETITION,
        link_kind="petition",
        link_id=petition.pk,
        link_number=petition.number,
        note=f"调解不成，导入信访程序：{petition.number}",
    )
    return petition


def dispute_to_incident(*, actor: User, dispute: Dispute, request_meta: Any = None, **fields: Any) -> Any:
    """A dispute that turned into a gathering or another incident: the incident is registered by
    its own service (its clocks start), then the dispute records the referral and the link."""
    from xinfang.incidents.services import incident_register

    if "refer" not in allowed_actions(dispute, actor):
        raise PermissionDenied("只有承担调处的调委会可以将纠纷转为突发事件。")
    fields.setdefault("place", dispute.place)
    fields.setdefault("demands", dispute.demands)
    fields.setdefault("headcount", dispute.people)
    incident = incident_register(actor=actor, unit=dispute.unit_id, request_meta=request_meta, **fields)
    dispute_transition(
        dispute=dispute,
        action="refer_linked",
        actor=actor,
        request_meta=request_meta,
        to=Destination.INCIDENT,
        link_kind="incident",
        link_id=incident.pk,
        link_number=incident.number,
        note=f"转为突发事件处置：{incident.number}",
    )
    return incident


def dispute_viewed(*, actor: Any, dispute: Dispute, request_meta: RequestMeta | None = None) -> None:
    """Every view of a case file (the parties' particulars) is audited."""
    audit_record(
        actor=actor,
        event=AuditEvent.PERSONAL_DATA_VIEWED,
        target=dispute,
        target_label=dispute.number,
        request_meta=request_meta,
    )


SETTING_FIELDS = (
    "class1_amount",
    "class1_people",
    "class2_amount",
    "class2_people",
    "visit_months_1",
    "visit_months_2",
    "visit_months_3",
    "centre_level",
    "target_participation",
    "target_success",
    "target_satisfaction",
)


def setting_save(
    *, actor: User, chain: list[str] | None = None, request_meta: Any = None, **values: Any
) -> DisputeSetting:
    """The installation's dispute rules (thresholds, return-visit months, the chain, targets), for
    the system administrator; every change audited with the old and new values."""
    ensure_capability(actor, SETTINGS_CAPABILITY)
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for name in SETTING_FIELDS:
        if name not in values or values[name] in (None, ""):
            continue
        try:
            number = float(values[name]) if name.startswith("target_") else int(values[name])
        except (TypeError, ValueError):
            errors[name] = "须为数字。"
            continue
        if name.startswith("target_") and not 0 <= number <= 100:
            errors[name] = "目标须在 0 到 100 之间。"
        elif name.startswith("visit_months") and not 1 <= number <= 24:
            errors[name] = "回访月数须在 1 到 24 之间。"
        elif not name.startswith("target_") and not 0 <= number <= 10**12:
            errors[name] = "数值超出范围。"
        clean[name] = number
    levels = [c.strip() for c in (chain or []) if c and c.strip()]
    if chain is not None and not 2 <= len(levels) <= 12:
        errors["chain"] = "调处责任链须有 2 到 12 个层级。"
    if chain is not None and any(len(c) > 30 for c in levels):
        errors["chain"] = "每个层级名称不超过 30 字。"
    with transaction.atomic():
        row = DisputeSetting.objects.select_for_update().filter(pk=1).first() or DisputeSetting(
            pk=1, chain=list(DEFAULT_CHAIN)
        )
        merged = {**{n: getattr(row, n) for n in SETTING_FIELDS}, **clean}
        if (
            merged["class1_amount"] < merged["class2_amount"]
            or merged["class1_people"] < merged["class2_people"]
        ):
            errors["class1_amount"] = "一类纠纷的金额、人数标准不能低于二类。"
        count = len(levels) if chain is not None else len(row.levels)
        if not 2 <= int(merged["centre_level"]) <= count:
            errors["centre_level"] = f"镇级调处起始层级须在 2 到 {count} 之间。"
        if errors:
            raise ValidationFailed("矛盾纠纷调处设置有误：" + "；".join(errors.values()), errors)
        old = {n: str(getattr(row, n)) for n in SETTING_FIELDS} | {"chain": "、".join(row.levels)}
        for name, value in clean.items():
            setattr(row, name, value)
        if chain is not None:
            row.chain = levels
        row.updated_by, row.updated_at = actor, timezone.now()
        row.save()
        audit_record(
            actor=actor,
            event=AuditEvent.DEADLINE_RULE_CHANGED,
            target=row,
            target_label="矛盾纠纷调处设置",
            request_meta=request_meta,
            old=old,
            new={n: str(getattr(row, n)) for n in SETTING_FIELDS} | {"chain": "、".join(row.levels)},
        )
    return row
