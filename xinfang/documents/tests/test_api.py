"""REST API: a petition's notices and the audited download."""

import hashlib

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.tests.factories import register

from .helpers import generate


def test_list_answers_the_petitions_notices_oldest_first(api_client, clerk):
    # given
    petition = register(clerk)
    first = generate(clerk, petition)
    second = generate(clerk, petition, "extension_notice")
    # when
    response = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}/documents")
    # then
    assert response.status_code == 200, response.content
    items = response.json()
    assert [i["id"] for i in items] == [first.pk, second.pk]
    assert items[0]["kind"] == "acceptance_notice"
    assert items[0]["kind_label"] == "受理告知单"
    assert items[0]["number"] == first.number
    assert items[0]["original_name"] == first.original_name
    assert items[0]["size"] == first.size
    assert items[0]["created_by"] == "王接访"
    assert items[0]["download_url"] == f"/api/v1/documents/{first.pk}/download"


def test_list_of_a_petition_outside_scope_answers_404(api_client, clerk, village2_handler):
    petition = register(clerk)
    generate(clerk, petition)
    response = api_client(village2_handler).get(f"/api/v1/petitions/{petition.pk}/documents")
    assert response.status_code == 404
    assert response.json()["message"] == "记录不存在或您无权查看。"


def test_list_needs_the_view_capability(api_client, clerk, sysadmin):
    petition = register(clerk)
    assert api_client(sysadmin).get(f"/api/v1/petitions/{petition.pk}/documents").status_code == 403


def test_download_answers_the_file_and_is_audited(api_client, clerk):
    # given
    petition = register(clerk)
    document = generate(clerk, petition)
    # when
    response = api_client(clerk).get(f"/api/v1/documents/{document.pk}/download")
    # then
    assert response.status_code == 200
    assert hashlib.sha256(b"".join(response.streaming_content)).hexdigest() == document.sha256
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    entry = AuditEntry.objects.get(event=AuditEvent.DOWNLOAD)
    assert entry.extra_data == {
        "mode": "download",
        "kind": "acceptance_notice",
        "number": document.number,
        "petition": petition.number,
    }


def test_download_outside_scope_answers_404_and_is_not_audited(api_client, clerk, village2_handler):
    document = generate(clerk, register(clerk))
    response = api_client(village2_handler).get(f"/api/v1/documents/{document.pk}/download")
    assert response.status_code == 404
    assert not AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD).exists()


def test_download_without_token_answers_401(client, clerk):
    document = generate(clerk, register(clerk))
    assert client.get(f"/api/v1/documents/{document.pk}/download").status_code == 401
