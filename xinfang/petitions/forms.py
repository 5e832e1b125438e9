"""Forms of the register pages. They parse input only; every rule lives in the services."""

from typing import Any

from django import forms
from django.urls import reverse
from django.utils import timezone

from xinfang.core.bounds import ID_MAX, day_validators
from xinfang.core.exceptions import ApplicationError
from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.selectors import units_visible_to

from .choices import Channel, Gender, PetitionStatus, ReferralKind
from .models import Category
from .selectors import RegisterFilter
from .services import (
    ATTACHMENT_TYPES,
    HEADCOUNT_MAX,
    PetitionerInput,
    PetitionInput,
    attachment_problem,
)

MAX_REPRESENTATIVES = 5
NOT_REPEAT = "not_repeat"
ANONYMOUS_CHANNELS = (Channel.LETTER, Channel.CALL, Channel.ONLINE)
PERSON_FIELDS = ("name", "gender", "id_number", "phone", "address", "workplace")
REPRESENTATIVE_FIELDS = ("name", "gender", "id_number", "phone")
REPEAT_KEYS = ("repeat_of", "not_repeat")

FILTER_FLAGS = (
    ("skip_level", "越级"),
    ("collective", "集体"),
    ("anonymous", "匿名"),
    ("urgent", "紧急"),
    ("litigation", "涉法涉诉"),
    ("repeat", "重复"),
)
REGISTER_FLAGS = (
    ("skip_level", "越级"),
    ("urgent", "紧急"),
    ("litigation", "涉法涉诉"),
    ("joint_letter", "联名"),
)


def category_choices(categories: list[Category], *, whole_groups: bool, empty_label: str) -> list[Any]:
    """A two-level select: one option group per first-level class. With `whole_groups` the
    first-level class itself is offered too ("全部"), which filters on the class and its children."""
    children: dict[int, list[Category]] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list[Any] = [("", empty_label)]
    for category in categories:
        if category.parent_id:
            continue
        own = children.get(category.pk, [])
        if not own:
            choices.append((category.code, category.name))
            continue
        options = [(c.code, c.name) for c in own]
        if whole_groups:
            options.insert(0, (category.code, f"{category.name}（全部）"))
        choices.append((category.name, options))
    return choices


def unit_choices(actor: Any, *, empty_label: str) -> list[tuple[str, str]]:
    units = units_visible_to(actor).filter(is_active=True).order_by("path").only("pk", "name", "depth")
    base = min((u.depth for u in units), default=0)
    return [("", empty_label)] + [(str(u.pk), "\u3000" * (u.depth - base) + u.name) for u in units]


def staff_choices(actor: Any) -> list[tuple[str, str]]:
    """The active users of the units in the actor's scope, as 姓名（单位）, by unit."""
    from xinfang.accounts.models import User

    users = (
        User.objects.filter(is_active=True, unit__in=units_visible_to(actor))
        .select_related("unit")
        .only("pk", "full_name", "username", "unit__name", "unit__path")
        .order_by("unit__path", "full_name", "pk")
    )
    return [(str(u.pk), f"{u}（{u.unit.name if u.unit else ''}）") for u in users]


class InvalidMarkingMixin:
    """Adds Bootstrap's `is-invalid` to a widget whenever its field gets an error."""

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)  # type: ignore[misc]
        if field and field in self.fields:  # type: ignore[attr-defined]
            widget = self.fields[field].widget  # type: ignore[attr-defined]
            widget.attrs["class"] = (widget.attrs.get("class", "") + " is-invalid").strip()


