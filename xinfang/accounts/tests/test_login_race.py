"""Issue 15: twelve simultaneous wrong passwords for one account, from twelve processes on one
SQLite file (the embedded deployment: gunicorn workers sharing the database). The failure count
is decided under the write lock, so exactly `max_failures` guesses are counted as checked and
every later one finds the account locked."""

import sqlite3

from xinfang.core.testing import installation, run_together

ATTEMPTS = 12
MAX_FAILURES = 5  # SecurityPolicy's default


def test_simultaneous_wrong_passwords_check_at_most_the_allowed_number(tmp_path):
    # given
    env = installation(tmp_path)
    # when
    run_together("xinfang.accounts.tests.login_race_worker", [], env, ATTEMPTS, delay=4)
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
