"""`seed_demo`: bulk demo petitions look exactly like registered ones (numbers, search, deadlines)."""

import random
from collections import defaultdict
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import timezone

from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.demo.management.commands.seed_demo import Loader
from xinfang.demo.services import demo_load
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import CLOSED_STATUSES, Channel, PetitionStatus
from xinfang.petitions.models import NumberSequence, Petition, Petitioner, PetitionPetitioner, SearchDocument
from xinfang.petitions.search import segment
from xinfang.petitions.seeding import SEARCHED_WORDS, SUBCATEGORIES, Phrasebook
from xinfang.petitions.selectors import RegisterFilter, petition_list
from xinfang.petitions.tests.factories import register
from xinfang.petitions.validators import id_number_problem

COUNT = 300
# A fixed clock and seed make the sample the same every day (the seed has both searched words).
NOW = timezone.make_aware(datetime(2026, 3, 16, 10, 30))


@pytest.fixture(scope="module")
def _seeded_once(django_db_setup, django_db_blocker):
    """Seeds once for the module (about 2 s) inside a transaction rolled back at its end; each
    test still runs in its own savepoint through `db`."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            demo_load(password="Demo@2026")
            Loader(rng=random.Random(7), write=lambda message: None).load(
                count=COUNT, batch_size=120, now=NOW
            )
            yield
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def seeded(_seeded_once, db):
    return Petition.objects.order_by("pk")


def test_every_fragment_with_a_searched_word_yields_its_query_tokens():
    # given
    book = Phrasebook()
    fragments = [text for _, subjects, problems in SUBCATEGORIES.values() for text in (*subjects, *problems)]
    # then
    for word in SEARCHED_WORDS:
        for fragment in (f for f in fragments if word in f):
            for literal in fragment.replace("}", "{").split("{")[::2]:
                if word in literal:
                    assert set(segment(word)) <= set(book.tokens(literal)), literal


def test_seed_writes_the_requested_petitions_with_gap_free_numbers(seeded):
    # then
    assert seeded.count() == COUNT
    numbers = defaultdict(list)
    for number, unit_code in seeded.values_list("number", "unit__code"):
        code, year, sequence = number.rsplit("-", 2)
        assert code == unit_code
        numbers[(code, int(year))].append(int(sequence))
    for values in numbers.values():
        assert sorted(values) == list(range(1, len(values) + 1))
    stored = {(s.unit.code, s.year): s.last_value for s in NumberSequence.objects.select_related("unit")}
    assert stored == {key: len(values) for key, values in numbers.items()}


def test_a_later_registration_continues_the_seeded_sequence(seeded, county_clerk_user):
    # given
    year = timezone.localdate().year
    before = NumberSequence.objects.filter(unit=county_clerk_user.unit, year=year).first()
    last = before.last_value if before else 0
    # when
    petition = register(county_clerk_user)
    # then
    assert petition.number == f"341122-{year}-{last + 1:06d}"


def test_seeded_petitions_are_found_by_full_text_search(seeded, county_leader):
    for word in SEARCHED_WORDS:
        # given
        in_content = set(seeded.filter(content__contains=word).values_list("pk", flat=True))
        in_text = in_content | set(seeded.filter(subject__contains=word).values_list("pk", flat=True))
        # when
        found = set(
            petition_list(actor=county_leader, filters=RegisterFilter(q=word)).values_list("pk", flat=True)
        )
        # then
        assert in_content, word
        assert in_content <= found <= in_text, word
    assert SearchDocument.objects.count() == COUNT


def test_search_tokens_hold_the_number_and_the_petitioners_names(seeded):
    # given
    petition = seeded.exclude(petitioner_names="").first()
    # when
    tokens = SearchDocument.objects.get(petition=petition).tokens.split(" ")
    # then
    assert tokens[:3] == segment(petition.number)
    for name in petition.petitioner_names.split("、"):
        assert name in tokens


def test_seeded_petitioners_have_valid_distinct_id_numbers_and_phones(seeded):
    # given
    id_numbers = [n for n in Petitioner.objects.values_list("id_number", flat=True) if n]
    phones = Petitioner.objects.values_list("phone", flat=True)
    # then
    assert id_numbers
    assert [n for n in id_numbers if id_number_problem(n)] == []
    assert len(set(id_numbers)) == len(id_numbers)
    assert all(len(p) == 11 and p.startswith("1") and p.isdigit() for p in phones)


def test_seeded_petitions_have_valid_values_and_one_to_three_petitioners(seeded):
    # then
    assert set(seeded.values_list("status", flat=True)) <= set(PetitionStatus.values)
    assert set(seeded.values_list("channel", flat=True)) <= set(Channel.values)
    for petition in seeded.prefetch_related("petitioner_links__petitioner"):
        links = list(petition.petitioner_links.all())
        if petition.is_anonymous:
            assert links == []
            assert petition.channel in (Channel.LETTER, Channel.CALL, Channel.ONLINE)
        else:
            assert 1 <= len(links) <= 3
            assert petition.petitioner_names == "、".join(link.petitioner.name for link in links)
        assert petition.headcount >= max(len(links), 1)
        assert petition.received_at <= NOW
        assert petition.unit_path == petition.unit.path
        assert Unit.objects.get(pk=petition.problem_unit_id).path.startswith(petition.unit_path)


def test_repeats_point_to_an_earlier_petition_of_the_same_person_and_category(seeded):
    # given
    repeats = seeded.filter(repeat_of__isnull=False).select_related("repeat_of")
    # then
    assert repeats.exists()
    for petition in repeats:
        assert petition.repeat_of.received_at < petition.received_at
        assert petition.repeat_of.category_id == petition.category_id
        people = set(
            PetitionPetitioner.objects.filter(petition=petition).values_list("petitioner", flat=True)
        )
        earlier = PetitionPetitioner.objects.filter(petition=petition.repeat_of).values_list(
            "petitioner", flat=True
        )
        assert people == set(earlier)


def test_current_deadline_is_the_calendar_engines_and_open_petitions_have_a_deadline(seeded):
    # given
    calendar = calendar_load()
    open_ids = set(seeded.exclude(status__in=CLOSED_STATUSES).values_list("pk", flat=True))
    # then
    for petition in seeded:
        expected = compute_deadline(
            start=petition.received_at, amount=15, unit="calendar_days", calendar=calendar
        )
        assert petition.current_deadline == expected.due_date
    deadlines = Deadline.objects.filter(owner_type="petitions.petition")
    assert set(deadlines.values_list("owner_id", flat=True)) == open_ids
    assert all(d.due_date and d.is_open and d.rule == "acceptance" for d in deadlines)


def test_old_petitions_are_mostly_closed_and_recent_ones_open(seeded):
    # given
    old = seeded.filter(received_at__lt=NOW - timezone.timedelta(days=365))
    recent = seeded.filter(received_at__gte=NOW - timezone.timedelta(days=15))
    # then
    assert old.exclude(status__in=CLOSED_STATUSES).count() < old.count() * 0.2
    assert recent.filter(status__in=CLOSED_STATUSES).count() < recent.count() * 0.5


def test_township_leader_sees_a_share_and_county_leader_sees_all(seeded, leader, county_leader):
    # when
    township = petition_list(actor=leader, filters=RegisterFilter()).count()
    county = petition_list(actor=county_leader, filters=RegisterFilter()).count()
    # then
    assert county == COUNT
    assert 0 < township < COUNT * 0.3


def test_seed_refuses_a_database_that_already_has_petitions(seeded):
    # when
    with pytest.raises(CommandError, match="已有 300 件"):
        call_command("seed_demo", petitions=10)
    # then
    assert Petition.objects.count() == COUNT
