"""Issue 15: an identifier search (身份证号, phone) matches only the whole identifier and is audited
with the identifier masked; a name search keeps matching by name."""

import pytest
from django.urls import reverse

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.services import PETITIONER_SEARCH_ACTION, PetitionerInput

from .factories import VALID_IDS, register

ID_NUMBER = VALID_IDS[3]  # 320102198001010016
PHONE = "13655556666"


@pytest.fixture
def known(clerk):
    register(clerk, petitioners=[PetitionerInput(name="张建国", id_number=ID_NUMBER, phone=PHONE)])
    return clerk


def _searched() -> list[AuditEntry]:
    return list(
        AuditEntry.objects.filter(
            event=AuditEvent.PERSONAL_DATA_VIEWED, extra_data__action=PETITIONER_SEARCH_ACTION
        ).order_by("id")
    )


def _api_names(api_client, clerk, q: str) -> list[str]:
    return [p["name"] for p in api_client(clerk).get("/api/v1/petitioners", q=q).json()["items"]]


@pytest.mark.parametrize("prefix", [ID_NUMBER[:10], ID_NUMBER[:17], PHONE[:7], PHONE[:10]])
def test_api_identifier_prefix_finds_nothing(api_client, known, prefix):
    assert _api_names(api_client, known, prefix) == []


@pytest.mark.parametrize("whole", [ID_NUMBER, PHONE])
def test_api_whole_identifier_finds_the_petitioner_masked_where_its_prefix_finds_nothing(
    api_client, known, whole
):
    assert _api_names(api_client, known, whole[:-1]) == []
    response = api_client(known).get("/api/v1/petitioners", q=whole).json()
    assert [p["name"] for p in response["items"]] == ["张*国"]
    assert whole not in str(response)


def test_api_id_number_is_normalised_before_the_exact_match(api_client, clerk):
    register(clerk, petitioners=[PetitionerInput(name="张建国", id_number=VALID_IDS[0], phone=PHONE)])
    assert _api_names(api_client, clerk, f" {VALID_IDS[0].lower()} ") == ["张*国"]
    assert _api_names(api_client, clerk, VALID_IDS[0][:-1]) == []


def test_api_name_search_still_finds_by_name_and_is_not_audited_as_identifier(api_client, known):
    assert _api_names(api_client, known, "张建") == ["张*国"]
    assert _searched() == []


@pytest.mark.parametrize("q", [ID_NUMBER[:10], ID_NUMBER, PHONE])
def test_each_api_identifier_search_writes_one_masked_audit_entry(api_client, known, q):
    api_client(known).get("/api/v1/petitioners", q=q)
    entries = _searched()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor_id == known.pk
    dumped = f"{entry.target_type} {entry.target_id} {entry.target_label} {entry.extra_data}"
    assert q not in dumped
    assert q[:3] + "*" * (len(q) - 5) + q[-2:] in dumped


def test_autocomplete_prefix_finds_nothing_and_whole_id_finds(client, known):
    client.force_login(known)
    url = reverse("petitions:petitioner_autocomplete")
    for field, value in (("petitioner_id_number", ID_NUMBER), ("petitioner_phone", PHONE)):
        for prefix in (value[:7], value[:-1]):
            assert "张*国" not in client.get(url, {field: prefix}).content.decode()
        html = client.get(url, {field: value}).content.decode()
        assert "张*国" in html
        assert value not in html
    assert "张*国" in client.get(url, {"petitioner_name": "张建"}).content.decode()


def test_autocomplete_whole_identifier_search_is_audited_masked(client, known):
    client.force_login(known)
    client.get(reverse("petitions:petitioner_autocomplete"), {"petitioner_id_number": ID_NUMBER})
    entries = _searched()
    assert len(entries) == 1
    assert ID_NUMBER not in str(entries[0].extra_data) + entries[0].target_label
    assert "320*************16" in str(entries[0].extra_data)


def test_repeat_check_with_an_identifier_is_audited_masked(client, known):
    client.force_login(known)
    client.get(
        reverse("petitions:repeat_check"),
        {"petitioner_id_number": ID_NUMBER, "petitioner_name": "张建国", "petitioner_phone": PHONE},
    )
    entries = _searched()
    assert len(entries) == 1
    dumped = str(entries[0].extra_data) + entries[0].target_label
    assert ID_NUMBER not in dumped
    assert PHONE not in dumped
    assert "320*************16" in dumped
    assert "136******66" in dumped
