"""A dispute as a machine (人民调解, 人民调解法 and seed 003 篇五):

待调解 → 调解中 (a mediator assigned; 回避 returns it to 待调解) → 协议拟定中 (a written agreement is
drafted) → 协议履行中 (the agreement took effect: every required item, every party's signature, the
mediator's and the committee's seal) → 已履行 (every term performed) → 已结案 (after the return visit).
An oral agreement (简易程序, or by choice) goes from 调解中 straight to 协议履行中. 调解不成 records
where it went (导出: litigation, arbitration, an administrative body, the petition procedure, an
incident); a failure to perform reopens mediation or is referred to court.

A dispute rises up 篇五's chain one level at a time (a skip is refused); rising from the village's
levels to the township's centre needs the three conditions of seed 001-5 and hands it to the
organ's committee (矛盾上交). Every step writes the history and one audit entry, which names the
dispute by number only (parties' particulars are never in the audit log or a message)."""

from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.accounts.permissions import SUBTREE_ROLES, has_capability, sees_subtree
from xinfang.accounts.roles import BUSINESS_ROLES, Role
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.organisation.models import Unit, UnitType
from xinfang.petitions.validators import id_number_problem, normalise_id_number, phone_problem
from xinfang.procedure import engine
from xinfang.procedure.machine import Change, DocumentRequest, Form, Machine, Notice, Party, Step

from .. import clocks, notices
from ..choices import (
    AgreementForm,
    Confirmation,
    Destination,
    DisputeStatus,
    Nature,
    Outcome,
    PartyKind,
    Procedure,
    Route,
)
from ..models import (
    OWNER_TYPE,
    Agreement,
    AgreementTerm,
    Dispute,
    DisputeEvent,
    DisputeKind,
    DisputeParty,
    DisputeSession,
    DisputeSetting,
    DisputeUnit,
    DisputeVisit,
)
from ..selectors import disputes_visible_to
from . import schemas

S = DisputeStatus
REGISTER = frozenset({"disputes.register"})
MEDIATE = frozenset({"disputes.mediate"})
MANAGE = frozenset({"disputes.manage"})
VILLAGE_TYPES = frozenset({UnitType.VILLAGE, UnitType.COMMUNITY, UnitType.MANAGEMENT_AREA})
INVESTIGATION_MAX = 20000
PARTIES_MAX = 50
MEDIATOR_ROLES = (Role.MEDIATOR, Role.HANDLER, Role.CLERK, Role.LEADER, Role.PRINCIPAL)
# the levels of the chain a village holds (村综治主任 … 驻村第一书记) lie below `centre_level`


def _covers(unit: Unit | None, path: str) -> bool:
    return unit is not None and path.startswith(unit.path)


def _in_area(dispute: Dispute, actor: User) -> bool:
    """The actor's own unit, or one below it for those who see a subtree (the scope's rule)."""
    if actor.unit_id == dispute.unit_id:
        return True
    return sees_subtree(actor) and _covers(actor.unit, dispute.unit_path or dispute.unit.path)


def _handles(dispute: Dispute, actor: User) -> bool:
    """The mediator in person, or the committee that handles it now (its unit or above)."""
    if dispute.mediator_id == actor.pk:
        return True
    handling = dispute.handling_unit
    return handling is not None and _covers(actor.unit, handling.path)


AREA: Party[Dispute] = Party("area", _in_area, "只有纠纷发生单位或其上级单位可以登记纠纷。")
HANDLING: Party[Dispute] = Party("handling", _handles, "只有承担调处的调委会或指定的调解员可以执行此操作。")


def _recused(dispute: Dispute, actor: User) -> bool:
    return any(r.get("user") == actor.pk for r in dispute.recused or [])


def _not_recused(dispute: Dispute, actor: User) -> str | None:
    """回避 binds the person: one who recused takes no further part in the case."""
    return "您已回避本纠纷，不能再参与调处。" if _recused(dispute, actor) else None


def _may_recuse(dispute: Dispute, actor: User) -> str | None:
    """The mediator recuses themself, or the office (disputes.manage) recuses them."""
    if _recused(dispute, actor):
        return "您已回避本纠纷，不能再参与调处。"
    if dispute.mediator_id == actor.pk or has_capability(actor, "disputes.manage"):
        return None
    return "回避由调解员本人提出，或由调委会办公室决定。"


def _has_mediator(dispute: Dispute) -> str | None:
    return None if dispute.mediator_id else "尚未指定调解员。"


def _session_held(dispute: Dispute) -> str | None:
    if dispute.procedure == Procedure.SIMPLE or dispute.sessions.exists():
        return None
    return "一般程序须先记录至少一次调解会（时间、地点、参加人员、调解记录）。"


def _visited(dispute: Dispute) -> str | None:
    if dispute.status == S.PERFORMED and dispute.visited_at is None:
        return "协议履行完毕后须回访当事人，方可结案。"
    return None


# --- registering ------------------------------------------------------------------------------


def _route(kind: DisputeKind, dispute_class: int, sudden: bool, unit: Unit) -> Route:
    """篇五's routing: public-order and criminal matters to the police station, major or sudden
    ones to the township's principal leader, larger ones (二类 and above) to the township
    committee, ordinary civil disputes to the village committee (a unit that is no village:
    its township's)."""
    if kind.nature == Nature.PUBLIC_ORDER:
        return Route.POLICE
    if sudden or dispute_class == 1:
        return Route.PRINCIPAL
    if dispute_class == 2 or unit.unit_type not in VILLAGE_TYPES:
        return Route.TOWNSHIP
    return Route.VILLAGE


