"""Forms of the 敏感时期 page. They only collect input; `sensitive` decides."""

from typing import Any, cast

from django import forms

from xinfang.core.bounds import day_validators
from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import Unit

from .models import SensitiveLevel
from .sensitive import NAME_MAX_LENGTH, REASON_MAX_LENGTH, STAFF_MAX, STAFF_MIN, theme_choices

DATE_ERRORS = {"invalid": "日期格式应为 YYYY-MM-DD。"}


class UnitChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """The units indented under the user's own (`base_depth`)."""

    base_depth = 0

    def label_from_instance(self, obj: Any) -> str:
        return f"{'　' * max(obj.depth - self.base_depth, 0)}{obj.name}"


class SensitivePeriodForm(BootstrapFormMixin, forms.Form):
    """New or changed period. `units`: the units the user may set periods for."""

    period = forms.IntegerField(required=False, widget=forms.HiddenInput)
    unit = UnitChoiceField(
        label="设定单位",
        queryset=Unit.objects.none(),
        empty_label=None,
        error_messages={"required": "请选择设定单位。", "invalid_choice": "请选择您管辖范围内的单位。"},
        help_text="对本单位及其全部下级单位生效。",
    )
    name = forms.CharField(
        label="名称",
        max_length=NAME_MAX_LENGTH,
        error_messages={
            "required": "请填写敏感时期名称。",
            "max_length": f"名称不能超过 {NAME_MAX_LENGTH} 个字。",
        },
        widget=forms.TextInput(attrs={"list": "sensitive-names", "placeholder": "例如 全国两会"}),
    )
    starts_on = forms.DateField(
        label="开始日期",
        validators=day_validators(),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写开始日期。", **DATE_ERRORS},
    )
    ends_on = forms.DateField(
        label="结束日期",
        validators=day_validators(),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写结束日期。", **DATE_ERRORS},
        help_text="含当日：自开始日零时起，至结束日次日零时止。",
    )
    level = forms.TypedChoiceField(
        label="等级",
        choices=SensitiveLevel.choices,
        coerce=int,
        error_messages={"required": "请选择等级。", "invalid_choice": "等级须为一级、二级或三级。"},
    )
    reason = forms.CharField(
        label="事由",
        max_length=REASON_MAX_LENGTH,
        error_messages={
            "required": "请填写事由，例如依据的上级通知。",
            "max_length": f"事由不能超过 {REASON_MAX_LENGTH} 个字。",
        },
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": REASON_MAX_LENGTH}),
    )
    themes = forms.MultipleChoiceField(
        label="关注的重点人员类别",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="这些类别的重点人员在此期间加密走访（一级每日、二级每3日、三级每周）。",
        error_messages={"invalid_choice": "没有这个重点人员类别。"},
    )

    def __init__(self, *args: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.MultipleChoiceField, self.fields["themes"]).choices = theme_choices()
        field = cast(UnitChoiceField, self.fields["unit"])
        field.queryset = units
        field.base_depth = min((unit.depth for unit in units), default=0)


class LevelRuleForm(BootstrapFormMixin, forms.Form):
    level = forms.TypedChoiceField(
        choices=SensitiveLevel.choices,
        coerce=int,
        widget=forms.HiddenInput,
        error_messages={"required": "等级有误。", "invalid_choice": "等级有误。"},
    )
    staff_per_shift = forms.IntegerField(
        label="每班在岗人数",
        min_value=STAFF_MIN,
        max_value=STAFF_MAX,
        error_messages={
            "required": "请填写每班在岗人数。",
            "invalid": "每班在岗人数须为整数。",
            "min_value": f"每班在岗人数须为 {STAFF_MIN} 至 {STAFF_MAX} 之间的整数。",
            "max_value": f"每班在岗人数须为 {STAFF_MIN} 至 {STAFF_MAX} 之间的整数。",
        },
    )
    leader_all_day = forms.BooleanField(label="领导全天在岗", required=False)
    daily_report = forms.BooleanField(label="每日报告", required=False)


class SensitiveDeleteForm(forms.Form):
    period = forms.IntegerField(min_value=1)
