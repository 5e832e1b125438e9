"""The demo's disputes go through the real machine: every stage is there, once."""

import pytest

from xinfang.demo.disputes import demo_disputes_load
from xinfang.disputes.models import Dispute


@pytest.mark.usefixtures("demo")
def test_the_demo_loads_disputes_at_every_stage_once(settings):
    settings.DEMO_MODE = True

    assert demo_disputes_load() == 7
    assert demo_disputes_load() == 0
    statuses = set(Dispute.objects.values_list("status", flat=True))
    assert statuses == {"performing", "closed", "registered", "referred"}
    assert Dispute.objects.filter(passed_up=True, level=5).count() == 1
    assert Dispute.objects.filter(confirmation="applied").count() == 1
