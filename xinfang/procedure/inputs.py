"""One input schema per step: a pydantic model that the engine validates, the API documents and
the page's form is built from.

A field's `title` is its Chinese label; `json_schema_extra` may carry `widget` ("textarea",
"checks", "options"), `choices` (the key of an option list the page computes, e.g. "scope_units")
and `form` (False: accepted by the API, not shown on the page). Validation errors become one
Chinese message per field (`field_errors`), worded from the label, so that the API's 422 and the
page's error say the same thing.
"""

from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, ClassVar, get_args, get_origin

from ninja import Schema
from pydantic import ConfigDict, Field, ValidationError, model_validator
from pydantic.fields import FieldInfo

# The bounded types of a step's fields: a row's id, a date, a date and time (see core.bounds).
from xinfang.core.bounds import Day as Day
from xinfang.core.bounds import Id as Id
from xinfang.core.bounds import Moment as Moment
from xinfang.core.bounds import bound_message
from xinfang.core.exceptions import ValidationFailed

TEXT_MAX = 5000  # the longest free text of any step (答复意见, 办结报告, 理由 …)


class StepInput(Schema):
    """The base of every step's input. `note` (说明) is accepted by every step and shown only
    where a step declares it again with `form=True`."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    # the message of any invalid input, when the step has one of its own ("挂牌督办须落实六定…")
    invalid_message: ClassVar[str] = ""

    note: str = Field("", title="说明", max_length=TEXT_MAX, json_schema_extra={"form": False})

    @model_validator(mode="before")
    @classmethod
    def _codes_from_labels(cls, values: Any) -> Any:
        """A choice may be given by its Chinese label as typed in a form (发函督办 for letter)."""
        values = getattr(values, "_obj", values)  # ninja's Schema hands validators a DjangoGetter
        if not isinstance(values, dict):
            return values
        for name, info in cls.model_fields.items():
            value = values.get(name)
            if value == "" and not info.is_required():
                # a form's empty optional field means "not given": the field's default applies
                values = {k: v for k, v in values.items() if k != name}
                continue
            enum = _enum_of(info)
            if enum is None or value in (None, ""):
                continue
            by_label = {str(getattr(m, "label", m.value)): m.value for m in enum}
            if isinstance(value, str) and value in by_label:
                values = {**values, name: by_label[value]}
            elif isinstance(value, list):
                values = {**values, name: [by_label.get(v, v) if isinstance(v, str) else v for v in value]}
        return values


def text(
    label: str, *, required: bool = True, textarea: bool = True, help: str = "", form: bool = True
) -> Any:
    """A free-text field: required means not blank; at most `TEXT_MAX` characters."""
    extra: dict[str, Any] = {"widget": "textarea" if textarea else "text", "form": form}
    return Field(
        ... if required else "",
        title=label,
        description=help or None,
        min_length=1 if required else 0,
        max_length=TEXT_MAX,
        json_schema_extra=extra,
    )


def note(label: str = "说明", *, required: bool = False, help: str = "") -> Any:
    """The step's `note`, shown on its form under `label`."""
    return text(label, required=required, help=help)


def pick(
    label: str,
    *,
    choices: str = "",
    required: bool = True,
    widget: str = "",
    help: str = "",
    default: Any = None,
    group_by: str = "",
    wide: bool = False,
) -> Any:
    """A field chosen from a list: an enum (its own choices), or ids from the page's list `choices`;
    `group_by`: the field of the same form whose value the options' group must match (a handler's
    unit: the page offers only the chosen unit's people); `wide`: the whole width of the form
    (options long enough to be cut off at half)."""
    extra: dict[str, Any] = {"form": True, "choose": True}
    if wide:
        extra["wide"] = True
    if choices:
        extra["choices"] = choices
    if group_by:
        extra["group_by"] = group_by
    if widget:
        extra["widget"] = widget
    if required:
        return Field(..., title=label, description=help or None, json_schema_extra=extra)
    return Field(default, title=label, description=help or None, json_schema_extra=extra)


def plain(
    label: str,
    *,
    required: bool = True,
    help: str = "",
    default: Any = None,
    form: bool = True,
    choose: bool = False,
    **bounds: Any,
) -> Any:
    """A date, time or number field; `bounds` are pydantic's (`ge`, `le`); `form` False: API only;
    `choose`: a record picked by id or name (a missing one reads 请选择, not 请填写)."""
    extra: dict[str, Any] = {"form": form, "choose": choose}
    if required:
        return Field(..., title=label, description=help or None, json_schema_extra=extra, **bounds)
    return Field(default, title=label, description=help or None, json_schema_extra=extra, **bounds)


def _enum_of(info: FieldInfo) -> type[Enum] | None:
    """The enum a field takes (also inside `list[...]` or `... | None`), or None."""
    stack: list[Any] = [info.annotation]
    while stack:
        candidate = stack.pop()
        if isinstance(candidate, type) and issubclass(candidate, Enum):
            return candidate
        stack.extend(getattr(candidate, "__args__", ()))
    return None


