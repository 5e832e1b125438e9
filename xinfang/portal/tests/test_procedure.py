"""The portal's procedure end to end: a citizen submits (API and page, attachments, earlier
matters), tracks the matter in plain words, downloads the answer, rates it and requests a review
online; the office registers that request (also after the window when it was made within it),
marks spam invalid, and publishes the guide's facts. Query counts are pinned."""

import hashlib
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from xinfang.audit.models import AuditEntry, AuditEvent
from xinfang.core.exceptions import Conflict
from xinfang.deadlines.engine import compute_deadline
from xinfang.deadlines.models import Deadline
from xinfang.deadlines.selectors import calendar_load
from xinfang.documents.models import Document
from xinfang.documents.services import document_render
from xinfang.organisation.models import Unit
from xinfang.petitions.models import OWNER_TYPE, Attachment, Petition, PetitionEvent
from xinfang.petitions.tests.factories import register
from xinfang.portal.models import PortalAccess, PortalReviewRequest, PortalSetting
from xinfang.portal.selectors import PUBLIC_FIELDS

from .helpers import (
    API,
    OTHER_ID,
    OTHER_PHONE,
    PHONE,
    TOWNSHIP,
    VALID_ID,
    VILLAGE,
    accept,
    act,
    answer,
    api_submit,
    assign,
    page_submit,
    petition_data,
    petition_of,
    place,
    receipt_of,
    submitted,
    today,
    track,
    user,
    valid_id,
)

CODE_SHOWN = re.compile(r"^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$")  # no I, O, 0, 1
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _staff(username: str) -> Client:
    staff = Client()
    staff.force_login(user(username))
    return staff


def _answered(client, capture, **overrides) -> tuple[str, str]:
    """A submitted petition answered through the real procedure, its notices rendered (they
    render after the commit, which a test's transaction never reaches unless captured)."""
    number, code = submitted(client, **overrides)
    with capture(execute=True):
        answer(number)
    return number, code


def _review_decided(client, capture, *, rated: str = "") -> tuple[str, str]:
    """An answered petition (rated online first when `rated`) whose 复查 the county registered and
    decided (维持原处理意见, delivered today): the 复核 window is open."""
    number, code = _answered(client, capture)
    if rated:
        assert _rate(client, number, code, rated, "不服").status_code == 200
    petition = act(petition_of(number), "request_review", "county-clerk", requested_on=today(), reason="不服")
    act(
        petition,
        "decide_review",
        "county-leader",
        outcome="explain",
        text="维持原处理意见。",
        delivered_on=today(),
    )
    return number, code


def _review(client, number: str, code: str, reason: str = "对处理意见不服，请求复查。"):
    return client.post(
        f"{API}/review", {"number": number, "code": code, "reason": reason}, content_type="application/json"
    )


def _rate(client, number: str, code: str, satisfaction: str, reason: str = ""):
    return client.post(
        f"{API}/rate",
        {"number": number, "code": code, "satisfaction": satisfaction, "reason": reason},
        content_type="application/json",
    )


# --- 1. submission --------------------------------------------------------------------------


def test_an_api_submission_is_registered_online_in_the_townships_register(client, demo):
    response = api_submit(client)

    assert response.status_code == 201, response.content.decode()
    body = response.json()
    assert CODE_SHOWN.match(body["query_code"]), body
    assert body["unit"] == "城关镇"
    petition = Petition.objects.select_related("unit", "problem_unit", "registered_by").get(
        number=body["number"]
    )
    assert petition.channel == "online"
    assert petition.unit.code == TOWNSHIP
    assert petition.problem_unit.code == VILLAGE
    assert petition.status == "registered"
    # 首问责任人: the portal's system account, which no one can sign in with
    system = petition.registered_by
    assert system.username == "portal-system"
    assert not system.is_active
    assert not system.has_usable_password()
    assert not Client().login(username="portal-system", password="")
    # the acceptance clock of the calendar engine: 15 days from receipt
    received = timezone.localtime(petition.received_at).date()
    due = compute_deadline(start=received, amount=15, unit="calendar_days", calendar=calendar_load())
    assert petition.current_deadline == due.due_date
    assert body["acceptance_due"] == due.due_date.isoformat()
    clock = Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, rule="acceptance")
    assert (clock.amount, clock.unit, clock.is_open) == (15, "calendar_days", True)
    assert petition.content == "东风村3组村道路面损坏已半年，雨天无法通行。\n\n诉求：请尽快修复村道。"
    # the query code is kept only as a salted hash
    access = PortalAccess.objects.get(petition=petition)
    plain = body["query_code"].replace("-", "")
    assert plain not in access.code_hash
    assert plain not in access.code_salt
    assert access.code_hash == hashlib.sha256(f"{access.code_salt}:{plain}".encode()).hexdigest()


