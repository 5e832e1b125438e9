"""Kinds registered by any app: a kind of a test's own, owned by a non-petition record; the
layer rule (documents imports no kind of case); and the migration of the petition foreign key."""

import ast
import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.documents.defaults import NoticeLayout, build_notice, default_template_bytes
from xinfang.documents.models import Document
from xinfang.documents.registry import (
    DocumentKindSpec,
    register_document_kind,
    unregister_document_kind,
)
from xinfang.documents.selectors import documents_of, documents_of_owner, template_rows
from xinfang.documents.services import PLACEHOLDERS, document_generate

from .helpers import text_of

VILLAGE = "341122101201"
KIND = "test_unit_notice"
LAYOUT = NoticeLayout(
    title="单位测试通知",
    addressee="{{ unit_code }}：",
    paragraphs=("本单位编码 {{ unit_code }}，事项：{{ matter }}。",),
)


def _unit_context(owner: models.Model) -> dict[str, Any]:
    return {"unit_code": getattr(owner, "code", "")}


@pytest.fixture
def unit_kind():
    register_document_kind(
        DocumentKindSpec(
            code=KIND,
            label="单位测试通知",
            abbreviation="测",
            default_template=lambda: build_notice(LAYOUT),
            placeholders=[("unit_code", "单位编码"), ("matter", "事项")],
            sample_context={"unit_code": "341122101", "matter": "示例事项"},
            owner_context=_unit_context,
        )
    )
    yield KIND
    unregister_document_kind(KIND)


def test_a_kind_registered_by_an_app_is_generated_for_a_non_petition_owner(clerk, unit_by_code, unit_kind):
    # given
    owner = unit_by_code(VILLAGE)
    year = timezone.localdate().year
    # when
    first = document_generate(
        kind=unit_kind, unit=clerk.unit, actor=clerk, owner=owner, context={"matter": "道路维修"}
    )
    second = document_generate(kind=unit_kind, unit=clerk.unit, actor=clerk, owner=owner, context={})
    # then
    assert (first.owner_type, first.owner_id) == ("organisation.unit", owner.pk)
    assert first.number == f"城关镇信测〔{year}〕1号"
    assert second.number == f"城关镇信测〔{year}〕2号"
    assert first.original_name == f"单位测试通知-{first.number}.docx"
    text = text_of(first)
    assert f"城关镇单位测试通知\n{first.number}" in text
    assert f"本单位编码 {VILLAGE}，事项：道路维修。" in text
    assert first.template_sha256 == hashlib.sha256(default_template_bytes(unit_kind)).hexdigest()
    assert list(documents_of(owner_type="organisation.unit", owner_id=owner.pk)) == [first, second]
    assert list(documents_of_owner(owner)) == [first, second]
    entry = AuditEntry.objects.filter(event=AuditEvent.DOCUMENT_GENERATED).first()
    assert entry is not None
    assert entry.extra_data["kind"] == unit_kind


def test_a_notice_of_an_unregistered_owner_type_follows_its_units_scope(
    client, clerk, village2_handler, unit_by_code, unit_kind
):
    # given
    document = document_generate(
        kind=unit_kind, unit=clerk.unit, actor=clerk, owner=unit_by_code(VILLAGE), context={}
    )
    # when
    client.force_login(clerk)
    own = client.get(reverse("documents:preview", args=[document.pk]))
    client.force_login(village2_handler)
    other = client.get(reverse("documents:preview", args=[document.pk]))
    # then
    assert own.status_code == 200
    assert "本单位编码" in own.content.decode()
    assert other.status_code == 404


def test_an_unsaved_owner_is_refused(clerk, unit_kind):
    from xinfang.organisation.models import Unit

    with pytest.raises(ValueError, match="saved"):
        document_generate(kind=unit_kind, unit=clerk.unit, actor=clerk, owner=Unit(name="x"), context={})


