"""One online petition (网上信访) for the demo, with a query code printed by `load_demo`, so that
whoever tries `make run` can track it at /portal/track/ without submitting one first."""

from django.conf import settings
from django.utils import timezone

from xinfang.core.exceptions import ApplicationError
from xinfang.organisation.models import Unit
from xinfang.petitions.choices import Channel
from xinfang.portal import codes, services
from xinfang.portal.models import PortalAccess

from .services import TOWNSHIP

DEMO_CODE = "WSXFDEMACHXN2345"  # shown as WSXF-DEMA-CHXN-2345
DEMO_ID = "341122198306154213"


def demo_online_load() -> str:
    """The demo's online petition's number (made once: submitted by a citizen of 东风村)."""
    if not settings.DEMO_MODE:
        raise ApplicationError("当前为生产配置，不允许加载演示数据。")
    existing = (
        PortalAccess.objects.filter(petition__channel=Channel.ONLINE, petition__unit__code=TOWNSHIP)
        .values_list("petition__number", flat=True)
        .order_by("petition_id")
        .first()
    )
    if existing:
        return str(existing)
    village = Unit.objects.get(code=f"{TOWNSHIP}201")
    receipt = services.submit(
        data=services.Submission(
            name="周桂兰",
            id_number=DEMO_ID,
            phone="13805571234",
            address="青山县城关镇东风村四组",
            place=village.pk,
            subject="村口排水沟堵塞，雨天积水进院",
            content="东风村四组村口的排水沟今年夏天起堵塞，下雨时积水倒灌进几户人家的院子，向村里反映过两次，至今没有清理。",
            demands="请尽快清理排水沟。",
            category="0503",
        ),
        uploads=[],
        address="demo",
        request_meta=None,
    )
    salt = codes.new_salt()
    PortalAccess.objects.filter(petition__number=receipt.number).update(
        code_salt=salt, code_hash=codes.digest(salt, DEMO_CODE), created_at=timezone.now()
    )
    return receipt.number
