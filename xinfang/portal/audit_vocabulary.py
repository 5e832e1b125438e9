"""How the audit log names what the portal writes."""

from xinfang.audit.details import register_field


def register() -> None:
    register_field("online_review_request", "网上申请")
    register_field("online_download", "信访人网上下载")
