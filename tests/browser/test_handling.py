"""One petition handled end to end in a real browser by five users: the township clerk registers,
accepts and assigns it to a village, the village handler reports, the leader returns and then
approves the report, the township clerk answers in the township's name (the village only
investigates), the county clerk registers a request for review, the county leader decides it and
the township clerk closes the matter. The notices are downloaded and read: each is issued by the
township, the organ that accepted the matter."""

import re

import pytest

from tests.browser.helpers import (
    act,
    alerts,
    docx_text,
    open_petition,
    option_value,
    register_letter,
    server_today,
    session,
)

pytestmark = pytest.mark.browser

VILLAGE = "东风村"
RETURN_REASON = "事实不清，请补充调查笔录"
ANSWER_TEXT = "经调查核实，拖欠的宅基地补偿款已于本月足额发放到户。"
REVIEW_TEXT = "经复查，原处理意见事实清楚、处理恰当，已向信访人解释说明。"
EXPECTED_TIMELINE = [
    "accept",
    "assign",
    "submit_report",
    "return_report",
    "submit_report",
    "approve_report",
    "answer",
    "request_review",
    "decide_review",
    "close",
]
EXPECTED_LABELS = [
    "受理",
    "交办",
    "提交办结报告",
    "退回重办",
    "提交办结报告",
    "审核通过",
    "答复",
    "申请复查",
    "复查答复",
    "办结",
]


def _act(page, action: str, status: str, fill=None) -> None:
    """Performs the action through its form and checks the status it leads to."""
    act(page, action, fill)
    assert _status(page) == status, (
        f"“{action}”后状态为“{_status(page)}”，应为“{status}”；提示：{alerts(page)}"
    )


def _status(page) -> str:
    return page.locator("h1[data-testid=petition-subject] ~ span.badge").first.inner_text().strip()


def _download(page, event: str, kind: str) -> tuple[str, str]:
    """Downloads the notice `kind` linked from the timeline item of `event`: its text and the line
    that shows its number."""
    link = page.locator(f"[data-testid=event-{event}] [data-testid=download-{kind}]")
    assert link.count() == 1, f"时间轴“{event}”上应有一个“{kind}”下载链接，实有 {link.count()} 个"
    number_line = link.locator("xpath=..").inner_text()
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename.endswith(".docx"), download.suggested_filename
    return docx_text(download.path()), number_line


