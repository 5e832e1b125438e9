"""What the public portal writes: a citizen's petition with its query code, their rating of the
answer, their online review request; and what the staff side reads of it (the note on the
petition's page, the window's guard). Every state change of the petition itself goes through the
petition's own procedure (`petition_transition`)."""

import hashlib
import os
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.exceptions import Conflict, NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.documents.models import Document
from xinfang.notifications.sms import sms_available
from xinfang.petitions.choices import Channel, PetitionStatus, Satisfaction
from xinfang.petitions.models import OWNER_TYPE, Attachment, Category, Petition
from xinfang.petitions.services import (
    ATTACHMENT_TYPES,
    MAX_REPRESENTATIVES,
    PetitionerInput,
    PetitionInput,
    attachment_problem,
    petition_register_online,
    text_limit,
)
from xinfang.petitions.validators import (
    id_number_problem,
    is_mobile,
    mask_phone,
    normalise_id_number,
    phone_problem,
)
from xinfang.petitions.workflow import petition_transition
from xinfang.petitions.workflow.delivery import TO_PETITIONER
from xinfang.petitions.workflow.parties import review_target
from xinfang.procedure.machine import Change

from . import codes, selectors, throttle
from .models import PortalAccess, PortalReviewRequest, PortalSetting, ReviewRequestStatus
from .selectors import Receipt
from .tasks import queue_receipt_sms

SYSTEM_USERNAME = "portal-system"
SYSTEM_NAME = "网上信访系统"
NOT_FOUND = "未找到该信访事项，请核对信访件编号和查询码。"
MAX_ATTACHMENTS = 5
SUBJECT_MAX = 60
CONTENT_MAX = 5000
DEMANDS_MAX = 1000
REASON_MAX = 500
DEFAULT_CATEGORY = "9901"


class Kind:
    PETITION = "petition"  # 信访事项（投诉请求）
    PROPOSAL = "proposal"  # 意见建议
    LABELS = {PETITION: "投诉请求", PROPOSAL: "意见建议"}


@dataclass
class Person:
    name: str = ""
    id_number: str = ""
    phone: str = ""


@dataclass
class Submission:
    name: str
    id_number: str
    phone: str
    address: str
    place: int | None
    subject: str
    content: str
    demands: str = ""
    kind: str = Kind.PETITION
    category: str = DEFAULT_CATEGORY
    headcount: int | None = None  # a collective matter: how many people
    representatives: list[Person] = field(default_factory=list)  # besides the submitter
    repeat_of: int | None = None  # one of their earlier matters this one repeats
    not_repeat: bool = False  # they looked at their earlier matters: this is another one
    sms: bool = False  # send the receipt to `phone` by SMS (when the installation has a gateway)


@dataclass(frozen=True)
class Upload:
    """A file as the page or the API received it (read once, checked before anything is stored)."""

    name: str
    content: bytes


PORTAL_USER_COLUMNS = ("id", "username", "full_name", "unit_id", "is_active")


