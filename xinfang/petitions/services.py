"""Registration (登记) of petitions: one service that every page, API call and import uses."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, When
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.bounds import DATE_MAX, DATE_MIN, ID_MAX
from xinfang.core.db import remember_related
from xinfang.core.exceptions import ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.deadlines.selectors import rule_for
from xinfang.deadlines.services import deadline_close, deadline_create
from xinfang.organisation.models import Unit
from xinfang.organisation.selectors import units_visible_to

from .choices import CLOSED_STATUSES, Channel, Gender, PetitionStatus, ReferralKind
from .hooks import petition_changed
from .models import (
    OWNER_TYPE,
    Category,
    NumberSequence,
    Petition,
    Petitioner,
    PetitionPetitioner,
    SearchDocument,
)
from .search import document_tokens, text_tokens
from .selectors import petitioner_search as selectors_petitioner_search
from .selectors import petitioners_visible_to, petitions_visible_to, protected_path
from .selectors import repeat_candidates as selectors_repeat_candidates
from .validators import (
    id_number_problem,
    is_identifier_query,
    mask_searched_identifier,
    normalise_id_number,
    phone_problem,
)

FLAGS = {
    "skip_level": "is_skip_level",
    "collective": "is_collective",
    "anonymous": "is_anonymous",
    "urgent": "is_urgent",
    "litigation": "is_litigation",
    "joint_letter": "is_joint_letter",
}
MAX_REPRESENTATIVES = 5
# The bounds of a registration, whoever registers (page, API, import); text fields are held to
# their columns' max_length (`text_limit`).
MAX_PETITIONERS = 100  # more people: register their representatives and the headcount
HEADCOUNT_MAX = 100_000
CONTENT_MAX = 20_000
RECEIVED_EARLIEST = date(1990, 1, 1)
_RECEIVED_EARLIEST_AT = datetime(1990, 1, 1, tzinfo=dt_timezone(timedelta(hours=8)))
CLOCK_SKEW = timedelta(minutes=5)
PETITION_TEXTS = ("subject", "complained_party", "referral_office", "referral_number")
PETITIONER_TEXTS = ("name", "id_number", "phone", "address", "workplace")


def _column(model: type[Petition] | type[Petitioner], name: str) -> models.CharField:
    column = model._meta.get_field(name)
    assert isinstance(column, models.CharField)
    return column


def text_limit(model: type[Petition] | type[Petitioner], name: str) -> int:
    """The max_length of a text column: what a registration may put in it."""
    return int(_column(model, name).max_length or 0)


def _too_long(model: type[Petition] | type[Petitioner], name: str, value: str) -> str | None:
    column = _column(model, name)
    if len(value.strip()) <= text_limit(model, name):
        return None
    return f"{column.verbose_name}不能超过 {column.max_length} 字。"


def _row_id(value: Any) -> int | None:
    """An id as the database can hold it; None (not found) for anything else."""
    return value if isinstance(value, int) and 1 <= value <= ID_MAX else None


@dataclass
class PetitionerInput:
    name: str = ""
    gender: str = Gender.UNKNOWN
    id_number: str = ""
    phone: str = ""
    address: str = ""
    workplace: str = ""
    is_representative: bool = False


@dataclass
class PetitionInput:
    channel: str
    received_at: datetime | None
    subject: str
    content: str
    category: str
    problem_unit: int | None
    petitioners: list[PetitionerInput] = field(default_factory=list)
    representatives: list[PetitionerInput] = field(default_factory=list)
    headcount: int | None = None
    anonymous: bool = False
    flags: list[str] = field(default_factory=list)
    repeat_of: int | None = None
    # 不是同一事项: the clerk looked at the likely repeats (selectors.repeat_candidates) and found
    # this a new matter. Without it, or `repeat_of`, a registration with likely repeats is refused.
    not_repeat: bool = False
    complained_unit: int | None = None
    complained_party: str = ""
    complained_user: int | None = None  # 被反映人, a user of this system
    referral_kind: str = ""
    referral_office: str = ""
    referral_number: str = ""
    referral_deadline: Any = None
    # Historic ledgers only (导入): the ledger's own number and status are kept, and no repeat
    # choice is asked for (the row was decided when the ledger was kept).
    original_number: str = ""
    original_status: str = ""
    imported: bool = False


def _validate_petitioner(p: PetitionerInput, prefix: str, errors: dict[str, str], *, anonymous: bool) -> None:
    if not p.name.strip() and not anonymous:
        errors[f"{prefix}.name"] = "请填写信访人姓名。"
    if p.gender not in Gender.values:
        errors[f"{prefix}.gender"] = "性别只能是男、女或未知。"
    if p.id_number.strip() and (problem := id_number_problem(p.id_number)):
        errors[f"{prefix}.id_number"] = problem
    if problem := phone_problem(p.phone):
        errors[f"{prefix}.phone"] = problem
    for name in PETITIONER_TEXTS:
        if problem := _too_long(Petitioner, name, getattr(p, name)):
            errors.setdefault(f"{prefix}.{name}", problem)


def _validate(data: PetitionInput, *, actor: Any) -> dict[str, Any]:
    """Checks everything before anything is written; returns the resolved related rows."""
    errors: dict[str, str] = {}
    resolved: dict[str, Any] = {}
    if data.channel not in Channel.values:
        errors["channel"] = "来源渠道须为来信、来访、来电、网上信访、领导接待日或上级转送/交办之一。"
    now = timezone.now()
    if data.received_at is None:
        errors["received_at"] = "请填写收到时间。"
    elif data.received_at > now + CLOCK_SKEW:
        errors["received_at"] = "收到时间不能晚于当前时间。"
    elif data.received_at < _RECEIVED_EARLIEST_AT:
        errors["received_at"] = f"收到时间不能早于 {RECEIVED_EARLIEST.isoformat()}。"
    if not data.subject.strip():
        errors["subject"] = "请填写标题。"
    for name in PETITION_TEXTS:
        if problem := _too_long(Petition, name, getattr(data, name)):
            errors[name] = problem
    if not data.content.strip():
        errors["content"] = "请填写反映的主要问题和诉求。"
    elif len(data.content.strip()) > CONTENT_MAX:
        errors["content"] = f"反映的主要问题和诉求不能超过 {CONTENT_MAX} 字。"
    category = Category.objects.filter(code=data.category, is_active=True).first()
    if category is None:
        errors["category"] = "问题类别不存在或已停用。"
    resolved["category"] = category
    visible_units = units_visible_to(actor)
    wanted_unit = _row_id(data.problem_unit)
    problem_unit = visible_units.filter(pk=wanted_unit).first() if wanted_unit else None
    if problem_unit is None:
        errors["problem_unit"] = "请选择问题属地（须为您权限范围内的单位）。"
    resolved["problem_unit"] = problem_unit
    resolved["complained_unit"] = None
    if data.complained_unit:
        complained = _row_id(data.complained_unit)
        active = Unit.objects.filter(is_active=True)
        resolved["complained_unit"] = active.filter(pk=complained).first() if complained else None
        if resolved["complained_unit"] is None:
            errors["complained_unit"] = "被反映单位不存在。"
    resolved["complained_user"] = None
    if data.complained_user:
        wanted_user = _row_id(data.complained_user)
        person = (
            User.objects.filter(pk=wanted_user, is_active=True, unit__in=visible_units)
            .select_related("unit")
            .first()
            if wanted_user
            else None
        )
        resolved["complained_user"] = person
        if person is None:
            errors["complained_user"] = "被反映人不存在或不在您的权限范围内（须为本系统的用户）。"
        elif resolved["complained_unit"] is None:
            resolved["complained_unit"] = person.unit  # the person's unit is complained about too
    unknown_flags = set(data.flags) - set(FLAGS)
    if unknown_flags:
        errors["flags"] = f"未知标记：{'、'.join(sorted(unknown_flags))}。"
    anonymous = data.anonymous or "anonymous" in data.flags
    if anonymous and data.channel not in (Channel.LETTER, Channel.CALL, Channel.ONLINE):
        errors["anonymous"] = "只有来信、来电和网上信访可以匿名登记；来访须登记来访人。"
    if not anonymous and not data.petitioners and not data.representatives:
        errors["petitioners"] = "请至少登记一名信访人；匿名来信、来电请勾选匿名。"
    if len(data.petitioners) > MAX_PETITIONERS:
        errors["petitioners"] = (
            f"一件信访事项最多登记 {MAX_PETITIONERS} 名信访人；人数更多时请登记代表并填写人数。"
        )
    for i, p in enumerate(data.petitioners[:MAX_PETITIONERS]):
        _validate_petitioner(p, f"petitioners.{i}", errors, anonymous=anonymous)
    for i, p in enumerate(data.representatives):
        _validate_petitioner(p, f"representatives.{i}", errors, anonymous=False)
    representative_count = len(data.representatives) + sum(p.is_representative for p in data.petitioners)
    if representative_count > MAX_REPRESENTATIVES:
        errors["representatives"] = f"集体访推选的代表不得超过 {MAX_REPRESENTATIVES} 人。"
    people = len(data.petitioners) + len(data.representatives)
    if data.headcount is not None and not 1 <= data.headcount <= HEADCOUNT_MAX:
        errors["headcount"] = f"人数须在 1 至 {HEADCOUNT_MAX} 之间。"
    elif data.headcount is not None and data.headcount < max(people, 1):
        errors["headcount"] = f"人数不能少于已登记的信访人数（{people} 人）。"
    resolved["repeat_of"] = None
    if data.repeat_of:
        original = _row_id(data.repeat_of)
        visible = petitions_visible_to(actor)
        resolved["repeat_of"] = visible.filter(pk=original).first() if original else None
        if resolved["repeat_of"] is None:
            errors["repeat_of"] = "所关联的原信访件不存在或不在您的权限范围内。"
        elif data.not_repeat:
            errors["not_repeat"] = "已关联为重复件，不能同时选择“不是同一事项”。"
    if data.channel == Channel.REFERRAL:
        if data.referral_kind not in ReferralKind.values:
            errors["referral_kind"] = "请注明是上级转送还是上级交办。"
        if not data.referral_office.strip():
            errors["referral_office"] = "请填写转送或交办的上级机关。"
    deadline = data.referral_deadline
    if isinstance(deadline, date) and not DATE_MIN <= deadline <= DATE_MAX:
        errors["referral_deadline"] = f"上级要求办结时间须在 {DATE_MIN} 至 {DATE_MAX} 之间。"
    if data.original_number and (problem := _imported_number_problem(data.original_number, visible_units)):
        errors["original_number"] = problem
    if data.original_status and data.original_status not in PetitionStatus.values:
        errors["original_status"] = "状态不在允许范围内。"
    if errors:
        raise ValidationFailed("登记信息有误，请按提示修改。", errors)
    resolved["anonymous"] = anonymous
    return resolved


REPEAT_CHOICE = "请选择“关联为重复件”或“不是同一事项”后再登记。"


def _repeat_decision(data: PetitionInput, *, actor: Any, resolved: dict[str, Any]) -> list[int]:
    """The likely repeats the clerk stated are not the same matter (kept in the audit entry).

    A registration whose petitioner has petitions of the same category within 12 months
    (`selectors.repeat_candidates`) must either link one (`repeat_of`) or state that it is not
    the same matter (`not_repeat`); otherwise it is refused with their numbers, so that repeats
    are not saved unflagged by default. A historic ledger row (`imported`) is not asked."""
    if data.imported or resolved["repeat_of"] is not None:
        return []
    people = [p for p in (*data.petitioners, *data.representatives) if p.name.strip()]
    if not people:
        return []
    assert data.received_at is not None  # _validate refused a petition without it
    candidates = list(
        selectors_repeat_candidates(
            actor=actor,
            id_numbers=[normalise_id_number(p.id_number) for p in people if p.id_number.strip()],
            name_phones=[(p.name.strip(), p.phone.strip()) for p in people if p.phone.strip()],
            category=data.category,
            received_at=data.received_at,
        )
    )
    if not candidates:
        return []
    if data.not_repeat:
        return [candidate.pk for candidate in candidates]
    numbers = "、".join(candidate.number for candidate in candidates)
    found = f"该信访人 12 个月内有同类信访件 {numbers}"
    raise ValidationFailed(
        f"{found}，可能是重复件。{REPEAT_CHOICE}",
        {
            "repeat_of": f"{found}：{REPEAT_CHOICE}",
            "repeat_candidates": ",".join(str(candidate.pk) for candidate in candidates),
        },
    )


def _next_number(unit: Unit, year: int) -> str:
    """Gap-free per unit and year: the increment commits or rolls back with the petition."""
    updated = NumberSequence.objects.filter(unit=unit, year=year).update(last_value=F("last_value") + 1)
    if not updated:
        try:
            with transaction.atomic():
                NumberSequence.objects.create(unit=unit, year=year, last_value=1)
        except IntegrityError:
            NumberSequence.objects.filter(unit=unit, year=year).update(last_value=F("last_value") + 1)
    value = NumberSequence.objects.filter(unit=unit, year=year).values_list("last_value", flat=True).get()
    return f"{unit.code}-{year}-{value:06d}"


IMPORTED_SEQUENCE_MAX = 999_999  # the system's numbers have six digits (341122-2026-000001)
IMPORTED_YEAR_MIN = 1990


def _system_number(number: str) -> tuple[str, int, int] | None:
    """(unit code, year, sequence) of a number in the system's own format, else None."""
    code, _, rest = number.partition("-")
    year, _, seq = rest.partition("-")
    if not (code and year.isdigit() and seq.isdigit() and len(year) == 4):
        return None
    return code, int(year), int(seq)


