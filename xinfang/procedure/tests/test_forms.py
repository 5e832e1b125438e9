"""A step's form shows its inputs in the order the step's schema declares them."""

from xinfang.procedure.forms import inputs_of
from xinfang.procedure.inputs import StepInput, note, pick, text


class Decide(StepInput):
    unit: int = pick("接收单位", choices="all_units")
    note: str = note()
    reason: str = text("理由", required=False)


class Plain(StepInput):
    unit: int = pick("接收单位", choices="all_units")


def test_a_note_the_step_declares_again_stands_where_the_step_put_it():
    # the base declares `note` first; the form must not open with the optional 说明
    assert [spec.name for spec in inputs_of(Decide)] == ["unit", "note", "reason"]


def test_the_base_note_is_not_shown_unless_the_step_declares_it():
    assert [spec.name for spec in inputs_of(Plain)] == ["unit"]
