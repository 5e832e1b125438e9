"""Forms of the calculator, the holiday table and the rule page. They only collect input; services
decide."""

from datetime import date, datetime

from django import forms

from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.models import UnitType

from .engine import DAY_UNITS, EXTENSION_DAYS_BOUND, LOCAL_TZ, UNIT_LABELS, Unit
from .models import RULE_UNIT_CHOICES, CalendarDay
from .notice import MAX_TEXT_LENGTH
from .rules import configurable_rules
from .selectors import ALL_UNIT_TYPES_LABEL

UNIT_FORM_CHOICES = [(unit.value, UNIT_LABELS[unit]) for unit in Unit]


class DeadlineCalculatorForm(BootstrapFormMixin, forms.Form):
    start_date = forms.DateField(
        label="起算日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写起算日期。", "invalid": "日期格式应为 YYYY-MM-DD。"},
        help_text="收到、登记或受理的日期；当日不计入期限。",
    )
    start_time = forms.TimeField(
        label="起算时刻",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": "时刻格式应为 HH:MM。"},
        help_text="按小时或分钟计算时必填。",
    )
    amount = forms.IntegerField(
        label="期限",
        min_value=1,
        error_messages={
            "required": "请填写期限数值。",
            "invalid": "期限须为整数。",
            "min_value": "期限须为正整数。",
        },
    )
    unit = forms.ChoiceField(
        label="单位",
        choices=UNIT_FORM_CHOICES,
        initial=Unit.CALENDAR_DAYS.value,
        error_messages={"required": "请选择单位。", "invalid_choice": "请选择有效的单位。"},
    )
    extension_days = forms.IntegerField(
        label="延长天数",
        required=False,
        min_value=0,
        max_value=EXTENSION_DAYS_BOUND,
        error_messages={
            "invalid": "延长天数须为整数。",
            "min_value": "延长天数不能为负数。",
            "max_value": f"延长天数不能超过 {EXTENSION_DAYS_BOUND}。",
        },
        help_text="经批准延长的天数，没有则留空。",
    )

    def clean(self) -> dict:
        super().clean()
        data = self.cleaned_data
        unit = data.get("unit")
        needs_time = unit and unit not in DAY_UNITS and data.get("start_time") is None
        if needs_time and "start_time" not in self.errors:
            self.add_error("start_time", "按小时或分钟计算时，请填写起算时刻。")
        return data

    def start_value(self) -> date | datetime:
        data = self.cleaned_data
        if data["unit"] in DAY_UNITS:
            return data["start_date"]
        return datetime.combine(data["start_date"], data["start_time"], tzinfo=LOCAL_TZ)


class CalendarDayForm(BootstrapFormMixin, forms.Form):
    date = forms.DateField(
        label="日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写日期。", "invalid": "日期格式应为 YYYY-MM-DD。"},
    )
    kind = forms.ChoiceField(
        label="类型",
        choices=CalendarDay.Kind.choices,
        error_messages={"required": "请选择类型。", "invalid_choice": "请选择有效的类型。"},
    )
    name = forms.CharField(
        label="节日名称",
        max_length=60,
        error_messages={"required": "请填写节日名称。", "max_length": "节日名称不能超过 60 个字。"},
        widget=forms.TextInput(attrs={"placeholder": "例如 国庆节"}),
    )


class CalendarDayRemoveForm(forms.Form):
    date = forms.DateField(error_messages={"required": "缺少日期。", "invalid": "日期格式有误。"})


class CalendarYearMarkForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100, error_messages={"invalid": "年份须为整数。"})
    is_complete = forms.TypedChoiceField(
        choices=[("1", "已完整录入"), ("0", "未完整录入")], coerce=lambda value: value == "1"
    )


UNIT_TYPE_FORM_CHOICES = [("", ALL_UNIT_TYPES_LABEL), *UnitType.choices]