def _imported_number_problem(number: str, visible_units: Any) -> str | None:
    """Why a historic ledger's number cannot be taken, or None. A number in the system's format
    naming a unit must name one in the importer's scope, with a year and a sequence in range (it
    moves that unit's sequence); other numbers (an old ledger's own) are kept as they are."""
    if len(number) > 40:
        return "编号不能超过 40 个字符。"
    parts = _system_number(number)
    if parts is not None and Unit.objects.filter(code=parts[0]).exists():
        code, year, seq = parts
        if not visible_units.filter(code=code).exists():
            return f"编号 {number} 中的单位代码 {code} 不是您权限范围内的单位。"
        if not IMPORTED_YEAR_MIN <= year <= timezone.localdate().year:
            return f"编号 {number} 中的年份须在 {IMPORTED_YEAR_MIN} 至 {timezone.localdate().year} 之间。"
        if not 1 <= seq <= IMPORTED_SEQUENCE_MAX:
            return f"编号 {number} 中的序号须在 1 至 {IMPORTED_SEQUENCE_MAX} 之间。"
    if Petition.objects.filter(number=number).exists():
        return f"编号 {number} 不能使用（已被使用），请核对。"
    return None


def _reserve_imported_number(number: str) -> None:
    """A historic number in the system's own format (`{unit code}-{year}-{seq}`) moves that unit's
    sequence past it, so that later registrations never collide with an imported ledger. The
    number was checked by `_imported_number_problem` (a unit in scope, year and sequence in range)."""
    parts = _system_number(number)
    if parts is None:
        return
    code, year, seq = parts
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        return
    sequence, _ = NumberSequence.objects.get_or_create(unit=unit, year=year)
    if sequence.last_value < seq:
        NumberSequence.objects.filter(pk=sequence.pk).update(last_value=seq)


