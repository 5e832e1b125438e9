"""Keeps Petition.current_deadline equal to its open stored deadline when the calendar changes."""

from typing import Any

from django.dispatch import receiver

from xinfang.deadlines.signals import deadlines_changed

from .hooks import petition_changed, petition_snapshot
from .models import OWNER_TYPE, Petition


@receiver(deadlines_changed)
def sync_current_deadline(sender: Any, changed: list, **kwargs: Any) -> None:
    for deadline in changed:
        if deadline.owner_type == OWNER_TYPE and deadline.is_open:
            petition = (
                Petition.objects.filter(pk=deadline.owner_id)
                .select_related("category", "problem_unit")
                .first()
            )
            if petition is None:
                continue
            before = petition_snapshot(petition)  # the hook's subscribers (stats): their view before
            due = deadline.due_date
            if due is not None and petition.assignment_due is not None:
                due = min(due, petition.assignment_due)  # the 交办 deadline written in the notice
            Petition.objects.filter(pk=deadline.owner_id).update(current_deadline=due)
            petition.current_deadline = due
            petition_changed(before=before, petition=petition)  # the hook's subscribers keep in step
