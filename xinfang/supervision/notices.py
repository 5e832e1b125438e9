"""The 督查督办通知单: its layout, placeholders and sample values. It is filed under the
supervised petition (see machine.effects), so it shares the petition's placeholders and is listed
and scoped with the petition. `register()` is called from SupervisionConfig.ready."""

from functools import partial
from typing import Any

from django.db import models

from xinfang.documents.defaults import NoticeLayout, build_notice
from xinfang.documents.registry import DocumentKindSpec, register_document_kind
from xinfang.petitions.notices import PETITION_PLACEHOLDERS, PETITION_SAMPLES, petition_context

KIND = "supervision_notice"

PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("to_unit", "被督办单位"),
    ("trigger_label", "督办事由"),
    ("method_label", "督办方式"),
    ("deadline_cn", "报送办理情况的期限"),
    ("note", "督办要求"),
)

LAYOUT = NoticeLayout(
    title="信访事项督查督办通知单",
    addressee="{{ to_unit }}：",
    paragraphs=(
        "你单位承办的{{ petitioner_names }}反映“{{ subject }}”一事（编号 {{ petition_number }}），"
        "存在{{ trigger_label }}的情形。根据《信访工作条例》第三十八条的规定，本机关决定以"
        "{{ method_label }}方式予以督办。",
        "请你单位高度重视，认真整改，依法依规办理，并于{{ deadline_cn }}前将办理情况书面报送本机关。",
        "{% if note %}督办要求：{{ note }}{% endif %}",
        "逾期未报送或者整改不到位的，将依照《信访工作条例》有关规定追究相关责任。",
    ),
)


def owner_context(owner: models.Model) -> dict[str, Any]:
    """The petition's placeholders, whether the notice is filed under the petition (as the
    machine does) or under the supervision itself."""
    petition = getattr(owner, "petition", None)
    return petition_context(petition if isinstance(petition, models.Model) else owner)


def register() -> None:
    register_document_kind(
        DocumentKindSpec(
            code=KIND,
            label="督查督办通知单",
            abbreviation="督",
            default_template=partial(build_notice, LAYOUT),
            placeholders=[*PETITION_PLACEHOLDERS, *PLACEHOLDERS],
            sample_context=PETITION_SAMPLES,
            owner_context=owner_context,
        )
    )