def test_a_page_submission_shows_the_receipt_with_the_code_once(client, demo):
    response = page_submit(client)

    assert response.status_code == 200
    number, code = receipt_of(response)
    assert CODE_SHOWN.match(code)
    html = response.content.decode()
    assert 'data-testid="receipt-unit">城关镇<' in html
    petition = petition_of(number)
    assert (petition.channel, petition.status, petition.unit.code) == ("online", "registered", TOWNSHIP)
    assert f"{petition.current_deadline:%Y-%m-%d} 前" in html
    assert "no-store" in response["Cache-Control"]
    # the code opens the matter, with or without its dashes, in any case
    assert track(client, number, code).status_code == 200
    assert track(client, number, code.replace("-", "").lower()).status_code == 200


def test_a_proposal_gets_the_subject_prefix_and_needs_no_demands(client, demo):
    number, _ = submitted(client, kind="proposal", demands="", subject="建议村口增设路灯")

    petition = petition_of(number)
    assert petition.subject == "【意见建议】建议村口增设路灯"
    assert "诉求：" not in petition.content


def test_a_collective_submission_records_the_representatives_and_headcount(client, demo):
    people = [
        {"name": name, "id_number": valid_id(n), "phone": f"1390551000{n}"}
        for n, name in enumerate(("李一", "李二", "李三", "李四"), start=1)
    ]

    number, _ = submitted(client, headcount=30, representatives=people)

    petition = petition_of(number)
    assert petition.is_collective
    assert petition.headcount == 30
    links = list(petition.petitioner_links.select_related("petitioner").order_by("position"))
    assert [link.petitioner.name for link in links] == ["张建国", "李一", "李二", "李三", "李四"]
    assert all(link.is_representative for link in links)


def test_a_collective_submission_through_the_page(client, demo):
    response = page_submit(
        client,
        collective="1",
        headcount="12",
        rep1_name="李一",
        rep1_id_number=valid_id(1),
        rep1_phone="13905510001",
    )

    number, _ = receipt_of(response)
    petition = petition_of(number)
    assert (petition.is_collective, petition.headcount) == (True, 12)
    assert petition.petitioner_links.count() == 2


def test_more_than_five_representatives_or_too_few_people_are_refused(client, demo):
    people = [{"name": f"代表{n}", "id_number": valid_id(n), "phone": f"1390551000{n}"} for n in range(1, 6)]

    too_many = api_submit(client, headcount=30, representatives=people)
    too_few = api_submit(client, headcount=2, representatives=people[:2])

    assert too_many.status_code == 422
    assert too_many.json()["errors"]["representatives"] == "集体反映最多推选 5 名代表（含您本人）。"
    assert too_few.status_code == 422
    assert "不少于已填写的 3 人" in too_few.json()["errors"]["headcount"]
    assert not Petition.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"id_number": VALID_ID[:-1] + "4"}, "id_number", "校验位错误"),
        ({"phone": "1390551234"}, "phone", "格式不正确"),
        ({"demands": ""}, "demands", "请写明您的诉求"),
        ({"unit": 2**40}, "unit", "请选择事项发生地"),
    ],
    ids=["id-check-digit", "phone", "demands", "unknown-place"],
)
def test_field_errors_are_answered_in_chinese(client, demo, overrides, field, words):
    response = api_submit(client, **overrides)

    assert response.status_code == 422
    body = response.json()
    assert words in body["errors"][field], body
    assert body["message"] == "填写的内容有误，请按提示修改。"
    assert not Petition.objects.exists()


