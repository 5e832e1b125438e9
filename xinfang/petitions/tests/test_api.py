import re

from django.urls import reverse
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.petitions.models import Petition

from .factories import VALID_IDS, register

EAST_WIND = "341122101201"


def _body(unit_id: int, **overrides):
    body = {
        "channel": "visit",
        "received_at": timezone.now().isoformat(),
        "subject": "反映征地拆迁补偿问题",
        "content": "村民反映征地拆迁补偿款未按时发放，要求尽快落实。",
        "category": "0101",
        "problem_unit": unit_id,
        "petitioners": [
            {
                "name": "王小五",
                "gender": "male",
                "id_number": VALID_IDS[1],
                "phone": "13900001234",
                "address": "城关镇东风村5组",
                "workplace": "无",
            }
        ],
    }
    body.update(overrides)
    return body


def test_create_answers_201_with_number_status_and_deadline(api_client, clerk, unit_by_code):
    # when
    response = api_client(clerk).post("/api/v1/petitions", _body(unit_by_code(EAST_WIND).pk))
    # then
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["number"].startswith("341122101-")
    assert data["status"] == "registered"
    assert data["current_deadline"]
    assert data["petitioners"][0]["id_number"] == VALID_IDS[1]
    assert Petition.objects.filter(pk=data["id"]).exists()


def test_create_with_bad_input_answers_422_field_by_field(api_client, clerk, unit_by_code):
    body = _body(unit_by_code(EAST_WIND).pk, subject="", petitioners=[{"name": "赵六", "id_number": "123"}])
    response = api_client(clerk).post("/api/v1/petitions", body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["subject"] == "请填写标题。"
    assert errors["petitioners.0.id_number"] == "身份证号应为 18 位，当前为 3 位。"
    assert Petition.objects.count() == 0


def test_create_with_malformed_json_types_answers_422_in_chinese(api_client, clerk):
    response = api_client(clerk).post("/api/v1/petitions", {"channel": "fax", "received_at": "yesterday"})
    assert response.status_code == 422
    body = response.json()
    assert body["errors"]["channel"] == "取值不在允许范围内。"
    assert "ISO 8601" in body["errors"]["received_at"]
    assert body["errors"]["subject"] == "此项为必填项。"


def test_handler_may_not_register(api_client, handler, unit_by_code):
    response = api_client(handler).post("/api/v1/petitions", _body(handler.unit.pk))
    assert response.status_code == 403
    assert Petition.objects.count() == 0


def test_list_masks_personal_data_and_is_scoped(
    api_client, clerk, leader, village_handler_clerk, unit_by_code
):
    # given
    township_petition = register(clerk)
    village_petition = register(village_handler_clerk)
    # when
    as_village = api_client(village_handler_clerk).get("/api/v1/petitions")
    as_leader = api_client(leader).get("/api/v1/petitions", page_size=1)
    # then
    assert [item["id"] for item in as_village.json()["items"]] == [village_petition.pk]
    assert as_leader.json()["count"] == 2
    assert len(as_leader.json()["items"]) == 1
    assert as_leader.json()["items"][0]["petitioner_names"] == ["张*"]
    assert "张三" not in as_leader.content.decode()
    assert township_petition.pk in {
        i["id"] for i in api_client(leader).get("/api/v1/petitions").json()["items"]
    }


def test_detail_outside_scope_answers_404_like_missing(api_client, clerk, village_handler_clerk):
    petition = register(clerk)
    api = api_client(village_handler_clerk)
    assert api.get(f"/api/v1/petitions/{petition.pk}").status_code == 404
    assert api.get("/api/v1/petitions/99999999").json() == api.get(f"/api/v1/petitions/{petition.pk}").json()


def test_detail_shows_full_data_and_audits_the_view(api_client, clerk):
    petition = register(clerk)
    response = api_client(clerk).get(f"/api/v1/petitions/{petition.pk}")
    assert response.status_code == 200
    assert response.json()["petitioners"][0]["phone"] == "13812345678"
    viewed = AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED, target_id=str(petition.pk))
    assert viewed.count() == 1
    assert viewed.get().actor == clerk


def test_list_filters_and_search(api_client, clerk):
    wages = register(clerk)
    register(clerk, subject="噪声扰民", content="工厂夜间噪声扰民。", category="0902")
    api = api_client(clerk)
    assert [i["id"] for i in api.get("/api/v1/petitions", q="拖欠工资").json()["items"]] == [wages.pk]
    assert [i["id"] for i in api.get("/api/v1/petitions", category="02", status="open").json()["items"]] == [
        wages.pk
    ]
    assert api.get("/api/v1/petitions", status="bogus").status_code == 422
    assert api.get("/api/v1/petitions", page_size=101).status_code == 422


def test_closed_is_the_one_state_and_ended_every_finished_one(api_client, clerk, client):
    from xinfang.petitions.workflow import petition_transition

    rejected = petition_transition(
        petition=register(clerk), action="reject", actor=clerk, ground="legal_channel"
    )
    closed = register(clerk)
    Petition.objects.filter(pk=closed.pk).update(status="closed")
    api = api_client(clerk)
    assert {i["id"] for i in api.get("/api/v1/petitions", status="ended").json()["items"]} == {
        rejected.pk,
        closed.pk,
    }
    assert [i["id"] for i in api.get("/api/v1/petitions", status="closed").json()["items"]] == [closed.pk]
    # the register's filter offers each value once
    client.force_login(clerk)
    page = client.get(reverse("petitions:register")).content.decode()
    select = page[page.index('name="status"') : page.index("</select>", page.index('name="status"'))]
    values = re.findall(r'<option value="([^"]*)"', select)
    assert len(values) == len(set(values)), values


def test_list_query_count_does_not_grow_with_rows(api_client, clerk, django_assert_max_num_queries):
    for _ in range(30):
        register(clerk)
    api = api_client(clerk)
    with django_assert_max_num_queries(7):
        response = api.get("/api/v1/petitions", page_size=30)
    assert len(response.json()["items"]) == 30


def test_petitioners_are_masked_in_search_and_full_on_detail(api_client, clerk):
    petition = register(clerk)
    person = petition.petitioner_links.get().petitioner
    api = api_client(clerk)
    found = api.get("/api/v1/petitioners", q="张").json()["items"]
    assert found == [
        {
            "id": person.pk,
            "name": "张*",
            "gender": "male",
            "id_number": "110105********002X",
            "phone": "138****5678",
            "address": "城关镇东风村****",
            "workplace": "",
            "is_representative": False,
        }
    ]
    detail = api.get(f"/api/v1/petitioners/{person.pk}").json()
    assert detail["id_number"] == VALID_IDS[0]
    assert detail["petition_count"] == 1
    assert (
        AuditEntry.objects.filter(event=AuditEvent.PERSONAL_DATA_VIEWED, target_id=str(person.pk)).count()
        == 1
    )


def test_categories_list_the_two_level_tree(api_client, clerk):
    categories = api_client(clerk).get("/api/v1/categories").json()
    codes = {c["code"]: c for c in categories}
    assert codes["02"]["name"] == "劳动保障"
    assert codes["0201"] == {"code": "0201", "name": "拖欠工资", "parent": "02"}
