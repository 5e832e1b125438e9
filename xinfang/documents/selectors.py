"""Reads of notices and templates. A notice of a petition is visible exactly when its petition is;
a notice without a petition follows the scope of its issuing unit."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet

from xinfang.accounts.permissions import has_capability
from xinfang.core.exceptions import NotFound
from xinfang.organisation.selectors import scope_q
from xinfang.petitions.selectors import petitions_visible_to

from .models import Document, DocumentKind, DocumentTemplate
from .services import PLACEHOLDERS

DOCUMENT_SCOPE: dict[str, Any] = {"unit_field": "unit", "path_field": "unit_path"}


def documents_visible_to(actor: Any) -> QuerySet[Document]:
    unit_scoped = Q(petition__isnull=True) & scope_q(actor, **DOCUMENT_SCOPE)
    if not has_capability(actor, "petitions.view"):
        return Document.objects.filter(unit_scoped)
    return Document.objects.filter(unit_scoped | Q(petition__in=petitions_visible_to(actor).values("pk")))


def access_document_by_id(actor: Any, document_id: Any) -> Document:
    """The same NotFound for a notice that does not exist and for one outside scope."""
    try:
        return documents_visible_to(actor).select_related("petition", "created_by").get(pk=int(document_id))
    except (Document.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None


def documents_for_petition(*, actor: Any, petition_id: Any) -> QuerySet[Document]:
    """The notices of one petition, oldest first; NotFound when the petition is not visible."""
    try:
        visible = petitions_visible_to(actor).filter(pk=int(petition_id)).exists()
    except (ValueError, TypeError):
        visible = False
    if not visible or not has_capability(actor, "petitions.view"):
        raise NotFound()
    return documents_of(petition_id=int(petition_id))


def documents_of(*, petition_id: int) -> QuerySet[Document]:
    """The notices of a petition the caller already obtained through `access_petition_by_id`."""
    return (
        Document.objects.filter(petition_id=petition_id)
        .select_related("created_by")
        .order_by("created_at", "id")
    )


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
    for kind, label in DocumentKind.choices:
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