def schema_extra(info: FieldInfo | None) -> dict[str, Any]:
    """A field's `json_schema_extra` (widget, choices, form, choose) as a dict."""
    extra = info.json_schema_extra if info is not None else None
    return dict(extra) if isinstance(extra, dict) else {}


def bare(annotation: Any) -> Any:
    """The type without its `Annotated` bounds (`Id` → int, `Day` → date)."""
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _kind_of(info: FieldInfo) -> str:
    annotation = info.annotation
    args = tuple(a for a in getattr(annotation, "__args__", ()) if a is not type(None))
    base = bare(args[0] if len(args) == 1 else annotation)
    if base is datetime:
        return "datetime"
    if base is date:
        return "date"
    if base is int:
        return "number"
    return "text"


def _choices_text(enum: type[Enum]) -> str:
    return "；".join(f"{m.value}（{getattr(m, 'label', m.value)}）" for m in enum)


def _message(info: FieldInfo | None, name: str, error: dict[str, Any]) -> tuple[str, str]:
    """(summary, field message) for one pydantic error."""
    label = (info.title if info is not None else None) or name
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    enum = _enum_of(info) if info is not None else None
    value_kind = _kind_of(info) if info is not None else "text"
    blank = error.get("input") in (None, "")
    chosen = enum is not None or bool(schema_extra(info).get("choose"))
    # an empty list where at least one is needed (当事人) reads like a missing field
    emptied = kind in ("string_too_short", "too_short") and ctx.get("min_length") == 1
    if kind == "missing" or emptied or (blank and chosen):
        if enum is not None:
            return f"请选择{label}。", f"请选择{label}。{label}须为以下之一：{_choices_text(enum)}"
        if chosen:
            return f"请选择{label}。", f"请选择{label}。"
        if value_kind == "date":
            return f"请填写{label}。", f"请填写{label}，格式 YYYY-MM-DD。"
        if value_kind == "datetime":
            return f"请填写{label}。", f"请填写{label}，例如 2026-12-01T09:30。"
        return f"请填写{label}。", f"请填写{label}。"
    if kind in ("enum", "literal_error") and enum is not None:
        return f"请选择{label}。", f"{label}须为以下之一：{_choices_text(enum)}"
    if kind == "string_too_long":
        limit = ctx.get("max_length", TEXT_MAX)
        return f"{label}不能超过 {limit} 字。", f"不能超过 {limit} 字。"
    if kind == "too_long":
        bound = bound_message(kind, ctx) or "项数过多。"
        return f"{label}{bound}", bound
    if kind == "value_error":  # a validator's own Chinese message
        message = str(error.get("msg", "取值无效。")).removeprefix("Value error, ")
        return message, message
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        low, high = ctx.get("ge", ctx.get("gt")), ctx.get("le", ctx.get("lt"))
        if low is not None and high is not None:
            return f"{label}须在 {low} 至 {high} 之间。", f"须在 {low} 至 {high} 之间。"
        bound = bound_message(kind, ctx) or "取值超出范围。"
        return f"{label}{bound}", bound
    if kind.startswith(("date_", "datetime_")) or value_kind in ("date", "datetime"):
        if value_kind == "datetime":
            return f"{label}格式有误。", f"请填写{label}，例如 2026-12-01T09:30。"
        return f"{label}格式有误。", "日期格式应为 YYYY-MM-DD。"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{label}须为整数。", f"{label}须为整数。"
    if kind in ("list_type", "string_type", "bool_type", "bool_parsing"):
        return f"{label}格式有误。", f"{label}格式有误。"
    if kind == "value_error":  # the schema's own Chinese message
        message = str(error.get("msg", "取值无效。")).removeprefix("Value error, ")
        return message, message
    if kind == "string_pattern_mismatch":
        return f"{label}格式有误。", f"{label}格式有误。"
    return f"{label}取值无效。", f"{label}取值无效。"  # never pydantic's English


def field_errors(schema: type[StepInput], exc: ValidationError) -> ValidationFailed:
    """pydantic's errors as one `ValidationFailed`: the first error's summary, every field's message."""
    summaries: list[str] = []
    fields: dict[str, str] = {}
    for error in exc.errors():
        loc = [str(part) for part in error.get("loc", ())]
        name = loc[0] if loc else "__all__"
        summary, message = _message(schema.model_fields.get(name), name, dict(error))
        if name not in fields:
            fields[name] = message
            summaries.append(summary)
    summary = schema.invalid_message or (summaries[0] if summaries else "输入有误。")
    return ValidationFailed(summary, fields)


def validate(schema: type[StepInput], values: dict[str, Any]) -> StepInput:
    """The step's input, or 422 with a Chinese message per field."""
    try:
        return schema.model_validate(values)
    except ValidationError as exc:
        raise field_errors(schema, exc) from None
