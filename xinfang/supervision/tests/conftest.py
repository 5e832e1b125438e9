"""Fixtures of the supervision tests: a petition assigned by 城关镇 to 东风村, and a user lookup."""

from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.accounts.models import User
from xinfang.petitions.tests.factories import register
from xinfang.petitions.workflow import petition_transition

EAST_WIND = "341122101201"  # 东风村
RED_STAR = "341122101202"  # 红星村
TOWNSHIP = "341122101"  # 城关镇
COUNTY = "341122"  # 青山县


@pytest.fixture(autouse=True)
def _notices_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def user(demo):
    """A demo user by username, with the unit loaded."""
    return lambda username: User.objects.select_related("unit").get(username=username)


@pytest.fixture
def act(user):
    """One action through the petition's transition function, as a demo user."""

    def run(petition, action, username, **fields):
        return petition_transition(petition=petition, action=action, actor=user(username), **fields)

    return run


@pytest.fixture
def assigned(demo, clerk, unit_by_code, act, user):
    """Registered and accepted by 城关镇, assigned to 东风村 and its handler."""
    petition = register(clerk)
    petition = act(petition, "accept", "clerk")
    return act(
        petition,
        "assign",
        "clerk",
        unit=unit_by_code(EAST_WIND).pk,
        handler=user("village-handler").pk,
    )


@pytest.fixture
def supervised(assigned, act):
    """`assigned` with one open 督办 by the township's supervisor."""
    act(assigned, "supervise", "supervisor", trigger="shirking", method="phone", note="请加快办理")
    return assigned


def six_fixed(user, unit_by_code, **overrides):
    """The fields of a 挂牌督办 of `assigned` with all of 六定: the township's leader, the village
    and its handler, the township's supervisor, ten days; `overrides` replace any of them."""
    fields = {
        "trigger": "not_executed",
        "case_leader": user("leader").pk,
        "responsible_unit": unit_by_code(EAST_WIND).pk,
        "responsible_person": user("village-handler").pk,
        "supervising_unit": unit_by_code(TOWNSHIP).pk,
        "supervisor": user("supervisor").pk,
        "time_limit": timezone.localdate() + timedelta(days=10),
    }
    fields.update(overrides)
    return fields
