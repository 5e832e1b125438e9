import pytest


@pytest.fixture(autouse=True)
def _no_screening_chase_mark():
    """The chase of missing rounds remembers its last run in the process's cache (a real sweep
    runs forward minute by minute); tests run it at moments of their own choosing."""
    from django.core.cache import cache

    from xinfang.screenings.clocks import LAST_SCAN

    cache.delete(LAST_SCAN)
    yield
    cache.delete(LAST_SCAN)