def test_a_department_is_not_a_place_and_a_missing_place_is_refused(client, demo):
    station = Unit.objects.get(code="341122101P")  # 城关派出所

    department = api_submit(client, unit=station.pk)
    missing_api = client.post(
        f"{API}/petitions",
        {k: v for k, v in petition_data().items() if k != "unit"},
        content_type="application/json",
    )
    missing_page = page_submit(client, unit="")

    assert department.status_code == 422
    assert department.json()["errors"]["unit"] == "请选择事项发生地（乡镇、街道或村、社区）。"
    assert missing_api.status_code == 422
    assert "unit" in missing_api.json()["errors"]
    assert re.search(r"[\u4e00-\u9fff]", missing_api.json()["message"])
    assert missing_page.status_code == 422
    assert 'data-testid="error-unit">请选择事项发生地' in missing_page.content.decode()
    assert not Petition.objects.exists()


# --- 2. attachments through the page --------------------------------------------------------


def test_a_small_pdf_is_stored_with_its_digest(client, demo, settings):
    upload = SimpleUploadedFile("现场照片说明.pdf", PDF, content_type="application/pdf")

    response = page_submit(client, attachments=[upload])

    number, _ = receipt_of(response)
    assert 'data-testid="receipt-attachments">现场照片说明.pdf<' in response.content.decode()
    stored = Attachment.objects.select_related("uploaded_by").get(petition=petition_of(number))
    assert stored.sha256 == hashlib.sha256(PDF).hexdigest()
    assert stored.size == len(PDF)
    assert stored.original_name == "现场照片说明.pdf"
    assert stored.content_type == "application/pdf"
    assert stored.uploaded_by.username == "portal-system"
    path = Path(settings.MEDIA_ROOT) / stored.file.name
    assert path.is_file()
    assert path.read_bytes() == PDF
    assert _files(settings) == [path]


def test_a_renamed_program_is_refused_and_leaves_nothing_behind(demo, settings):
    upload = SimpleUploadedFile("证据材料.pdf", EXE, content_type="application/pdf")

    response = page_submit(Client(raise_request_exception=False), attachments=[upload])

    assert response.status_code == 422
    assert "内容与扩展名不符" in response.content.decode()
    assert not Petition.objects.exists()
    assert not Attachment.objects.exists()
    assert _files(settings) == []


def test_more_than_five_files_are_refused(demo, settings):
    uploads = [SimpleUploadedFile(f"材料{i}.pdf", PDF, content_type="application/pdf") for i in range(6)]

    response = page_submit(Client(raise_request_exception=False), attachments=uploads)

    assert response.status_code == 422
    assert 'data-testid="error-attachments">最多上传 5 个附件。' in response.content.decode()
    assert not Petition.objects.exists()
    assert _files(settings) == []


def test_a_submission_refused_for_another_field_asks_for_the_files_again(client, demo, settings):
    upload = SimpleUploadedFile("材料.pdf", PDF, content_type="application/pdf")

    response = page_submit(client, phone="123", attachments=[upload])

    assert response.status_code == 422
    assert "出于安全原因，请重新选择附件。" in response.content.decode()
    assert _files(settings) == []


# --- 3. earlier matters ---------------------------------------------------------------------


def test_a_second_submission_lists_the_citizens_earlier_matter(client, demo):
    first, _ = submitted(client)

    response = api_submit(client, not_repeat=False)

    assert response.status_code == 422
    body = response.json()
    assert body["message"] == "您以前反映过事项，请确认本次反映的是否为同一件事。"
    earlier = body["errors"]["earlier"]
    assert [e["number"] for e in earlier] == [first]
    assert earlier[0]["id"] == petition_of(first).pk
    assert "repeat_of" in body["errors"]
    assert Petition.objects.count() == 1


def test_naming_the_earlier_matter_registers_a_repeat(client, demo):
    first, _ = submitted(client)

    number, _ = submitted(client, not_repeat=False, repeat_of=petition_of(first).pk)

    assert petition_of(number).repeat_of_id == petition_of(first).pk


def test_another_matter_is_new_and_the_audit_says_which_it_is_not(client, demo):
    first, _ = submitted(client)

    number, _ = submitted(client, not_repeat=True)

    petition = petition_of(number)
    assert petition.repeat_of_id is None
    entry = AuditEntry.objects.get(event=AuditEvent.RECORD_CREATED, target_id=str(petition.pk))
    assert entry.extra_data["not_repeat_of"] == [petition_of(first).pk]
    assert entry.actor_username == "portal-system"