def test_a_registered_kind_appears_on_the_template_page_with_its_placeholders(client, sysadmin, unit_kind):
    # given
    client.force_login(sysadmin)
    # when
    page = client.get(reverse("documents:templates")).content.decode()
    download = client.get(reverse("documents:template_download", args=[unit_kind]))
    # then
    assert "单位测试通知" in page
    assert f'id="template-{unit_kind}"' in page
    assert "unit_code" in page
    assert [name for name, _ in PLACEHOLDERS[unit_kind]] == [
        "unit_name",
        "number",
        "date_cn",
        "unit_code",
        "matter",
    ]
    assert template_rows()[-1].kind == unit_kind
    assert download.status_code == 200
    assert download.content == default_template_bytes(unit_kind)


def test_an_unregistered_kind_is_unknown_again(client, sysadmin):
    client.force_login(sysadmin)
    assert client.get(reverse("documents:template_download", args=[KIND])).status_code == 404


def test_petitions_supervision_and_incidents_register_their_kinds_in_their_apps(db):
    kinds = {row.kind for row in template_rows()}
    assert {"acceptance_notice", "hearing_notice", "supervision_notice", "incident_report"} <= kinds
    assert len(kinds) == 14


# --- the layer rule ----------------------------------------------------------------------------------

FORBIDDEN = ("petitions", "supervision", "duty", "incidents", "keypersons", "disputes", "stats", "workbench")


def _imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_documents_app_imports_no_kind_of_case():
    root = Path(__file__).resolve().parents[1]
    sources = [p for p in root.rglob("*.py") if "tests" not in p.parts and "migrations" not in p.parts]
    assert sources
    offending = {
        f"{path.relative_to(root)}: {module}"
        for path in sources
        for module in _imported_modules(path)
        if module.split(".")[:2] in ([["xinfang", app] for app in FORBIDDEN])
    }
    assert not offending
    templates = [p.read_text(encoding="utf-8") for p in (root / "templates").rglob("*.html")]
    assert not [t for t in templates if "petitions:" in t or "supervision:" in t]


# --- the migration of the petition foreign key -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_each_petition_into_the_owner_fields():
    # given: rows written without the audit log (append-only, it would refuse the final flush)
    from xinfang.accounts.models import User
    from xinfang.organisation.models import Unit
    from xinfang.petitions.models import Category, Petition

    unit = Unit.objects.create(name="城关镇", code="999001", unit_type="township")
    user = User.objects.create(username="migration-clerk", unit=unit)
    now = timezone.now()
    petition = Petition.objects.create(
        number="999001-2026-000001",
        unit=unit,
        unit_path=unit.path,
        channel="letter",
        received_at=now,
        subject="迁移",
        content="迁移",
        category=Category.objects.create(code="MIG", name="迁移"),
        problem_unit=unit,
        registered_by=user,
        created_at=now,
    )
    executor = MigrationExecutor(connection)
    before = [("documents", "0002_job_notices")]
    latest = executor.loader.graph.leaf_nodes("documents")
    executor.migrate(before)
    try:
        old = executor.loader.project_state(before).apps.get_model("documents", "Document")
        common = {
            "unit_id": unit.pk,
            "unit_path": unit.path,
            "file": "documents/x.docx",
            "original_name": "x.docx",
            "size": 1,
            "sha256": "0" * 64,
            "template_sha256": "0" * 64,
            "created_at": now,
        }
        owned = old.objects.create(kind="acceptance_notice", number="甲", petition_id=petition.pk, **common)
        alone = old.objects.create(kind="supervision_notice", number="乙", petition_id=None, **common)
    finally:
        # when
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    # then
    moved = Document.objects.get(pk=owned.pk)
    assert (moved.owner_type, moved.owner_id, moved.owner_reference) == (
        "petitions.petition",
        petition.pk,
        petition.number,
    )
    assert moved.unit_id == unit.pk
    untouched = Document.objects.get(pk=alone.pk)
    assert (untouched.owner_type, untouched.owner_id, untouched.owner_reference) == ("", None, "")
    assert [d.pk for d in documents_of(owner_type="petitions.petition", owner_id=petition.pk)] == [owned.pk]