def _find_or_create_petitioner(p: PetitionerInput, *, actor: Any, unit: Unit, now: datetime) -> Petitioner:
    """Reuses the petitioner in the actor's scope with the same ID number (else name + phone).

    Contact data recorded by a unit is seen only by those who may see a petition carrying it: a
    record of the actor's own unit takes the missing contact data given now; another unit's
    record (one below, which the actor sees) is reused only if nothing new is given, else the
    actor's unit gets a record of its own, so the unit below never sees what this one recorded."""
    id_number = normalise_id_number(p.id_number)
    visible = petitioners_visible_to(actor)
    if id_number:
        same = visible.filter(id_number=id_number)
    elif p.phone.strip():
        same = visible.filter(name=p.name.strip(), phone=p.phone.strip())
    else:
        same = visible.none()
    given = {f: getattr(p, f).strip() for f in ("phone", "address", "workplace") if getattr(p, f).strip()}
    # the own unit's record first, then the oldest
    for existing in same.annotate(own=Case(When(unit=unit, then=0), default=1)).order_by("own", "pk")[:1]:
        changed = [f for f in given if not getattr(existing, f)]
        if existing.unit_id != unit.pk:
            if any(getattr(existing, f) != value for f, value in given.items()):
                break  # new contact data of this unit: a record of its own
            return existing
        for f in changed:
            setattr(existing, f, given[f])
        if changed:
            existing.save(update_fields=changed)
        return existing
    return Petitioner.objects.create(
        name=p.name.strip(),
        gender=p.gender,
        id_number=id_number,
        phone=p.phone.strip(),
        address=p.address.strip(),
        workplace=p.workplace.strip(),
        unit=unit,
        unit_path=unit.path,
        created_at=now,
    )


