"""Stats listens to the petitions' change hooks (petitions.hooks) instead of being called by them."""

from xinfang.petitions.hooks import subscribe_petition_changed, subscribe_petitions_bulk_loaded

from .services import stats_facts, stats_petition_changed, stats_rebuild


def rebuild_after_bulk_load() -> str:
    """Petitions written in bulk (seed_demo) were never counted one by one: rebuild every table."""
    tallies = stats_rebuild(actor=None)
    return f"统计汇总表：{tallies.monthly_rows:,} 行"


def subscribe() -> None:
    # the summary tables move with each petition, in the petition's own transaction
    subscribe_petition_changed(stats_petition_changed, snapshot=stats_facts)
    subscribe_petitions_bulk_loaded(rebuild_after_bulk_load)
