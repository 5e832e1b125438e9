"""Reads of notices and templates. A notice of an owner whose type is registered (see registry)
is visible exactly when the actor may see its owner; a notice without an owner, or of an owner
type nobody registered, follows the scope of its issuing unit."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet

from xinfang.accounts.models import User
from xinfang.audit.services import audit_access_denied
from xinfang.core.exceptions import NotFound
from xinfang.core.requests import RequestMeta
from xinfang.organisation.selectors import scope_q

from .models import Document, DocumentTemplate
from .registry import DocumentOwnerSpec, document_kinds, document_owner, document_owners, owner_type_of
from .services import PLACEHOLDERS

DOCUMENT_SCOPE: dict[str, Any] = {"unit_field": "unit", "path_field": "unit_path"}


def documents_visible_to(actor: Any) -> QuerySet[Document]:
    owners = document_owners()
    visible = ~Q(owner_type__in=[o.owner_type for o in owners]) & scope_q(actor, **DOCUMENT_SCOPE)
    for owner in owners:
        ids = owner.visible_ids(actor)
        if ids is not None:
            visible |= Q(owner_type=owner.owner_type, owner_id__in=ids) & ~_withheld(owner, actor)
    return Document.objects.filter(visible)


def _withheld(owner: DocumentOwnerSpec, actor: Any) -> Q:
    """The notices of `owner`'s type the actor sees the owner of but not the notice (a Q that
    matches nothing when there are none)."""
    ids = owner.withheld_ids(actor) if owner.withheld_ids is not None else None
    if ids is None:
        return Q(pk__in=[])
    return Q(owner_id__in=ids) & ~Q(context__identity_protected=True)


def access_document_by_id(actor: Any, document_id: Any, request_meta: RequestMeta | None = None) -> Document:
    """The same NotFound for a notice that does not exist and for one outside scope; the latter
    is audited (ACCESS_DENIED, one more query on the miss path only)."""
    try:
        return documents_visible_to(actor).select_related("created_by").get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        audit_access_denied(actor=actor, model=Document, target_id=document_id, request_meta=request_meta)
        raise NotFound() from None


def documents_for_owner(*, actor: User, owner_type: str, owner_id: int) -> QuerySet[Document]:
    """The notices of one owner, oldest first; NotFound when the actor may not see the owner
    (or its type registers no owner scope)."""
    spec = document_owner(owner_type)
    ids = spec.visible_ids(actor) if spec is not None else None
    try:
        visible = ids is not None and ids.filter(pk=int(owner_id)).exists()
    except (ValueError, TypeError):
        visible = False
    if not visible:
        raise NotFound()
    return documents_of(owner_type=owner_type, owner_id=int(owner_id))


def documents_of(*, owner_type: str, owner_id: int, protected_only: bool = False) -> QuerySet[Document]:
    """The notices of an owner the caller already obtained through its app's `access_*_by_id`;
    `protected_only`: those marked `identity_protected` (for whom the owner withholds the rest)."""
    documents = Document.objects.filter(owner_type=owner_type, owner_id=owner_id)
    if protected_only:
        documents = documents.filter(context__identity_protected=True)
    return documents.select_related("created_by").order_by("created_at", "id")


def documents_of_owner(owner: models.Model) -> QuerySet[Document]:
    return documents_of(owner_type=owner_type_of(owner), owner_id=owner.pk)


def owner_link(document: Document) -> tuple[str, str] | None:
    """(text, url) of the way back from a notice to its case, or None."""
    spec = document_owner(document.owner_type) if document.owner_type else None
    if spec is None or document.owner_id is None:
        return None
    return f"返回{spec.label} {document.owner_reference}".strip(), spec.url(document.owner_id)


@dataclass(frozen=True)
class TemplateRow:
    """One line of the template administration page."""

    kind: str
    label: str
    is_default: bool
    original_name: str
    uploaded_by: str
    uploaded_at: datetime | None
    placeholders: list[tuple[str, str]]


def template_rows() -> list[TemplateRow]:
    uploaded = {row.kind: row for row in DocumentTemplate.objects.select_related("uploaded_by")}
    rows = []
    for spec in document_kinds():
        kind, label = spec.code, spec.label
        row = uploaded.get(kind)
        rows.append(
            TemplateRow(
                kind=kind,
                label=label,
                is_default=row is None,
                original_name=row.original_name if row else "",
                uploaded_by=str(row.uploaded_by) if row else "",
                uploaded_at=row.uploaded_at if row else None,
                placeholders=PLACEHOLDERS[kind],
            )
        )
    return rows
