#!/usr/bin/env python3
"""Concurrent registrations: N writers each post `POST /api/v1/petitions` back to back for a
while; prints the registrations a second, the latency median and p95, and what failed.

Starts gunicorn on a data directory filled by `manage.py seed_demo` (as bench/measure.py does), or
uses a server already running. Standard library only.

    .venv/bin/python bench/writers.py --data-dir /tmp/bench-data --writers 8 --seconds 30
"""

import argparse
import signal
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measure import (  # noqa: E402  (a script beside measure.py)
    Context,
    Unavailable,
    _out,
    api_login,
    create_api,
    database_note,
    machine,
    start_server,
)


def writer(
    base: str, username: str, seed: int, until: float, latencies: list[float], failures: list[str]
) -> None:
    import random

    ctx = Context(base=base, rng=random.Random(seed))
    ctx.clients["api:county-clerk"] = api_login(base, username)
    while time.monotonic() < until:
        started = time.perf_counter()
        try:
            create_api(ctx)
        except (Unavailable, RuntimeError, OSError, KeyError) as exc:
            failures.append(f"{type(exc).__name__}: {str(exc)[:120]}")
            continue
        latencies.append((time.perf_counter() - started) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="use this running server instead of starting gunicorn")
    parser.add_argument("--data-dir", default=str(Path(__file__).resolve().parent.parent / "var"))
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--user", default="county-clerk")
    args = parser.parse_args()

    server = None
    if args.url:
        base = args.url.rstrip("/")
    else:
        server = start_server(str(Path(args.data_dir).resolve()), args.port, args.workers)
        base = f"http://127.0.0.1:{args.port}"
    try:
        # warm every worker (imports, templates, jieba's dictionary) before the clock starts
        warm: list[float] = []
        warm_failures: list[str] = []
        threads = [
            threading.Thread(
                target=writer, args=(base, args.user, 1000 + i, time.monotonic() + 3, warm, warm_failures)
            )
            for i in range(args.writers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies: list[float] = []
        failures: list[str] = []
        started = time.monotonic()
        until = started + args.seconds
        threads = [
            threading.Thread(target=writer, args=(base, args.user, i, until, latencies, failures))
            for i in range(args.writers)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
    finally:
        if server is not None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)

    ordered = sorted(latencies)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)] if ordered else 0.0
    _out(f"Machine: {machine()}")
    _out(f"Database: {database_note(None if args.url else str(Path(args.data_dir).resolve()))}")
    _out(f"Server: gunicorn, {args.workers} sync workers; {args.writers} writers for {args.seconds:.0f} s")
    _out("")
    _out("| writers | registrations | per second | median ms | p95 ms | failed |")
    _out("|---:|---:|---:|---:|---:|---:|")
    median = statistics.median(ordered) if ordered else 0.0
    _out(
        f"| {args.writers} | {len(ordered)} | {len(ordered) / elapsed:.1f} | {median:.1f} | {p95:.1f} "
        f"| {len(failures)} |"
    )
    for failure in sorted(set(failures))[:10]:
        _out(f"- {failure}")


if __name__ == "__main__":
    main()
