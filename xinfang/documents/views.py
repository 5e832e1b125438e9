"""Pages: a notice's download and preview (audited), and the template administration (系统管理员)."""

import io
from urllib.parse import quote

import nh3
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from xinfang.accounts.permissions import capability_required
from xinfang.core.exceptions import NotFound, ValidationFailed
from xinfang.core.requests import RequestMeta

from . import selectors, services
from .forms import TemplateUploadForm
from .registry import document_kind, kind_label

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
# What the preview of a notice keeps of mammoth's HTML: text structure, no links, images,
# classes, styles or event handlers. A template's embedded style map can make mammoth emit any
# element (`p => script`), so it is ignored, and whatever comes out is sanitised regardless.
_PREVIEW_TAGS = {
    *("p", "h1", "h2", "h3", "h4", "h5", "h6", "br"),
    *("strong", "em", "u", "s", "sub", "sup", "span"),
    *("table", "thead", "tbody", "tr", "th", "td"),
    *("ul", "ol", "li"),
}
_PREVIEW_ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def _docx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=DOCX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# --- notices -------------------------------------------------------------------------------------


@require_GET
@login_required
def document_download_view(request: HttpRequest, document_id: int) -> FileResponse:
    document = selectors.access_document_by_id(request.user, document_id, RequestMeta.from_request(request))
    handle = services.document_file_open(
        actor=request.user, document=document, mode="download", request_meta=RequestMeta.from_request(request)
    )
    return FileResponse(handle, as_attachment=True, filename=document.original_name, content_type=DOCX)


def docx_to_html(content: bytes) -> str:
    """The notice's text as HTML for the preview. Bytes, not a file on disk, go to mammoth, so
    that an image linked (not embedded) in a template cannot pull in a file from the server."""
    import mammoth

    result = mammoth.convert_to_html(io.BytesIO(content), include_embedded_style_map=False)
    return sanitise_preview_html(result.value)


def sanitise_preview_html(html: str) -> str:
    """Only _PREVIEW_TAGS and _PREVIEW_ATTRIBUTES survive; script and style lose their content."""
    return nh3.clean(html, tags=_PREVIEW_TAGS, attributes=_PREVIEW_ATTRIBUTES, link_rel=None)


@require_GET
@login_required
def document_preview_view(request: HttpRequest, document_id: int) -> HttpResponse:
    document = selectors.access_document_by_id(request.user, document_id, RequestMeta.from_request(request))
    with services.document_file_open(
        actor=request.user, document=document, mode="preview", request_meta=RequestMeta.from_request(request)
    ) as handle:
        html = docx_to_html(handle.read())
    context = {"document": document, "preview_html": html, "owner_link": selectors.owner_link(document)}
    return render(request, "documents/preview.html", context)


# --- template administration ---------------------------------------------------------------------


def _kind_or_404(kind: str) -> str:
    if document_kind(kind) is None:
        raise NotFound()
    return kind


def _templates_page(request: HttpRequest, *, kind: str = "", error: str = "") -> HttpResponse:
    """The page; after a refused upload, with the reason (status 422, nothing was changed)."""
    context = {
        "rows": selectors.template_rows(),
        "error": {"label": kind_label(kind), "message": error} if error else None,
        "max_megabytes": services.TEMPLATE_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "documents/templates.html", context, status=422 if error else 200)


@require_GET
@capability_required("templates.manage")
def templates_view(request: HttpRequest) -> HttpResponse:
    return _templates_page(request)


@require_GET
@capability_required("templates.manage")
def template_download_view(request: HttpRequest, kind: str) -> HttpResponse:
    content, row = services.template_current(_kind_or_404(kind))
    filename = row.original_name if row else f"{kind_label(kind)}-默认模板.docx"
    return _docx_response(content, filename)


@require_POST
@capability_required("templates.manage")
def template_upload_view(request: HttpRequest, kind: str) -> HttpResponse:
    _kind_or_404(kind)
    form = TemplateUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        problems = [str(problem) for problem in form.errors.get("file") or ["请选择文件。"]]
        return _templates_page(request, kind=kind, error="；".join(problems))
    try:
        services.template_replace(
            kind=kind,
            upload=form.cleaned_data["file"],
            actor=request.user,
            request_meta=RequestMeta.from_request(request),
        )
    except ValidationFailed as error:
        return _templates_page(request, kind=kind, error=error.message)
    messages.success(request, f"已更换“{kind_label(kind)}”的模板，此后生成的文书使用新模板。")
    return redirect("documents:templates")


@require_POST
@capability_required("templates.manage")
def template_reset_view(request: HttpRequest, kind: str) -> HttpResponse:
    services.template_reset(
        kind=_kind_or_404(kind), actor=request.user, request_meta=RequestMeta.from_request(request)
    )
    messages.success(request, f"“{kind_label(kind)}”已恢复为默认模板。")
    return redirect("documents:templates")