def first_level(route: str, setting: DisputeSetting) -> int:
    chain = len(setting.levels)
    return {
        Route.VILLAGE: 1,
        Route.TOWNSHIP: min(setting.centre_level, chain),
        Route.POLICE: min(setting.centre_level + 1, chain),
        Route.PRINCIPAL: chain,
    }.get(Route(route), 1)


def _parties(given: Any) -> list[DisputeParty]:
    errors: dict[str, str] = {}
    rows = []
    for index, party in enumerate(given):
        id_number = normalise_id_number(party.id_number)
        if id_number and party.kind == PartyKind.PERSON and (problem := id_number_problem(id_number)):
            errors[f"parties[{index}].id_number"] = f"第{index + 1}位当事人：{problem}"
        if party.kind == PartyKind.ORGANISATION and id_number and len(id_number) != 18:
            errors[f"parties[{index}].id_number"] = f"第{index + 1}位当事人：统一社会信用代码应为 18 位。"
        if party.phone and (problem := phone_problem(party.phone)):
            errors[f"parties[{index}].phone"] = f"第{index + 1}位当事人：{problem}"
        rows.append(
            DisputeParty(
                kind=party.kind,
                name=party.name,
                id_number=id_number,
                phone=party.phone,
                address=party.address,
                order=index,
            )
        )
    if errors:
        raise ValidationFailed("当事人信息有误：" + "；".join(errors.values()), errors)
    return rows


