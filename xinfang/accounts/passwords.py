"""Password policy: at least 8 characters from at least 3 of 4 classes (等保 2.0)."""

import re

from django.core.exceptions import ValidationError

CLASSES = (
    (re.compile(r"[a-z]"), "小写字母"),
    (re.compile(r"[A-Z]"), "大写字母"),
    (re.compile(r"[0-9]"), "数字"),
    (re.compile(r"[^a-zA-Z0-9]"), "特殊字符"),
)
MIN_LENGTH = 8


def password_problems(password: str) -> list[str]:
    problems = []
    if len(password) < MIN_LENGTH:
        problems.append(f"密码长度至少 {MIN_LENGTH} 位。")
    present = sum(1 for pattern, _ in CLASSES if pattern.search(password))
    if present < 3:
        problems.append("密码须包含大写字母、小写字母、数字、特殊字符中的至少三类。")
    return problems


class ComplexityValidator:
    def validate(self, password: str, user: object = None) -> None:
        problems = password_problems(password)
        if problems:
            raise ValidationError(problems, code="password_too_weak")

    def get_help_text(self) -> str:
        return "至少 8 位，且包含大写字母、小写字母、数字、特殊字符中的至少三类。"