class RuleSettingForm(BootstrapFormMixin, forms.Form):
    """Collects an internal target; range and "not longer than the law" are the service's."""

    unit_type = forms.ChoiceField(
        label="单位类型",
        choices=UNIT_TYPE_FORM_CHOICES,
        required=False,
        error_messages={"invalid_choice": "请选择有效的单位类型。"},
        help_text="选“全部单位类型”即为本系统默认；单独设置的单位类型优先。",
    )
    rule = forms.ChoiceField(
        label="期限规则",
        choices=lambda: [(rule.code, f"{rule.label}（法定 {rule.text}）") for rule in configurable_rules()],
        error_messages={"required": "请选择期限规则。", "invalid_choice": "请选择有效的期限规则。"},
    )
    amount = forms.IntegerField(
        label="内部时限",
        error_messages={"required": "请填写内部时限。", "invalid": "内部时限须为整数。"},
    )
    unit = forms.ChoiceField(
        label="单位",
        choices=RULE_UNIT_CHOICES,
        initial="working_days",
        error_messages={"required": "请选择单位。", "invalid_choice": "单位须为自然日、工作日、小时或分钟。"},
    )
    note = forms.CharField(
        label="说明",
        required=False,
        max_length=200,
        error_messages={"max_length": "说明不能超过 200 个字。"},
        widget=forms.TextInput(attrs={"placeholder": "例如 院内规定一般事项 7 个工作日答复"}),
    )


class RuleSettingClearForm(forms.Form):
    unit_type = forms.ChoiceField(choices=UNIT_TYPE_FORM_CHOICES, required=False)
    rule = forms.CharField(max_length=60, error_messages={"required": "缺少期限规则。"})


class HolidayNoticeForm(BootstrapFormMixin, forms.Form):
    """The pasted State Council notice; `notice.parse_holiday_notice` reads it."""

    year = forms.IntegerField(
        label="年份",
        min_value=2000,
        max_value=2100,
        error_messages={
            "required": "请选择通知所属的年份。",
            "invalid": "年份须为整数。",
            "min_value": "年份须在 2000 至 2100 之间。",
            "max_value": "年份须在 2000 至 2100 之间。",
        },
    )
    text = forms.CharField(
        label="通知正文",
        max_length=MAX_TEXT_LENGTH,
        strip=False,
        error_messages={
            "required": "请粘贴通知正文。",
            "max_length": f"通知文本不能超过 {MAX_TEXT_LENGTH} 个字，请只粘贴正文。",
        },
        widget=forms.Textarea(
            attrs={
                "rows": 9,
                "placeholder": "一、元旦：1月1日（周五）至3日（周日）放假，共3天。\n二、春节：……",
                "maxlength": MAX_TEXT_LENGTH,
            }
        ),
        help_text="从国务院办公厅关于部分节假日安排的通知中复制正文粘贴到这里，每一项以节日名称和冒号开头。",
    )
    complete = forms.BooleanField(
        label="保存后标记该年已完整录入",
        required=False,
        initial=True,
        help_text="通知列出了全年的放假和调休安排；标记后该年的期限不再提示“仅供参考”。",
    )


class HolidayRangeForm(BootstrapFormMixin, forms.Form):
    """The fallback: a run of days of one kind and one name."""

    start = forms.DateField(
        label="开始日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写开始日期。", "invalid": "日期格式应为 YYYY-MM-DD。"},
    )
    end = forms.DateField(
        label="结束日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "请填写结束日期。", "invalid": "日期格式应为 YYYY-MM-DD。"},
    )
    kind = forms.ChoiceField(
        label="类型",
        choices=[("holiday", "放假"), ("workday", "上班（调休）")],
        error_messages={"required": "请选择类型。", "invalid_choice": "请选择有效的类型。"},
    )
    name = forms.CharField(
        label="节日名称",
        max_length=60,
        error_messages={"required": "请填写节日名称。", "max_length": "节日名称不能超过 60 个字。"},
        widget=forms.TextInput(attrs={"placeholder": "例如 国庆节"}),
    )