def register(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    kind = DisputeKind.objects.filter(code=data.kind, active=True).first()
    if kind is None:
        raise ValidationFailed("纠纷类别不存在。", {"kind": "请选择纠纷类别。"})
    parties = _parties(data.parties)
    setting = DisputeSetting.load()
    dispute.kind = kind
    dispute.place, dispute.facts, dispute.demands = data.place, data.facts, data.demands
    dispute.people, dispute.amount, dispute.risk, dispute.sudden = (
        data.people,
        data.amount,
        data.risk,
        data.sudden,
    )
    dispute.dispute_class = data.dispute_class or setting.class_of(amount=data.amount, people=data.people)
    dispute.procedure = data.procedure
    dispute.route = _route(kind, dispute.dispute_class, data.sudden, dispute.unit)
    dispute.level = first_level(dispute.route, setting)
    dispute.unit_path = dispute.unit.path
    dispute.handling_unit = (
        dispute.unit if dispute.route == Route.VILLAGE else (dispute.unit.organ or dispute.unit)
    )
    dispute.source, dispute.source_id, dispute.source_number = data.source, data.source_id, data.source_number
    dispute.registered_by, dispute.registered_at = change.actor, change.now  # type: ignore[assignment]

    def save_parties() -> None:
        for party in parties:
            party.dispute = dispute
        DisputeParty.objects.bulk_create(parties)

    change.after_save.append(save_parties)
    station = police_station(dispute) if dispute.route == Route.POLICE else None
    if station is not None:  # public-order matters: the township's police station takes part

        def take_part() -> None:
            DisputeUnit.objects.create(dispute=dispute, unit=station, role="police")

        change.after_save.append(take_part)
        change.memo["station"] = station.pk
    change.data.update(
        kind=kind.code,
        dispute_class=dispute.dispute_class,
        route=dispute.route,
        level=dispute.level,
        source=data.source,
        parties=len(parties),
    )


def _registered(change: Change[Dispute]) -> list[Notice]:
    dispute = change.case  # saved: it has its number now
    told = [
        Notice(
            committee_people(dispute.handling_unit, principal=dispute.route == Route.PRINCIPAL),
            f"新的矛盾纠纷待调处：{dispute.number}",
            f"{Route(dispute.route).label}调处，{dispute.class_label}纠纷，请指定调解员。",
            "task",
        )
    ]
    station = change.memo.get("station")
    if station:
        told.append(
            Notice(
                committee_people(Unit(pk=station)),
                f"治安、刑事类纠纷：{dispute.number}",
                "按分级调处规则，这起纠纷由派出所参与处理，请与镇（街道）综治中心对接。",
                "task",
            )
        )
    return told


def police_station(dispute: Dispute) -> Unit | None:
    """The police station (派出所) of the dispute's township: an active unit under its organ named
    so (the unit tree has no type for it)."""
    township = dispute.unit.organ or dispute.unit
    return (
        Unit.objects.filter(path__startswith=township.path, is_active=True, name__contains="派出所")
        .order_by("path")
        .first()
    )


def committee_people(unit: Unit, *, principal: bool = False) -> list[int]:
    """Who takes a new or risen dispute at `unit`: its mediators and the office (a principal
    leader's case: the principal)."""
    roles = (Role.PRINCIPAL,) if principal else MEDIATOR_ROLES
    return list(
        User.objects.filter(is_active=True, unit_id=unit.pk, role_assignments__role__in=roles)
        .values_list("pk", flat=True)
        .distinct()
    )


# --- mediating ---------------------------------------------------------------------------------


def assign_mediator(change: Change[Dispute]) -> None:
    dispute = change.case
    user_id = change.input.mediator
    if any(r.get("user") == user_id for r in dispute.recused or []):
        raise Conflict("该调解员已回避本纠纷，请另行指定。")
    # the committee's own people, or the township centre's (it assigns mediators by the size of
    # the dispute: 篇五's 协调 function)
    centre = dispute.handling_unit.organ or dispute.handling_unit
    mediator = (
        User.objects.filter(
            pk=user_id,
            is_active=True,
            unit__path__startswith=centre.path,
            role_assignments__role__in=MEDIATOR_ROLES,
        )
        .select_related("unit")
        .first()
    )
    if mediator is None or not has_capability(mediator, "disputes.mediate"):
        message = "调解员须为承担调处的调委会或镇（街道）调处中心的调解人员。"
        raise ValidationFailed(message, {"mediator": message})
    dispute.mediator = mediator
    if dispute.mediated_at is None:
        dispute.mediated_at = change.now
    change.memo["fields"] = ["mediator", "mediated_at"]
    change.data["mediator"] = mediator.pk
    change.notices.append(
        Notice([mediator.pk], f"调解任务：{dispute.number}", "您被指定为这起矛盾纠纷的调解员。", "task")
    )


def recuse(change: Change[Dispute]) -> None:
    """回避: the mediator is related to a party (or otherwise may not be impartial); the office
    assigns another, never this one again."""
    dispute = change.case
    dispute.recused = [*(dispute.recused or []), {"user": dispute.mediator_id, "at": change.now.isoformat()}]
    change.data["recused"] = dispute.mediator_id
    dispute.mediator = None
    change.memo["fields"] = ["mediator", "recused"]
    change.notices.append(
        Notice(
            committee_people(dispute.handling_unit),
            f"调解员回避：{dispute.number}",
            "调解员已申请回避，请另行指定调解员。",
            "task",
        )
    )


def add_party(change: Change[Dispute]) -> None:
    """补充当事人: a party learnt of after registering (a round's row names one), before any
    agreement takes effect; checked as at registering."""
    dispute, data = change.case, change.input
    if dispute.parties.count() >= PARTIES_MAX:
        raise Conflict(f"当事人不能超过 {PARTIES_MAX} 个。")
    try:
        row = _parties([data])[0]
    except ValidationFailed as exc:  # the form's own field names
        fields = {k.split(".", 1)[-1]: v for k, v in exc.extra.items()}
        raise ValidationFailed(exc.message.replace("第1位当事人：", ""), fields) from None
    row.dispute, row.order = dispute, dispute.parties.count()
    change.after_save.append(row.save)
    change.data["parties"] = dispute.parties.count() + 1


def investigate(change: Change[Dispute]) -> None:
    dispute = change.case
    stamp = f"{timezone.localtime(change.now):%Y-%m-%d}"
    entry = f"［{stamp}］{change.input.findings}"
    text = f"{dispute.investigation}\n{entry}".strip()
    if len(text) > INVESTIGATION_MAX:
        raise Conflict(f"调查情况累计已超过 {INVESTIGATION_MAX} 字，请将详细材料作为调解记录或证据归档。")
    dispute.investigation = text
    change.memo["fields"] = ["investigation"]


def record_session(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    if (data.at - change.now).total_seconds() > 300:
        raise ValidationFailed("调解时间不能晚于现在。", {"at": "调解时间不能晚于现在。"})
    row = DisputeSession(
        dispute=dispute,
        at=data.at,
        place=data.place,
        attendees=data.attendees,
        record=data.record,
        by=change.actor,
        created_at=change.now,
    )
    change.after_save.append(row.save)
    change.data["at"] = data.at.isoformat()


def join(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    name = ""
    if data.unit is not None:
        unit = Unit.objects.filter(pk=data.unit, is_active=True).first()
        township = dispute.handling_unit.organ or dispute.handling_unit
        if unit is None or not unit.path.startswith(township.path):
            message = "联合调解单位须在本镇（街道）范围内。"
            raise ValidationFailed(message, {"unit": message})
        name = unit.name
    if any(j.get("kind") == data.joint for j in dispute.joint or []):
        raise Conflict("该单位已参加联合调解。")
    dispute.joint = [*(dispute.joint or []), {"kind": data.joint, "unit": data.unit, "name": name}]
    change.memo["fields"] = ["joint"]
    if data.unit is not None:  # the unit sees the case from now on (the scope reads DisputeUnit)

        def take_part() -> None:
            DisputeUnit.objects.get_or_create(dispute=dispute, unit_id=data.unit, defaults={"role": "joint"})

        change.after_save.append(take_part)
    change.data.update(joint=data.joint, unit=data.unit)
    if data.unit is not None:
        change.notices.append(
            Notice(
                committee_people(Unit(pk=data.unit)),
                f"联合调解：{dispute.number}",
                "贵单位被邀请参加这起矛盾纠纷的联合调解。",
                "task",
            )
        )


def escalate(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    setting = DisputeSetting.load()
    chain = setting.levels
    target = data.to_level or dispute.level + 1
    if dispute.level >= len(chain):
        raise Conflict(f"已在最高层级（{chain[-1]}），不能再上交。")
    if target != dispute.level + 1:
        raise Conflict(
            f"不得越级上交：当前层级为{chain[dispute.level - 1]}，只能上交至{chain[dispute.level]}。"
        )
    crossing = dispute.level < setting.centre_level <= target
    if crossing:
        errors = {}
        if not data.party_request:
            errors["party_request"] = "由村（社区）上交镇（街道）中心须写明当事人的请求。"
        if not data.committee_opinion:
            errors["committee_opinion"] = "须写明村（社区）调委会的调查情况和初步处理意见。"
        if not data.why_unsolvable:
            errors["why_unsolvable"] = "须写明村（社区）无法解决的原因。"
        if errors:
            raise ValidationFailed("上交镇（街道）中心须具备三个条件：" + "；".join(errors.values()), errors)
        dispute.handling_unit = dispute.unit.organ or dispute.handling_unit
        dispute.passed_up = True
        dispute.mediator = None  # the centre assigns its own
        change.target = S.REGISTERED
        # the three conditions, kept in the history (the case file shows them; not audited)
        change.data.update(
            party_request=data.party_request,
            committee_opinion=data.committee_opinion,
            why_unsolvable=data.why_unsolvable,
        )
    elif dispute.status == S.FAILED:  # the level above mediates it again
        change.target = S.MEDIATING if dispute.mediator_id else S.REGISTERED
    if dispute.status == S.FAILED:
        dispute.outcome, dispute.agreement_form = "", ""
    change.data.update(
        from_level=dispute.level,
        to_level=target,
        level_label=chain[target - 1],
        conditions=crossing,
    )
    dispute.level = target
    change.memo["fields"] = ["level", "handling_unit", "passed_up", "mediator", "outcome", "agreement_form"]
    change.notices.append(
        Notice(
            committee_people(dispute.handling_unit, principal=target == len(chain)),
            f"矛盾纠纷上交：{dispute.number}",
            f"纠纷已上交至{chain[target - 1]}，请组织调处。",
            "task",
        )
    )


def record_outcome(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    dispute.outcome = data.outcome
    change.memo["fields"] = ["outcome", "agreement_form", "oral_terms", "mediated_at", "next_visit_due"]
    if dispute.mediated_at is None:
        dispute.mediated_at = change.now
    change.data["outcome"] = data.outcome
    if data.outcome == Outcome.FAILED:
        change.target = S.FAILED
        return
    form = data.agreement_form or (AgreementForm.ORAL if dispute.procedure == Procedure.SIMPLE else None)
    if form is None:
        raise ValidationFailed(
            "调解成功须选择协议形式（口头或书面）。", {"agreement_form": "请选择协议形式。"}
        )
    if dispute.procedure == Procedure.SIMPLE and form == AgreementForm.WRITTEN:
        raise ValidationFailed(
            "简易程序只记录口头协议；需要书面协议的请按一般程序办理。",
            {"agreement_form": "简易程序为口头协议。"},
        )
    dispute.agreement_form = form
    change.data["agreement_form"] = form
    if form == AgreementForm.WRITTEN:
        change.target = S.DRAFTING
        return
    if not data.oral_terms:  # 人民调解法第二十八条: the oral agreement is recorded
        raise ValidationFailed("口头协议须记录协议内容。", {"oral_terms": "请填写口头协议内容。"})
    dispute.oral_terms = data.oral_terms
    dispute.effective_at = change.now
    change.memo["fields"].append("effective_at")
    change.target = S.PERFORMING
    change.memo["clocks"] = [lambda d: _start_visit(d, change)]


def _start_visit(dispute: Dispute, change: Change[Dispute]) -> None:
    """The class's return visit from now; an earlier visit (of an agreement mediation reopened)
    no longer counts (its `DisputeVisit` row stays in the history)."""
    due = clocks.start_visit(dispute, change.now)
    dispute.next_visit_due, dispute.visited_at, dispute.satisfaction = due, None, ""
    Dispute.objects.filter(pk=dispute.pk).update(next_visit_due=due, visited_at=None, satisfaction="")
    change.data["next_visit_due"] = due.isoformat() if due else None


def _current_agreement(dispute: Dispute) -> Agreement | None:
    return Agreement.objects.filter(dispute=dispute).prefetch_related("terms").order_by("-version").first()


def draft_agreement(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    terms = [t.strip() for t in data.terms.splitlines() if t.strip()]
    if not terms:
        raise ValidationFailed("协议条款不能为空。", {"terms": "请至少填写一条协议条款。"})
    if any(len(t) > 1000 for t in terms):
        raise ValidationFailed("每条协议条款不超过 1000 字。", {"terms": "每条协议条款不超过 1000 字。"})
    if data.performance_by < timezone.localdate(change.now):
        raise ValidationFailed("履行期限不能早于今天。", {"performance_by": "履行期限不能早于今天。"})
    parties = list(dispute.parties.all())
    version = (Agreement.objects.filter(dispute=dispute).aggregate(v=Max("version"))["v"] or 0) + 1
    agreement = Agreement(
        dispute=dispute,
        version=version,
        facts=data.facts,
        disputed_items=data.disputed_items,
        responsibility=data.responsibility,
        performance_how=data.performance_how,
        performance_where=data.performance_where,
        performance_by=data.performance_by,
        copies=len(parties) + 1,
        drafted_by=change.actor,
        drafted_at=change.now,
    )

    def save() -> None:
        agreement.save()
        AgreementTerm.objects.bulk_create(
            [AgreementTerm(agreement=agreement, order=i, text=t) for i, t in enumerate(terms, start=1)]
        )

    change.after_save.append(save)
    change.data.update(version=version, terms=len(terms))
    numerals = "一二三四五六七八九十"
    change.documents.append(
        DocumentRequest(
            notices.KIND,
            dispute.handling_unit,
            {
                "parties_text": "；".join(_party_line(p) for p in parties),
                "facts": data.facts,
                "disputed_items": data.disputed_items,
                "responsibility": data.responsibility,
                "terms_text": "；".join(
                    f"{numerals[i] if i < len(numerals) else i + 1}、{t.rstrip('。；;.')}"
                    for i, t in enumerate(terms)
                )
                + "。",
                "performance_how": data.performance_how,
                "performance_where": data.performance_where,
                "performance_by_cn": f"{data.performance_by:%Y年%m月%d日}",
                "copies": len(parties) + 1,
                "signature_line": "　　".join(p.name for p in parties),
                "mediator": dispute.mediator.full_name if dispute.mediator else "",
            },
        )
    )


def _party_line(party: DisputeParty) -> str:
    bits = [party.name]
    if party.id_number:
        label = "统一社会信用代码" if party.kind == PartyKind.ORGANISATION else "身份证号"
        bits.append(f"{label} {party.id_number}")
    if party.phone:
        bits.append(f"电话 {party.phone}")
    if party.address:
        bits.append(f"住{party.address}" if party.kind == PartyKind.PERSON else party.address)
    return "，".join(bits)


def make_effective(change: Change[Dispute]) -> None:
    """人民调解法第二十九条: effective when every party has signed, sealed or fingerprinted it, the
    mediator has signed and the committee's seal is applied; refused until every required item
    is filled and all of that is confirmed."""
    dispute, data = change.case, change.input
    agreement = _current_agreement(dispute)
    if agreement is None:
        raise Conflict("尚未拟定调解协议书。")
    terms = list(agreement.terms.all())
    missing = [
        label
        for label, value in (
            ("纠纷主要事实", agreement.facts),
            ("争议事项", agreement.disputed_items),
            ("各方当事人的责任", agreement.responsibility),
            ("协议条款", terms),
            ("履行方式", agreement.performance_how),
            ("履行地点", agreement.performance_where),
            ("履行期限", agreement.performance_by),
        )
        if not value
    ]
    party_rows = list(dispute.parties.all())
    parties = {p.pk: p.name for p in party_rows}
    unsigned = [name for pk, name in parties.items() if pk not in set(data.signed_parties)]
    # 第二十九条: the parties' particulars (基本情况): an ID number or an address at least
    unknown = [p.name for p in party_rows if not (p.id_number or p.address)]
    strangers = [pk for pk in data.signed_parties if pk not in parties]
    if strangers:
        raise ValidationFailed("签名的当事人不属于本纠纷。", {"signed_parties": "签名的当事人不属于本纠纷。"})
    problems = []
    if missing:
        problems.append("协议书缺少" + "、".join(missing))
    if unknown:
        problems.append("当事人基本情况不全（缺身份证号或统一社会信用代码、住址）：" + "、".join(unknown))
    if unsigned:
        problems.append("尚未签名的当事人：" + "、".join(unsigned))
    if not data.mediator_signed:
        problems.append("人民调解员尚未签名")
    if not data.seal:
        problems.append("尚未加盖人民调解委员会印章")
    if problems:
        raise Conflict("调解协议书尚不能生效：" + "；".join(problems) + "。")
    agreement.effective, agreement.effective_at = True, change.now
    agreement.signed_parties = sorted(parties)
    agreement.mediator_signed = agreement.sealed = True
    change.after_save.append(
        lambda: agreement.save(
            update_fields=["effective", "effective_at", "signed_parties", "mediator_signed", "sealed"]
        )
    )
    dispute.effective_at = change.now
    change.memo["fields"] = ["effective_at", "confirmation_ends", "next_visit_due"]

    def start(d: Dispute) -> None:
        ends = clocks.start_confirmation(d, change.now)
        d.confirmation_ends = ends
        Dispute.objects.filter(pk=d.pk).update(confirmation_ends=ends)
        change.data["confirmation_ends"] = ends.isoformat() if ends else None
        _start_visit(d, change)

    change.memo["clocks"] = [start]
    change.data.update(version=agreement.version, copies=agreement.copies)


def record_confirmation(change: Change[Dispute]) -> None:
    """人民调解法第三十三条: the parties' joint application for judicial confirmation and the
    court's result."""
    dispute, data = change.case, change.input
    if dispute.agreement_form != AgreementForm.WRITTEN:
        raise Conflict("只有书面调解协议可以申请司法确认。")
    if (
        data.result in (Confirmation.APPLIED, Confirmation.CONFIRMED, Confirmation.REJECTED)
        and not data.court
    ):
        raise ValidationFailed("请填写受理申请的人民法院。", {"court": "请填写人民法院。"})
    today = timezone.localdate(change.now)
    on = data.on or today
    if on > today:
        raise ValidationFailed("日期不能晚于今天。", {"on": "日期不能晚于今天。"})
    ends = dispute.confirmation_ends
    if data.result == Confirmation.APPLIED and ends is not None and on > ends:
        raise Conflict(f"司法确认申请期已于 {ends:%Y年%m月%d日} 届满，不能再登记为已申请。")
    if data.result == Confirmation.NOT_APPLIED and ends is not None and today <= ends:
        raise Conflict(f"司法确认申请期至 {ends:%Y年%m月%d日} 届满，届满后方可登记为未申请。")
    dispute.confirmation = data.result
    change.memo["fields"] = ["confirmation"]
    change.data.update(result=data.result, court=data.court, on=data.on.isoformat() if data.on else None)
    change.memo["clocks"] = [lambda d: clocks.close(d, clocks.CONFIRMATION, change.now)]


def mark_performed(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    if data.performed_on > timezone.localdate(change.now):
        raise ValidationFailed("履行日期不能晚于今天。", {"performed_on": "履行日期不能晚于今天。"})
    if dispute.agreement_form == AgreementForm.ORAL:
        dispute.performed_at = change.now
        change.memo["fields"] = ["performed_at"]
        change.target = S.PERFORMED
        change.data.update(performed_on=data.performed_on.isoformat())
        return
    agreement = _current_agreement(dispute)
    terms = list(agreement.terms.all()) if agreement else []
    term = next((t for t in terms if t.pk == data.term), None)
    if term is None:
        raise ValidationFailed("请选择履行的协议条款。", {"term": "请选择履行的协议条款。"})
    if term.performed_at is not None:
        raise Conflict("该条款已登记履行。")
    term.performed_at, term.evidence = data.performed_on, data.evidence
    change.after_save.append(lambda: term.save(update_fields=["performed_at", "evidence"]))
    change.data.update(term=term.order, performed_on=data.performed_on.isoformat())
    if all(t.performed_at is not None for t in terms):
        dispute.performed_at = change.now
        change.memo["fields"] = ["performed_at"]
        change.target = S.PERFORMED


def performance_failed(change: Change[Dispute]) -> None:
    """A party does not perform: mediation reopens (the same committee, a new agreement), or the
    parties are referred to court (人民调解法第三十二条: a suit over the agreement's performance)."""
    dispute, data = change.case, change.input
    change.memo["clocks"] = [
        lambda d: clocks.close(d, clocks.CONFIRMATION, change.now),
        lambda d: clocks.close(d, clocks.VISIT, change.now),
    ]
    dispute.next_visit_due = None
    change.memo["fields"] = ["outcome", "went_to", "next_visit_due", "effective_at"]
    if data.then is None:
        dispute.outcome, dispute.effective_at = "", None
        change.target = S.MEDIATING
        change.data["then"] = "reopen"
        return
    if data.then != Destination.LITIGATION:
        raise ValidationFailed("协议不履行只能重新调解或告知向人民法院起诉。", {"then": "请选择诉讼或不选。"})
    dispute.went_to = Destination.LITIGATION
    change.target = S.REFERRED
    change.data["then"] = Destination.LITIGATION


def record_visit(change: Change[Dispute]) -> None:
    dispute, data = change.case, change.input
    at = data.at or change.now
    if (at - change.now).total_seconds() > 300:
        raise ValidationFailed("回访时间不能晚于现在。", {"at": "回访时间不能晚于现在。"})
    row = DisputeVisit(
        dispute=dispute,
        due=dispute.next_visit_due,
        at=at,
        by=change.actor,
        satisfaction=data.satisfaction,
        performed=data.performed,
        note=data.note,
    )
    change.after_save.append(row.save)
    dispute.visited_at, dispute.satisfaction = at, data.satisfaction
    change.memo["fields"] = ["visited_at", "satisfaction"]
    change.memo["clocks"] = [lambda d: clocks.close(d, clocks.VISIT, change.now)]
    change.data.update(satisfaction=data.satisfaction, performed=data.performed)


def refer(change: Change[Dispute]) -> None:
    """导出 to a court, arbitration or an administrative body; the petition procedure and an
    incident are their own services (`refer_linked`), which register what the dispute became."""
    dispute, data = change.case, change.input
    if data.to in (Destination.PETITION, Destination.INCIDENT):
        raise Conflict("导入信访程序或转为突发事件，请使用纠纷页面上的“导入信访程序”“转为突发事件”。")
    dispute.went_to = data.to
    change.memo["fields"] = ["went_to"]
    change.data["to"] = data.to


def refer_linked(change: Change[Dispute]) -> None:
    """导出 into the petition procedure or to an incident, with what it became (its service made it)."""
    dispute, data = change.case, change.input
    if data.to not in (Destination.PETITION, Destination.INCIDENT):
        raise Conflict("只有导入信访程序、转为突发事件时关联新的事项。")
    dispute.went_to = data.to
    link = {"kind": data.link_kind, "id": data.link_id, "number": data.link_number}
    dispute.links = [*(dispute.links or []), link]
    change.memo["fields"] = ["went_to", "links"]
    change.data.update(to=data.to, link=link)


def close(change: Change[Dispute]) -> None:
    dispute = change.case
    dispute.closed_at = change.now
    change.memo["fields"] = ["closed_at"]
    change.memo["clocks"] = [lambda d: clocks.close(d, clocks.CONFIRMATION, change.now)]


def link(change: Change[Dispute]) -> None:
    """What the dispute became (a petition, an incident), recorded by the service that made it."""
    dispute, data = change.case, change.input
    entry = {"kind": data.link_kind, "id": data.link_id, "number": data.link_number}
    dispute.links = [*(dispute.links or []), entry]
    change.memo["fields"] = ["links"]
    change.data["link"] = entry


# --- the table ---------------------------------------------------------------------------------

MEDIATION = frozenset({S.REGISTERED, S.MEDIATING})
STEPS: dict[str, Step[Dispute]] = {
    "register": Step(
        "登记",
        frozenset({""}),
        S.REGISTERED,
        REGISTER,
        AREA,
        register,
        schemas.RegisterIn,
        notifies=_registered,
    ),
    "assign_mediator": Step(
        "指定调解员",
        MEDIATION,
        S.MEDIATING,
        MEDIATE,
        HANDLING,
        assign_mediator,
        schemas.AssignIn,
        permits=_not_recused,
        form=Form("指定调解员", "指定", "btn-primary", "与当事人有利害关系的调解员应当回避。"),
    ),
    "recuse": Step(
        "回避",
        frozenset({S.MEDIATING}),
        S.REGISTERED,
        MEDIATE,
        HANDLING,
        recuse,
        schemas.RecuseIn,
        (_has_mediator,),
        permits=_may_recuse,
        form=Form("调解员回避", "回避", "btn-outline-warning", "回避后须另行指定调解员，本人不得再被指定。"),
    ),
    "add_party": Step(
        "补充当事人",
        frozenset({S.REGISTERED, S.MEDIATING, S.DRAFTING}),
        None,
        MEDIATE,
        HANDLING,
        add_party,
        schemas.PartyAddIn,
        permits=_not_recused,
        form=Form(
            "补充当事人", "补充", "btn-outline-secondary", "协议书按全部当事人生成，生效前须各方签名。"
        ),
    ),
    "investigate": Step(
        "调查取证",
        frozenset({S.MEDIATING}),
        None,
        MEDIATE,
        HANDLING,
        investigate,
        schemas.InvestigateIn,
        permits=_not_recused,
        form=Form("登记调查情况", "登记", "btn-outline-primary"),
    ),
    "record_session": Step(
        "调解会",
        frozenset({S.MEDIATING}),
        None,
        MEDIATE,
        HANDLING,
        record_session,
        schemas.SessionIn,
        (_has_mediator,),
        permits=_not_recused,
        form=Form("记录调解会", "记录", "btn-outline-primary"),
    ),
    "join": Step(
        "联合调解",
        MEDIATION,
        None,
        MEDIATE,
        HANDLING,
        join,
        schemas.JoinIn,
        permits=_not_recused,
        form=Form("邀请联合调解（派出所、司法所、人民法庭、信访办）", "邀请", "btn-outline-secondary"),
    ),
    "escalate": Step(
        "上交",
        frozenset({S.REGISTERED, S.MEDIATING, S.FAILED}),
        None,
        MEDIATE,
        HANDLING,
        escalate,
        schemas.EscalateIn,
        permits=_not_recused,
        form=Form(
            "逐级上交",
            "上交",
            "btn-outline-danger",
            "只能上交至上一层级；由村（社区）上交镇（街道）中心须写明当事人请求、调委会初步意见和无法解决的原因。",
        ),
    ),
    "record_outcome": Step(
        "记录调解结果",
        frozenset({S.MEDIATING}),
        None,
        MEDIATE,
        HANDLING,
        record_outcome,
        schemas.OutcomeIn,
        (_has_mediator, _session_held),
        permits=_not_recused,
        form=Form("记录调解结果", "记录", "btn-success", "简易程序记录口头协议内容；书面协议在下一步拟定。"),
    ),
    "draft_agreement": Step(
        "拟定调解协议书",
        frozenset({S.DRAFTING}),
        None,
        MEDIATE,
        HANDLING,
        draft_agreement,
        schemas.DraftIn,
        permits=_not_recused,
        form=Form("拟定调解协议书", "生成协议书", "btn-primary", "重新拟定将生成新版本，生效前可反复修改。"),
    ),
    "make_effective": Step(
        "协议生效",
        frozenset({S.DRAFTING}),
        S.PERFORMING,
        MEDIATE,
        HANDLING,
        make_effective,
        schemas.EffectiveIn,
        permits=_not_recused,
        form=Form(
            "确认签名、盖章，协议生效",
            "确认生效",
            "btn-success",
            "各方当事人签名（盖章、按指印）、调解员签名并加盖调委会印章后方可生效。",
        ),
    ),
    "record_confirmation": Step(
        "司法确认",
        frozenset({S.PERFORMING, S.PERFORMED}),
        None,
        MEDIATE,
        HANDLING,
        record_confirmation,
        schemas.ConfirmationIn,
        permits=_not_recused,
        form=Form(
            "记录司法确认", "记录", "btn-outline-primary", "协议生效之日起三十日内，当事人可共同申请。"
        ),
    ),
    "mark_performed": Step(
        "登记履行",
        frozenset({S.PERFORMING}),
        None,
        MEDIATE,
        HANDLING,
        mark_performed,
        schemas.PerformedIn,
        permits=_not_recused,
        form=Form("登记协议履行", "登记", "btn-outline-success"),
    ),
    "performance_failed": Step(
        "协议不履行",
        frozenset({S.PERFORMING}),
        None,
        MEDIATE,
        HANDLING,
        performance_failed,
        schemas.PerformanceFailedIn,
        permits=_not_recused,
        form=Form("当事人不履行协议", "提交", "btn-outline-danger", "重新调解，或告知当事人向人民法院起诉。"),
    ),
    "record_visit": Step(
        "回访",
        frozenset({S.PERFORMING, S.PERFORMED}),
        None,
        MEDIATE,
        HANDLING,
        record_visit,
        schemas.VisitIn,
        permits=_not_recused,
        form=Form("登记回访", "登记", "btn-outline-primary"),
    ),
    "refer": Step(
        "导出",
        frozenset({S.FAILED, S.MEDIATING, S.REGISTERED}),
        S.REFERRED,
        MEDIATE,
        HANDLING,
        refer,
        schemas.ReferIn,
        permits=_not_recused,
        form=Form("导出（诉讼、仲裁、行政处理、信访程序）", "导出", "btn-outline-secondary"),
    ),
    "refer_linked": Step(
        "导出",
        frozenset({S.FAILED, S.MEDIATING, S.REGISTERED}),
        S.REFERRED,
        MEDIATE,
        HANDLING,
        refer_linked,
        schemas.ReferLinkIn,
        permits=_not_recused,
    ),
    "close": Step(
        "结案",
        frozenset({S.PERFORMED, S.REFERRED}),
        S.CLOSED,
        MEDIATE,
        HANDLING,
        close,
        schemas.CloseIn,
        (_visited,),
        permits=_not_recused,
        form=Form("结案", "结案", "btn-outline-dark"),
    ),
    "link": Step(
        "关联", frozenset(S.values) - {""}, None, frozenset(), None, link, schemas.LinkIn, by_system=True
    ),
}


# --- the machine ---------------------------------------------------------------------------------


def _lock(actor: User | None, dispute: Dispute) -> Dispute:
    if dispute.pk is None:
        return dispute
    rows = Dispute.objects.all() if actor is None else disputes_visible_to(actor)
    locked = (
        rows.select_for_update(of=("self",))
        .select_related("unit", "handling_unit", "kind", "mediator")
        .filter(pk=dispute.pk)
        .first()
    )
    if locked is None:
        raise NotFound(missed=(Dispute, dispute.pk))
    return locked


def _save(change: Change[Dispute]) -> None:
    dispute = change.case
    if dispute.pk is None:
        try:
            with transaction.atomic():  # a savepoint: the constraint's refusal leaves nothing
                dispute.save()
        except IntegrityError:  # the same petition or sign, converted twice at once
            raise Conflict(f"{dispute.source_number or '该事项'}已转为矛盾纠纷。") from None
    else:
        fields = {"status", *change.memo.get("fields", [])}
        dispute.save(update_fields=sorted(fields))
    for start in change.memo.get("clocks", []):
        start(dispute)


def _record(change: Change[Dispute]) -> DisputeEvent:
    return DisputeEvent.objects.create(
        dispute=change.case,
        action=change.action,
        from_status=change.from_state,
        to_status=change.case.status,
        actor=change.actor,
        note=change.note,
        data=change.data,
        created_at=change.now,
    )


def _audience(dispute: Dispute, user_ids: set[int]) -> set[int]:
    """Those who may learn of the dispute, as the scope reads it (`selectors.disputes_visible_to`):
    the people of its unit, of the unit handling it and of the units taking part, those who see
    the subtree of a unit above it, and its mediator; never an administrator."""
    own = {dispute.unit_id, dispute.handling_unit_id}
    own |= set(DisputeUnit.objects.filter(dispute_id=dispute.pk).values_list("unit_id", flat=True))
    above = [int(p) for p in (dispute.unit_path or dispute.unit.path).strip("/").split("/") if p]
    rows = User.objects.filter(pk__in=user_ids, role_assignments__role__in=BUSINESS_ROLES).filter(
        Q(unit_id__in=own) | Q(unit_id__in=above, role_assignments__role__in=SUBTREE_ROLES)
    )
    allowed = set(rows.values_list("pk", flat=True))
    return allowed | ({dispute.mediator_id} & user_ids if dispute.mediator_id else set())


def _about(dispute: Dispute) -> tuple[Any, str]:
    return dispute, reverse("disputes:detail", args=[dispute.pk])


MACHINE: Machine[Dispute] = Machine(
    owner_type=OWNER_TYPE,
    label="矛盾纠纷",
    steps=STEPS,
    state_labels=dict(S.choices),
    lock=_lock,
    save=_save,
    record=_record,
    describe=lambda d: d.number,
    unknown_action="未知的矛盾纠纷操作",
    audience=_audience,
    notice_about=_about,
    audit_omitted=frozenset(
        {
            "parties",
            "name",
            "id_number",
            "phone",
            "address",
            "place",
            "facts",
            "demands",
            "findings",
            "attendees",
            "record",
            "oral_terms",
            "terms",
            "responsibility",
            "disputed_items",
            "performance_how",
            "performance_where",
            "evidence",
            "party_request",
            "committee_opinion",
            "why_unsolvable",
            "court",
            "source_number",
        }
    ),
)


def register_machine() -> None:
    engine.register_machine(MACHINE)
    notices.register()


def dispute_transition(
    *,
    dispute: Dispute,
    action: str,
    actor: User | None,
    note: str = "",
    request_meta: Any = None,
    **fields: Any,
) -> Dispute:
    """The one entry of pages, API, jobs and tests to any dispute step."""
    change = engine.transition(
        MACHINE, case=dispute, action=action, actor=actor, fields=fields, note=note, request_meta=request_meta
    )
    return change.case


def allowed_actions(dispute: Dispute, actor: User) -> list[str]:
    return engine.allowed_actions(MACHINE, dispute, actor)


__all__ = ["MACHINE", "STEPS", "allowed_actions", "dispute_transition"]
