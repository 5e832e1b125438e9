"""Filters of the statistics page and of the reports (months, unit, category, channel)."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from xinfang.core.forms import BootstrapFormMixin
from xinfang.organisation.selectors import access_unit_by_id, units_visible_to
from xinfang.petitions.choices import Channel
from xinfang.petitions.models import Category

from .choices import Dimension
from .selectors import StatsFilter, dimensions_ready, month_key, month_shift, month_text, parse_month

MONTH_HELP = "格式 YYYY-MM（统计按月汇总）"
MAX_MONTHS = 120
NOT_READY = "按问题属地、按承办单位的汇总表尚未生成（升级后须由系统管理员运行一次 manage.py stats_rebuild），请先按登记单位统计。"


def _dimension_field(default: str) -> forms.ChoiceField:
    return forms.ChoiceField(
        label="统计口径",
        required=False,
        choices=Dimension.choices,
        initial=default,
        help_text="按登记单位：登记的单位；按问题属地：问题发生地；按承办单位：转送、交办给的单位（未转送、交办的计入登记单位）。",
    )


def _clean_dimension(form: forms.Form, default: str) -> str:
    """The chosen way of counting; by registering unit instead of the default while the tables by
    problem and responsible unit are not filled yet, and an error when another was asked for."""
    value = form.cleaned_data.get("by")
    if (value or default) == Dimension.REGISTERED or dimensions_ready():
        return value or default
    if value:
        raise forms.ValidationError(NOT_READY)
    return Dimension.REGISTERED


def _month_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=MONTH_HELP,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )


class UnitScopedForm(BootstrapFormMixin, forms.Form):
    """A form with a unit among the actor's units (default: their own). The unit is an id checked
    with `access_unit_by_id` (404 outside scope) rather than a ChoiceField: a county has
    hundreds of units, and the options are built once, as plain tuples, for the select."""

    unit = forms.IntegerField(label="统计单位", required=False, min_value=1)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor = actor
        if actor.unit is not None:
            self.fields["unit"].initial = actor.unit.pk

    def unit_options(self) -> str:
        units = units_visible_to(self.actor).filter(is_active=True).order_by("path")
        rows = list(units.values_list("pk", "name", "depth"))
        base = min((depth for _, _, depth in rows), default=0)
        selected = str(self.data.get("unit") or self.fields["unit"].initial or "")
        return mark_safe(  # noqa: S308 - every value is escaped here
            "".join(
                f'<option value="{pk}"{" selected" if str(pk) == selected else ""}>'
                f"{'　' * (depth - base)}{escape(name)}</option>"
                for pk, name, depth in rows
            )
        )

    def clean_unit(self) -> Any:
        unit_id = self.cleaned_data.get("unit") or (self.actor.unit.pk if self.actor.unit else None)
        if unit_id is None:
            raise forms.ValidationError("请选择统计单位。")
        return access_unit_by_id(self.actor, unit_id)

    def _month(self, name: str, default: int) -> int:
        raw = self.cleaned_data.get(name) or ""
        if not raw:
            return default
        try:
            return parse_month(raw)
        except ValueError:
            raise forms.ValidationError(f"月份格式应为 YYYY-MM，例如 {month_text(default)}。") from None


class StatsFilterForm(UnitScopedForm):
    month_from = _month_field("统计期间自")
    month_to = _month_field("至")
    by = _dimension_field(Dimension.REGISTERED)
    category = forms.ChoiceField(label="问题类别", required=False)
    channel = forms.ChoiceField(label="来源渠道", required=False)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.categories = {c.code: c for c in Category.objects.filter(parent__isnull=True)}
        self.fields["category"].choices = [("", "全部类别")] + [  # type: ignore[attr-defined]
            (c.code, c.name) for c in self.categories.values()
        ]
        self.fields["channel"].choices = [("", "全部渠道"), *Channel.choices]  # type: ignore[attr-defined]
        this_month = month_key(timezone.localdate())
        self.fields["month_from"].initial = month_text(this_month // 100 * 100 + 1)
        self.fields["month_to"].initial = month_text(this_month)

    def clean_month_from(self) -> int:
        return self._month("month_from", month_key(timezone.localdate()) // 100 * 100 + 1)

    def clean_month_to(self) -> int:
        return self._month("month_to", month_key(timezone.localdate()))

    def clean_by(self) -> str:
        return _clean_dimension(self, Dimension.REGISTERED)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        first, last = data.get("month_from"), data.get("month_to")
        if first and last:
            if first > last:
                self.add_error("month_to", "结束月份不能早于开始月份。")
            elif month_shift(first, MAX_MONTHS) <= last:
                self.add_error("month_to", f"统计期间最长 {MAX_MONTHS} 个月。")
        return data

    def to_filter(self) -> StatsFilter:
        data = self.cleaned_data
        return StatsFilter(
            unit=data["unit"],
            month_from=data["month_from"],
            month_to=data["month_to"],
            category=self.categories.get(data.get("category") or ""),
            channel=data.get("channel") or "",
            dimension=data.get("by") or Dimension.REGISTERED,
        )


class MonthReportForm(UnitScopedForm):
    """A monthly bulletin: the month (default: last month) and the unit."""

    month = _month_field("通报月份")
    # units are praised and criticised for overdue matters: by default those they are responsible for
    by = _dimension_field(Dimension.HANDLING)
    format = forms.ChoiceField(
        label="文件格式", required=False, choices=[("docx", "Word（.docx）"), ("xlsx", "Excel（.xlsx）")]
    )

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, actor=actor, **kwargs)
        self.fields["month"].initial = month_text(month_shift(month_key(timezone.localdate()), -1))

    def clean_month(self) -> int:
        return self._month("month", month_shift(month_key(timezone.localdate()), -1))

    def clean_by(self) -> str:
        return _clean_dimension(self, Dimension.HANDLING)

    def clean_format(self) -> str:
        return self.cleaned_data.get("format") or "docx"