def test_one_petition_walks_through_five_users(browser, server_url, login, screenshot):
    contexts = []
    try:
        # 1. the clerk registers, accepts and assigns to 东风村
        context, clerk = session(browser, login, server_url, "clerk")
        contexts.append(context)
        petition_url, petition_number = register_letter(
            clerk,
            server_url,
            name="韩办理",
            phone="13955550031",
            subject="反映宅基地补偿款未发放",
            content="本人宅基地被征用，补偿款至今未发放到户，请求核实处理。",
        )

        _act(clerk, "accept", "已受理")

        def assign(form):
            unit = form.locator("#assign-unit")
            unit.select_option(option_value(unit, VILLAGE))
            handler = form.locator("#assign-handler")
            handler.select_option(option_value(handler, VILLAGE))

        _act(clerk, "assign", "已交办", assign)
        assert VILLAGE in clerk.inner_text("[data-testid=handling-unit]")
        notice, line = _download(clerk, "assign", "assignment_notice")
        document_number = re.search(r"交办通知单\s*(\S+)", line).group(1)
        assert VILLAGE in notice, notice
        assert document_number in notice, f"交办通知单中没有文号 {document_number}：{notice}"
        assert petition_number in notice, f"交办通知单中没有编号 {petition_number}：{notice}"

        # 2. the village handler reports
        context, handler = session(browser, login, server_url, "village-handler")
        contexts.append(context)
        open_petition(handler, petition_url)
        assert handler.locator("[data-testid=leader-instructions]").count() == 0
        assert handler.locator("[data-testid=open-submit_report]").inner_text().strip() == "提交办结报告"

        def report(text):
            return lambda form: form.locator("#submit_report-report").fill(text)

        _act(handler, "submit_report", "待审核", report("经入户调查，补偿款因账户信息错误未到账，已更正。"))

        # 3. the leader returns it, the handler reports again, the leader approves
        context, leader = session(browser, login, server_url, "leader")
        contexts.append(context)
        open_petition(leader, petition_url)
        _act(
            leader,
            "return_report",
            "办理中",
            lambda form: form.locator("#return_report-reason").fill(RETURN_REASON),
        )
        assert RETURN_REASON in leader.inner_text("[data-testid=event-return_report]")

        open_petition(handler, petition_url)
        _act(handler, "submit_report", "待审核", report("已补充调查笔录两份，补偿款已于本月发放到户。"))

        def approve(form):
            boxes = form.locator("input[type=checkbox][name=checks]")
            assert boxes.count() == 4, f"审核要点应有 4 项，实有 {boxes.count()} 项"
            for i in range(4):
                boxes.nth(i).check()

        open_petition(leader, petition_url)
        _act(leader, "approve_report", "待答复", approve)

        # 4. the village may not answer; the township clerk answers in the township's name
        open_petition(handler, petition_url)
        assert handler.locator("[data-testid=open-answer]").count() == 0

        def answer(form):
            form.locator("#answer-outcome").select_option("support")
            form.locator("#answer-text").fill(ANSWER_TEXT)
            form.locator("#answer-delivered_on").fill(server_today().isoformat())

        open_petition(clerk, petition_url)
        _act(clerk, "answer", "已答复", answer)
        opinion, line = _download(clerk, "answer", "handling_opinion")
        assert "处理意见书" in opinion, opinion
        assert ANSWER_TEXT in opinion, opinion
        # issued by the organ that accepted the matter, never by the village that investigated it
        assert re.search(r"城关镇信\S*〔\d{4}〕\d+号", line), line
        assert f"{VILLAGE}信" not in opinion, opinion
        assert "青山县" in opinion, f"处理意见书应告知向青山县申请复查：{opinion}"
        acceptance, line = _download(clerk, "accept", "acceptance_notice")
        assert re.search(r"城关镇信\S*〔\d{4}〕\d+号", line), line
        assert "城关镇" in acceptance, acceptance
        assert f"{VILLAGE}信" not in acceptance, acceptance

        # 5. the county registers the review request and decides it; the township clerk closes
        def request_review(form):
            form.locator("#request_review-requested_on").fill(server_today().isoformat())
            form.locator("#request_review-reason").fill("信访人认为补偿标准偏低，请求复查。")

        open_petition(clerk, petition_url)
        assert clerk.locator("[data-testid=open-request_review]").count() == 0
        context, county_clerk = session(browser, login, server_url, "county-clerk")
        contexts.append(context)
        open_petition(county_clerk, petition_url)
        _act(county_clerk, "request_review", "复查中", request_review)

        def decide(form):
            form.locator("#decide_review-outcome").select_option("explain")
            form.locator("#decide_review-text").fill(REVIEW_TEXT)
            form.locator("#decide_review-delivered_on").fill(server_today().isoformat())

        context, county_leader = session(browser, login, server_url, "county-leader")
        contexts.append(context)
        open_petition(county_leader, petition_url)
        _act(county_leader, "decide_review", "已答复", decide)
        review, line = _download(county_leader, "decide_review", "review_opinion")
        assert re.search(r"青山县信\S*〔\d{4}〕\d+号", line), line

        open_petition(clerk, petition_url)
        _act(clerk, "close", "已办结")

        # then: the timeline lists every step in order
        events = clerk.locator("[data-testid^=event-]")
        actions = [
            events.nth(i).get_attribute("data-testid").removeprefix("event-") for i in range(events.count())
        ]
        assert actions == EXPECTED_TIMELINE, actions
        labels = [events.nth(i).locator("strong").first.inner_text().strip() for i in range(events.count())]
        assert labels == EXPECTED_LABELS, labels
        assert _status(clerk) == "已办结"
        screenshot(clerk, "30-handling-timeline")

        # and the 处理意见书 previews as text
        clerk.locator("[data-testid=preview-handling_opinion]").click()
        clerk.wait_for_url(re.compile(r".*/documents/\d+/preview/$"))
        preview = clerk.locator("[data-testid=document-preview]")
        preview.wait_for()
        assert "处理意见书" in preview.inner_text()
        assert ANSWER_TEXT in preview.inner_text()
        screenshot(clerk, "31-notice-preview")
    finally:
        for context in contexts:
            context.close()
