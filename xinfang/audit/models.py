"""The audit log (审计日志): append-only, in the product and in the database.

The model refuses updates and deletes, and a database trigger (SQLite and PostgreSQL, see
migrations 0002 and 0006) refuses UPDATE always and DELETE except for rows older than an open
`ArchiveWindow`, which only `audit_archive` opens, inside its own transaction, and older than the
retention period by the database's clock, so that a window row inserted by hand cannot open more.
On PostgreSQL a statement trigger refuses TRUNCATE of a non-empty log.
"""

from django.db import models


class AuditEvent(models.IntegerChoices):
    # 1xx accounts and sessions
    LOGIN = 101, "登录"
    LOGIN_FAILED = 102, "登录失败"
    ACCOUNT_LOCKED = 103, "账号锁定"
    LOGOUT = 104, "退出登录"
    SESSION_EXPIRED = 105, "会话超时"
    PASSWORD_CHANGED = 106, "修改密码"
    TOKEN_ISSUED = 107, "签发 API 令牌"
    TOKEN_REVOKED = 108, "吊销 API 令牌"
    TOKEN_REJECTED = 109, "API 令牌无效"
    USER_CREATED = 110, "新建用户"
    USER_CHANGED = 111, "修改用户"
    ROLES_CHANGED = 112, "调整角色"
    ACCOUNT_UNLOCKED = 113, "解除锁定"
    PASSWORD_RESET = 114, "重置密码"
    POLICY_CHANGED = 115, "修改安全策略"
    ACCESS_DENIED = 116, "越权访问"  # a record that exists, asked for outside the caller's scope
    # 2xx petitions (register, handling)
    RECORD_CREATED = 201, "新建记录"
    RECORD_CHANGED = 202, "修改记录"
    STATE_TRANSITION = 203, "状态流转"
    # 3xx calendar and deadlines
    CALENDAR_CHANGED = 301, "修改节假日"
    DEADLINES_RECOMPUTED = 302, "重算期限"
    DEADLINE_RULE_CHANGED = 303, "修改期限规则"
    DEADLINE_CHANGED = 304, "调整期限"
    # 4xx organisation
    UNIT_CREATED = 401, "新建单位"
    UNIT_CHANGED = 402, "修改单位"
    UNIT_TYPES_CHANGED = 403, "修改单位类型设置"
    # 6xx notifications
    NOTIFICATIONS_SENT = 601, "发送消息通知"
    # 8xx personal data and files
    PERSONAL_DATA_VIEWED = 801, "查看个人信息"
    EXPORT = 802, "导出"
    DOWNLOAD = 803, "下载"
    DOCUMENT_GENERATED = 804, "生成文书"
    TEMPLATE_CHANGED = 805, "更换文书模板"
    # 9xx the audit log itself
    AUDIT_ARCHIVED = 901, "归档审计日志"
    AUDIT_EXPORTED = 902, "导出审计日志"


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("审计日志只能追加，不能修改。")

    def delete(self):  # type: ignore[no-untyped-def]
        raise TypeError("审计日志只能追加，不能删除；过期记录请使用归档。")


class AuditEntry(models.Model):
    created_at = models.DateTimeField(db_index=True)
    # No foreign-key constraint: a user row must never block or rewrite audit rows.
    actor = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_username = models.CharField(max_length=150, blank=True)
    event = models.PositiveIntegerField(choices=AuditEvent.choices, db_index=True)
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.CharField(max_length=60, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    success = models.BooleanField(default=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    extra_data = models.JSONField(default=dict, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["actor", "created_at"], name="audit_actor_time"),
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.get_event_display()}"

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise TypeError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise TypeError("审计日志只能追加，不能删除；过期记录请使用归档。")


class ArchiveWindow(models.Model):
    """Open only inside `audit_archive`'s transaction: lets the trigger delete rows before `cutoff`
    (never rows inside the retention period, whatever the cutoff)."""

    cutoff = models.DateTimeField()


class AuditArchive(models.Model):
    """One archive file written by an administrator; the file holds the removed rows as JSON lines."""

    created_at = models.DateTimeField()
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    cutoff = models.DateTimeField()
    row_count = models.PositiveIntegerField()
    file_name = models.CharField(max_length=200)
    sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at"]
