from datetime import timedelta

import pytest
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import ValidationFailed
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.petitions.models import NumberSequence, Petition, Petitioner
from xinfang.petitions.selectors import RegisterFilter, petition_list, repeat_candidates
from xinfang.petitions.services import PetitionerInput
from xinfang.petitions.validators import id_number_problem, mask_id_number, mask_name, mask_phone

from .factories import VALID_IDS, register

TOWNSHIP = "341122101"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("11010519491231002X", None),
        ("11010519491231002x", None),
        ("110105194912310021", "校验位错误（按 GB 11643 应为 X）"),
        ("1101051949123100", "应为 18 位，当前为 16 位"),
        ("11010519491331002X", "出生日期 19491331 不是有效日期"),
        ("1101051949123100AX", "前 17 位应为数字"),
    ],
)
def test_id_number_is_checked_against_gb11643(value, problem):
    result = id_number_problem(value)
    if problem is None:
        assert result is None
    else:
        assert problem in result


def test_masks_hide_the_middle_of_personal_data():
    assert mask_name("张三") == "张*"
    assert mask_name("张小三") == "张*三"
    assert mask_name("欧阳小明") == "欧**明"
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number("11010519491231002X") == "110105********002X"


def test_register_gives_number_deadline_and_first_responsible_person(clerk):
    # when
    petition = register(clerk)
    # then
    assert petition.number == f"{TOWNSHIP}-{timezone.localdate().year}-000001"
    assert petition.registered_by == clerk
    assert petition.status == "registered"
    expected = compute_deadline(
        start=petition.received_at, amount=15, unit="calendar_days", calendar=calendar_load()
    ).due_date
    assert petition.current_deadline == expected
    deadline = Deadline.objects.get(owner_type="petitions.petition", owner_id=petition.pk)
    assert deadline.rule == "acceptance"
    assert deadline.due_date == expected
    assert AuditEntry.objects.filter(event=AuditEvent.RECORD_CREATED, target_id=str(petition.pk)).count() == 1


def test_numbers_are_gap_free_per_unit_and_year(clerk, county_clerk_user):
    numbers = [register(clerk).number for _ in range(3)] + [register(county_clerk_user).number]
    year = timezone.localdate().year
    assert numbers == [
        f"{TOWNSHIP}-{year}-000001",
        f"{TOWNSHIP}-{year}-000002",
        f"{TOWNSHIP}-{year}-000003",
        f"341122-{year}-000001",
    ]


def test_failed_registration_leaves_no_gap_and_writes_nothing(clerk):
    # given
    register(clerk)
    before = (Petition.objects.count(), Petitioner.objects.count(), AuditEntry.objects.count())
    # when
    with pytest.raises(ValidationFailed) as error:
        register(clerk, petitioners=[PetitionerInput(name="李四", id_number="110105194912310021")])
    # then
    assert error.value.extra == {
        "petitioners.0.id_number": "身份证号校验位错误（按 GB 11643 应为 X），请核对。"
    }
    assert (Petition.objects.count(), Petitioner.objects.count(), AuditEntry.objects.count()) == before
    assert register(clerk).number.endswith("-000002")
    assert NumberSequence.objects.get(unit=clerk.unit).last_value == 2


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"subject": ""}, "subject", "请填写标题。"),
        ({"content": "  "}, "content", "请填写反映的主要问题和诉求。"),
        ({"category": "nope"}, "category", "问题类别不存在或已停用。"),
        ({"channel": "fax"}, "channel", "来源渠道须为"),
        ({"petitioners": []}, "petitioners", "请至少登记一名信访人"),
        (
            {"petitioners": [PetitionerInput(name="王五", phone="12345")]},
            "petitioners.0.phone",
            "联系电话格式不正确",
        ),
        ({"channel": "visit", "anonymous": True, "petitioners": []}, "anonymous", "来访须登记来访人"),
        (
            {"headcount": 1, "petitioners": [PetitionerInput(name="甲"), PetitionerInput(name="乙")]},
            "headcount",
            "人数不能少于",
        ),
        ({"channel": "referral"}, "referral_office", "请填写转送或交办的上级机关。"),
    ],
)
def test_bad_input_is_refused_field_by_field_in_chinese(clerk, overrides, field, message):
    with pytest.raises(ValidationFailed) as error:
        register(clerk, **overrides)
    assert message in error.value.extra[field]
    assert Petition.objects.count() == 0


def test_problem_unit_outside_scope_is_refused(village_handler_clerk, unit_by_code):
    with pytest.raises(ValidationFailed) as error:
        register(village_handler_clerk, problem_unit=unit_by_code("341122101202"))
    assert "权限范围" in error.value.extra["problem_unit"]


def test_collective_visit_keeps_at_most_five_representatives(clerk):
    reps = [PetitionerInput(name=f"代表{i}", phone=f"1390000000{i}") for i in range(6)]
    with pytest.raises(ValidationFailed) as error:
        register(clerk, channel="visit", headcount=40, petitioners=[], representatives=reps)
    assert error.value.extra["representatives"] == "集体访推选的代表不得超过 5 人。"
    petition = register(clerk, channel="visit", headcount=40, petitioners=[], representatives=reps[:3])
    assert petition.is_collective
    assert petition.headcount == 40
    assert [link.is_representative for link in petition.petitioner_links.all()] == [True, True, True]


def test_anonymous_letter_needs_no_petitioner(clerk):
    petition = register(clerk, anonymous=True, petitioners=[])
    assert petition.is_anonymous
    assert petition.petitioner_links.count() == 0


