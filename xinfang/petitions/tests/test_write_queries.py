"""The write path's query counts, pinned: one step of the procedure costs a fixed number of
statements (the test's own transaction makes the step's a savepoint: two of them).

Before the procedure engine, `accept` took 44 and `assign` 34. What is left, per step: the locked
petition; the stats snapshot before and after; the open clock; the rule set and the calendar
stamp when a clock starts; the tallies (one upsert each; the problem unit's path and one upsert
per table of the tallies by problem and responsible unit, every unit of both chains in it); the
event; the notice (template, number by one upsert, row, its audit entry); the transition's audit
entry.
"""

from xinfang.petitions.workflow import petition_transition

from .factories import register

# + 4 each for the statistics by problem and responsible unit (the problem unit's path, and
# stats.UnitMonthlyTally, UnitMonthlyCategoryTally, UnitOpenTally)
ACCEPT_QUERIES = 30  # + whether a letter's petitioner can be told (workflow.delivery)
ASSIGN_QUERIES = 30  # + telling the handler (messages): who of them sees it, one INSERT


def test_accept_takes_a_pinned_number_of_queries(clerk, django_assert_max_num_queries):
    petition = register(clerk)
    with django_assert_max_num_queries(ACCEPT_QUERIES):
        petition_transition(petition=petition, action="accept", actor=clerk)


def test_assign_takes_a_pinned_number_of_queries(clerk, village_handler, django_assert_max_num_queries):
    petition = register(clerk)
    petition_transition(petition=petition, action="accept", actor=clerk)
    petition.refresh_from_db()
    with django_assert_max_num_queries(ASSIGN_QUERIES):
        petition_transition(
            petition=petition,
            action="assign",
            actor=clerk,
            unit=village_handler.unit_id,
            handler=village_handler.pk,
        )


def test_the_number_of_a_notice_stays_gap_free_across_units_and_kinds(clerk, village_handler):
    # the sequence is one upsert: the first notice of a year is 1, the next 2, per unit and kind
    from xinfang.documents.models import Document

    first, second = register(clerk), register(clerk)
    for petition in (first, second):
        petition_transition(petition=petition, action="accept", actor=clerk)
    numbers = list(
        Document.objects.filter(kind="acceptance_notice").order_by("pk").values_list("number", flat=True)
    )
    assert [n.rsplit("〕", 1)[1] for n in numbers] == ["1号", "2号"]
