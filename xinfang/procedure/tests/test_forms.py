"""A step's form shows its inputs in the order the step's schema declares them, and reads a
posted form as the schema means it."""

from django.http import QueryDict
from pydantic import Field

from xinfang.procedure.forms import inputs_of, values_from_post
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


class Visit(StepInput):
    performed: bool = Field(True, title="协议已履行", json_schema_extra={"widget": "checkbox"})
    note: str = note()


def test_an_unticked_box_is_no_even_where_the_schema_defaults_to_yes():
    # a browser posts nothing for an unticked box: the schema's default must not say yes for it
    assert values_from_post(Visit, QueryDict("note=a"))["performed"] is False
    assert values_from_post(Visit, QueryDict("note=a&performed=true"))["performed"] is True
    assert Visit.model_validate(values_from_post(Visit, QueryDict("note=a"))).performed is False
