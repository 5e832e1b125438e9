"""The 详情 of an audit entry as a person reads it: who, which record, what changed.

`extra_data` keeps what the writing app passed (codes, ids, old and new values). The page turns
it into labelled Chinese text: codes into their labels, ids into what they name (a petition's
number, a unit's or a staff member's name) and old/new pairs into "旧 → 新". The ids of one page
are resolved together: one query per kind of reference, however many entries the page holds.

The vocabulary is filled by the apps that write the entries (`AppConfig.ready`), as the
documents and deadlines registries are: the audit log sits below every app and imports none.

A petitioner is never named here (the auditor reads these texts): a petitioner id reads
信访人#id, and a petition is named by its number, never its subject.
"""

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.apps import apps

from .models import AuditEntry

Resolver = Callable[[Collection[int]], Mapping[int, str]]
Labeller = Callable[[str], str | None]

TEXT_LIMIT = 80
LIST_LIMIT = 10
DIGEST_LENGTH = 12


@dataclass
class Field:
    """How one key of `extra_data` reads. `reference`: the value is an id (or a list of ids) of
    that kind; `values`: labellers of its codes, tried in order (several apps may add some);
    `hidden`: kept in the log, not shown; `mask`: shown as this text instead of the value."""

    label: str
    reference: str = ""
    values: list[Labeller] = field(default_factory=list)
    hidden: bool = False
    mask: str = ""


@dataclass(frozen=True)
class Detail:
    label: str
    text: str


_FIELDS: dict[tuple[str, str], Field] = {}  # (target type or "" for every entry, key)
_REFERENCES: dict[str, Resolver] = {}
_TARGET_TYPES: dict[str, str] = {}
_KEY_READERS: list[Callable[[str], "Field | None"]] = []
# the order details are shown in: as the keys were registered, then unknown keys by name. Not the
# stored order: PostgreSQL's jsonb keeps its own key order, SQLite the writer's.
_KEY_ORDER: dict[str, int] = {}


def _in_order(keys: Iterable[str]) -> list[str]:
    return sorted(keys, key=lambda key: (_KEY_ORDER.get(key, len(_KEY_ORDER)), key))


def _labeller(values: Mapping[str, str] | Labeller) -> Labeller:
    if callable(values):
        return values
    table = dict(values)
    return table.get


def register_field(
    key: str,
    label: str,
    *,
    reference: str = "",
    values: Mapping[str, str] | Labeller | None = None,
    hidden: bool = False,
    mask: str = "",
    target_type: str = "",
) -> None:
    """Declares how `key` reads (for entries about `target_type` only, when given). Labels of
    its codes that another app registered before are kept."""
    _KEY_ORDER.setdefault(key, len(_KEY_ORDER))
    known = _FIELDS.get((target_type, key))
    entry = Field(label=label, reference=reference, hidden=hidden, mask=mask)
    entry.values = list(known.values) if known is not None else []
    if values is not None:
        entry.values.append(_labeller(values))
    _FIELDS[(target_type, key)] = entry


def register_values(key: str, values: Mapping[str, str] | Labeller, *, target_type: str = "") -> None:
    """Adds labels for codes of `key` (a key several apps write, such as `action` or `kind`)."""
    entry = _FIELDS.setdefault((target_type, key), Field(label=key))
    entry.values.append(_labeller(values))


def register_reference(kind: str, resolve: Resolver) -> None:
    """`resolve(ids)` answers {id: text} for the ids it knows, in one query."""
    _REFERENCES[kind] = resolve


def register_key_reader(reader: Callable[[str], Field | None]) -> None:
    """For keys made of parts (`handling_deadline`: a rule's code and a suffix): `reader(key)`
    answers the field, or None for a key it does not know."""
    _KEY_READERS.append(reader)


def register_target_type(target_type: str, label: str) -> None:
    """The Chinese name of a `target_type` (e.g. petitions.petition → 信访件)."""
    _TARGET_TYPES[target_type] = label


