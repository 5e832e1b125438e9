import pytest

from conftest import make_village_principal


@pytest.fixture(autouse=True)
def _village_principal(request):
    """Every test of this app that loads the demo also has 东风村's 主要领导 (孔支书)."""
    if "demo" in request.fixturenames:
        request.getfixturevalue("demo")
        make_village_principal()
