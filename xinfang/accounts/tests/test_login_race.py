"""Issue 15: twelve simultaneous wrong passwords for one account, from twelve processes on one
SQLite file (the embedded deployment: gunicorn workers sharing the database). The failure count
is decided under the write lock, so exactly `max_failures` guesses are counted as checked and
every later one finds the account locked."""

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
ATTEMPTS = 12
MAX_FAILURES = 5  # SecurityPolicy's default


def test_simultaneous_wrong_passwords_check_at_most_the_allowed_number(tmp_path):
    # given
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "XINFANG_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "--noinput"], ["load_demo", "--quiet-logins", "--without-matters"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    start_at = time.time() + 4
    # when
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "xinfang.accounts.tests.login_race_worker", str(start_at)],
            cwd=ROOT,
            env=env,
            stderr=subprocess.PIPE,
        )
        for _ in range(ATTEMPTS)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
    # then
    with sqlite3.connect(tmp_path / "xinfang.sqlite3") as db:
        reasons = [
            row[0]
            for row in db.execute(
                "SELECT json_extract(extra_data, '$.reason') FROM audit_auditentry "
                "WHERE actor_username = 'clerk' AND event = 102"  # 登录失败
            )
        ]
        (locks,) = db.execute(
            "SELECT count(*) FROM audit_auditentry WHERE actor_username = 'clerk' AND event = 103"
        ).fetchone()
        (count, locked_until) = db.execute(
            "SELECT failed_login_count, locked_until FROM accounts_user WHERE username = 'clerk'"
        ).fetchone()
    assert len(reasons) == ATTEMPTS
    assert reasons.count("bad_password") == MAX_FAILURES
    assert reasons.count("locked") == ATTEMPTS - MAX_FAILURES
    assert locks == 1  # locked once, by the fifth counted failure (which resets the count)
    assert count == 0
    assert locked_until is not None