def target_type_label(target_type: str) -> str:
    if not target_type:
        return ""
    if target_type in _TARGET_TYPES:
        return _TARGET_TYPES[target_type]
    try:
        return str(apps.get_model(target_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return target_type


# --- reading one page of entries ---------------------------------------------------------------


def _field(target_type: str, key: str) -> Field | None:
    found = _FIELDS.get((target_type, key)) or _FIELDS.get(("", key))
    if found is not None:
        return found
    for reader in _KEY_READERS:
        if (found := reader(key)) is not None:
            return found
    return None


def _ids(value: Any) -> list[int]:
    values = value if isinstance(value, list) else [value]
    found = []
    for item in values:
        if isinstance(item, bool):
            continue
        if isinstance(item, int):
            found.append(item)
        elif isinstance(item, str) and item.isdigit():
            found.append(int(item))
    return found


def _references_in(target_type: str, data: Mapping[str, Any]) -> Iterable[tuple[str, int]]:
    """(kind, id) of every id `data` names, nested dicts (old/new, filters) included."""
    for key, value in data.items():
        if key == "owner_id" and isinstance(data.get("owner_type"), str):
            yield from ((data["owner_type"], pk) for pk in _ids(value))
            continue
        spec = _field(target_type, key)
        if spec is not None and spec.reference and not (spec.hidden or spec.mask) and not _named(data, key):
            yield from ((spec.reference, pk) for pk in _ids(value))
        if isinstance(value, dict):
            yield from _references_in(target_type, value)


ACTORS = "accounts.user"
_ACTION_LABEL = "操作"  # shown first: what was done, then what it changed


def _resolve(entries: Sequence[AuditEntry]) -> dict[str, Mapping[int, str]]:
    """Every id the entries name, and their actors, read with one query per kind."""
    wanted: dict[str, set[int]] = defaultdict(set)
    wanted[ACTORS] = {entry.actor_id for entry in entries if entry.actor_id is not None}
    for entry in entries:
        data = entry.extra_data if isinstance(entry.extra_data, dict) else {}
        for kind, pk in _references_in(entry.target_type, data):
            wanted[kind].add(pk)
    resolved: dict[str, Mapping[int, str]] = {}
    for kind, ids in wanted.items():
        resolve = _REFERENCES.get(kind)
        resolved[kind] = resolve(ids) if resolve is not None and ids else {}
    return resolved


def _named(data: Mapping[str, Any], key: str) -> str:
    """The name a writer kept next to an id (`unit` and `unit_name`): the name as it was then."""
    named = data.get(f"{key}_name") or data.get(f"{key}_label")
    return str(named) if named else ""


def _is_sibling_name(data: Mapping[str, Any], key: str) -> bool:
    """`unit_name` next to `unit`: read together, under `unit`."""
    return any(key.endswith(suffix) and key[: -len(suffix)] in data for suffix in ("_name", "_label"))


class _Reader:
    def __init__(self, entry: AuditEntry, resolved: Mapping[str, Mapping[int, str]]) -> None:
        self.entry = entry
        self.resolved = resolved

    def field(self, key: str) -> Field | None:
        return _field(self.entry.target_type, key)

    def reference(self, kind: str, pk: int) -> str:
        text = self.resolved.get(kind, {}).get(pk)
        if text:
            return text
        return f"{target_type_label(kind) or kind}#{pk}"

    def scalar(self, spec: Field | None, value: Any) -> str:
        if value is None or value == "":
            return "（无）"
        if isinstance(value, bool):
            return "是" if value else "否"
        if spec is not None and spec.reference and _ids(value):
            return self.reference(spec.reference, _ids(value)[0])
        text = str(value)
        if spec is not None:
            for labeller in spec.values:
                label = labeller(text)
                if label:
                    return label
        return _short(_readable_moment(text))

    def value(self, spec: Field | None, value: Any) -> str:
        if spec is not None and spec.mask:
            return spec.mask
        if isinstance(value, list):
            if not value:
                return "（无）"
            shown = [self.scalar(spec, item) for item in value[:LIST_LIMIT]]
            more = f" 等 {len(value)} 项" if len(value) > LIST_LIMIT else ""
            return "、".join(shown) + more
        if isinstance(value, dict):
            return "，".join(f"{d.label}={d.text}" for d in self.pairs(value)) or "（无）"
        return self.scalar(spec, value)

    def pairs(self, data: Mapping[str, Any]) -> list[Detail]:
        """Each shown key of `data` with its label and readable value."""
        details = []
        for key in _in_order(data):
            value = data[key]
            if key in ("old", "new", "owner_type") or _is_sibling_name(data, key):
                continue
            if key == "owner_id" and isinstance(data.get("owner_type"), str):
                owner_type = data["owner_type"]
                pks = _ids(value)
                text = self.reference(owner_type, pks[0]) if pks else str(value)
                details.append(Detail(f"所属{target_type_label(owner_type)}", text))
                continue
            spec = self.field(key)
            if spec is not None and spec.hidden or value is None or value in ("", [], {}):
                continue
            named = _named(data, key)
            text = _short(named) if named and not (spec and spec.mask) else self.value(spec, value)
            details.append(Detail(spec.label if spec else key, text))
        return details

    def change(self, old: Any, new: Any) -> list[Detail]:
        """old/new: per field of a record (dicts), or one value (a state, a list of roles)."""
        if not isinstance(old, dict) and not isinstance(new, dict):
            spec = self.field("new") or self.field("old")
            return [
                Detail(spec.label if spec else "变更", f"{self.value(spec, old)} → {self.value(spec, new)}")
            ]
        before = old if isinstance(old, dict) else {}
        after = new if isinstance(new, dict) else {}
        details = []
        for key in _in_order(dict.fromkeys([*before, *after])):
            spec = self.field(key)
            if spec is not None and spec.hidden:
                continue
            if key in before and key in after and before[key] == after[key]:
                continue
            was = self.value(spec, before[key]) if key in before else "（无）"
            now = self.value(spec, after[key]) if key in after else "（无）"
            if old is None:  # a new record: its values, not "（无） → …" for each
                text = now
            elif new is None:
                text = f"{was} → （删除）"
            else:
                text = f"{was} → {now}"
            details.append(Detail(spec.label if spec else key, text))
        return details

    def details(self) -> list[Detail]:
        data = self.entry.extra_data if isinstance(self.entry.extra_data, dict) else {}
        changes = self.change(data.get("old"), data.get("new")) if ("old" in data or "new" in data) else []
        pairs = self.pairs(data)
        action = [detail for detail in pairs if detail.label == _ACTION_LABEL][:1]
        return action + changes + [detail for detail in pairs if detail not in action]


def _readable_moment(text: str) -> str:
    """An ISO date-time as 2026-12-03 10:05 (dates stay as they are)."""
    if len(text) < 16 or text[4] != "-" or "T" not in text:
        return text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    return f"{moment:%Y-%m-%d %H:%M}"


def _short(text: str) -> str:
    return text if len(text) <= TEXT_LIMIT else f"{text[:TEXT_LIMIT]}…"


@dataclass(frozen=True)
class ReadableEntry:
    """One row of the audit page: the entry and how a person reads it."""

    entry: AuditEntry
    actor: str
    target: str
    details: list[Detail]

    @property
    def text(self) -> str:
        return details_text(self.details)


def _actor_text(entry: AuditEntry, names: Mapping[int, str]) -> str:
    if entry.actor_id is not None and entry.actor_id in names:
        return names[entry.actor_id]
    return entry.actor_username or "系统"


def _target_text(entry: AuditEntry) -> str:
    kind = target_type_label(entry.target_type)
    if entry.target_label:
        return f"{kind} {entry.target_label}".strip()
    if entry.target_id:
        return f"{kind}#{entry.target_id}"
    return kind


def readable_entries(entries: Sequence[AuditEntry]) -> list[ReadableEntry]:
    """The page's entries as read: who (name and account), which record, what changed. One
    query for the actors' names and one per kind of reference, however many entries."""
    resolved = _resolve(entries)
    names = resolved.get(ACTORS, {})
    return [
        ReadableEntry(
            entry=entry,
            actor=_actor_text(entry, names),
            target=_target_text(entry),
            details=_Reader(entry, resolved).details(),
        )
        for entry in entries
    ]


def details_text(details: Sequence[Detail]) -> str:
    return "；".join(f"{detail.label}：{detail.text}" for detail in details)