def test_the_same_id_number_with_another_phone_is_not_their_record(client, demo):
    submitted(client)

    response = api_submit(client, phone=OTHER_PHONE, not_repeat=False)

    assert response.status_code == 201, response.content.decode()


def test_a_submission_with_another_phone_is_not_listed_to_the_first_phones_owner(client, demo):
    first, _ = submitted(client)
    submitted(client, phone=OTHER_PHONE, not_repeat=False)

    response = api_submit(client, not_repeat=False)

    assert response.status_code == 422
    assert [e["number"] for e in response.json()["errors"]["earlier"]] == [first]


def test_an_offices_own_record_is_listed_but_never_changed_online(client, clerk, demo):
    from xinfang.petitions.services import PetitionerInput

    person = PetitionerInput(name="张建国", id_number=VALID_ID, phone=PHONE, address="城关镇东风村3组")
    letter = register(clerk, petitioners=[person])
    record = letter.petitioner_links.get().petitioner

    asked = api_submit(client, not_repeat=False, address="省城某小区")
    number, _ = submitted(client, repeat_of=letter.pk, not_repeat=False, address="省城某小区")

    assert [e["number"] for e in asked.json()["errors"]["earlier"]] == [letter.number]
    record.refresh_from_db()
    assert record.address == "城关镇东风村3组"
    online = petition_of(number).petitioner_links.get().petitioner
    assert online.pk != record.pk
    assert online.address == "省城某小区"


def test_naming_someone_elses_petition_as_the_original_is_refused(client, demo):
    others, _ = submitted(client, id_number=OTHER_ID, phone=OTHER_PHONE, name="王小红")
    submitted(client)  # the citizen's own earlier matter

    response = api_submit(client, not_repeat=False, repeat_of=petition_of(others).pk)

    assert response.status_code == 422
    assert response.json()["message"] == "所选的原信访事项不是您本人反映的事项。"
    assert Petition.objects.count() == 2


def test_the_page_asks_whether_it_is_the_same_matter(client, demo):
    first, _ = receipt_of(page_submit(client))
    original = petition_of(first)

    asked = page_submit(client, same="")

    assert asked.status_code == 422
    html = asked.content.decode()
    assert 'data-testid="earlier"' in html
    assert first in html
    assert f'name="repeat_of" id="e{original.pk}" value="{original.pk}" checked' in html
    assert 'type="radio" name="same" id="same-yes" value="yes"' in html
    assert 'type="radio" name="same" id="same-no" value="no"' in html
    # the values typed are kept
    assert 'value="张建国"' in html

    number, _ = receipt_of(page_submit(client, same="yes", repeat_of=str(original.pk)))

    assert petition_of(number).repeat_of_id == original.pk


# --- 4. tracking --------------------------------------------------------------------------------


def test_tracking_tells_the_steps_in_plain_words(client, demo, django_capture_on_commit_callbacks):
    number, code = submitted(client)
    view = track(client, number, code).json()
    assert view["status"] == "已收到，正在审查是否受理"
    assert view["acceptance_due"] == f"{petition_of(number).current_deadline:%Y-%m-%d}"
    assert [s["text"] for s in view["steps"]] == ["收到网上信访事项，已登记"]

    with django_capture_on_commit_callbacks(execute=True):
        accept(number)
        assign(number)
        petition = answer(number)

    response = track(client, number, code)
    view = response.json()
    day = f"{today():%Y-%m-%d}"
    window = f"{petition.window_ends:%Y-%m-%d}"
    assert [s["text"] for s in view["steps"]] == [
        "收到网上信访事项，已登记",
        "已受理",
        "已交由东风村办理",
        f"城关镇作出处理意见（解释），送达日期 {day}；如不服，可在 {window} 前申请复查",
    ]
    assert all(s["date"] == day for s in view["steps"])
    assert view["status"] == "已答复"
    assert (view["answered_on"], view["answer_outcome"], view["window_ends"]) == (day, "解释", window)
    assert (view["review_kind"], view["can_rate"], view["can_request_review"]) == ("复查", True, True)
    assert set(view) == set(PUBLIC_FIELDS)
    assert [n["title"] for n in view["notices"]] == ["受理告知单", "处理意见书"]
    # nothing internal: no staff names, no report, no assignment notice
    text = response.content.decode()
    for internal in ("王接访", "陈村干部", "张分管", "经入户核查", "交办通知单"):
        assert internal not in text