def petition_register(
    *, actor: Any, data: PetitionInput, request_meta: RequestMeta | None = None
) -> Petition:
    """Records a petition in the actor's unit. The actor is its 首问责任人; the acceptance
    deadline (15 days from receipt) comes from the calendar engine.

    The checks (reads), the word segmentation of its text and the unit type's rule come first;
    only the writes run in the transaction, which on SQLite holds the write lock from its start."""
    resolved = _validate(data, actor=actor)
    resolved["not_repeat_of"] = _repeat_decision(data, actor=actor, resolved=resolved)
    text = text_tokens(data.subject.strip(), data.content.strip())
    spec = rule_for("acceptance", actor.unit.unit_type)
    with transaction.atomic():
        return _register(
            actor=actor, data=data, resolved=resolved, text=text, spec=spec, request_meta=request_meta
        )


def petition_register_online(
    *,
    registrar: Any,
    unit: Unit,
    data: PetitionInput,
    category: Category,
    problem_unit: Unit,
    repeat_of: Petition | None,
    not_repeat_of: list[int],
    request_meta: RequestMeta | None = None,
) -> Petition:
    """Records a petition a citizen submitted through the public portal (channel `online`) in the
    register of `unit` (the organ of the place they chose), with the usual acceptance clock.

    `registrar` is the portal's system account (首问责任人 网上信访系统); the portal checked the
    citizen's fields, the place and their own earlier matters (`repeat_of`, `not_repeat_of`)
    before. Its people are new petitioner records of that unit: what a citizen types online
    never changes a record an office keeps."""
    resolved: dict[str, Any] = {
        "category": category,
        "problem_unit": problem_unit,
        "complained_unit": None,
        "complained_user": None,
        "repeat_of": repeat_of,
        "anonymous": False,
        "not_repeat_of": not_repeat_of,
    }
    text = text_tokens(data.subject.strip(), data.content.strip())
    spec = rule_for("acceptance", unit.unit_type)
    with transaction.atomic():
        return _register(
            actor=registrar,
            data=data,
            resolved=resolved,
            text=text,
            spec=spec,
            request_meta=request_meta,
            unit=unit,
        )


