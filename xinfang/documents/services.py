"""Writes of written notices (文书): generation, template replacement and reset, audited reads.

Templates are Jinja inside Word (docxtpl). They are rendered in Jinja's sandbox with autoescape
(a case's text may hold `<` or `&`, which would break the XML) and with undefined names, even
chained ones, rendering as empty text, so a key the caller did not pass leaves a blank.
"""

import hashlib
import io
import logging
import re
import uuid
import zipfile
from dataclasses import dataclass
from typing import IO, Any

from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone
from jinja2 import ChainableUndefined, Template, TemplateError, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from xinfang.audit.models import AuditEvent
from xinfang.audit.services import audit_record
from xinfang.core.dates import date_cn
from xinfang.core.exceptions import ApplicationError, ValidationFailed
from xinfang.core.requests import RequestMeta
from xinfang.organisation.models import Unit

from . import registry
from .defaults import default_template_bytes
from .models import Document, DocumentSequence, DocumentTemplate
from .registry import DocumentKindSpec, document_kind, kind_label, owner_type_of

TEMPLATE_MAX_BYTES = 5 * 1024 * 1024
# What a template may unpack to: a small .docx can hold a member of hundreds of megabytes of
# zeros (a zip bomb), which parsing would expand in memory and the prepared-template cache keep.
TEMPLATE_MAX_UNPACKED_BYTES = 20 * 1024 * 1024
TEMPLATE_MAX_MEMBERS = 2000

# What a template of each kind may use: the generic keys, then the kind's own (the admin page
# lists these); a read-only view of the registry.
PLACEHOLDERS = registry.PLACEHOLDERS

# Jinja's messages for the mistakes people make in Word, said in Chinese; others are shown as is.
SYNTAX_HINTS: tuple[tuple[str, str], ...] = (
    ("unexpected end of template", "模板在结尾处意外结束，可能缺少 {% endif %} 或 {% endfor %}"),
    ("unexpected '}'", "多了一个“}”，占位符应写作 {{ 名称 }}"),
    ("unexpected char", "占位符中有不允许的字符，占位符应写作 {{ 名称 }}，名称只能用英文字母、数字和下划线"),
    ("expected token 'end of print statement'", "占位符没有正确结束，应写作 {{ 名称 }}"),
    ("unknown tag", "未知的模板标签"),
    ("no filter named", "未知的过滤器"),
)

logger = logging.getLogger(__name__)

_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_PARAGRAPH_START = re.compile(r"<w:p([ >])")
_PARAGRAPH_RESTORE = re.compile(r"\n<w:p([ >])")
_XML_TAG = re.compile(r"<[^>]+>")


class TemplateProblem(ValidationFailed):
    """An uploaded or stored template that cannot be used; the message says why, in Chinese."""


def _jinja_environment() -> SandboxedEnvironment:
    """The sandbox keeps an uploaded template from reaching Python internals."""
    return SandboxedEnvironment(autoescape=True, undefined=ChainableUndefined)


