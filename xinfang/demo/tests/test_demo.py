import pytest

from xinfang.accounts.models import User
from xinfang.core.exceptions import ApplicationError
from xinfang.demo.services import DEMO_ACCOUNTS, DEMO_UNITS, demo_load
from xinfang.organisation.models import Unit


def test_demo_load_twice_duplicates_nothing(db):
    first = demo_load()
    second = demo_load()
    assert first.units_created == len(DEMO_UNITS)
    assert first.users_created == len(DEMO_ACCOUNTS)
    assert (second.units_created, second.users_created) == (0, 0)
    assert Unit.objects.count() == len(DEMO_UNITS)
    # the demo accounts and the portal's system account (made by its migration)
    assert User.objects.exclude(username="portal-system").count() == len(DEMO_ACCOUNTS)


def test_demo_accounts_sign_in_without_forced_change(client, demo):
    response = client.post("/accounts/login/", {"username": "county-leader", "password": "Demo@2026"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_demo_refused_outside_demo_mode(db, settings):
    settings.DEMO_MODE = False
    with pytest.raises(ApplicationError, match="不允许加载演示数据"):
        demo_load()
    assert Unit.objects.count() == 0
