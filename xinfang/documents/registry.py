"""The kinds of notice (文书) and the owners of notices, registered by the apps that own them.

`documents` knows no kind of case: each app of layer 4 calls `register_document_kind` (and, for
the cases that own notices, `register_document_owner`) from its `AppConfig.ready`. A kind says
how it is named and numbered, builds its default template, lists its placeholders with sample
values for the check of an uploaded template, and turns its owner into the placeholders every
notice of that owner shares (the case's number, its parties …). An owner type says who may see
its notices and how to open the case.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import models
from django.db.models import QuerySet

from xinfang.accounts.models import User

# The placeholders of every notice, whatever its kind and owner (filled by documents itself).
GENERIC_PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("unit_name", "发文单位名称"),
    ("number", "文号，如 城关镇信受〔2026〕1号"),
    ("date_cn", "发文日期，如 2026年11月23日"),
)

GENERIC_SAMPLES: Mapping[str, Any] = {
    "unit_name": "城关镇",
    "number": "城关镇信受〔2026〕1号",
    "date_cn": "2026年11月23日",
}


def owner_type_of(owner: models.Model) -> str:
    """How notices, clocks and notifications name a model: "petitions.petition"."""
    return f"{owner._meta.app_label}.{owner._meta.model_name}"


@dataclass(frozen=True, eq=False)
class DocumentKindSpec:
    """One kind of notice. `placeholders` are the kind's own (the owner's shared ones included),
    after the generic `unit_name`, `number` and `date_cn`; `sample_context` gives the values the
    check of an uploaded template renders with (a placeholder without one shows its label)."""

    code: str  # at most 30 characters: the `kind` of Document, DocumentTemplate, DocumentSequence
    label: str  # 受理告知单
    abbreviation: str  # inside the number: 城关镇信受〔2026〕1号
    default_template: Callable[[], bytes]  # the built-in .docx (see defaults.build_notice)
    placeholders: Sequence[tuple[str, str]] = ()
    sample_context: Mapping[str, Any] = field(default_factory=dict)
    # the placeholders the owner gives every notice of this kind (its number, parties, …)
    owner_context: Callable[[models.Model], dict[str, Any]] | None = None
    # what precedes the abbreviation in the number: 信 for a petition office's notices (城关镇信受),
    # nothing for a mediation committee's agreement (东风村调〔2026〕1号)
    prefix: str = "信"


@dataclass(frozen=True, eq=False)
class DocumentOwnerSpec:
    """A type of record that owns notices (`owner_type` as in Deadline.owner_type).

    `visible_ids(actor)` answers the ids of the owners whose notices the actor may see (a query
    of pks), or None when the actor may see none; `reference(owner)` is the case's number, kept
    on the notice and written under `audit_key` in the audit log; `url(owner_id)` opens the case.
    A notice whose owner type is not registered, or that has no owner, follows the scope of its
    issuing unit. `withheld_ids` narrows what a visible owner shows (see the field).
    """

    owner_type: str
    label: str  # 信访件
    visible_ids: Callable[[User], QuerySet[Any] | None]
    reference: Callable[[models.Model], str]
    url: Callable[[int], str]
    audit_key: str = "owner"
    # the ids of owners, among the visible ones, of which the actor sees only the notices marked
    # `identity_protected` in their context (a petition's complained-about unit); None: no such
    withheld_ids: Callable[[User], QuerySet[Any] | None] | None = None


KINDS: dict[str, DocumentKindSpec] = {}
OWNERS: dict[str, DocumentOwnerSpec] = {}


def register_document_kind(spec: DocumentKindSpec) -> None:
    """Called from the owning app's `AppConfig.ready`; registering a code again replaces it."""
    if len(spec.code) > 30:
        raise ValueError(f"document kind code {spec.code!r} is longer than 30 characters")
    KINDS[spec.code] = spec


def register_document_owner(spec: DocumentOwnerSpec) -> None:
    OWNERS[spec.owner_type] = spec


def unregister_document_kind(code: str) -> None:
    """For tests that register a kind of their own."""
    KINDS.pop(code, None)


def document_kind(code: str) -> DocumentKindSpec | None:
    return KINDS.get(code)


def document_kinds() -> list[DocumentKindSpec]:
    """Every registered kind, in the order of registration (the apps' order in INSTALLED_APPS)."""
    return list(KINDS.values())


def document_owner(owner_type: str) -> DocumentOwnerSpec | None:
    return OWNERS.get(owner_type)


def document_owners() -> list[DocumentOwnerSpec]:
    return list(OWNERS.values())


def kind_label(code: str) -> str:
    spec = KINDS.get(code)
    return spec.label if spec is not None else code


class _Placeholders(Mapping[str, list[tuple[str, str]]]):
    """What a template of each registered kind may use: the generic keys, then the kind's own."""

    def __getitem__(self, code: str) -> list[tuple[str, str]]:
        return [*GENERIC_PLACEHOLDERS, *KINDS[code].placeholders]

    def __iter__(self) -> Iterator[str]:
        return iter(list(KINDS))

    def __len__(self) -> int:
        return len(KINDS)


PLACEHOLDERS: Mapping[str, list[tuple[str, str]]] = _Placeholders()
