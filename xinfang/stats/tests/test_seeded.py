"""`seed_demo`'s bulk loader fills the summary tables too (it writes petitions around the services)."""

import random
from datetime import datetime

from django.db.models import Sum
from django.utils import timezone

from xinfang.demo.management.commands.seed_demo import Loader
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import OPEN_STATUSES
from xinfang.petitions.models import Petition
from xinfang.stats.models import MonthlyTally, OpenTally
from xinfang.stats.selectors import month_key, month_shift, stats_overview

from . import recount

NOW = timezone.make_aware(datetime(2026, 3, 16, 10, 30))


def test_seeded_petitions_are_in_the_summary_tables(db, county_leader):
    # when
    Loader(rng=random.Random(3), write=lambda message: None).load(count=150, batch_size=60, now=NOW)
    # then
    assert MonthlyTally.objects.aggregate(n=Sum("intake"))["n"] == Petition.objects.count() > 150 - 1
    assert (
        OpenTally.objects.aggregate(n=Sum("count"))["n"]
        == Petition.objects.filter(status__in=OPEN_STATUSES).count()
    )
    county = Unit.objects.get(code="341122")
    today = timezone.localdate()
    last = month_key(today)
    first = month_shift(last, -40)
    overview = stats_overview(actor=county_leader, unit=county, month_from=first, month_to=last, today=today)
    expected = recount.dashboard(county, first=first, last=last, today=today, until=overview.warning_until)
    assert overview.intake == expected["measures"]["intake"]
    assert overview.overdue.count == expected["overdue"]
    assert {f.key: f.count for f in overview.open_by_step} == expected["open_by_step"]
