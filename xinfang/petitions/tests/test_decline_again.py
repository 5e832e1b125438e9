"""不再受理 on a true ground only (issue 17, 信访工作条例 arts. 35/36): the ground is checked
against the original matter's facts, and the original is named by its number."""

from datetime import timedelta

import pytest
from django.urls import reverse

from xinfang.core.dates import date_cn
from xinfang.core.exceptions import Conflict, ValidationFailed
from xinfang.documents.models import Document
from xinfang.petitions.models import OWNER_TYPE, Petition

from . import alert_helpers as h
from .factories import register


@pytest.fixture
def again(demo, clerk) -> Petition:
    """The same person back with the same matter, registered by the township."""
    return register(clerk, subject="再次反映拖欠工资问题", not_repeat=True)


def _decline(petition, original, ground):
    return h.act(petition, "decline_again", "clerk", ground=ground, original=original.number)


def _notices(petition) -> int:
    return Document.objects.filter(owner_id=petition.pk, kind="decline_notice").count()


def test_finalised_is_refused_when_the_original_was_never_re_reviewed(again):
    original = h.answered()
    with pytest.raises(Conflict, match="未经复核终结"):
        _decline(again, original, "finalised")
    assert Petition.objects.get(pk=again.pk).status == "registered"
    assert _notices(again) == 0


def test_window_passed_is_refused_while_the_originals_window_still_runs(again):
    original = h.answered()  # answered today: 30 days to ask for a review
    with pytest.raises(Conflict, match="尚未届满"):
        _decline(again, original, "window_passed")
    assert _notices(again) == 0


def test_window_passed_is_refused_for_a_matter_never_answered(again):
    original = h.assigned()
    with pytest.raises(Conflict, match="尚未书面答复"):
        _decline(again, original, "window_passed")


def test_window_passed_holds_once_the_window_ran_out(again):
    # given: an answer delivered 45 days ago, no review asked for
    original = h.answered()
    Petition.objects.filter(pk=original.pk).update(
        answer_delivered_on=h.today() - timedelta(days=45), window_ends=h.today() - timedelta(days=15)
    )
    # when
    declined = _decline(again, original, "window_passed")
    # then
    assert declined.status == "declined_again"
    assert declined.repeat_of_id == original.pk
    assert declined.events.get(action="decline_again").data["original"] == original.number
    assert _notices(declined) == 1
    # the notice names the original matter, its answer and when its window ran out
    notice = Document.objects.get(owner_type=OWNER_TYPE, owner_id=declined.pk, kind="decline_notice")
    assert notice.context["original_number"] == original.number
    window = date_cn(h.today() - timedelta(days=15))
    assert notice.context["original_fact"] == (
        f"城关镇已于{date_cn(h.today() - timedelta(days=45))}送达处理意见，申请复查（复核）的期限已于{window}届满"
    )


def test_finalised_holds_after_a_re_review(again):
    original = h.act(
        h.in_rereview(),
        "decide_rereview",
        "county-leader",
        outcome="explain",
        text="维持。",
        delivered_on=h.today(),
    )
    assert original.is_final
    declined = _decline(again, original, "finalised")
    assert declined.status == "declined_again"
    notice = Document.objects.get(owner_type=OWNER_TYPE, owner_id=declined.pk, kind="decline_notice")
    assert notice.context["original_fact"] == f"青山县已于{date_cn(h.today())}送达复核意见，已经复核终结"


def test_the_original_is_named_by_its_number(again, api_client, clerk):
    # an internal id or an unknown number names nothing
    response = api_client(clerk).post(
        f"/api/v1/petitions/{again.pk}/actions/decline_again", {"ground": "window_passed", "original": "999"}
    )
    assert response.status_code == 422
    assert "999" in response.json()["errors"]["original"]
    with pytest.raises(ValidationFailed, match="请选择原信访事项"):
        h.act(again, "decline_again", "clerk", ground="window_passed")


def test_the_page_lists_the_petitioners_earlier_matters_with_status_and_dates(again, client, clerk):
    original = h.answered()
    client.force_login(clerk)
    page = client.get(reverse("petitions:detail", args=[again.pk])).content.decode()
    assert f'value="{original.number}"' in page
    assert f"{original.number}（已答复" in page
    assert "复查（复核）申请期限至" in page
