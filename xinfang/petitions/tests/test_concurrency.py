"""Number allocation under concurrent registration: several processes, one SQLite file (the
embedded deployment: gunicorn workers sharing the database)."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
WORKERS, PER_WORKER = 4, 8


def test_concurrent_registrations_get_unique_gap_free_numbers(tmp_path):
    # given: a database file with the demo organisation
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "XINFANG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "--noinput"], ["load_demo", "--quiet-logins", "--without-matters"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    start_at = time.time() + 3
    # when: four processes register at the same moment
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "xinfang.petitions.tests.concurrency_worker",
                str(PER_WORKER),
                str(start_at),
            ],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for _ in range(WORKERS)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
    # then: every number once, no gaps, and the sequence row agrees
    with sqlite3.connect(tmp_path / "xinfang.sqlite3") as db:
        numbers = [row[0] for row in db.execute("SELECT number FROM petitions_petition")]
        (last_value,) = db.execute("SELECT last_value FROM petitions_numbersequence").fetchone()
    sequence = sorted(int(n.rsplit("-", 1)[1]) for n in numbers)
    assert len(numbers) == len(set(numbers)) == WORKERS * PER_WORKER
    assert sequence == list(range(1, WORKERS * PER_WORKER + 1))
    assert last_value == WORKERS * PER_WORKER
