"""For tests that run the product in several processes on one SQLite file (the embedded
deployment: gunicorn workers sharing the database)."""

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def installation(data_dir: Path) -> dict[str, str]:
    """Migrates a fresh SQLite database in `data_dir` and loads the demo organisation and accounts
    (without the sample matters); returns the environment its processes run with."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "XINFANG_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)
    for command in (["migrate", "--noinput"], ["load_demo", "--quiet-logins", "--without-matters"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True
        )
    return env


def run_together(
    module: str, args: list[str], env: dict[str, str], processes: int, *, delay: float = 3
) -> None:
    """Starts `processes` runs of `python -m module <start time> *args` that begin their work at
    the same moment (the start time, `delay` seconds from now); fails if one of them fails."""
    start_at = str(time.time() + delay)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", module, start_at, *args], cwd=ROOT, env=env, stderr=subprocess.PIPE
        )
        for _ in range(processes)
    ]
    for worker in workers:
        _, stderr = worker.communicate(timeout=120)
        assert worker.returncode == 0, stderr.decode()
