"""The API docs (/api/v1/openapi.json) document each petition action with its own request body:
the fields of that step's input schema, with their Chinese titles and choices."""

import pytest

from xinfang.petitions.workflow import MACHINE as PETITION
from xinfang.petitions.workflow import TRANSITIONS, DeclineGround, RejectGround
from xinfang.procedure import engine

BASE = "/api/v1/petitions/{petition_id}/actions/"


@pytest.fixture
def paths(client, clerk):
    client.force_login(clerk)  # the docs are for signed-in users
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()["paths"]


def _body(paths, action):
    operation = paths[BASE + action]["post"]
    assert operation["operationId"] == f"petition_action_{action}"
    return operation["requestBody"]["content"]["application/json"]["schema"]


def test_every_step_a_user_may_take_has_its_own_operation(paths):
    attached = {
        code
        for attachment in engine.attachments_of(PETITION.owner_type)
        for code, step in attachment.machine.steps.items()
        if not step.by_system
    }
    documented = {path.removeprefix(BASE) for path in paths if path.startswith(BASE)}
    # the petition's steps and the supervision steps offered on it; the fallback is not documented
    assert documented == set(TRANSITIONS) | attached
    assert "supervise" in documented
    assert "propose_supervision" not in documented  # a job's step


@pytest.mark.parametrize("action", sorted(TRANSITIONS))
def test_each_petition_action_documents_exactly_its_steps_fields(paths, action):
    body = _body(paths, action)
    assert body["type"] == "object"
    assert set(body["properties"]) == set(TRANSITIONS[action].schema.model_fields)
    assert "$ref" not in str(body)  # inlined: Swagger shows the fields, not a dangling reference


def test_accept_assign_and_reject_have_different_bodies(paths):
    accept, assign, reject = (_body(paths, action) for action in ("accept", "assign", "reject"))
    # 受理 takes nothing but a note
    assert set(accept["properties"]) == {"note"}
    assert "unit" not in accept["properties"]
    # 交办 names the unit and the handler
    assert {"unit", "handler", "deadline", "co_units"} <= set(assign["properties"])
    assert "unit" in assign["required"]
    assert "ground" not in assign["properties"]
    # 不予受理 gives a legal ground, one of its choices, under its Chinese title
    assert set(reject["properties"]) == {"ground", "note"}
    assert reject["required"] == ["ground"]
    ground = reject["properties"]["ground"]
    assert ground["enum"] == list(RejectGround.values)
    assert ground["title"] == "法定理由"
    decline = _body(paths, "decline_again")["properties"]["ground"]
    assert decline["enum"] == list(DeclineGround.values)


def test_the_supervision_steps_on_a_petition_document_their_own_bodies(paths):
    supervise = _body(paths, "supervise")
    listing = _body(paths, "list_supervision")
    answer = _body(paths, "answer_supervision")
    assert {"trigger", "method", "deadline", "responsible_unit"} <= set(supervise["properties"])
    assert "case_leader" not in supervise["properties"]
    assert supervise["properties"]["trigger"]["title"] == "督办事由"
    six = {
        "case_leader",
        "responsible_unit",
        "responsible_person",
        "supervising_unit",
        "supervisor",
        "time_limit",
    }
    assert six <= set(listing["required"])
    # a step on an existing supervision may name it: the petition may have several
    assert set(answer["properties"]) == {"supervision", "report", "note"}
    assert answer["required"] == ["report"]
