"""The portal's least-privilege PostgreSQL role, as the README documents it, is enough for
everything a citizen does and refuses what the portal must never touch.

The README's SQL block is the text under test: the role is created from it (renamed, NOLOGIN,
this test database) inside the test's own transaction, so that it is rolled back with the test,
and the portal's pages and API are driven with `SET ROLE` on the test's connection. A grant
missing from the README fails here with `permission denied for table …`."""

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.db.utils import ProgrammingError

from xinfang.petitions.models import Petition

from .helpers import API, answer, api_submit, page_submit, place, receipt_of, track

README = Path(__file__).resolve().parents[3] / "README.md"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.usefixtures("demo")


def _readme_grants() -> list[str]:
    """The statements of the README's role block, in order, without comments."""
    text = README.read_text()
    block = re.search(r"```sql\n(\s*CREATE ROLE xinfang_portal .*?)```", text, re.S)
    assert block, "README 中没有网上信访数据库角色的 SQL"
    lines = [line.split("--", 1)[0] for line in block.group(1).splitlines()]
    return [s.strip() for s in " ".join(lines).split(";") if s.strip()]


def _can_create_roles() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


@pytest.fixture
def portal_role(db: None) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("数据库角色与授权只在 PostgreSQL 上检验")
    if not _can_create_roles():
        pytest.skip("测试数据库用户没有 CREATEROLE 权限（.ci/run 的 PostgreSQL 用户有）")
    name = f"xinfang_portal_t{uuid.uuid4().hex[:12]}"
    statements = _readme_grants()
    assert statements[0].startswith("CREATE ROLE xinfang_portal LOGIN"), statements[0]
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} NOLOGIN")  # transactional: rolled back with the test
        for statement in statements[1:]:
            statement = re.sub(r"\bxinfang_portal\b", name, statement)
            statement = statement.replace(
                "ON DATABASE xinfang ", f'ON DATABASE "{connection.settings_dict["NAME"]}" '
            )
            cursor.execute(statement)
        cursor.execute(f"GRANT {name} TO current_user")
    return name


@contextmanager
def as_role(name: str) -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute(f"SET ROLE {name}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET ROLE")


INSUFFICIENT_PRIVILEGE = "42501"  # SQLSTATE, whatever language the server's messages are in


def _refused(sql: str) -> tuple[str | None, str]:
    with pytest.raises(ProgrammingError) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return getattr(refused.value.__cause__, "sqlstate", None), str(refused.value)


def test_the_documented_role_does_all_a_citizen_does(client, portal_role, django_capture_on_commit_callbacks):
    with as_role(portal_role):
        assert client.get("/portal/").status_code == 200
        assert client.get("/portal/submit/").status_code == 200
        assert client.get(f"{API}/units").status_code == 200
        # the page, with an attachment; then the API
        from django.core.files.uploadedfile import SimpleUploadedFile

        page = page_submit(client, attachments=SimpleUploadedFile("证明.pdf", PDF, "application/pdf"))
        assert page.status_code == 200, page.content.decode()[:3000]
        number, code = receipt_of(page)
        response = api_submit(client, id_number="110101198506150027", subject="另一件事")
        assert response.status_code == 201, response.content.decode()
        # tracking, and a failed look-up (the throttle's counter is written)
        assert track(client, number, code).status_code == 200
        assert track(client, number, "AAAA-AAAA-AAAA-AAAA").status_code == 404

    # the staff answer it (as the platform's own role)
    with django_capture_on_commit_callbacks(execute=True):
        answer(number)

    with as_role(portal_role):
        view = track(client, number, code).json()
        assert view["status"] == "已答复", view
        [opinion] = [n for n in view["notices"] if "处理意见书" in n["title"]]
        download = client.post(
            "/portal/track/notice/", {"number": number, "code": code, "document": opinion["id"]}
        )
        assert download.status_code == 200
        rated = client.post(
            f"{API}/rate",
            {"number": number, "code": code, "satisfaction": "dissatisfied", "reason": "补偿标准偏低"},
            content_type="application/json",
        )
        assert rated.status_code == 200, rated.content.decode()
        review = client.post(
            f"{API}/review",
            {"number": number, "code": code, "reason": "对处理意见不服，请求复查。"},
            content_type="application/json",
        )
        assert review.status_code == 201, review.content.decode()

    assert Petition.objects.get(number=number).satisfaction == "dissatisfied"
    assert place().name == "东风村"


def test_the_documented_role_refuses_what_the_portal_never_touches(portal_role):
    with as_role(portal_role):
        for sql, table in (
            ("SELECT password FROM accounts_user LIMIT 1", "accounts_user"),
            ("SELECT key_hash FROM accounts_apitoken LIMIT 1", "accounts_apitoken"),
            ("SELECT session_data FROM django_session LIMIT 1", "django_session"),
            ("DELETE FROM petitions_petition", "petitions_petition"),
            ("DELETE FROM audit_auditentry", "audit_auditentry"),
            ("UPDATE audit_auditentry SET actor_username = 'x'", "audit_auditentry"),
            ("UPDATE accounts_user SET is_superuser = true", "accounts_user"),
            ("INSERT INTO accounts_user (username) VALUES ('intruder')", "accounts_user"),
            ("UPDATE organisation_unit SET name = 'x'", "organisation_unit"),
            ("DELETE FROM deadlines_deadline", "deadlines_deadline"),
        ):
            state, message = _refused(sql)
            assert state == INSUFFICIENT_PRIVILEGE, (sql, message)
            assert table in message, (sql, message)