def _register(
    *,
    actor: Any,
    data: PetitionInput,
    resolved: dict[str, Any],
    text: list[str],
    spec: Any,
    request_meta: RequestMeta | None,
    unit: Unit | None = None,
) -> Petition:
    unit = unit or actor.unit
    now = timezone.now()
    people = [(p, p.is_representative) for p in data.petitioners] + [(p, True) for p in data.representatives]
    anonymous = resolved["anonymous"]
    flags = {FLAGS[f]: True for f in data.flags}
    flags["is_anonymous"] = anonymous
    if data.headcount and data.headcount >= MAX_REPRESENTATIVES:
        flags["is_collective"] = True
    # (petitioner, is_representative), one entry per person even if typed twice
    petitioners: dict[int, tuple[Petitioner, bool]] = {}
    for person, is_representative in people:
        if not person.name.strip():
            continue
        found = _find_or_create_petitioner(person, actor=actor, unit=unit, now=now)
        previous = petitioners.get(found.pk, (found, False))[1]
        petitioners[found.pk] = (found, previous or is_representative)
    names = [p.name for p, _ in petitioners.values()]
    if data.original_number:
        _reserve_imported_number(data.original_number)
        number = data.original_number
    else:
        number = _next_number(unit, timezone.localtime(now).year)
    status = data.original_status or PetitionStatus.REGISTERED
    assert data.received_at is not None  # _validate refused a petition without it
    petition = Petition.objects.create(
        number=number,
        unit=unit,
        unit_path=unit.path,
        channel=data.channel,
        received_at=data.received_at,
        subject=data.subject.strip(),
        content=data.content.strip(),
        category=resolved["category"],
        problem_unit=resolved["problem_unit"],
        complained_unit=resolved["complained_unit"],
        complained_party=data.complained_party.strip(),
        complained_user=resolved["complained_user"],
        protected_path=protected_path(unit, resolved["complained_unit"]),
        headcount=data.headcount or max(len(petitioners), 1),
        status=status,
        registered_by=actor,
        created_at=now,
        repeat_of=resolved["repeat_of"],
        referral_kind=data.referral_kind if data.channel == Channel.REFERRAL else "",
        referral_office=data.referral_office.strip(),
        referral_number=data.referral_number.strip(),
        referral_deadline=data.referral_deadline or None,
        petitioner_names="、".join(names)[:200],
        **flags,
    )
    if petition.complained_user is not None and not petition.complained_user.named_in_complaints:
        User.objects.filter(pk=petition.complained_user.pk).update(named_in_complaints=True)
    links = [
        PetitionPetitioner(
            petition=petition, petitioner=person, position=i, is_representative=is_representative
        )
        for i, (person, is_representative) in enumerate(petitioners.values())
    ]
    PetitionPetitioner.objects.bulk_create(links)
    remember_related(petition, "petitioner_links", links)  # what its reader reads next
    # 信访工作条例 art. 22: decide acceptance within 15 days of receipt, or the unit type's target
    deadline = deadline_create(
        owner_type=OWNER_TYPE,
        owner_id=petition.pk,
        rule="acceptance",
        start=data.received_at,
        amount=spec.amount,
        unit=spec.unit,
        actor=actor,
    )
    if status in CLOSED_STATUSES:
        # a finished matter from a historic ledger: nothing left to count down
        deadline_close(deadline=deadline, actor=actor, at=now)
    else:
        petition.current_deadline = deadline.due_date
        petition.save(update_fields=["current_deadline"])
    petition_changed(before=None, petition=petition)  # the hook's subscribers (stats) count it
    SearchDocument.objects.create(
        petition=petition,
        tokens=document_tokens(
            number=petition.number,
            subject=petition.subject,
            content=petition.content,
            names=names,
            unit_path=unit.path,
            text=text,
        ),
    )
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CREATED,
        target=petition,
        target_label=petition.number,
        request_meta=request_meta,
        channel=petition.channel,
        repeat_of=petition.repeat_of_id,
        imported=bool(data.imported or data.original_number or data.original_status),
        # the likely repeats the clerk checked and found to be other matters (不是同一事项)
        **({"not_repeat_of": resolved["not_repeat_of"]} if resolved["not_repeat_of"] else {}),
    )
    return petition


