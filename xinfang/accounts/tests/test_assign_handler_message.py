"""Issue 15: the assign step's refusal never names a user; one message for a missing, inactive,
other-unit or wrong-role handler id."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.petitions.tests.factories import register

TOWNSHIP = "341122101"  # 城关镇
MESSAGE = "承办人不存在或不是城关镇的承办人。"


@pytest.fixture
def accepted(clerk, api_client):
    petition = register(clerk)
    api = api_client(clerk)
    assert api.post(f"/api/v1/petitions/{petition.pk}/actions/accept", {}).status_code == 200
    return api, petition


def _assign(api, petition, unit_id: int, handler_id: int):
    return api.post(
        f"/api/v1/petitions/{petition.pk}/actions/assign",
        {
            "unit": unit_id,
            "handler": handler_id,
            "deadline": (timezone.localdate() + timedelta(days=20)).isoformat(),
        },
    )


@pytest.mark.parametrize("who", ["auditor", "leader", "village-handler", "inactive", "missing"])
def test_a_wrong_handler_id_is_refused_without_naming_anyone(accepted, unit_by_code, who):
    # given
    api, petition = accepted
    if who == "missing":
        handler_id = User.objects.order_by("-pk").first().pk + 1000
        names = []
    elif who == "inactive":
        user = User.objects.get(username="handler")
        User.objects.filter(pk=user.pk).update(is_active=False)
        handler_id, names = user.pk, [user.full_name, user.username]
    else:
        user = User.objects.get(username=who)
        handler_id, names = user.pk, [user.full_name, user.username]
    # when
    response = _assign(api, petition, unit_by_code(TOWNSHIP).pk, handler_id)
    # then
    assert response.status_code == 422, response.content.decode()
    body = response.json()
    assert body["errors"]["handler"] == MESSAGE
    text = json.dumps(body, ensure_ascii=False).replace('"handler":', "")  # the field's own name
    for name in names:
        assert name not in text
