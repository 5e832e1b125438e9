"""Notices to the petitioner go out only where someone can receive them (issue 17): an anonymous
letter, or a letter, call or online petition without an address or a phone, gets no 告知单
addressed to 匿名信访人; the step records 无法告知 and why instead."""

from xinfang.procedure.machine import Change, DocumentRequest

from ..choices import Channel
from ..models import Petition, PetitionPetitioner

# delivered to the petitioner (the notices to units, reports and hearing notices are not)
TO_PETITIONER = frozenset(
    {
        "acceptance_notice",
        "rejection_notice",
        "decline_notice",
        "extension_notice",
        "handling_opinion",
        "review_opinion",
        "rereview_opinion",
    }
)
IN_PERSON = frozenset({Channel.VISIT, Channel.RECEPTION_DAY})


def untold_reason(petition: Petition) -> str:
    """Why no notice can reach the petitioner, or "" when one can."""
    if petition.is_anonymous:
        return "匿名信访，信访人身份不明，无法告知"
    if petition.channel in IN_PERSON:
        return ""  # handed over in person
    reachable = (
        PetitionPetitioner.objects.filter(petition_id=petition.pk)
        .exclude(petitioner__address="", petitioner__phone="")
        .exists()
    )
    return "" if reachable else "信访人未留住址和联系电话，无法告知"


def to_petitioner(change: Change[Petition], request: DocumentRequest) -> None:
    """Issues `request` (a notice to the petitioner), or records in the step that it could not be."""
    reason = untold_reason(change.case)
    if reason:
        change.data.update(untold=reason)
        return
    change.documents.append(request)