def petition_personal_data_viewed(
    *, actor: Any, petition: Petition, request_meta: RequestMeta | None = None, part: str = ""
) -> None:
    """Every display of a petition's unmasked personal data is audited (who saw whose data);
    `part` names a read other than the detail ("timeline", "documents")."""
    audit_record(
        actor=actor,
        event=AuditEvent.PERSONAL_DATA_VIEWED,
        target=petition,
        target_label=petition.number,
        request_meta=request_meta,
        petitioners=[link.petitioner_id for link in petition.petitioner_links.all()],
        **({"part": part} if part else {}),
    )


def petitioner_personal_data_viewed(
    *, actor: Any, petitioner: Petitioner, request_meta: RequestMeta | None = None
) -> None:
    audit_record(
        actor=actor,
        event=AuditEvent.PERSONAL_DATA_VIEWED,
        target=petitioner,
        target_label=f"信访人 #{petitioner.pk}",  # never the name: the auditor reads these labels
        request_meta=request_meta,
    )


PETITIONER_SEARCH_ACTION = "petitioner_search"


def petitioner_search(
    *, actor: Any, q: str, source: str, request_meta: RequestMeta | None = None, limit: int = 10
) -> list[Petitioner]:
    """`selectors.petitioner_search`, and an identifier search (身份证号, phone: whole
    identifiers only) is audited, the searched identifier masked. A name search is not."""
    q = (q or "").strip()
    people = list(selectors_petitioner_search(actor=actor, q=q, limit=limit))
    if q and is_identifier_query(q):
        petitioner_identifiers_searched(
            actor=actor, identifiers=[q], found=len(people), source=source, request_meta=request_meta
        )
    return people


