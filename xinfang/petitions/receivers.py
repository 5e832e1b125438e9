"""Keeps Petition.current_deadline equal to its open stored deadline when the calendar changes."""

from typing import Any

from django.dispatch import receiver

from xinfang.deadlines.signals import deadlines_changed

from .models import Petition

OWNER_TYPE = "petitions.petition"


@receiver(deadlines_changed)
def sync_current_deadline(sender: Any, changed: list, **kwargs: Any) -> None:
    for deadline in changed:
        if deadline.owner_type == OWNER_TYPE and deadline.is_open:
            Petition.objects.filter(pk=deadline.owner_id).update(current_deadline=deadline.due_date)
