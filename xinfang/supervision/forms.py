"""The list page's filters (tab, status, unit). Only parses the query; the selector filters."""

from typing import Any

from django import forms

from xinfang.organisation.selectors import units_visible_to

from .choices import SupervisionStatus
from .selectors import TABS, SupervisionFilter


class SupervisionFilterForm(forms.Form):
    tab = forms.ChoiceField(required=False, choices=[("", "全部"), *((k, v[0]) for k, v in TABS.items())])
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "全部状态"), *SupervisionStatus.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    unit = forms.TypedChoiceField(label="责任单位", required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, actor: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.units = {
            u.pk: u
            for u in units_visible_to(actor).filter(is_active=True).only("pk", "name", "depth", "path")
        }
        base = actor.unit.depth if getattr(actor, "unit", None) else 0
        self.fields["unit"].choices = [  # type: ignore[attr-defined]
            ("", "全部单位"),
            *((u.pk, f"{'　' * max(u.depth - base, 0)}{u.name}") for u in self.units.values()),
        ]

    def to_filter(self) -> SupervisionFilter:
        data = self.cleaned_data if self.is_valid() else {}
        return SupervisionFilter(
            tab=data.get("tab") or "",
            status=data.get("status") or "",
            unit=self.units.get(data["unit"]) if data.get("unit") else None,
        )
