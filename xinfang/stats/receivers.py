"""Stats listens to the petitions' change hooks (petitions.hooks) instead of being called by them."""

from xinfang.petitions.hooks import subscribe_petition_changed

from .services import stats_facts, stats_petition_changed


def subscribe() -> None:
    # the summary tables move with each petition, in the petition's own transaction
    subscribe_petition_changed(stats_petition_changed, snapshot=stats_facts)
