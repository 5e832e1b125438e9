"""Who may act on a petition: the party of a step (which unit the actor must belong to)."""

from xinfang.accounts.models import User
from xinfang.organisation.models import Unit
from xinfang.procedure.machine import Party

from ..models import Petition


def responsible_unit_id(petition: Petition) -> int:
    return petition.handling_unit_id or petition.unit_id


def responsible_path(petition: Petition) -> str:
    return petition.handling_path or petition.unit_path


def answering_organ(petition: Petition) -> Unit:
    """有权处理的机关: the organ that accepts the matter and answers the petitioner in its own name
    (受理、延期、处理意见书). The responsible unit when it is an organ (a township, a county
    department a matter was transferred or assigned to); for a village, community or section that
    investigates, the organ above it. Needs `handling_unit__organ` and `unit__organ` loaded."""
    return (petition.handling_unit or petition.unit).answering_organ


def review_target(petition: Petition) -> Unit | None:
    """复查 / 复核 机关: the organ one level above the one that gave the latest answer. Needs
    `answered_unit__parent__organ` loaded."""
    answered = petition.answered_unit
    parent = answered.parent if answered is not None else None
    return parent.answering_organ if parent is not None else None


def rereview_target(unit: Unit) -> Unit | None:
    """The organ above a reviewing organ: where a 复核 would go."""
    return unit.parent.answering_organ if unit.parent is not None else None


def _at_or_above(actor: User, path: str) -> bool:
    return Unit.covers_path(path, actor.unit)


def _office(p: Petition, actor: User) -> bool:
    return _at_or_above(actor, responsible_path(p))


def _handling(p: Petition, actor: User) -> bool:
    return actor.unit_id is not None and responsible_unit_id(p) == actor.unit_id


def _answering(p: Petition, actor: User) -> bool:
    return actor.unit_id is not None and answering_organ(p).pk == actor.unit_id


def _receiver(p: Petition, actor: User) -> bool:
    return actor.unit_id is not None and p.handling_unit_id == actor.unit_id


def _review_office(p: Petition, actor: User) -> bool:
    target = review_target(p)
    return target is not None and _at_or_above(actor, target.path)


def _reviewer(p: Petition, actor: User) -> bool:
    return p.review_unit is not None and _at_or_above(actor, p.review_unit.path)


def _chain(p: Petition, actor: User) -> bool:
    return _office(p, actor) or _handling(p, actor)


# the responsible unit (承办单位, else 登记单位) or a unit above it
OFFICE = Party("office", _office, "只有承办单位或其上级单位可以执行此操作。")
# the responsible unit itself (the handler's own unit)
HANDLING = Party("handling", _handling, "只有承办单位的承办人可以执行此操作。")
# the organ that accepted the matter (the responsible unit, or the organ above a village)
ANSWERING = Party("answering", _answering, "只有受理本件的机关（有权处理的机关）可以书面答复信访人。")
# the unit the matter was transferred or assigned to
RECEIVER = Party("receiver", _receiver, "只有接收转送或交办的单位可以提出异议。")
# the unit one level above the answering unit, or above
REVIEW_OFFICE = Party("review_office", _review_office, "复查（复核）申请须由答复单位的上一级机关登记。")
# the reviewing unit of a pending review, or above
REVIEWER = Party("reviewer", _reviewer, "只有复查（复核）机关可以作出复查（复核）意见。")
CHAIN = Party("chain", _chain, "只有承办单位或其上级单位可以执行此操作。")
