"""The keys every app's audit entries share, and those of sign-in, accounts and tokens (the audit
log may read accounts). Each kind of case adds its own from its `AppConfig.ready`."""

import re
from collections.abc import Collection, Mapping

from xinfang.accounts.models import User
from xinfang.accounts.roles import Role

from .details import register_field, register_reference, register_target_type

DIGEST = re.compile(r"^[0-9a-f]{64}$")


def _digest(value: str) -> str | None:
    return f"{value[:12]}…" if DIGEST.match(value) else None


def user_names(ids: Collection[int]) -> Mapping[int, str]:
    """Staff members by their name and account (staff names are not personal data of a
    petitioner: the log must say who acted)."""
    rows = User.objects.filter(pk__in=ids).values_list("pk", "full_name", "username")
    return {pk: f"{full_name}（{username}）" if full_name else username for pk, full_name, username in rows}


def petitioner_reference(ids: Collection[int]) -> Mapping[int, str]:
    """Never a name: the auditor reads these texts."""
    return {pk: f"信访人#{pk}" for pk in ids}


GENERIC = {
    "action": "操作",
    "kind": "类型",
    "reason": "原因",
    "filters": "筛选条件",
    "rows": "条数",
    "count": "数量",
    "date": "日期",
    "year": "年份",
    "today": "日期",
    "at": "时间",
    "days": "天数",
    "name": "名称",
    "code": "代码",
    "number": "文号",
    "file": "文件",
    "size": "大小（字节）",
    "cutoff": "截止时间",
    "mode": "方式",
    "via": "方式",
    "source": "来源",
    "seconds": "用时（秒）",
    "checked": "检查件数",
    "created": "新发通知",
    "flagged": "标记逾期",
    "scans": "巡检",
    "boundary": "提醒截止日",
    "now": "时间",
    "failures": "连续失败次数",
    "locked_until": "锁定至",
    "must_change_password": "首次登录须修改密码",
    "owner": "令牌所属账号",
    "full_name": "姓名",
    "phone": "手机号",
    "email": "电子邮箱",
    "is_active": "启用",
    "note": "说明",
    "text": "内容",
    "level": "级别",
    "petitions": "信访件数",
    "monthly_rows": "月度汇总行数",
    "open_rows": "在办汇总行数",
    "horizon": "期限范围",
}

VALUES = {
    "reason": {
        "unknown_user": "用户名不存在",
        "bad_password": "密码错误",
        "inactive": "账号已停用",
        "locked": "账号已锁定",
        "unknown": "令牌不存在",
        "revoked": "令牌已吊销",
        "expired": "令牌已过期",
        "idle": "令牌闲置超时",
        "password_changed": "修改了密码",
        "deactivated": "账号已停用",
        "password_reset": "密码被重置",
    },
    "via": {"page": "网页", "api": "API"},
    "mode": {"download": "下载", "preview": "预览"},
}


def register() -> None:
    for key, label in GENERIC.items():
        register_field(key, label, values=VALUES.get(key))
    register_field("event_id", "时间线记录", hidden=True)
    for key in ("sha256", "old_sha256", "new_sha256", "template_sha256"):
        label = {"sha256": "SHA-256", "old_sha256": "原 SHA-256", "new_sha256": "新 SHA-256"}.get(
            key, "模板 SHA-256"
        )
        register_field(key, label, values=_digest)
    register_reference("accounts.user", user_names)
    register_reference("petitioner", petitioner_reference)
    register_target_type("accounts.user", "用户")
    register_target_type("accounts.apitoken", "API 令牌")
    register_target_type("accounts.securitypolicy", "安全策略")
    register_target_type("audit.auditarchive", "审计归档")
    roles = dict(Role.choices)
    register_field("old", "角色", values=roles, target_type="accounts.user")
    register_field("new", "角色", values=roles, target_type="accounts.user")
    register_field("unit", "所属单位", reference="organisation.unit", target_type="accounts.user")
