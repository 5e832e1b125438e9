"""The petitions' change hooks: how apps that read across petitions (stats) keep in step without
petitions knowing them.

A subscriber gives a receiver and, when it needs the petition as it was before a change, a
snapshot function. Whoever changes a petition takes `petition_snapshot(petition)` before the
change and calls `petition_changed(before=..., petition=...)` after it (`before=None` for a new
petition), in the same transaction: a subscriber's writes commit or roll back with the petition.

Subscribers register in their AppConfig.ready; registering the same receiver twice is a no-op.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from .models import Petition

S = TypeVar("S")
S_contra = TypeVar("S_contra", contravariant=True)


class PetitionChangeReceiver(Protocol[S_contra]):
    """Called after a petition changed, with the subscriber's own snapshot taken before (None for
    a new petition, or when the subscriber gave no snapshot function)."""

    def __call__(self, *, before: S_contra | None, petition: "Petition") -> object: ...


# One subscription: given the petition before the change (None: a new one), what to call after it.
Delivery = Callable[["Petition"], None]
_Subscription = Callable[["Petition | None"], Delivery]

_change_subscriptions: list[tuple[object, _Subscription]] = []


def subscribe_petition_changed(
    receiver: PetitionChangeReceiver[S], *, snapshot: Callable[["Petition"], S] | None = None
) -> None:
    """Calls `receiver(before=snapshot(old), petition=new)` after every change of a petition."""
    if any(known is receiver for known, _ in _change_subscriptions):
        return

    def subscription(old: "Petition | None") -> Delivery:
        before = snapshot(old) if snapshot is not None and old is not None else None

        def deliver(petition: "Petition") -> None:
            receiver(before=before, petition=petition)

        return deliver

    _change_subscriptions.append((receiver, subscription))


@dataclass(frozen=True)
class PetitionSnapshot:
    """Every subscriber's view of one petition before a change, ready to be delivered after it."""

    deliveries: tuple[Delivery, ...]


def petition_snapshot(petition: "Petition") -> PetitionSnapshot:
    """Takes each subscriber's snapshot of `petition` as stored now: call before changing it."""
    return PetitionSnapshot(tuple(subscription(petition) for _, subscription in _change_subscriptions))


def petition_changed(*, before: PetitionSnapshot | None, petition: "Petition") -> None:
    """Tells every subscriber that `petition` changed since `before` (None: it was just created)."""
    if before is None:
        before = PetitionSnapshot(tuple(subscription(None) for _, subscription in _change_subscriptions))
    for deliver in before.deliveries:
        deliver(petition)


# --- notes on a petition's page -----------------------------------------------------------------

# (petition, actor) → short warnings the page shows above the matter (a key person among the
# petitioners …), from apps petitions does not know; each says only what that actor may read.
PetitionNotes = Callable[["Petition", object], list[str]]
_note_sources: list[PetitionNotes] = []


def register_petition_notes(source: PetitionNotes) -> None:
    if source not in _note_sources:
        _note_sources.append(source)


def petition_notes(petition: "Petition", actor: object) -> list[str]:
    return [note for source in _note_sources for note in source(petition, actor)]


# (petition, actor) → what other apps offer or did with the matter (转入人民调解 …): shown as
# information, apart from the warnings
_link_sources: list[PetitionNotes] = []


def register_petition_links(source: PetitionNotes) -> None:
    if source not in _link_sources:
        _link_sources.append(source)


def petition_links(petition: "Petition", actor: object) -> list[str]:
    return [link for source in _link_sources for link in source(petition, actor)]


# --- a review requested elsewhere -------------------------------------------------------------

# petition → the day the petitioner applied for review (复查) or re-review (复核) of its current
# answer through another channel (the public portal), or None. The window's guard lets the office
# register such a request after the window closed, as long as it was made within it.
ReviewRequestedOn = Callable[["Petition"], date | None]
_review_sources: list[ReviewRequestedOn] = []


def register_review_requested_on(source: ReviewRequestedOn) -> None:
    if source not in _review_sources:
        _review_sources.append(source)


def review_requested_on(petition: "Petition") -> date | None:
    days = [day for source in _review_sources if (day := source(petition)) is not None]
    return min(days) if days else None