def system_account() -> User:
    """The portal's 首问责任人: an account no one can sign in with (inactive, no password)."""
    # only the columns the portal's database role may read (README: no password, no e-mail)
    user = User.objects.only(*PORTAL_USER_COLUMNS).filter(username=SYSTEM_USERNAME).first()
    if user is None:
        user = User(username=SYSTEM_USERNAME, full_name=SYSTEM_NAME, is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def _check_person(person: Person, prefix: str, errors: dict[str, str], label: str) -> None:
    if not person.name.strip():
        errors[f"{prefix}name"] = f"请填写{label}姓名。"
    elif len(person.name.strip()) > 50:
        errors[f"{prefix}name"] = "姓名不能超过 50 个字。"
    if problem := id_number_problem(person.id_number):
        errors[f"{prefix}id_number"] = problem
    if not person.phone.strip():
        errors[f"{prefix}phone"] = "请填写手机号码，以便告知办理情况。"
    elif problem := phone_problem(person.phone):
        errors[f"{prefix}phone"] = problem


def half_width(value: str) -> str:
    """Full-width digits, letters and dashes (what a Chinese input method types: １３９, Ｘ, －)
    as their ASCII forms (NFKC); other scripts' digits stay as typed, and are refused."""
    return unicodedata.normalize("NFKC", value or "")


def _half_width(data: Submission) -> Submission:
    """The submission with its ID numbers and phone numbers in ASCII, so that one person's number
    typed either way is the same number (for the limits and the earlier matters)."""
    return replace(
        data,
        id_number=half_width(data.id_number),
        phone=half_width(data.phone),
        representatives=[
            Person(p.name, half_width(p.id_number), half_width(p.phone)) for p in data.representatives
        ],
    )


def _validate(data: Submission, uploads: list[Upload]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    _check_person(Person(data.name, data.id_number, data.phone), "", errors, "您的")
    if data.sms and "phone" not in errors and not is_mobile(data.phone):
        errors["phone"] = "短信只能发到手机号码（11 位数字）；填写固定电话的，请不要勾选短信。"
    if not data.address.strip():
        errors["address"] = "请填写住址，以便送达书面答复。"
    elif len(data.address.strip()) > 200:
        errors["address"] = "住址不能超过 200 个字。"
    place = selectors.place_by_id(data.place)
    if place is None:
        errors["unit"] = "请选择事项发生地（乡镇、街道或村、社区）。"
    if not data.subject.strip():
        errors["subject"] = "请填写标题。"
    elif len(data.subject.strip()) > SUBJECT_MAX:
        errors["subject"] = f"标题不能超过 {SUBJECT_MAX} 个字。"
    if not data.content.strip():
        errors["content"] = "请写明反映的问题：时间、地点、经过。"
    elif len(data.content.strip()) > CONTENT_MAX:
        errors["content"] = f"反映的问题不能超过 {CONTENT_MAX} 字。"
    if data.kind == Kind.PETITION and not data.demands.strip():
        errors["demands"] = "请写明您的诉求（希望怎样解决）。"
    elif len(data.demands.strip()) > DEMANDS_MAX:
        errors["demands"] = f"诉求不能超过 {DEMANDS_MAX} 字。"
    if data.kind not in Kind.LABELS:
        errors["kind"] = "请选择投诉请求或意见建议。"
    category = Category.objects.filter(code=data.category, is_active=True).first()
    if category is None:
        errors["category"] = "问题类别不存在。"
    people = [p for p in data.representatives if p.name.strip() or p.id_number.strip() or p.phone.strip()]
    if len(people) + 1 > MAX_REPRESENTATIVES:
        errors["representatives"] = f"集体反映最多推选 {MAX_REPRESENTATIVES} 名代表（含您本人）。"
    for i, person in enumerate(people[: MAX_REPRESENTATIVES - 1]):
        _check_person(person, f"representatives.{i}.", errors, "代表")
    if data.headcount is not None and not 1 <= data.headcount <= 10_000:
        errors["headcount"] = "人数须在 1 至 10000 之间。"
    elif people and (data.headcount or 0) < len(people) + 1:
        errors["headcount"] = f"集体反映请填写人数（不少于已填写的 {len(people) + 1} 人）。"
    if len(uploads) > MAX_ATTACHMENTS:
        errors["attachments"] = f"最多上传 {MAX_ATTACHMENTS} 个附件。"
    for upload in uploads[:MAX_ATTACHMENTS]:
        if problem := attachment_problem(
            name=upload.name, size=len(upload.content), head=upload.content[:16]
        ):
            errors["attachments"] = problem
            break
    if errors:
        raise ValidationFailed("填写的内容有误，请按提示修改。", errors)
    return {"place": place, "category": category, "representatives": people}


def _earlier_choice(data: Submission) -> tuple[Petition | None, list[int]]:
    """Their own earlier matters (same ID number and phone): a choice is required when any exist."""
    earlier = selectors.earlier_matters(normalise_id_number(data.id_number), data.phone.strip())
    if not earlier:
        return None, []
    ids = [e.id for e in earlier]
    if data.repeat_of is not None:
        if data.repeat_of not in ids:
            raise ValidationFailed(
                "所选的原信访事项不是您本人反映的事项。", {"repeat_of": "请从列表中选择。"}
            )
        return Petition.objects.get(pk=data.repeat_of), []
    if data.not_repeat:
        return None, ids
    raise ValidationFailed(
        "您以前反映过事项，请确认本次反映的是否为同一件事。",
        {
            "repeat_of": "请选择“是同一件事”并选中原事项，或选择“是另一件事”。",
            "earlier": [
                {
                    "id": e.id,
                    "number": e.number,
                    "received_on": e.received_on.isoformat(),
                    "category": e.category,
                    "status": e.status,
                }
                for e in earlier
            ],
        },
    )


def _store(upload: Upload) -> tuple[str, str, str, int]:
    """Writes a checked file under MEDIA_ROOT (before the registration's transaction, so the
    write lock is never held while a file is hashed or written): (stored name, original, sha256, size)."""
    from django.core.files.base import ContentFile

    name = os.path.basename(upload.name)[:200]
    extension = os.path.splitext(name)[1].lower()
    stored = default_storage.save(
        f"petitions/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{extension}", ContentFile(upload.content)
    )
    return stored, name, hashlib.sha256(upload.content).hexdigest(), len(upload.content)


def submit(
    *, data: Submission, uploads: list[Upload], address: str, request_meta: RequestMeta | None
) -> Receipt:
    """Registers a citizen's petition (channel online) in the register of the chosen place's organ
    and returns the receipt with the query code, which is shown once and never kept in clear."""
    throttle.check(throttle.SUBMIT_PER_ADDRESS, address)
    # in ASCII; an SMS only asked for where the installation has a gateway
    data = replace(_half_width(data), sms=data.sms and sms_available())
    resolved = _validate(data, uploads)
    id_number = normalise_id_number(data.id_number)
    throttle.check(throttle.SUBMIT_PER_ID, id_number)
    repeat_of, not_repeat_of = _earlier_choice(data)
    place = resolved["place"]
    unit = selectors.organ_of(place)
    registrar = system_account()
    throttle.hit(throttle.SUBMIT_PER_ADDRESS, address)
    throttle.hit(throttle.SUBMIT_PER_ID, id_number)
    people = resolved["representatives"]
    collective = bool(people) or (data.headcount or 1) > 1
    content = data.content.strip()
    if data.demands.strip():
        content = f"{content}\n\n诉求：{data.demands.strip()}"
    subject = data.subject.strip()
    if data.kind == Kind.PROPOSAL:
        subject = f"【意见建议】{subject}"
    petition_input = PetitionInput(
        channel=Channel.ONLINE,
        received_at=timezone.now(),
        subject=subject[: text_limit(Petition, "subject")],
        content=content,
        category=resolved["category"].code,
        problem_unit=place.pk,
        petitioners=[
            PetitionerInput(
                name=data.name.strip(),
                id_number=id_number,
                phone=data.phone.strip(),
                address=data.address.strip(),
                is_representative=collective,
            )
        ],
        representatives=[
            PetitionerInput(
                name=p.name.strip(), id_number=normalise_id_number(p.id_number), phone=p.phone.strip()
            )
            for p in people
        ],
        headcount=data.headcount if collective else None,
        flags=["collective"] if collective else [],
    )
    code = codes.new_code()
    salt = codes.new_salt()
    hashed = codes.digest(salt, code)
    site_name = (selectors.setting().site_name or "网上信访") if data.sms else ""
    stored = [_store(upload) for upload in uploads]
    try:
        with transaction.atomic():
            petition = petition_register_online(
                registrar=registrar,
                unit=unit,
                data=petition_input,
                category=resolved["category"],
                problem_unit=place,
                repeat_of=repeat_of,
                not_repeat_of=not_repeat_of,
                request_meta=request_meta,
            )
            now = timezone.now()
            Attachment.objects.bulk_create(
                Attachment(
                    petition=petition,
                    file=path,
                    original_name=name,
                    content_type=ATTACHMENT_TYPES[os.path.splitext(name)[1].lower()],
                    size=size,
                    sha256=sha,
                    uploaded_by=registrar,
                    uploaded_at=now,
                )
                for path, name, sha, size in stored
            )
            PortalAccess.objects.create(petition=petition, code_salt=salt, code_hash=hashed, created_at=now)
    except BaseException:
        for path, *_ in stored:
            default_storage.delete(path)
        raise
    sms_to = data.phone.strip() if data.sms else ""
    if sms_to:
        text = receipt_sms_text(number=petition.number, code=code, site_name=site_name)
        # a queued job once committed (the gateway is never called during the request's writes);
        # robust: a queue that is down is logged, and the citizen still gets the receipt page
        transaction.on_commit(lambda: queue_receipt_sms(sms_to, text), robust=True)
    return Receipt(
        number=petition.number,
        code=code,
        received_on=timezone.localdate(),
        unit_name=unit.name,
        acceptance_due=petition.current_deadline,
        attachments=[name for _, name, _, _ in stored],
        sms_to=mask_phone(sms_to) if sms_to else "",
    )


def receipt_sms_text(*, number: str, code: str, site_name: str) -> str:
    """The receipt's SMS: the number and the code only (no name, no matter), so that a message
    read over someone's shoulder tells nothing about what was reported."""
    return (
        f"【{site_name}】您反映的事项已收到。信访件编号 {number}，查询码 {codes.shown(code)}。"
        "请妥善保存，凭编号和查询码可在网上查询办理情况；查询码不会再次发送。"
    )


def access(*, number: str, code: str, address: str) -> tuple[Petition, PortalAccess]:
    """The petition `number` opens with `code`. A wrong code and a missing number answer the same
    NotFound; each failure counts against the number and the address (429 beyond the limits)."""
    number = half_width(number).strip()[:40]
    code = half_width(code)
    throttle.check(throttle.TRACK_PER_ADDRESS, address)
    throttle.check(throttle.TRACK_PER_NUMBER, number)
    found = (
        # with the organ above the latest answer's (复查（复核）机关), for the public view's
        # and the review request's checks
        PortalAccess.objects.select_related("petition__answered_unit__parent__organ")
        .filter(petition__number=number, petition__channel=Channel.ONLINE)
        .first()
        if number
        else None
    )
    # the digest is computed for a missing number too, so both take the same time
    salt, expected = (found.code_salt, found.code_hash) if found else ("0" * 32, "0" * 64)
    if not codes.matches(salt, expected, code) or found is None:
        throttle.hit(throttle.TRACK_PER_ADDRESS, address)
        throttle.hit(throttle.TRACK_PER_NUMBER, number)
        raise NotFound(NOT_FOUND)
    return found.petition, found


def rate(
    *, number: str, code: str, satisfaction: str, reason: str, address: str, request_meta: RequestMeta | None
) -> Petition:
    """The petitioner's own evaluation of the answer (满意 / 基本满意 / 不满意): recorded as the
    matter's return-visit evaluation (回访评价), once per answer."""
    petition, found = access(number=number, code=code, address=address)
    if satisfaction not in Satisfaction.values:
        raise ValidationFailed("请选择满意、基本满意或不满意。", {"satisfaction": "请选择满意度。"})
    reason = (reason or "").strip()
    if len(reason) > REASON_MAX:
        raise ValidationFailed(f"理由不能超过 {REASON_MAX} 字。", {"reason": f"不能超过 {REASON_MAX} 字。"})
    if satisfaction == Satisfaction.DISSATISFIED and not reason:
        raise ValidationFailed("请写明不满意的理由。", {"reason": "请写明不满意的理由。"})
    if petition.answer_delivered_on is None or petition.status not in (
        PetitionStatus.ANSWERED,
        PetitionStatus.CLOSED,
    ):
        raise Conflict("该信访事项尚未答复，答复后才能评价。")
    if found.rated_stage == petition.review_stage:
        raise Conflict("您已评价过本次答复。")
    note = f"信访人网上评价{f'：{reason}' if reason else '。'}"
    with transaction.atomic():
        petition = petition_transition(
            petition=petition,
            action="record_visit",
            actor=None,
            satisfaction=satisfaction,
            note=note[:2000],
            request_meta=request_meta,
        )
        PortalAccess.objects.filter(pk=found.pk).update(
            rated_stage=petition.review_stage, rated_at=timezone.now()
        )
    return petition


def request_review(
    *, number: str, code: str, reason: str, address: str, request_meta: RequestMeta | None
) -> PortalReviewRequest:
    """A request for review (复查, or 复核 of a review opinion) within the window; the office
    registers it as the petition's `request_review` step (with that step's checks)."""
    petition, _ = access(number=number, code=code, address=address)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("请写明申请理由。", {"reason": "请写明申请理由。"})
    if len(reason) > REASON_MAX:
        raise ValidationFailed(
            f"申请理由不能超过 {REASON_MAX} 字。", {"reason": f"不能超过 {REASON_MAX} 字。"}
        )
    label = "复查" if petition.review_stage == 0 else "复核"
    if petition.answer_delivered_on is None or petition.status not in (
        PetitionStatus.ANSWERED,
        PetitionStatus.CLOSED,
    ):
        raise Conflict("该信访事项尚未答复，不能申请复查。")
    if petition.is_final or petition.review_stage > 1:
        raise Conflict("该信访事项已复核终结，不能再申请复查或复核。")
    if petition.window_ends is None or timezone.localdate() > petition.window_ends:
        raise Conflict(f"申请{label}期限已过（截至 {petition.window_ends or '—'}），依法不再受理。")
    pending = PortalReviewRequest.objects.filter(petition=petition, status=ReviewRequestStatus.PENDING)
    if pending.exists():
        raise Conflict(f"您已提交{label}申请，请等待登记。")
    # the organ that registers it (复查（复核）机关, one level above the latest answer's): its list
    target = review_target(petition)
    if target is None:
        answered = petition.answered_unit.name if petition.answered_unit else "作出意见的机关"
        raise Conflict(
            f"{answered}的上一级机关不在本系统中，不能在网上申请{label}；"
            f"请在 {petition.window_ends} 前向{answered}的上一级机关书面提出。"
        )
    with transaction.atomic():
        request = PortalReviewRequest.objects.create(
            petition=petition,
            stage=petition.review_stage,
            reason=reason,
            requested_at=timezone.now(),
            unit_path=target.path,
        )
        audit_record(
            actor=None,
            username=SYSTEM_USERNAME,
            event=AuditEvent.RECORD_CREATED,
            target=petition,
            target_label=petition.number,
            request_meta=request_meta,
            online_review_request=label,
        )
    return request


def document_for(*, petition: Petition, document_id: int, request_meta: RequestMeta | None) -> Document:
    """A notice addressed to the petitioner of `petition` (rendered); the download is audited."""
    document = (
        Document.objects.filter(
            pk=document_id, owner_type=OWNER_TYPE, owner_id=petition.pk, kind__in=TO_PETITIONER
        )
        .exclude(sha256="")
        .first()
        if 1 <= document_id <= 2**62
        else None
    )
    if document is None:
        raise NotFound("该文书不存在。")
    audit_record(
        actor=None,
        username=SYSTEM_USERNAME,
        event=AuditEvent.DOWNLOAD,
        target=document,
        target_label=document.number,
        request_meta=request_meta,
        petition=petition.number,
        online_download=True,
    )
    return document


def setting_save(*, actor: User, site_name: str, reception: str, hotline: str, banner: str) -> PortalSetting:
    current = selectors.setting()
    current.site_name = site_name.strip()[:60]
    current.reception = reception.strip()[:4000]
    current.hotline = hotline.strip()[:60]
    current.banner = banner.strip()[:300]
    current.updated_by = actor
    current.updated_at = timezone.now()
    current.save()
    audit_record(
        actor=actor, event=AuditEvent.RECORD_CHANGED, target=current, target_label="网上信访公开信息"
    )
    return current


# --- the staff side ---------------------------------------------------------------------------


def review_requested_on(petition: Petition) -> date | None:
    """The window's guard: the day an online request for review of the current answer was made."""
    if petition.channel != Channel.ONLINE or petition.pk is None:
        return None
    requested = (
        PortalReviewRequest.objects.filter(
            petition_id=petition.pk, stage=petition.review_stage, status=ReviewRequestStatus.PENDING
        )
        .values_list("requested_at", flat=True)
        .first()
    )
    return timezone.localtime(requested).date() if requested else None


def petition_notes(petition: Petition, actor: object) -> list[str]:
    """On the petition's page, for its office: the online review request waiting to be registered."""
    if petition.channel != Channel.ONLINE:
        return []
    pending = (
        PortalReviewRequest.objects.filter(petition_id=petition.pk, status=ReviewRequestStatus.PENDING)
        .values_list("stage", "requested_at", "reason")
        .first()
    )
    if pending is None:
        return []
    stage, at, reason = pending
    label = "复查" if stage == 0 else "复核"
    return [
        format_html(
            "信访人于 {} 在网上申请{}，理由：{}。请核实后用“登记{}申请”登记（申请日期填 {}）。"
            ' <a href="{}">网上信访</a>',
            f"{timezone.localtime(at):%Y-%m-%d %H:%M}",
            label,
            reason,
            label,
            f"{timezone.localtime(at):%Y-%m-%d}",
            reverse("portal_desk:home"),
        )
    ]


def on_transition(change: Change[Any]) -> None:
    """A registered review request leaves the office's list."""
    if change.machine.owner_type != OWNER_TYPE or change.action not in ("request_review", "request_rereview"):
        return
    PortalReviewRequest.objects.filter(petition_id=change.case.pk, status=ReviewRequestStatus.PENDING).update(
        status=ReviewRequestStatus.REGISTERED, registered_at=change.now
    )
