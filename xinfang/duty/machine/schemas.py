"""One input per duty step (the engine validates, the API documents, the page's form is built)."""

from pydantic import Field

from xinfang.procedure.inputs import Id, Moment, StepInput, note, pick, plain, text

from ..choices import EntryKind


class NoteIn(StepInput):
    note: str = note()


class StaffShiftIn(StepInput):
    leader: Id = pick("带班领导", choices="unit_leaders")
    staff: list[Id] = pick("值班员", choices="unit_staff", widget="options")
    note: str = note("调整说明")


class LeaveIn(StepInput):
    user: Id | None = pick("请假人", choices="shift_people", required=False, help="不填为本人")
    reason: str = Field(
        ...,
        title="请假事由",
        min_length=1,
        max_length=200,
        json_schema_extra={"form": True, "widget": "text"},
    )


class RejectLeaveIn(StepInput):
    user: Id = pick("请假人", choices="on_leave")
    note: str = note("理由（不准假时写明）")


class ApproveLeaveIn(StepInput):
    user: Id = pick("请假人", choices="on_leave")
    substitute: Id = pick("替班人", choices="unit_people")
    note: str = note()


class SwapIn(StepInput):
    user: Id = pick("本班人员", choices="shift_people")
    other_shift: Id = plain("对换班次（编号）", choose=True)
    other_user: Id = pick("对方班次人员", choices="unit_people")
    note: str = note("换班说明")


class HandOverIn(StepInput):
    note: str = note("交班说明", help="未办结事项由系统列出，这里写需要接班人注意的其他情况")


class ItemIn(StepInput):
    item: Id = pick("交接事项", choices="pending_items")


class ReturnItemIn(StepInput):
    item: Id = pick("交接事项", choices="pending_items")
    reason: str = Field(
        ...,
        title="退回理由",
        min_length=1,
        max_length=200,
        json_schema_extra={"form": True, "widget": "text"},
    )


class LogIn(StepInput):
    kind: EntryKind = pick("方式")
    at: Moment | None = plain("时间", required=False, help="不填为现在")
    name: str = Field(..., title="来电来访人", min_length=1, max_length=50, json_schema_extra={"form": True})
    phone: str = Field(
        "", title="联系电话", max_length=30, pattern=r"^[0-9+\-() ]*$", json_schema_extra={"form": True}
    )
    matter: str = text("事由")
    action_taken: str = text("处理情况", required=False)
    urgent: bool = plain("紧急事项（立即报告带班领导）", required=False, default=False)


class EntryIn(StepInput):
    entry: Id = pick("值班记录", choices="open_entries")


class CloseEntryIn(StepInput):
    entry: Id = pick("值班记录", choices="open_entries")
    action_taken: str = text("处理情况")
    consultation: bool = plain("咨询类，已当场答复", required=False, default=False)


class RegisterEntryIn(StepInput):
    """Links an entry to the petition the duty officer registered from it (`services.entry_register`)."""

    entry: Id = pick("值班记录", choices="open_entries")
    petition: Id = plain("信访件", form=False, choose=True)