class RegisterFilterForm(BootstrapFormMixin, forms.Form):
    q = forms.CharField(label="关键词", required=False, max_length=100)
    channel = forms.ChoiceField(label="来源渠道", required=False)
    category = forms.ChoiceField(label="问题类别", required=False)
    status = forms.ChoiceField(label="状态", required=False)
    unit = forms.ChoiceField(label="问题属地", required=False)
    received_from = forms.DateField(
        label="收到日期自",
        required=False,
        validators=day_validators(),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    received_to = forms.DateField(
        label="至",
        required=False,
        validators=day_validators(),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    flags = forms.MultipleChoiceField(
        label="标记", required=False, choices=FILTER_FLAGS, widget=forms.CheckboxSelectMultiple
    )
    overdue = forms.BooleanField(label="已逾期", required=False)
    # 登记单位: set by the links of the statistics pages, kept as a hidden field
    registered_unit = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    # 承办单位 (else the registering unit), including the units below it: set by the links of the
    # statistics counted by responsible unit; applied by the views after the register's filters
    responsible_unit = forms.IntegerField(
        required=False, min_value=1, max_value=ID_MAX, widget=forms.HiddenInput
    )
    light = forms.ChoiceField(
        label="期限",
        required=False,
        choices=[
            ("", "全部期限"),
            ("red", "红灯：已逾期"),
            ("yellow", "黄灯：3 个工作日内到期"),
            ("green", "绿灯：正常"),
        ],
    )

    def __init__(self, *args: Any, actor: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [("", "全部渠道"), *Channel.choices]  # type: ignore[attr-defined]
        self.fields["status"].choices = [  # type: ignore[attr-defined]
            ("", "全部状态"),
            ("open", "未办结"),
            ("ended", "已结束（已办结、不予受理、不再受理、转送）"),
            *PetitionStatus.choices,
        ]
        self.fields["category"].choices = category_choices(  # type: ignore[attr-defined]
            categories, whole_groups=True, empty_label="全部类别"
        )
        self.fields["unit"].choices = unit_choices(actor, empty_label="全部属地")  # type: ignore[attr-defined]
        self.fields["q"].widget.attrs.update(
            {"placeholder": "标题、内容、信访人姓名或编号", "type": "search"}
        )
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            if css in ("form-control", "form-select"):
                field.widget.attrs["class"] = f"{css} {css}-sm"

    def responsible_unit_id(self) -> int | None:
        value = self.cleaned_data.get("responsible_unit") if self.is_bound else None
        return None if "responsible_unit" in self.errors else value

    def to_filter(self) -> RegisterFilter:
        """The filter from the valid fields; an invalid field is ignored rather than failing the page."""
        data = self.cleaned_data if self.is_bound else {}
        valid = {name: value for name, value in data.items() if name not in self.errors}
        unit = valid.get("unit")
        return RegisterFilter(
            q=(valid.get("q") or "").strip(),
            status=valid.get("status") or "",
            category=valid.get("category") or "",
            channel=valid.get("channel") or "",
            unit=int(unit) if unit else None,
            received_from=valid.get("received_from"),
            received_to=valid.get("received_to"),
            flags=tuple(valid.get("flags") or ()),
            overdue=True if valid.get("overdue") else None,
            light=valid.get("light") or "",
            registered_unit=valid.get("registered_unit"),
        )


def filter_summary(filters: RegisterFilter) -> dict[str, Any]:
    """What the audit log keeps of an export's filters (JSON-friendly, empty values dropped)."""
    values: dict[str, Any] = {
        "q": filters.q,
        "status": filters.status,
        "category": filters.category,
        "channel": filters.channel,
        "unit": filters.unit,
        "received_from": filters.received_from.isoformat() if filters.received_from else None,
        "received_to": filters.received_to.isoformat() if filters.received_to else None,
        "flags": list(filters.flags),
        "overdue": filters.overdue,
        "light": filters.light,
        "registered_unit": filters.registered_unit,
    }
    return {key: value for key, value in values.items() if value not in (None, "", [])}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, list | tuple) else [data]
        return [super(MultipleFileField, self).clean(item, initial) for item in files]


class PetitionForm(InvalidMarkingMixin, BootstrapFormMixin, forms.Form):
    """One page for every channel. Fields that do not apply to the chosen channel are ignored
    by `to_input`, so hidden leftovers never reach the service."""

    channel = forms.ChoiceField(label="来源渠道", choices=Channel.choices, initial=Channel.LETTER)
    received_at = forms.DateTimeField(
        label="收到时间",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": "收到时间格式不正确。"},
    )
    visit_kind = forms.ChoiceField(
        label="来访形式",
        required=False,
        choices=(("individual", "个体访"), ("collective", "集体访")),
        initial="individual",
        widget=forms.RadioSelect,
    )
    headcount = forms.IntegerField(
        label="来访人数",
        required=False,
        min_value=1,
        max_value=HEADCOUNT_MAX,
        error_messages={
            "min_value": "人数至少为 1。",
            "max_value": f"人数不能超过 {HEADCOUNT_MAX}。",
            "invalid": "人数须为整数。",
        },
    )
    anonymous = forms.BooleanField(label="匿名（不登记信访人）", required=False)
    referral_kind = forms.ChoiceField(
        label="上级来文方式", required=False, choices=[("", "请选择"), *ReferralKind.choices]
    )
    referral_office = forms.CharField(label="上级机关", required=False, max_length=100)
    referral_number = forms.CharField(label="上级文号", required=False, max_length=60)
    referral_deadline = forms.DateField(
        label="上级要求办结时间",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式不正确。"},
    )
    petitioner_name = forms.CharField(label="姓名", required=False, max_length=50)
    petitioner_gender = forms.ChoiceField(
        label="性别", required=False, choices=Gender.choices, initial=Gender.UNKNOWN
    )
    petitioner_id_number = forms.CharField(label="身份证号", required=False, max_length=18)
    petitioner_phone = forms.CharField(label="联系电话", required=False, max_length=20)
    petitioner_address = forms.CharField(label="住址", required=False, max_length=200)
    petitioner_workplace = forms.CharField(label="工作单位或职业", required=False, max_length=100)
    category = forms.ChoiceField(label="问题类别", required=False)
    problem_unit = forms.ChoiceField(label="问题属地", required=False)
    complained_unit = forms.ChoiceField(label="被反映单位", required=False)
    complained_party = forms.CharField(label="被反映单位或个人（补充）", required=False, max_length=100)
    complained_user = forms.ChoiceField(
        label="被反映人（本系统用户）",
        required=False,
        help_text="所反映的是本系统的工作人员时选择：其本人看不到本件，其单位看不到信访人身份。",
    )
    subject = forms.CharField(label="标题", required=False, max_length=200)
    content = forms.CharField(
        label="反映的主要问题和诉求", required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    flags = forms.MultipleChoiceField(
        label="标记", required=False, choices=REGISTER_FLAGS, widget=forms.CheckboxSelectMultiple
    )
    # The repeat check's radios (partials/_repeat_check.html): an earlier petition's id
    # (关联为重复件, bounded by the service) or NOT_REPEAT (不是同一事项).
    repeat_of = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    attachments = MultipleFileField(
        label="附件",
        required=False,
        help_text="扫描件、照片、录音等，可多选；限 PDF、JPG、PNG、MP3、M4A、WAV、DOC、DOCX，每个不超过 20 MB。",
    )

    def __init__(self, *args: Any, actor: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(MAX_REPRESENTATIVES):
            self.fields[f"rep{i}_name"] = forms.CharField(label="姓名", required=False, max_length=50)
            self.fields[f"rep{i}_gender"] = forms.ChoiceField(
                label="性别", required=False, choices=Gender.choices, initial=Gender.UNKNOWN
            )
            self.fields[f"rep{i}_id_number"] = forms.CharField(
                label="身份证号", required=False, max_length=18
            )
            self.fields[f"rep{i}_phone"] = forms.CharField(label="联系电话", required=False, max_length=20)
            for name in REPRESENTATIVE_FIELDS:
                widget = self.fields[f"rep{i}_{name}"].widget
                widget.attrs["class"] = "form-select" if name == "gender" else "form-control"
        self.fields["category"].choices = category_choices(  # type: ignore[attr-defined]
            categories, whole_groups=False, empty_label="请选择问题类别"
        )
        units = unit_choices(actor, empty_label="请选择问题属地")
        self.fields["problem_unit"].choices = units  # type: ignore[attr-defined]
        self.fields["complained_unit"].choices = [("", "（无）"), *units[1:]]  # type: ignore[attr-defined]
        self.fields["complained_user"].choices = [("", "（无）"), *staff_choices(actor)]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("received_at", timezone.localtime().replace(second=0, microsecond=0))
            if getattr(actor, "unit_id", None):
                self.initial.setdefault("problem_unit", str(actor.unit_id))
        self.fields["attachments"].widget.attrs["accept"] = ",".join(ATTACHMENT_TYPES)
        self._representative_positions: list[int] = []
        self.repeat_error = ""
        self.repeat_candidate_ids: list[int] = []
        self._mark_autocomplete()

    def _mark_autocomplete(self) -> None:
        """htmx: typing a name, phone or ID number asks for existing petitioners; changing the
        person or the category asks for earlier petitions (重复件)."""
        for name in ("petitioner_name", "petitioner_phone", "petitioner_id_number"):
            self.fields[name].widget.attrs.update(
                {
                    "autocomplete": "off",
                    "hx-get": reverse("petitions:petitioner_autocomplete"),
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#petitioner-suggestions",
                }
            )
        sources = ["petitioner_name", "petitioner_phone", "petitioner_id_number", "category", "received_at"]
        sources += [
            f"rep{i}_{name}" for i in range(MAX_REPRESENTATIVES) for name in ("name", "id_number", "phone")
        ]
        for name in sources:
            self.fields[name].widget.attrs["class"] += " repeat-source"

    @property
    def representative_rows(self) -> list[dict[str, Any]]:
        return [
            {"index": i + 1, **{name: self[f"rep{i}_{name}"] for name in REPRESENTATIVE_FIELDS}}
            for i in range(MAX_REPRESENTATIVES)
        ]

    def clean_repeat_of(self) -> int | str | None:
        value = (self.cleaned_data.get("repeat_of") or "").strip()
        if not value:
            return None
        if value == NOT_REPEAT:
            return NOT_REPEAT
        return int(value) if value.isdigit() else None  # no choice: the service asks for one

    def clean_attachments(self) -> list[Any]:
        files = self.cleaned_data.get("attachments") or []
        problems = []
        for uploaded in files:
            head = uploaded.read(16)
            uploaded.seek(0)
            if problem := attachment_problem(name=uploaded.name, size=uploaded.size, head=head):
                problems.append(problem)
        if problems:
            raise forms.ValidationError(problems)
        return files

    # --- the service's input -------------------------------------------------------------------

    @property
    def is_collective_visit(self) -> bool:
        data = self.cleaned_data
        return data.get("channel") == Channel.VISIT and data.get("visit_kind") == "collective"

    @property
    def is_anonymous(self) -> bool:
        data = self.cleaned_data
        return bool(data.get("anonymous")) and data.get("channel") in ANONYMOUS_CHANNELS

    def _person(self, prefix: str, fields: tuple[str, ...]) -> PetitionerInput | None:
        values: dict[str, Any] = {
            name: (self.cleaned_data.get(f"{prefix}{name}") or "").strip() for name in fields
        }
        values["gender"] = values.get("gender") or Gender.UNKNOWN
        if not any(value for name, value in values.items() if name != "gender"):
            return None
        return PetitionerInput(**values)

    def to_input(self) -> PetitionInput:
        data = self.cleaned_data
        channel = data["channel"]
        petitioners: list[PetitionerInput] = []
        representatives: list[PetitionerInput] = []
        self._representative_positions = []
        if self.is_collective_visit:
            for i in range(MAX_REPRESENTATIVES):
                if person := self._person(f"rep{i}_", REPRESENTATIVE_FIELDS):
                    representatives.append(person)
                    self._representative_positions.append(i)
        elif not self.is_anonymous and (person := self._person("petitioner_", PERSON_FIELDS)):
            petitioners.append(person)
        flags = list(data.get("flags") or [])
        if self.is_collective_visit:
            flags.append("collective")
        is_referral = channel == Channel.REFERRAL
        received_at = data.get("received_at")
        if received_at is not None and timezone.is_naive(received_at):
            received_at = timezone.make_aware(received_at)
        return PetitionInput(
            channel=channel,
            received_at=received_at,
            subject=data.get("subject") or "",
            content=data.get("content") or "",
            category=data.get("category") or "",
            problem_unit=int(data["problem_unit"]) if data.get("problem_unit") else None,
            petitioners=petitioners,
            representatives=representatives,
            headcount=data.get("headcount") if self.is_collective_visit else None,
            anonymous=self.is_anonymous,
            flags=flags,
            repeat_of=repeat if isinstance(repeat := data.get("repeat_of"), int) else None,
            not_repeat=data.get("repeat_of") == NOT_REPEAT,
            complained_unit=int(data["complained_unit"]) if data.get("complained_unit") else None,
            complained_party=data.get("complained_party") or "",
            complained_user=int(data["complained_user"]) if data.get("complained_user") else None,
            referral_kind=(data.get("referral_kind") or "") if is_referral else "",
            referral_office=(data.get("referral_office") or "") if is_referral else "",
            referral_number=(data.get("referral_number") or "") if is_referral else "",
            referral_deadline=data.get("referral_deadline") if is_referral else None,
        )

    def _form_field_for(self, key: str) -> str | None:
        """Maps a service error key (`petitioners.0.id_number`, `representatives.1.name`) to a field."""
        parts = key.split(".")
        if parts[0] == "petitioners":
            if len(parts) == 1:
                return "rep0_name" if self.is_collective_visit else "petitioner_name"
            return f"petitioner_{parts[2]}"
        if parts[0] == "representatives":
            if len(parts) == 1:
                return "headcount" if self.is_collective_visit else None
            position = int(parts[1])
            if position < len(self._representative_positions):
                return f"rep{self._representative_positions[position]}_{parts[2]}"
            return None
        return key

    def apply_service_errors(self, error: ApplicationError) -> None:
        """The service's errors on their fields; those of the repeat check go to its card
        (`repeat_error`), with the candidates the service found (`repeat_candidate_ids`)."""
        self.add_error(None, error.message)
        for key, message in error.extra.items():
            field = self._form_field_for(key)
            if key in REPEAT_KEYS:
                self.repeat_error = str(message)
            elif key == "repeat_candidates":
                self.repeat_candidate_ids = [int(pk) for pk in str(message).split(",") if pk.isdigit()]
            elif field in self.fields:
                self.add_error(field, message)
            elif key != "__all__":
                self.add_error(None, message)


class PetitionImportForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label="台账文件（.xlsx）",
        help_text="第一行为表头，列与导出的登记台账相同；每个文件最多 2000 行。",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
        error_messages={"required": "请选择要导入的 Excel 文件。"},
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        if not uploaded.name.lower().endswith(".xlsx"):
            raise forms.ValidationError("只能导入 .xlsx 格式的 Excel 文件（旧版 .xls 请先另存为 .xlsx）。")
        if uploaded.size > 10 * 1024 * 1024:
            raise forms.ValidationError("文件超过 10 MB，请拆分后分批导入。")
        return uploaded
