"""The incident report document (突发事件信息报告: 首报 / 续报 / 终报) in the 公文 layout, with the four
items of seed 004 chapter 6, filed under the report (`IncidentReport`) and numbered per unit and
year (城关镇信息〔2026〕3号). `register()` is called from IncidentsConfig.ready."""

from functools import partial
from typing import Any

from django.db import models
from django.utils import timezone

from xinfang.documents.defaults import NoticeLayout, build_notice
from xinfang.documents.registry import (
    DocumentKindSpec,
    DocumentOwnerSpec,
    register_document_kind,
    register_document_owner,
)

KIND = "incident_report"
REPORT_OWNER = "incidents.incidentreport"

PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("incident_title", "事件名称"),
    ("incident_number", "事件编号"),
    ("level_label", "事件级别"),
    ("learned_at_cn", "获知时间"),
    ("to_unit", "报送单位（上一级）"),
    ("report_kind_label", "报告类别（首报 / 续报 / 终报）"),
    ("seq", "第几次报告"),
    ("situation", "一、时间、地点、人数和主要诉求"),
    ("measures", "二、已采取的措施"),
    ("impact", "三、社会影响和发展趋势"),
    ("other", "四、其他事项"),
    ("written_at_cn", "报告时间"),
    ("writer", "报告人"),
)

SAMPLES: dict[str, Any] = {
    "incident_title": "某村村民聚集反映征地补偿问题",
    "incident_number": "突发20261203-0001",
    "level_label": "Ⅳ级（一般）",
    "learned_at_cn": "2026年12月03日 09时10分",
    "to_unit": "青山县委政法委、县信访局",
    "report_kind_label": "首报",
    "seq": 1,
    "situation": "12月3日8时40分，某村村民约40人聚集在镇政府门口，反映征地补偿款发放问题。",
    "measures": "镇党委书记已赶到现场，组织司法所、派出所人员疏导劝返。",
    "impact": "现场秩序总体平稳，未发生冲突；预计今日可劝返。",
    "other": "无。",
    "written_at_cn": "2026年12月03日 09时45分",
    "writer": "王信息员",
}

LAYOUT = NoticeLayout(
    title="突发事件信息报告（{{ report_kind_label }}）",
    addressee="{{ to_unit }}：",
    paragraphs=(
        "现将{{ incident_title }}（{{ incident_number }}，{{ level_label }}）有关情况报告如下（第{{ seq }}次报告）：",
        "一、基本情况。{{ situation }}",
        "二、已采取的措施。{{ measures }}",
        "三、社会影响和发展趋势。{{ impact }}",
        "四、其他事项。{{ other }}",
        "获知时间：{{ learned_at_cn }}。报告时间：{{ written_at_cn }}。报告人：{{ writer }}。",
    ),
    closing="特此报告。",
)


def owner_context(owner: models.Model) -> dict[str, Any]:
    from .models import Incident

    incident: Any = getattr(owner, "incident", owner)
    if not isinstance(incident, Incident):  # filed under something else: its labels show
        return {}
    return {
        "incident_title": incident.title,
        "incident_number": incident.number,
        "level_label": incident.get_level_display(),
        "learned_at_cn": f"{timezone.localtime(incident.learned_at):%Y年%m月%d日 %H时%M分}",
    }


def _visible(actor: Any) -> Any:
    from .models import IncidentReport
    from .selectors import incidents_visible_to

    return IncidentReport.objects.filter(incident__in=incidents_visible_to(actor)).values("pk")


def _reference(owner: models.Model) -> str:
    incident = getattr(owner, "incident", None)
    return f"{incident.number}-{getattr(owner, 'seq', '')}" if incident is not None else ""


def _url(owner_id: int) -> str:
    from django.urls import reverse

    from .models import IncidentReport

    incident_id = IncidentReport.objects.filter(pk=owner_id).values_list("incident_id", flat=True).first()
    return reverse("incidents:detail", args=[incident_id]) if incident_id else ""


def register() -> None:
    register_document_kind(
        DocumentKindSpec(
            code=KIND,
            label="突发事件信息报告",
            abbreviation="息",
            default_template=partial(build_notice, LAYOUT),
            placeholders=PLACEHOLDERS,
            sample_context=SAMPLES,
            owner_context=owner_context,
        )
    )
    register_document_owner(
        DocumentOwnerSpec(
            owner_type=REPORT_OWNER,
            label="突发事件报告",
            visible_ids=_visible,
            reference=_reference,
            url=_url,
            audit_key="incident_report",
        )
    )
