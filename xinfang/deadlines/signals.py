"""Sent when recomputation changed stored deadlines, so that owners keep denormalised copies
(e.g. a petition's `current_deadline`) in step, inside the same transaction."""

from django.dispatch import Signal

# sender=Deadline, changed=list[Deadline] (already saved values)
deadlines_changed = Signal()
