"""Reading an action's fields with every field's Chinese error collected."""

from datetime import date
from typing import Any

from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.core.exceptions import ValidationFailed

from ..choices import FivePackage
from .common import TEXT_MAX


class ActionFields:
    """Reads an action's fields and collects every field's Chinese error, so that a form shows
    all of them at once (挂牌督办 has six required 六定 fields)."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> Any:
        value = self.fields.get(name)
        return value.strip() if isinstance(value, str) else value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def check(self, summary: str) -> None:
        if self.errors:
            raise ValidationFailed(summary, dict(self.errors))

    def text(self, name: str, label: str, *, required: bool = True) -> str:
        value = self.raw(name)
        value = "" if value is None else str(value)
        if required and not value:
            self.fail(name, f"请填写{label}。")
        elif len(value) > TEXT_MAX:
            self.fail(name, f"{label}不能超过 {TEXT_MAX} 字。")
        return value

    def coded(self, name: str, choices: Any, label: str, *, default: str = "") -> str:
        """A code of `choices`, or its Chinese label as typed in a form."""
        value = self.raw(name)
        if value in (None, ""):
            if default:
                return default
            self.fail(name, f"请选择{label}：{'、'.join(choices.labels)}。")
            return ""
        by_label = {label_: code for code, label_ in choices.choices}
        value = str(value)
        if value in choices.values:
            return value
        if value in by_label:
            return by_label[value]
        self.fail(name, f"{label}须为以下之一：{'、'.join(choices.labels)}。")
        return ""

    def day(self, name: str, label: str, *, required: bool) -> date | None:
        value = self.raw(name)
        if value in (None, ""):
            if required:
                self.fail(name, f"请填写{label}，格式 YYYY-MM-DD。")
            return None
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                self.fail(name, f"{label}格式有误，应为 YYYY-MM-DD。")
                return None
        if value < timezone.localdate():
            self.fail(name, f"{label}不能早于今天。")
            return None
        return value

    def record(self, name: str, label: str, queryset: Any) -> Any:
        return self._lookup(name, label, queryset, self.raw(name))

    def person(self, name: str, label: str) -> User | None:
        """An active user by id or by username (the forms let people type either)."""
        value = self.raw(name)
        users = User.objects.filter(is_active=True).select_related("unit")
        if value in (None, "") or str(value).isdigit():
            return self._lookup(name, label, users, value)
        found = users.filter(username=str(value)).first()
        if found is None:
            self.fail(name, f"{label}不存在或已停用。")
        return found

    def _lookup(self, name: str, label: str, queryset: Any, value: Any) -> Any:
        if value in (None, ""):
            self.fail(name, f"请选择{label}。")
            return None
        try:
            return queryset.get(pk=int(value))
        except (queryset.model.DoesNotExist, TypeError, ValueError):
            self.fail(name, f"{label}不存在或不在可选范围内。")
            return None

    def packages(self, name: str) -> list[str]:
        """五包 items as codes or labels: a list, or one text separated by 、 , ， or spaces."""
        value = self.raw(name)
        if value in (None, ""):
            return []
        items = value if isinstance(value, list | tuple) else str(value).replace("，", ",").split(",")
        words = [w.strip() for item in items for w in str(item).replace("、", " ").split()]
        by_label = {label: code for code, label in FivePackage.choices}
        codes = []
        for word in words:
            code = word if word in FivePackage.values else by_label.get(word)
            if code is None:
                self.fail(name, f"五包事项须为：{'、'.join(FivePackage.labels)}。")
                return []
            codes.append(code)
        return list(dict.fromkeys(codes))
