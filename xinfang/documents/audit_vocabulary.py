"""How the notices' audit entries read on the audit page: a kind by its label, the owner by
its number (kept under the key its owner type registered, e.g. `petition`)."""

from xinfang.audit.details import register_values

from . import registry


def _kind_label(code: str) -> str | None:
    spec = registry.KINDS.get(code)
    return spec.label if spec is not None else None


def register() -> None:
    register_values("kind", _kind_label)  # read when a page is shown: every app has registered its kinds
    register_values("action", {"replace": "更换模板", "reset": "恢复默认模板"})
