"""Issue 15: the search index's scope words (`xfo<unit id>`, `xfu<unit id>`) can never come from
a petition's own text, so a petition outside the searcher's scope is never counted."""

import pytest
from django.urls import reverse

from xinfang.organisation.models import Unit
from xinfang.petitions.models import SearchDocument
from xinfang.petitions.search import document_tokens, reindex_tokens, scope_tokens_of, segment
from xinfang.petitions.services import PetitionerInput

from .factories import register

VILLAGE = "341122101201"

# shapes of the village's scope words a petitioner could type; each becomes a scope word in the
# tokenisers of SQLite (unicode61 splits at "_", folds case and diacritics) or PostgreSQL
FORGERIES = ["xfo{v} xfu{v}", "XFO{v} XFU{v}", "甲_xfo{v} 乙_xfu{v}", "xfö{v} xfü{v}"]


def _forged_county_petition(county_clerk_user, form: str):
    village = Unit.objects.get(code=VILLAGE)
    return register(
        county_clerk_user,
        subject="反映道路积水问题",
        content="道路积水严重。" + form.format(v=village.pk),
    )


@pytest.mark.parametrize("form", FORGERIES)
def test_county_petition_with_the_villages_scope_words_is_not_counted_in_the_villages_api_search(
    api_client, county_clerk_user, village_handler, form
):
    # given
    _forged_county_petition(county_clerk_user, form)
    # when
    body = api_client(village_handler).get("/api/v1/petitions", q="积水").json()
    # then
    assert body["count"] == 0
    assert body["items"] == []


@pytest.mark.parametrize("form", FORGERIES)
def test_county_petition_with_the_villages_scope_words_is_not_counted_on_the_villages_register(
    client, county_clerk_user, village_handler, form
):
    # given
    _forged_county_petition(county_clerk_user, form)
    client.force_login(village_handler)
    # when
    response = client.get(reverse("petitions:register"), {"q": "积水"})
    # then
    assert response.context["page_obj"].paginator.count == 0
    assert "共 0 条" in response.content.decode()


def test_a_petitioner_named_like_a_scope_word_puts_no_scope_word_into_the_index(county_clerk_user):
    village = Unit.objects.get(code=VILLAGE)
    petition = register(
        county_clerk_user, petitioners=[PetitionerInput(name=f"xfo{village.pk}", gender="male")]
    )
    words = SearchDocument.objects.get(petition=petition).tokens.split(" ")
    assert f"xfo{village.pk}" not in words


def test_text_shaped_like_a_scope_word_is_still_found_by_the_same_text(api_client, county_clerk_user):
    village = Unit.objects.get(code=VILLAGE)
    petition = _forged_county_petition(county_clerk_user, "xfo{v}")
    body = api_client(county_clerk_user).get("/api/v1/petitions", q=f"xfo{village.pk}").json()
    assert [item["id"] for item in body["items"]] == [petition.pk]
    assert body["count"] == 1


def test_village_search_still_finds_the_villages_own_petitions(
    api_client, village_handler_clerk, village_handler
):
    petition = register(village_handler_clerk, subject="东风村道路积水", content="村道积水。")
    body = api_client(village_handler).get("/api/v1/petitions", q="积水").json()
    assert body["count"] == 1
    assert [item["id"] for item in body["items"]] == [petition.pk]


def test_segment_never_emits_a_scope_word():
    for text in ["xfo12", "XFU7", "a_xfo12", "xfö12", "ẋfu3", "张三xfo12", "xfxo12"]:
        assert not any(scope_word(word) for word in segment(text)), text


def scope_word(word: str) -> bool:
    import re

    return re.fullmatch(r"xf[ou]\d+", word.casefold()) is not None


def test_reindex_rewrites_stored_words_that_equal_scope_words_and_keeps_the_real_ones():
    # given: a row indexed before the fix, its content's "xfo9 a_xfu9" stored as they came
    old = "反映 xfo9 a_xfu9 xfo2 xfu1 xfu2 张三"
    # when
    new = reindex_tokens(old, "/1/2/", "")
    # then: the petition's own scope words stay, the content's are rewritten like `segment` does
    assert sorted(w for w in new.split(" ") if scope_word(w)) == sorted(scope_tokens_of("/1/2/"))
    expected = document_tokens(
        number="", subject="", content="反映 xfo9 a_xfu9", names=["张三"], unit_path="/1/2/"
    )
    assert set(new.split(" ")) == set(expected.split(" "))


def test_reindex_leaves_a_clean_row_as_it_is():
    clean = document_tokens(
        number="A-1", subject="反映", content="拖欠工资", names=["张三"], unit_path="/1/2/"
    )
    assert reindex_tokens(clean, "/1/2/", "") == clean