def test_same_id_number_reuses_the_petitioner(clerk):
    first = register(clerk)
    second = register(clerk, petitioners=[PetitionerInput(name="张三", id_number=VALID_IDS[0].lower())])
    assert first.petitioner_links.get().petitioner_id == second.petitioner_links.get().petitioner_id
    assert Petitioner.objects.count() == 1


def test_repeat_candidates_find_same_person_same_category_within_twelve_months(clerk):
    # given
    now = timezone.now()
    recent = register(clerk, received_at=now - timedelta(days=100))
    register(clerk, received_at=now - timedelta(days=400))  # older than 12 months
    register(clerk, category="0101")  # other category
    # when
    found = repeat_candidates(
        actor=clerk, id_numbers=[VALID_IDS[0]], name_phones=[], category="0201", received_at=now
    )
    by_phone = repeat_candidates(
        actor=clerk, id_numbers=[], name_phones=[("张三", "13812345678")], category="0201", received_at=now
    )
    # then
    assert list(found) == [recent]
    assert list(by_phone) == [recent]


def test_repeat_is_linked_and_counted(clerk):
    original = register(clerk)
    repeat = register(clerk, repeat_of=original.pk)
    assert repeat.repeat_of == original
    assert list(petition_list(actor=clerk, filters=RegisterFilter(flags=("repeat",)))) == [repeat]


@pytest.mark.parametrize("query", ["拖欠工资", "工资", "拖欠", "张三", "农民工"])
def test_full_text_search_finds_chinese_words(clerk, query):
    wanted = register(clerk)
    register(
        clerk,
        subject="征地拆迁补偿",
        content="要求提高房屋拆迁补偿标准。",
        category="0102",
        petitioners=[PetitionerInput(name="李四", phone="13900001111")],
    )
    assert list(petition_list(actor=clerk, filters=RegisterFilter(q=query))) == [wanted]


def test_two_character_word_search_finds_demolition(clerk):
    register(clerk)
    wanted = register(clerk, subject="征地拆迁补偿", content="要求提高房屋拆迁补偿标准。", category="0102")
    assert list(petition_list(actor=clerk, filters=RegisterFilter(q="拆迁"))) == [wanted]


def test_search_by_number(clerk):
    register(clerk)
    second = register(clerk)
    assert list(petition_list(actor=clerk, filters=RegisterFilter(q=second.number))) == [second]


def test_search_count_from_the_index_respects_scope(clerk, leader, village_handler_clerk):
    # given: two matching petitions at the township, one at its village
    from xinfang.petitions.selectors import petition_count

    register(clerk)
    register(clerk)
    register(village_handler_clerk)
    register(clerk, subject="噪声扰民", content="工厂夜间噪声。", category="0902")
    # when / then: the index count equals the queryset's, per scope
    for actor, expected in ((leader, 3), (clerk, 3), (village_handler_clerk, 1)):
        filters = RegisterFilter(q="拖欠工资")
        petitions = petition_list(actor=actor, filters=filters)
        assert petition_count(actor=actor, filters=filters, petitions=petitions) == expected
        assert petitions.count() == expected


def test_unfiltered_count_by_scope_range_equals_the_list(
    clerk, leader, county_leader, village_handler_clerk, handler
):
    from xinfang.petitions.selectors import petition_count

    register(clerk)
    register(clerk)
    register(village_handler_clerk)
    for actor, expected in ((county_leader, 3), (leader, 3), (village_handler_clerk, 1), (handler, 2)):
        petitions = petition_list(actor=actor, filters=RegisterFilter())
        assert petition_count(actor=actor, filters=RegisterFilter(), petitions=petitions) == expected
        assert petitions.count() == expected


def test_contact_data_recorded_by_the_county_is_not_seen_by_the_township(clerk, county_clerk_user):
    """Issue 15: the township recorded a person by ID number only; the county's registration of
    the same ID with a phone, address and workplace must not appear on the township's record."""
    from xinfang.petitions.selectors import petitioners_visible_to
    from xinfang.petitions.services import PetitionerInput

    # given
    register(clerk, petitioners=[PetitionerInput(name="张三", id_number=VALID_IDS[1])])
    # when
    county_petition = register(
        county_clerk_user,
        petitioners=[
            PetitionerInput(
                name="张三",
                id_number=VALID_IDS[1],
                phone="13900001111",
                address="青山县幸福路8号",
                workplace="县化肥厂",
            )
        ],
    )
    # then: the township's own record holds nothing the county recorded
    (own,) = petitioners_visible_to(clerk).filter(id_number=VALID_IDS[1])
    assert (own.phone, own.address, own.workplace) == ("", "", "")
    county_person = county_petition.petitioner_links.get().petitioner
    assert county_person.pk != own.pk
    assert (county_person.phone, county_person.unit_id) == ("13900001111", county_clerk_user.unit_id)
    # a third registration by the county with nothing new reuses the county's record
    again = register(county_clerk_user, petitioners=[PetitionerInput(name="张三", id_number=VALID_IDS[1])])
    assert again.petitioner_links.get().petitioner_id == county_person.pk


def test_a_units_own_record_takes_the_contact_data_it_gives_later(clerk):
    from xinfang.petitions.services import PetitionerInput

    first = register(clerk, petitioners=[PetitionerInput(name="张三", id_number=VALID_IDS[1])])
    second = register(
        clerk, petitioners=[PetitionerInput(name="张三", id_number=VALID_IDS[1], phone="13900001111")]
    )
    person = first.petitioner_links.get().petitioner
    assert second.petitioner_links.get().petitioner_id == person.pk
    person.refresh_from_db()
    assert person.phone == "13900001111"
