"""Named role fixtures on the demo organisation (Zulip's hamlet/iago idea).

The demo tree: 青山县 (county) → 城关镇 (the demo township) → 东风村 / 红星村 (villages), etc.
Every business fixture below is a demo account, so tests read like the product's own roles.
"""

import pytest

from xinfang.accounts.models import User
from xinfang.demo.services import demo_load
from xinfang.organisation.models import Unit


@pytest.fixture
def demo(db):
    demo_load(password="Demo@2026")


def _user(username: str) -> User:
    return User.objects.select_related("unit").get(username=username)


@pytest.fixture
def clerk(demo) -> User:
    return _user("clerk")


@pytest.fixture
def handler(demo) -> User:
    return _user("handler")


@pytest.fixture
def leader(demo) -> User:
    return _user("leader")


@pytest.fixture
def county_leader(demo) -> User:
    return _user("county-leader")


@pytest.fixture
def village_handler(demo) -> User:
    return _user("village-handler")


@pytest.fixture
def village2_handler(demo) -> User:
    return _user("village2-handler")


@pytest.fixture
def sysadmin(demo) -> User:
    return _user("sysadmin")


@pytest.fixture
def secadmin(demo) -> User:
    return _user("secadmin")


@pytest.fixture
def auditor(demo) -> User:
    return _user("auditor")


@pytest.fixture
def unit_by_code(demo):
    return lambda code: Unit.objects.get(code=code)


@pytest.fixture
def api_client(client):
    """A Django test client that sends a bearer token for the given user."""
    from xinfang.accounts.services import token_issue

    class ApiClient:
        def __init__(self, user: User) -> None:
            self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user)}"}

        def get(self, path: str, **params):  # type: ignore[no-untyped-def]
            return client.get(path, params, **self.headers)

        def post(self, path: str, data: dict):  # type: ignore[no-untyped-def]
            return client.post(path, data, content_type="application/json", **self.headers)

        def put(self, path: str, data: dict):  # type: ignore[no-untyped-def]
            return client.put(path, data, content_type="application/json", **self.headers)

        def delete(self, path: str):  # type: ignore[no-untyped-def]
            return client.delete(path, **self.headers)

    return ApiClient


def make_village_principal() -> User:
    """东风村's 主要领导 (孔支书), for the incident tests (the principal leader of a gathering place
    must be on site within 20 minutes). Not a demo account: a village with a leader of its own
    would take the village's petition reports away from the township's leaders."""
    from xinfang.accounts.services import user_create, user_set_roles

    found = User.objects.filter(username="village-principal").first()
    if found is None:
        found = user_create(
            actor=None,
            username="village-principal",
            full_name="孔支书",
            unit=Unit.objects.get(code="341122101201"),
            password="Demo@2026",
            must_change_password=False,
        )
        user_set_roles(actor=None, user=found, roles={"principal"})
    return _user("village-principal")


@pytest.fixture
def county_clerk_user(demo) -> User:
    return _user("county-clerk")


@pytest.fixture
def village_handler_clerk(demo) -> User:
    """A clerk (接访员) in the village 东风村: registers petitions only that village's users see."""
    from xinfang.accounts.services import user_create, user_set_roles

    user = user_create(
        actor=None,
        username="village-clerk",
        full_name="东风村接访员",
        unit=Unit.objects.get(code="341122101201"),
        password="Demo@2026",
        must_change_password=False,
    )
    user_set_roles(actor=None, user=user, roles={"clerk"})
    return _user("village-clerk")


@pytest.fixture(autouse=True)
def _fresh_security_policy():
    """The policy is cached per process; each test starts from the database's value."""
    from xinfang.accounts.policy import policy_cache_clear

    policy_cache_clear()
    yield
    policy_cache_clear()


@pytest.fixture(autouse=True)
def _no_chase_mark():
    """The chases of missing reports and screening rounds remember their last run in the
    process's cache (a real sweep runs forward minute by minute); tests run them at moments of
    their own choosing."""
    from django.core.cache import cache

    from xinfang.inforeports.clocks import LAST_SCAN
    from xinfang.screenings.clocks import LAST_SCAN as SCREENINGS_LAST_SCAN

    cache.delete_many([LAST_SCAN, SCREENINGS_LAST_SCAN])
    yield
    cache.delete_many([LAST_SCAN, SCREENINGS_LAST_SCAN])
