"""The page's form of a step, built from its input schema, and the POSTed values it reads back.

Kinds: text, textarea, date, datetime, number, select (an enum or an id list of the page),
multiselect (several ids), checks (all must be ticked), options (any may be ticked).
"""

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, get_args, get_origin

from django.http import QueryDict
from pydantic.fields import FieldInfo

from .inputs import StepInput, bare, schema_extra

Choices = list[tuple[Any, ...]]  # (value, label) or (value, label, group: e.g. a handler's unit)


@dataclass(frozen=True)
class Input:
    name: str
    label: str
    kind: str
    required: bool
    choices: str  # the key of the page's option list, "" for none (an enum carries its own)
    help: str
    enum_choices: tuple[tuple[Any, str], ...] = ()
    group_by: str = ""  # the form's field whose value an option's group (its third item) must match
    wide: bool = False  # shown across the whole form


def _parts(annotation: Any) -> tuple[Any, bool]:
    """(the annotation without None and bounds, whether it is a list)."""
    annotation = bare(annotation)
    args = [a for a in get_args(annotation) if a is not type(None)]
    if get_origin(annotation) is list:
        return (bare(args[0]) if args else str), True
    if args and get_origin(annotation) is not list and len(args) == 1:
        return _parts(args[0])
    return annotation, False


def _enum_choices(base: Any) -> tuple[tuple[Any, str], ...]:
    if isinstance(base, type) and issubclass(base, Enum):
        return tuple((m.value, str(getattr(m, "label", m.value))) for m in base)
    return ()


def _kind(info: FieldInfo, base: Any, is_list: bool, extra: dict[str, Any]) -> str:
    widget = str(extra.get("widget", ""))
    if is_list:
        return widget or ("multiselect" if base is int else "checks")
    if _enum_choices(base) or extra.get("choices"):
        return "select"
    if base is datetime:
        return "datetime"
    if base is date:
        return "date"
    if base is int:
        return "number"
    return widget or "text"


def inputs_of(schema: type[StepInput]) -> tuple[Input, ...]:
    """The inputs a step's form shows, in the order the schema declares them (a field the base
    declares and a step declares again, such as `note`, stands where the step put it)."""
    order: list[str] = []
    for klass in reversed(schema.__mro__):
        for name in klass.__dict__.get("__annotations__", {}):
            if name in order:
                order.remove(name)
            order.append(name)
    inputs = []
    for name in order:
        info = schema.model_fields.get(name)
        if info is None:
            continue
        extra = schema_extra(info)
        if not extra.get("form", True):
            continue
        base, is_list = _parts(info.annotation)
        inputs.append(
            Input(
                name=name,
                label=info.title or name,
                kind=_kind(info, base, is_list, extra),
                required=info.is_required() or (is_list and extra.get("widget") == "checks"),
                choices=str(extra.get("choices", "")),
                help=info.description or "",
                enum_choices=_enum_choices(base),
                group_by=str(extra.get("group_by", "")),
                wide=bool(extra.get("wide")),
            )
        )
    return tuple(inputs)


def values_from_post(schema: type[StepInput], data: QueryDict) -> dict[str, Any]:
    """The step's values as the schema reads them; empty inputs are left out."""
    values: dict[str, Any] = {}
    for spec in inputs_of(schema):
        if spec.kind in ("checks", "options", "multiselect"):
            items = [v for v in data.getlist(spec.name) if v]
            values[spec.name] = (
                [int(v) for v in items if v.isdigit()] if spec.kind == "multiselect" else items
            )
            continue
        if spec.kind == "checkbox":
            # an unticked box posts nothing, and means no: never the schema's default (回访's
            # 协议已履行 defaults to yes for the API)
            values[spec.name] = data.get(spec.name, "").strip().lower() in ("true", "on")
            continue
        value = data.get(spec.name, "").strip()
        if value:
            values[spec.name] = value
    if "note" not in values and data.get("note", "").strip():
        values["note"] = data.get("note", "").strip()
    return values


def choice_keys(schemas: list[type[StepInput]]) -> set[str]:
    """The page option lists the given forms need."""
    return {spec.choices for schema in schemas for spec in inputs_of(schema) if spec.choices}


@dataclass(frozen=True)
class Attempt:
    """A form the server refused: its action, what the user typed, and each field's message."""

    action: str
    data: Any  # the POSTed QueryDict
    errors: dict[str, str]


def form_items(
    forms: list[tuple[str, Any, type[StepInput]]],
    lists: dict[str, Choices],
    attempt: Attempt | None = None,
) -> list[dict[str, Any]]:
    """The template's items: action, form (title, button, style, hint) and its inputs with choices;
    the refused form is open again with what was typed and its fields' messages."""
    items = []
    for action, form, schema in forms:
        again = attempt if attempt is not None and attempt.action == action else None
        inputs = []
        for spec in inputs_of(schema):
            choices = list(spec.enum_choices) or lists.get(spec.choices, [])
            typed = [str(v) for v in again.data.getlist(spec.name)] if again is not None else []
            inputs.append(
                {
                    "spec": spec,
                    "choices": choices,
                    "value": typed[0] if typed else "",
                    "values": typed,
                    "error": again.errors.get(spec.name, "") if again is not None else "",
                }
            )
        items.append({"action": action, "form": form, "inputs": inputs, "open": again is not None})
    return items