def test_a_notice_is_listed_once_rendered(client, demo):
    number, code = submitted(client)
    answer(number)  # the notices render after the commit, which this test's transaction never reaches

    assert track(client, number, code).json()["notices"] == []

    opinion = Document.objects.get(owner_id=petition_of(number).pk, kind="handling_opinion")
    document_render(opinion.pk)

    assert [n["id"] for n in track(client, number, code).json()["notices"]] == [opinion.pk]


def test_the_answer_is_downloaded_from_the_page(client, demo, django_capture_on_commit_callbacks):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    opinion = Document.objects.get(owner_id=petition_of(number).pk, kind="handling_opinion")
    page = client.post("/portal/track/", {"number": number, "code": code})
    assert page.status_code == 200
    assert f'name="document" value="{opinion.pk}"' in page.content.decode()

    response = client.post("/portal/track/notice/", {"number": number, "code": code, "document": opinion.pk})

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert ".docx" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    assert content[:2] == b"PK"
    assert hashlib.sha256(content).hexdigest() == opinion.sha256
    entry = AuditEntry.objects.filter(event=AuditEvent.DOWNLOAD, target_id=str(opinion.pk)).get()
    assert entry.actor_id is None
    assert entry.extra_data["online_download"] is True


def test_another_petitions_notice_or_an_internal_document_is_not_found(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    other, _ = _answered(client, django_capture_on_commit_callbacks, id_number=OTHER_ID, phone=OTHER_PHONE)
    theirs = Document.objects.get(owner_id=petition_of(other).pk, kind="handling_opinion")
    internal = Document.objects.get(owner_id=petition_of(number).pk, kind="assignment_notice")
    assert internal.sha256  # rendered, yet not for the petitioner
    own = Document.objects.get(owner_id=petition_of(number).pk, kind="handling_opinion")

    for document in (theirs.pk, internal.pk, 0, 2**63):
        response = client.post(
            "/portal/track/notice/", {"number": number, "code": code, "document": document}
        )
        assert response.status_code == 404, document
    wrong_code = client.post("/portal/track/notice/", {"number": number, "code": "AAAA", "document": own.pk})
    assert wrong_code.status_code == 404


# --- 5. rating ------------------------------------------------------------------------------


def test_rating_before_the_answer_is_refused(client, demo):
    number, code = submitted(client)

    response = _rate(client, number, code, "satisfied")

    assert response.status_code == 409
    assert response.json()["message"] == "该信访事项尚未答复，答复后才能评价。"


def test_the_petitioners_rating_is_the_return_visit(client, demo, django_capture_on_commit_callbacks):
    number, code = _answered(client, django_capture_on_commit_callbacks)

    response = _rate(client, number, code, "satisfied")

    assert response.status_code == 200, response.content.decode()
    petition = petition_of(number)
    assert petition.satisfaction == "satisfied"
    visit = PetitionEvent.objects.get(petition=petition, action="record_visit")
    assert visit.actor_id is None
    assert visit.note.startswith("信访人网上评价")
    view = track(client, number, code).json()
    assert (view["satisfaction"], view["can_rate"]) == ("满意", False)
    assert view["steps"][-1]["text"] == "回访评价：满意"
    again = _rate(client, number, code, "basically_satisfied")
    assert again.status_code == 409
    assert again.json()["message"] == "您已评价过本次答复。"
    assert petition_of(number).satisfaction == "satisfied"


def test_dissatisfied_needs_a_reason(client, demo, django_capture_on_commit_callbacks):
    number, code = _answered(client, django_capture_on_commit_callbacks)

    response = _rate(client, number, code, "dissatisfied")

    assert response.status_code == 422
    assert response.json()["errors"]["reason"] == "请写明不满意的理由。"
    assert petition_of(number).satisfaction == ""
    ok = _rate(client, number, code, "dissatisfied", "补偿标准偏低")
    assert ok.status_code == 200
    note = PetitionEvent.objects.get(petition=petition_of(number), action="record_visit").note
    assert note == "信访人网上评价：补偿标准偏低"


def test_after_the_review_decision_the_petitioner_may_rate_again(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _review_decided(client, django_capture_on_commit_callbacks, rated="dissatisfied")

    view = track(client, number, code).json()
    assert view["can_rate"] is True
    assert view["review_kind"] == "复核"
    response = _rate(client, number, code, "basically_satisfied")

    assert response.status_code == 200, response.content.decode()
    assert petition_of(number).satisfaction == "basically_satisfied"
    assert _rate(client, number, code, "satisfied").status_code == 409


def test_a_rereview_above_the_installations_top_organ_is_not_taken_online(
    client, demo, django_capture_on_commit_callbacks
):
    # the township answered, the county (the top organ here) decided the 复查: a 复核 belongs to
    # the city, which no one in this system can register
    number, code = _review_decided(client, django_capture_on_commit_callbacks)

    view = track(client, number, code).json()
    assert view["review_kind"] == "复核"
    assert view["can_request_review"] is False
    response = _review(client, number, code, "对复查意见不服")
    assert response.status_code == 409
    assert "青山县的上一级机关不在本系统中" in response.json()["message"]
    assert not PortalReviewRequest.objects.filter(petition=petition_of(number)).exists()
    page = client.post("/portal/track/", {"number": number, "code": code}).content.decode()
    assert 'data-testid="review-form"' not in page
    assert 'data-testid="review-offline"' in page


def test_rating_and_requesting_review_through_the_page(client, demo, django_capture_on_commit_callbacks):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    page = client.post("/portal/track/", {"number": number, "code": code}).content.decode()
    assert 'data-testid="rate-form"' in page
    assert 'data-testid="review-form"' in page

    missing = client.post(
        "/portal/track/rate/", {"number": number, "code": code, "satisfaction": "dissatisfied"}
    )
    rated = client.post(
        "/portal/track/rate/",
        {"number": number, "code": code, "satisfaction": "dissatisfied", "reason": "不公"},
    )
    reviewed = client.post("/portal/track/review/", {"number": number, "code": code, "reason": "请求复查"})

    assert missing.status_code == 422
    assert 'data-testid="error-reason">请写明不满意的理由。<' in missing.content.decode()
    assert rated.status_code == 200
    html = rated.content.decode()
    assert "感谢您的评价，已记入该信访事项。" in html
    assert 'data-testid="track-satisfaction">不满意<' in html
    assert 'data-testid="rate-form"' not in html
    assert reviewed.status_code == 200
    assert 'data-testid="track-review">' in reviewed.content.decode()
    assert 'data-testid="review-form"' not in reviewed.content.decode()


# --- 6. the review request ------------------------------------------------------------------


def test_a_review_request_within_the_window_waits_for_the_office(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _answered(client, django_capture_on_commit_callbacks)

    response = _review(client, number, code)

    assert response.status_code == 201, response.content.decode()
    request = PortalReviewRequest.objects.get(petition=petition_of(number))
    assert (request.status, request.stage) == ("pending", 0)
    view = response.json()
    assert view["review_request"] == {"kind": "复查", "status": "待登记", "date": f"{today():%Y-%m-%d}"}
    assert view["can_request_review"] is False
    again = _review(client, number, code)
    assert again.status_code == 409
    assert again.json()["message"] == "您已提交复查申请，请等待登记。"
    assert PortalReviewRequest.objects.count() == 1


def test_a_review_request_after_the_window_is_refused(client, demo, django_capture_on_commit_callbacks):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    Petition.objects.filter(number=number).update(window_ends=today() - timedelta(days=1))

    response = _review(client, number, code)

    assert response.status_code == 409
    assert "依法不再受理" in response.json()["message"]
    assert not PortalReviewRequest.objects.exists()


def test_the_office_sees_the_request_and_registering_it_clears_the_list(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    assert _review(client, number, code, "补偿标准偏低，请求复查").status_code == 201
    petition = petition_of(number)
    # the county (one level above the township that answered) registers it
    clerk = _staff("county-clerk")
    township = _staff("clerk")

    detail = clerk.get(f"/petitions/{petition.pk}/")
    desk = clerk.get("/online/")

    assert detail.status_code == 200
    assert "网上申请复查，理由：补偿标准偏低，请求复查" in detail.content.decode()
    assert desk.status_code == 200
    html = desk.content.decode()
    assert html.count('data-testid="review-request"') == 1
    assert number in html
    # the township that answered sees the note on its petition, but the list is the county's
    assert "网上申请复查" in township.get(f"/petitions/{petition.pk}/").content.decode()
    township_desk = township.get("/online/")
    assert township_desk.status_code == 200
    assert 'data-testid="review-request"' not in township_desk.content.decode()
    assert _staff("village-handler").get("/online/").status_code == 403

    act(petition, "request_review", "county-clerk", requested_on=today(), reason="补偿标准偏低")

    request = PortalReviewRequest.objects.get(petition=petition)
    assert request.status == "registered"
    assert request.registered_at is not None
    assert 'data-testid="review-request"' not in clerk.get("/online/").content.decode()
    assert "网上申请复查" not in clerk.get(f"/petitions/{petition.pk}/").content.decode()
    view = track(client, number, code).json()
    assert view["review_request"]["status"] == "已登记"
    assert view["steps"][-1]["text"] == "已登记复查申请，由青山县复查"


def _past_window(number: str) -> Petition:
    """The answer delivered 40 days ago: the 30-day window ended 10 days ago."""
    Petition.objects.filter(number=number).update(
        answer_delivered_on=today() - timedelta(days=40), window_ends=today() - timedelta(days=10)
    )
    return petition_of(number)


def test_a_request_made_online_within_the_window_may_be_registered_after_it(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    assert _review(client, number, code).status_code == 201
    PortalReviewRequest.objects.update(requested_at=timezone.now() - timedelta(days=15))
    petition = _past_window(number)

    petition = act(
        petition, "request_review", "county-clerk", requested_on=today() - timedelta(days=15), reason="不服"
    )

    assert petition.status == "review"
    assert PortalReviewRequest.objects.get().status == "registered"


def test_without_an_online_request_the_window_guard_refuses(client, demo, django_capture_on_commit_callbacks):
    number, _ = _answered(client, django_capture_on_commit_callbacks)
    petition = _past_window(number)

    with pytest.raises(Conflict, match="期限已过"):
        act(
            petition,
            "request_review",
            "county-clerk",
            requested_on=today() - timedelta(days=15),
            reason="不服",
        )


def test_an_online_request_made_after_the_window_does_not_open_it(
    client, demo, django_capture_on_commit_callbacks
):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    assert _review(client, number, code).status_code == 201
    PortalReviewRequest.objects.update(requested_at=timezone.now() - timedelta(days=5))
    petition = _past_window(number)

    with pytest.raises(Conflict, match="期限已过"):
        act(
            petition,
            "request_review",
            "county-clerk",
            requested_on=today() - timedelta(days=5),
            reason="不服",
        )


# --- 7. 标记无效 ----------------------------------------------------------------------------


def test_the_clerk_marks_spam_invalid_and_the_petitioner_reads_why(client, demo):
    number, code = submitted(client)

    petition = act(petition_of(number), "mark_invalid", "clerk", reason="内容为商业广告，与信访无关")

    assert petition.status == "closed"
    assert petition.closed_at is not None
    assert petition.current_deadline is None
    clock = Deadline.objects.get(owner_type=OWNER_TYPE, owner_id=petition.pk, rule="acceptance")
    assert not clock.is_open
    assert clock.closed_at is not None
    view = track(client, number, code).json()
    assert view["invalid_reason"] == "内容为商业广告，与信访无关"
    assert view["steps"][-1]["text"] == "经审核为无效信息：内容为商业广告，与信访无关"
    assert view["status"] == "已办结"
    assert view["acceptance_due"] == ""
    assert not Document.objects.filter(owner_id=petition.pk, owner_type=OWNER_TYPE).exists()
    page = client.post("/portal/track/", {"number": number, "code": code}).content.decode()
    assert 'data-testid="track-invalid">内容为商业广告，与信访无关<' in page


def test_a_petition_not_from_the_portal_cannot_be_marked_invalid(clerk, api_client):
    letter = register(clerk)

    with pytest.raises(Conflict, match="只有网上信访可以标记为无效信息"):
        act(letter, "mark_invalid", "clerk", reason="广告")
    response = api_client(clerk).post(
        f"/api/v1/petitions/{letter.pk}/actions/mark_invalid", {"reason": "广告"}
    )

    assert response.status_code == 409
    assert petition_of(letter.number).status == "registered"


# --- 8. query counts ------------------------------------------------------------------------


def test_tracking_answers_in_a_fixed_number_of_queries(
    client, demo, django_capture_on_commit_callbacks, django_assert_num_queries
):
    number, code = _answered(client, django_capture_on_commit_callbacks)
    assert len(track(client, number, code).json()["notices"]) == 2
    assert _rate(client, number, code, "satisfied").status_code == 200

    # throttles (2), the access with its petition, events, notices, review requests
    with django_assert_num_queries(6):
        response = track(client, number, code)

    assert response.status_code == 200


def test_a_submission_takes_a_fixed_number_of_queries(client, demo, django_assert_num_queries):
    submitted(client)  # the system account and this address's throttle row exist

    with django_assert_num_queries(43):
        response = api_submit(client, id_number=OTHER_ID, phone=OTHER_PHONE, name="王小红")

    assert response.status_code == 201


# the session, the user and roles, the two lists with the paginator's count
ONLINE_PAGE_QUERIES = 11


def test_the_offices_page_takes_a_fixed_number_of_queries(
    client, demo, django_capture_on_commit_callbacks, django_assert_num_queries
):
    clerk = _staff("county-clerk")  # the review office
    number, code = _answered(client, django_capture_on_commit_callbacks)
    assert _review(client, number, code).status_code == 201
    clerk.get("/online/")  # the session and caches warm

    with django_assert_num_queries(ONLINE_PAGE_QUERIES):
        first = clerk.get("/online/")
    for n in range(3):
        more, more_code = _answered(
            client, django_capture_on_commit_callbacks, id_number=valid_id(n), phone=f"1390551100{n}"
        )
        assert _review(client, more, more_code).status_code == 201
    with django_assert_num_queries(ONLINE_PAGE_QUERIES):
        second = clerk.get("/online/")

    assert first.content.decode().count('data-testid="review-request"') == 1
    assert second.content.decode().count('data-testid="review-request"') == 4


# --- 9. the guide's published facts ---------------------------------------------------------


def test_the_sysadmin_publishes_the_guides_facts(client, demo):
    admin = _staff("sysadmin")

    response = admin.post(
        "/online/settings/",
        {
            "site_name": "青山县网上信访",
            "reception": "青山县信访局：人民路 88 号\n每周三县领导接访",
            "hotline": "0557-9999999",
            "banner": "国庆节期间网上信访正常受理",
        },
    )

    assert response.status_code == 302
    saved = PortalSetting.objects.get()
    assert saved.updated_by.username == "sysadmin"
    guide = client.get("/portal/")
    html = guide.content.decode()
    assert guide.status_code == 200
    assert re.search(r'data-testid="portal-banner">\s*<div[^>]*>国庆节期间网上信访正常受理<', html)
    reception = html.split('data-testid="reception">', 1)[1].split("</div>", 1)[0]
    assert "青山县信访局：人民路 88 号" in reception
    assert "每周三县领导接访" in reception
    assert "信访咨询电话：0557-9999999" in html
    assert "· 青山县网上信访</title>" in html


def test_an_empty_site_name_is_refused_and_a_clerk_may_not_change_the_facts(client, demo):
    admin = _staff("sysadmin")

    empty = admin.post("/online/settings/", {"site_name": " ", "reception": "", "hotline": "", "banner": ""})

    assert empty.status_code == 422
    assert "请填写网站名称。" in empty.content.decode()
    clerk = _staff("clerk")
    assert clerk.get("/online/settings/").status_code == 403
    assert clerk.post("/online/settings/", {"site_name": "改名"}).status_code == 403
    assert not PortalSetting.objects.exists()
    assert 'data-testid="portal-banner"' not in client.get("/portal/").content.decode()


def test_the_place_list_offers_townships_and_villages_only(client, demo):
    names = {p["name"] for p in client.get(f"{API}/units").json()}

    assert {"城关镇", "东风村", "东城街道", "东城社区"} <= names
    assert not names & {"城关派出所", "青山县公安局", "青山县", "城关镇综治信访维稳中心", "青山县人民医院"}
    assert place().pk in {p["id"] for p in client.get(f"{API}/units").json()}