def petitioner_identifiers_searched(
    *,
    actor: Any,
    identifiers: list[str],
    found: int,
    source: str,
    request_meta: RequestMeta | None = None,
) -> None:
    """One entry per search (查看个人信息, action `petitioner_search`: a lookup of personal data,
    whatever it found); the identifiers only masked (first 3 and last 2 characters)."""
    masked = [mask_searched_identifier(value) for value in identifiers]
    audit_record(
        actor=actor,
        event=AuditEvent.PERSONAL_DATA_VIEWED,
        target_type="petitions.petitioner",
        target_label="、".join(masked),
        request_meta=request_meta,
        action=PETITIONER_SEARCH_ACTION,
        identifiers=masked,
        found=found,
        source=source,
    )


def register_exported(
    *,
    actor: Any,
    kind: str,
    filters: dict[str, Any],
    rows: int,
    request_meta: RequestMeta | None = None,
    target: Petition | None = None,
) -> None:
    """Exports (登记台账 .xlsx, 登记表 .docx) and downloads are audited with what was exported."""
    audit_record(
        actor=actor,
        event=AuditEvent.EXPORT,
        target=target,
        target_type="" if target else "petitions.register",
        target_label=target.number if target else "",  # not str(): the subject may name a person
        request_meta=request_meta,
        kind=kind,
        filters=filters,
        rows=rows,
    )


# --- Attachments (附件): added with the register pages -------------------------------------------

ATTACHMENT_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".wav": "audio/wav",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


def _attachment_signature_matches(extension: str, head: bytes) -> bool:
    """A cheap look at the first bytes, so that a renamed executable is not stored as a 'PDF'."""
    if extension == ".pdf":
        return head.startswith(b"%PDF")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension == ".mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0)
    if extension == ".m4a":
        return head[4:8] == b"ftyp"
    if extension == ".wav":
        return head.startswith(b"RIFF") and head[8:12] == b"WAVE"
    if extension == ".doc":
        return head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if extension == ".docx":
        return head.startswith(b"PK\x03\x04")
    return False


def attachment_problem(*, name: str, size: int, head: bytes) -> str | None:
    """None when the file may be stored, else the Chinese reason (type, size, content)."""
    import os

    extension = os.path.splitext(name or "")[1].lower()
    if extension not in ATTACHMENT_TYPES:
        return f"附件“{name}”的类型不允许，只能上传 PDF、JPG、PNG、MP3、M4A、WAV、DOC、DOCX 文件。"
    if size > ATTACHMENT_MAX_BYTES:
        return f"附件“{name}”超过 20 MB（{size / 1024 / 1024:.1f} MB），请压缩或拆分后上传。"
    if size == 0:
        return f"附件“{name}”是空文件。"
    if not _attachment_signature_matches(extension, head):
        return f"附件“{name}”的内容与扩展名不符，请检查文件。"
    return None


@transaction.atomic
def attachment_add(
    *, actor: Any, petition: Petition, uploaded_file: Any, request_meta: RequestMeta | None = None
) -> Any:
    """Stores an uploaded file under MEDIA_ROOT (outside the web root) with a random name; the
    original name, type, size and SHA-256 go to the row. Downloads go through an audited view."""
    import hashlib
    import os
    import uuid

    from .models import Attachment

    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    uploaded_file.seek(0)
    name = os.path.basename(uploaded_file.name or "")[:200]
    if problem := attachment_problem(name=name, size=uploaded_file.size, head=head):
        raise ValidationFailed(problem, {"attachments": problem})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    extension = os.path.splitext(name)[1].lower()
    attachment = Attachment(
        petition=petition,
        original_name=name,
        content_type=ATTACHMENT_TYPES[extension],
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(f"{uuid.uuid4().hex}{extension}", uploaded_file, save=False)
    attachment.save()
    audit_record(
        actor=actor,
        event=AuditEvent.RECORD_CHANGED,
        target=petition,
        target_label=petition.number,
        request_meta=request_meta,
        attachment_added=name,
        sha256=attachment.sha256,
        size=attachment.size,
    )
    return attachment


def attachment_downloaded(*, actor: Any, attachment: Any, request_meta: RequestMeta | None = None) -> None:
    """Every download of an attachment is audited (who took which file of which petition)."""
    audit_record(
        actor=actor,
        event=AuditEvent.DOWNLOAD,
        target=attachment.petition,
        target_label=attachment.petition.number,
        request_meta=request_meta,
        attachment=attachment.pk,
        name=attachment.original_name,
        sha256=attachment.sha256,
    )
