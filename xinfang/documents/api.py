"""REST API of notices: the download of one (audited), and the schema with which the owning
apps list their cases' notices (GET /petitions/{id}/documents lives in petitions.api)."""

from datetime import datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import Router, Schema

from xinfang.core.requests import RequestMeta

from . import selectors, services
from .models import Document

router = Router(tags=["文书"])

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class DocumentOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str
    original_name: str
    size: int
    created_at: datetime
    created_by: str
    download_url: str


class ErrorOut(Schema):
    message: str
    errors: dict[str, str] | None = None


def _creator(document: Document) -> str:
    user = document.created_by
    return (user.full_name or user.username) if user is not None else "系统"


def document_out(document: Document) -> dict[str, Any]:
    """A notice as `DocumentOut` (the owning apps list their cases' notices with it)."""
    return {
        "id": document.pk,
        "kind": document.kind,
        "kind_label": document.get_kind_display(),
        "number": document.number,
        "original_name": document.original_name,
        "size": document.size,
        "created_at": document.created_at,
        "created_by": _creator(document),
        "download_url": reverse("api:download_document", kwargs={"document_id": document.pk}),
    }


@router.get("/documents/{document_id}/download", response={404: ErrorOut})
def download_document(request: HttpRequest, document_id: int) -> FileResponse:
    """下载文书（Word 文件），记入审计日志。"""
    document = selectors.access_document_by_id(request.user, document_id, RequestMeta.from_request(request))
    handle = services.document_file_open(
        actor=request.user, document=document, mode="download", request_meta=RequestMeta.from_request(request)
    )
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=DOCX)
