"""Number allocation under concurrent registration: several processes, one SQLite file (the
embedded deployment: gunicorn workers sharing the database)."""

import sqlite3

from xinfang.core.testing import installation, run_together

WORKERS, PER_WORKER = 4, 8


def test_concurrent_registrations_get_unique_gap_free_numbers(tmp_path):
    # given: a database file with the demo organisation
    env = installation(tmp_path)
    # when: four processes register at the same moment
    run_together("xinfang.petitions.tests.concurrency_worker", [str(PER_WORKER)], env, WORKERS)
    # then: every number once, no gaps, and the sequence row agrees
    with sqlite3.connect(tmp_path / "xinfang.sqlite3") as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM petitions_petition")]
        (last_value,) = db.execute("SELECT last_value FROM petitions_numbersequence").fetchone()
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert len(numbers) == len(set(numbers)) == WORKERS * PER_WORKER
    assert sequence == list(range(1, WORKERS * PER_WORKER + 1))
    assert last_value == WORKERS * PER_WORKER