def _clean(value: Any) -> Any:
    """Strings lose the control characters XML forbids; Windows line ends become line breaks."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _CONTROL_CHARACTERS.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
    return value


@dataclass(frozen=True)
class _PreparedTemplate:
    """A template taken apart once: the zip's members, and the Jinja templates compiled from the
    parts that hold text (body, headers, footers) after docxtpl's own clean-up of Word's runs."""

    members: tuple[tuple[str, bytes], ...]
    parts: dict[str, tuple[Template, str]]  # member name → (compiled template, encoding)
    size: int  # the unpacked bytes of the members, for the cache's bound


_RENDERED_PARTS = re.compile(r"^word/(document|header\d*|footer\d*)\.xml$")
_ENCODING = re.compile(rb'^<\?xml[^?]+\bencoding="([^"]+)"', re.IGNORECASE)
_PREPARED: dict[str, _PreparedTemplate] = {}
_PREPARED_MAX = 32  # templates; a worker sees one per kind in use, a dozen in practice
_PREPARED_MAX_BYTES = 64 * 1024 * 1024  # unpacked, over all cached templates


def _unpacked_problem(archive: zipfile.ZipFile) -> str | None:
    """None when the package unpacks to a bounded size, else the reason in Chinese. The sizes
    are the ones the zip declares; zipfile does not read a member past its declared size."""
    infos = archive.infolist()
    if len(infos) > TEMPLATE_MAX_MEMBERS:
        return f"Word 文档包含的部件过多（{len(infos)} 个，最多 {TEMPLATE_MAX_MEMBERS} 个），不能作为模板。"
    unpacked = sum(info.file_size for info in infos)
    if unpacked > TEMPLATE_MAX_UNPACKED_BYTES:
        limit = TEMPLATE_MAX_UNPACKED_BYTES // (1024 * 1024)
        return (
            f"Word 文档解压后过大（{unpacked / 1024 / 1024:.1f} MB，最多 {limit} MB），"
            "可能含有异常内容，不能作为模板。"
        )
    return None


def _prepare(template: bytes, digest: str) -> _PreparedTemplate:
    prepared = _PREPARED.get(digest)
    if prepared is not None:
        return prepared
    from docxtpl import DocxTemplate

    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        if problem := _unpacked_problem(archive):  # a template stored before uploads were checked
            raise TemplateError(problem)
    helper = DocxTemplate(io.BytesIO(template))  # only its string functions are used
    environment = _jinja_environment()
    members, parts = [], {}
    with zipfile.ZipFile(io.BytesIO(template)) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            members.append((name, data))
            if _RENDERED_PARTS.match(name):
                found = _ENCODING.match(data)
                encoding = found.group(1).decode() if found else "utf-8"
                xml = _PARAGRAPH_START.sub(r"\n<w:p\1", helper.patch_xml(data.decode(encoding)))
                parts[name] = (environment.from_string(xml), encoding)
    prepared = _PreparedTemplate(tuple(members), parts, sum(len(data) for _, data in members))
    cached_bytes = sum(entry.size for entry in _PREPARED.values())
    if len(_PREPARED) >= _PREPARED_MAX or cached_bytes + prepared.size > _PREPARED_MAX_BYTES:
        _PREPARED.clear()
    _PREPARED[digest] = prepared
    return prepared


def render_docx(template: bytes, context: dict[str, Any], *, digest: str | None = None) -> bytes:
    """Renders .docx template bytes with `context`. Raises jinja2.TemplateError on a bad template.

    Does what docxtpl's `render` does to the text of the body, headers and footers (its run
    clean-up, Jinja in a sandbox, its line-break handling) on the XML strings of a template
    prepared once per content hash, and writes the other members of the package unchanged:
    a notice costs a few milliseconds instead of a full parse and re-serialisation of the
    package. (docxtpl's table-column and picture fixes are not applied: notices use neither.)
    """
    from docxtpl import DocxTemplate

    prepared = _prepare(template, digest or hashlib.sha256(template).hexdigest())
    values = {k: _clean(v) for k, v in context.items()}
    helper = DocxTemplate(io.BytesIO(b""))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in prepared.members:
            if name in prepared.parts:
                compiled, encoding = prepared.parts[name]
                xml = _PARAGRAPH_RESTORE.sub(r"<w:p\1", compiled.render(values))
                xml = xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%").replace("%_}", "%}")
                data = helper.resolve_listing(xml).encode(encoding)
            archive.writestr(name, data)
    return output.getvalue()


# --- templates -----------------------------------------------------------------------------------


def template_current(kind: str) -> tuple[bytes, DocumentTemplate | None]:
    """The bytes of the template that generation uses now, and its row (None for the default)."""
    row = DocumentTemplate.objects.filter(kind=kind).first()
    if row is None:
        return default_template_bytes(kind), None
    return _stored_bytes(kind, row), row


def _stored_bytes(kind: str, row: DocumentTemplate) -> bytes:
    try:
        with row.file.open("rb") as handle:
            return handle.read()
    except OSError:
        raise ApplicationError(
            f"“{kind_label(kind)}”的模板文件缺失，请系统管理员重新上传或恢复默认模板。"
        ) from None


def _template_parts_xml(content: bytes) -> list[str]:
    """The body, headers and footers as docxtpl hands them to Jinja, one paragraph per line."""
    from docxtpl import DocxTemplate

    document = DocxTemplate(io.BytesIO(content))
    document.init_docx()
    parts = [document.get_xml()]
    for uri in (DocxTemplate.HEADER_URI, DocxTemplate.FOOTER_URI):
        parts.extend(document.get_part_xml(part) for _, part in document.get_headers_footers(uri))
    return [_PARAGRAPH_START.sub(r"\n<w:p\1", document.patch_xml(xml)) for xml in parts]


def _syntax_message(error: TemplateSyntaxError, xml: str) -> str:
    lines = xml.splitlines()
    paragraph = (error.lineno or 1) - 1  # line 1 holds what comes before the first paragraph
    text = _XML_TAG.sub("", lines[error.lineno - 1]) if error.lineno and error.lineno <= len(lines) else ""
    text = text.strip()
    snippet = f"“{text[:40]}{'…' if len(text) > 40 else ''}”" if text else ""
    reason = str(error.message or "")
    for needle, hint in SYNTAX_HINTS:
        if needle.lower() in reason.lower():
            reason = f"{hint}（{reason}）"
            break
    where = f"第 {paragraph} 段" if paragraph >= 1 else "开头"
    return f"模板语法错误：{where}{snippet}：{reason}"


def template_problem(*, kind: str, name: str, content: bytes) -> str | None:
    """None when the file can serve as `kind`'s template, else the reason in Chinese.

    Checks, in order: the extension, the size, that it is a zip of at most TEMPLATE_MAX_MEMBERS
    members unpacking to at most TEMPLATE_MAX_UNPACKED_BYTES and holding word/document.xml,
    that Jinja can parse it, that it uses only the kind's placeholders, and that it renders
    with a sample context.
    """
    if not name.lower().endswith(".docx"):
        return "只能上传 Word 文档（.docx 格式）；.doc 文件请先用 Word 另存为 .docx。"
    if len(content) > TEMPLATE_MAX_BYTES:
        return f"模板文件不能超过 5 MB（当前 {len(content) / 1024 / 1024:.1f} MB）。"
    if not content:
        return "上传的是空文件。"
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            if problem := _unpacked_problem(archive):
                return problem
            if "word/document.xml" not in archive.namelist():
                return "文件中没有 word/document.xml，不是有效的 Word 文档。"
    except zipfile.BadZipFile:
        return "文件不是有效的 Word 文档（无法按 .docx 格式解压），请用 Word 另存为 .docx 后重新上传。"
    try:
        parts = _template_parts_xml(content)
    except Exception:  # noqa: BLE001 - python-docx raises many kinds of error for a damaged package
        return "Word 文档已损坏或格式不受支持，请用 Word 另存为 .docx 后重新上传。"
    environment = _jinja_environment()
    allowed = {placeholder for placeholder, _ in PLACEHOLDERS[kind]}
    unknown: set[str] = set()
    for xml in parts:
        try:
            unknown |= meta.find_undeclared_variables(environment.parse(xml)) - allowed
        except TemplateSyntaxError as error:  # TemplateAssertionError (unknown filter) included
            return _syntax_message(error, xml)
    if unknown:
        names = "、".join(f"{{{{ {n} }}}}" for n in sorted(unknown))
        return f"模板中有本文书不提供的占位符：{names}。可用的占位符见模板管理页面。"
    try:
        render_docx(content, _sample_context(kind))
    except TemplateError as error:
        return f"模板无法生成文书：{error.message or error}"
    except Exception:  # noqa: BLE001 - a package python-docx cannot write back
        return "Word 文档已损坏或格式不受支持，请用 Word 另存为 .docx 后重新上传。"
    return None


def _sample_context(kind: str) -> dict[str, Any]:
    samples = {**registry.GENERIC_SAMPLES, **_ensure_kind(kind).sample_context}
    return {name: samples.get(name, f"（{label}）") for name, label in PLACEHOLDERS[kind]}


def _ensure_kind(kind: str) -> DocumentKindSpec:
    spec = document_kind(kind)
    if spec is None:
        raise ValidationFailed("未知的文书种类。", {"kind": f"文书种类“{kind}”不存在。"})
    return spec


def _delete_file_after_commit(storage: Any, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def template_replace(
    *, kind: str, upload: Any, actor: Any, request_meta: RequestMeta | None = None
) -> DocumentTemplate:
    """Makes an uploaded .docx the template of `kind`, after `template_problem` found none.

    The previous upload's file is removed once the change commits; documents already issued
    keep their own files and record the SHA-256 of the template they came from.
    """
    _ensure_kind(kind)
    name = (getattr(upload, "name", "") or "").replace("\\", "/").rsplit("/", 1)[-1][:200]
    if getattr(upload, "size", 0) > TEMPLATE_MAX_BYTES:
        problem = f"模板文件不能超过 5 MB（当前 {upload.size / 1024 / 1024:.1f} MB）。"
        raise TemplateProblem(problem, {"file": problem})
    upload.seek(0)
    content = upload.read()
    if found := template_problem(kind=kind, name=name, content=content):
        raise TemplateProblem(found, {"file": found})
    row = DocumentTemplate.objects.select_for_update().filter(kind=kind).first()
    if row is None:
        old_sha256, old_file = hashlib.sha256(default_template_bytes(kind)).hexdigest(), ""
        row = DocumentTemplate(kind=kind)
    else:
        old_sha256, old_file = row.sha256, row.file.name
    row.original_name = name
    row.sha256 = hashlib.sha256(content).hexdigest()
    row.uploaded_by = actor
    row.uploaded_at = timezone.now()
    row.file.save(f"{kind}-{uuid.uuid4().hex}.docx", ContentFile(content), save=False)
    row.save()
    if old_file:
        _delete_file_after_commit(row.file.storage, old_file)
    audit_record(
        actor=actor,
        event=AuditEvent.TEMPLATE_CHANGED,
        target=row,
        target_label=kind_label(kind),
        request_meta=request_meta,
        kind=kind,
        action="replace",
        file=name,
        old_sha256=old_sha256,
        new_sha256=row.sha256,
    )
    return row


@transaction.atomic
def template_reset(*, kind: str, actor: Any, request_meta: RequestMeta | None = None) -> None:
    """Goes back to the built-in template of `kind`; a no-op (not audited) when already there."""
    _ensure_kind(kind)
    row = DocumentTemplate.objects.select_for_update().filter(kind=kind).first()
    if row is None:
        return
    old_sha256 = row.sha256
    storage, old_file = row.file.storage, row.file.name
    row.delete()
    _delete_file_after_commit(storage, old_file)
    audit_record(
        actor=actor,
        event=AuditEvent.TEMPLATE_CHANGED,
        target_type="documents.documenttemplate",
        target_id=kind,
        target_label=kind_label(kind),
        request_meta=request_meta,
        kind=kind,
        action="reset",
        old_sha256=old_sha256,
        new_sha256=hashlib.sha256(default_template_bytes(kind)).hexdigest(),
    )


# --- generation ----------------------------------------------------------------------------------


def _next_sequence(unit: Unit, kind: str, year: int) -> int:
    """Gap-free per unit, kind and year: the row is locked until the caller's transaction ends,
    so the increment commits or rolls back with the document."""
    # one upsert: creates the year's row or takes the next value, and keeps the row locked
    table = connection.ops.quote_name(DocumentSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (unit_id, kind, year, last_value) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (unit_id, kind, year) DO UPDATE SET last_value = {table}.last_value + 1 "
            "RETURNING last_value",
            [unit.pk, kind, year],
        )
        row = cursor.fetchone()
    return int(row[0])


def document_number(*, unit: Unit, kind: str, year: int, value: int) -> str:
    spec = _ensure_kind(kind)
    return f"{unit.name}{spec.prefix}{spec.abbreviation}〔{year}〕{value}号"


def _common_context(
    *, spec: DocumentKindSpec, unit: Unit, number: str, owner: models.Model | None
) -> dict[str, Any]:
    """The generic keys, then what the kind's spec takes from the owner (its number, parties …)."""
    context: dict[str, Any] = {
        "unit_name": unit.name,
        "number": number,
        "date_cn": date_cn(timezone.localdate()),
    }
    if owner is not None and spec.owner_context is not None:
        context.update(spec.owner_context(owner))
    return context


def _owner_audit(owner_type: str, reference: str) -> dict[str, str]:
    """The owner in an audit entry: under the key its type registered ("petition": its number)."""
    if not owner_type:
        return {}
    owner_spec = registry.document_owner(owner_type)
    return {owner_spec.audit_key if owner_spec is not None else "owner": reference}


def _template_digest(kind: str) -> str:
    """The SHA-256 of the template generation uses now, from its row (no file read), after making
    sure it compiles: a template that cannot be used refuses the step before anything is written.
    Only the first use of a template in a worker reads and compiles it; later ones hit the cache."""
    row = DocumentTemplate.objects.filter(kind=kind).only("sha256", "file").first()
    digest = row.sha256 if row is not None else _default_digest(kind)
    if digest not in _PREPARED:
        template = _stored_bytes(kind, row) if row is not None else default_template_bytes(kind)
        try:
            _prepare(template, digest)
        except TemplateError as error:
            raise _template_failure(kind, error) from None
    return digest


_DEFAULT_DIGESTS: dict[str, str] = {}


def _default_digest(kind: str) -> str:
    if kind not in _DEFAULT_DIGESTS:
        _DEFAULT_DIGESTS[kind] = hashlib.sha256(default_template_bytes(kind)).hexdigest()
    return _DEFAULT_DIGESTS[kind]


def _template_failure(kind: str, error: TemplateError) -> ApplicationError:
    return ApplicationError(
        f"“{kind_label(kind)}”模板无法生成文书（{error.message or error}），请系统管理员检查或恢复默认模板。"
    )


@transaction.atomic(savepoint=False)  # inside a transition: no savepoint of its own
def document_generate(
    *,
    kind: str,
    unit: Unit,
    actor: Any,
    owner: models.Model | None = None,
    context: dict[str, Any] | None = None,
    event_id: int | None = None,
    request_meta: RequestMeta | None = None,
) -> Document:
    """Numbers and records one notice inside the caller's transaction; its file is rendered once
    that transaction has committed (`document_render`), so that rendering, hashing and writing
    the file never hold the database's write lock.

    `owner` is any saved model instance (the case the notice belongs to), or None. The context is
    the common one (unit, number, date, and what the kind's spec takes from the owner) updated
    with the caller's `context`, whose keys win; it is kept with the row, so the file says what
    was true at the step. If the transaction rolls back, nothing is rendered and the number is
    not used up. A notice whose rendering failed after the commit is rendered again when first
    opened.
    """
    spec = _ensure_kind(kind)
    if owner is not None and owner.pk is None:
        raise ValueError("the owner of a notice must be saved first")
    owner_type = owner_type_of(owner) if owner is not None else ""
    owner_spec = registry.document_owner(owner_type)
    reference = owner_spec.reference(owner) if owner is not None and owner_spec is not None else ""
    template_digest = _template_digest(kind)
    now = timezone.now()
    year = timezone.localtime(now).year
    number = document_number(unit=unit, kind=kind, year=year, value=_next_sequence(unit, kind, year))
    full_context = _common_context(spec=spec, unit=unit, number=number, owner=owner) | dict(context or {})
    document = Document.objects.create(
        kind=kind,
        number=number,
        owner_type=owner_type,
        owner_id=owner.pk if owner is not None else None,
        owner_reference=reference[:100],
        unit=unit,
        unit_path=unit.path,
        original_name=f"{spec.label}-{number}.docx"[:200],
        template_sha256=template_digest,
        context={k: _clean(v) for k, v in full_context.items()},
        event_id=event_id,
        created_by=actor,
        created_at=now,
    )
    audit_record(
        actor=actor,
        event=AuditEvent.DOCUMENT_GENERATED,
        target=document,
        target_label=number,
        request_meta=request_meta,
        kind=kind,
        number=number,
        **_owner_audit(owner_type, reference),
        template_sha256=template_digest,
    )
    transaction.on_commit(lambda: _render_quietly(document.pk))
    return document


def _render_quietly(document_id: int) -> None:
    """After the commit: a failure leaves the notice unrendered (rendered again when opened) and
    is logged; the step it belongs to has happened and stays done."""
    try:
        document_render(document_id)
    except Exception:  # noqa: BLE001 - the request that took the step must still answer
        logger.exception("rendering notice %s failed; it is rendered again when opened", document_id)


def document_render(document_id: int) -> Document:
    """Renders a recorded notice's file from its kept context with its kind's current template,
    stores it and records its size and SHA-256 (a short write of its own, after the slow part).
    A notice already rendered is returned as it is; of two renderings at once, one file is kept.
    Raises ApplicationError when the template cannot render it."""
    document = Document.objects.get(pk=document_id)
    if document.is_rendered:
        return document
    template, _ = template_current(document.kind)
    digest = hashlib.sha256(template).hexdigest()
    try:
        content = render_docx(template, dict(document.context), digest=digest)
    except TemplateError as error:
        raise _template_failure(document.kind, error) from None
    sha256 = hashlib.sha256(content).hexdigest()
    storage = document.file.storage
    name = storage.save(
        document.file.field.generate_filename(document, f"{uuid.uuid4().hex}.docx"), ContentFile(content)
    )
    written = Document.objects.filter(pk=document.pk, sha256="").update(
        file=name, size=len(content), sha256=sha256, template_sha256=digest
    )
    if not written:  # rendered meanwhile by another request
        storage.delete(name)
        return Document.objects.get(pk=document.pk)
    document.file.name, document.size, document.sha256, document.template_sha256 = (
        name,
        len(content),
        sha256,
        digest,
    )
    return document


def document_downloaded(
    *, actor: Any, document: Document, mode: str = "download", request_meta: RequestMeta | None = None
) -> None:
    """Every download and preview of a notice is audited (notices carry personal data)."""
    audit_record(
        actor=actor,
        event=AuditEvent.DOWNLOAD,
        target=document,
        target_label=document.number,
        request_meta=request_meta,
        mode=mode,
        kind=document.kind,
        number=document.number,
        **_owner_audit(document.owner_type, document.owner_reference),
    )


def document_file_open(
    *, actor: Any, document: Document, mode: str = "download", request_meta: RequestMeta | None = None
) -> IO[bytes]:
    """The stored file of a notice the caller may see (see selectors.access_document_by_id),
    opened for reading (rendered first if that had not happened yet); the read is audited only
    once the file is known to exist."""
    if not document.is_rendered:
        rendered = document_render(document.pk)
        document.file.name, document.size, document.sha256 = (
            rendered.file.name,
            rendered.size,
            rendered.sha256,
        )
    try:
        handle = document.file.open("rb")
    except OSError:
        raise ApplicationError("文书文件缺失，请联系系统管理员。") from None
    document_downloaded(actor=actor, document=document, mode=mode, request_meta=request_meta)
    return handle
