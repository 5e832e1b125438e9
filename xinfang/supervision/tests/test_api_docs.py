"""The supervision API's docs: each follow-up action and each kind of opening documents its own
request body (the step's input schema), and the opening answers a bad kind with a 422."""

import pytest

from xinfang.supervision.api import FOLLOW_UP_ACTIONS
from xinfang.supervision.choices import FivePackage, Method, Trigger
from xinfang.supervision.machine import MACHINE
from xinfang.supervision.models import Supervision

BASE = "/api/v1/supervisions/{supervision_id}/actions/"
OPEN = "/api/v1/petitions/{petition_id}/supervisions"


@pytest.fixture
def paths(client, clerk):
    client.force_login(clerk)  # the docs are for signed-in users
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()["paths"]


def _schema(operation):
    return operation["requestBody"]["content"]["application/json"]["schema"]


def _body(paths, action):
    operation = paths[BASE + action]["post"]
    assert operation["operationId"] == f"supervision_action_{action}"
    return _schema(operation)


def test_each_follow_up_action_has_its_own_operation(paths):
    documented = {path.removeprefix(BASE) for path in paths if path.startswith(BASE)}
    assert documented == set(FOLLOW_UP_ACTIONS)


@pytest.mark.parametrize("action", FOLLOW_UP_ACTIONS)
def test_each_follow_up_action_documents_its_steps_fields(paths, action):
    body = _body(paths, action)
    # the path names the supervision, so the body does not
    assert set(body["properties"]) == set(MACHINE.steps[action].schema.model_fields) - {"supervision"}
    assert "$ref" not in str(body)


def test_the_follow_up_bodies_differ_by_action(paths):
    answer = _body(paths, "answer_supervision")
    assert set(answer["properties"]) == {"report", "note"}
    assert answer["required"] == ["report"]
    dismiss = _body(paths, "dismiss_supervision")
    assert set(dismiss["properties"]) == {"reason", "note"}
    assert dismiss["required"] == ["reason"]
    assert set(_body(paths, "close_supervision")["properties"]) == {"note"}
    assert "required" not in _body(paths, "close_supervision")
    confirm = _body(paths, "confirm_supervision")["properties"]
    assert {"method", "deadline"} <= set(confirm)
    assert confirm["method"]["anyOf"][0]["enum"] == list(Method.values)
    log = _body(paths, "log_supervision")
    assert log["required"] == ["text"]
    assert log["properties"]["packages"]["items"]["enum"] == list(FivePackage.values)


def test_the_opening_documents_one_body_per_kind(paths):
    operation = paths[OPEN]["post"]
    bodies = {body["properties"]["kind"]["enum"][0]: body for body in _schema(operation)["oneOf"]}
    assert set(bodies) == {"normal", "listed"}
    normal, listed = bodies["normal"], bodies["listed"]
    # 督办: the supervise step's fields, kind optional (the default)
    assert set(normal["properties"]) == {"kind", *MACHINE.steps["supervise"].schema.model_fields}
    assert normal["required"] == ["trigger", "method"]
    assert normal["properties"]["trigger"]["enum"] == list(Trigger.values)
    assert "case_leader" not in normal["properties"]
    # 挂牌督办: all of 六定, kind required
    assert set(listed["properties"]) == {"kind", *MACHINE.steps["list_supervision"].schema.model_fields}
    assert {"kind", "case_leader", "responsible_person", "supervisor", "time_limit"} <= set(
        listed["required"]
    )
    assert "$ref" not in str(operation["requestBody"])


def test_an_unknown_kind_is_refused_in_chinese(assigned, api_client, user):
    response = api_client(user("supervisor")).post(
        f"/api/v1/petitions/{assigned.pk}/supervisions",
        {"kind": "special", "trigger": "other", "method": "phone"},
    )
    assert response.status_code == 422
    assert response.json()["errors"] == {"kind": "督办类型须为 normal 或 listed。"}
    assert not Supervision.objects.exists()
