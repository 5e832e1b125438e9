"""How the statistics' audit entries (exports, rebuilds) read on the audit page."""

from xinfang.audit.details import register_field, register_target_type, register_values

KINDS = {
    "stats_xlsx": "统计报表（Excel）",
    "bulletin_docx": "信访工作通报（Word）",
    "bulletin_xlsx": "信访工作通报（Excel）",
    "transfer_bulletin_docx": "转送情况通报（Word）",
    "transfer_bulletin_xlsx": "转送情况通报（Excel）",
    "analysis_docx": "信访情况分析报告（Word）",
}


def register() -> None:
    register_target_type("stats.report", "统计报表")
    register_target_type("stats.tally", "统计汇总表")
    register_values("kind", KINDS)
    register_field("month", "月份")
    register_field("from", "起始月份")
    register_field("to", "截止月份")
