#!/usr/bin/env python
"""Notifications benchmark: 10,000 notifications through real Huey consumer processes, on
PostgreSQL with the queue in Redis, first with 1 worker process, then with 2.

It creates a throwaway PostgreSQL database (dropped at the end, also on failure), migrates
it, and per round: records the notifications in one transaction (as `notice_send` does for a
busy service: they are queued in Redis when it commits, 20 deliveries a job), starts the
consumer processes (`manage.py run_huey`, one worker thread each), and times until every
delivery is `sent` in the database. Mail goes to the drill's sink backend
(tests/channels/sink_backend.py), which records each message's idempotency key and takes
`--send-ms` per message, as a provider's API call would; the consumers and the settings are
the fault drill's (tests/channels/drill.py, drill_settings.py), without the kills.

It prints progress on stderr and one JSON object as its last line: `sent`,
`exactly_once_share` (deliveries sent whose key reached the provider exactly once: 1.0),
`throughput_per_s` (2 workers), `one_worker` (the same figures with 1), `scaling_ratio`
(2 workers' throughput over 1's) and `goals`.

    .venv/bin/python bench/notify.py [--notifications 10000] [--send-ms 2] [--timeout 900]
"""

import argparse
import json
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.channels.drill import Run, wait_until_sent  # noqa: E402


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _admin(server: str):  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(f"{server}/postgres", autocommit=True)


def _round(run: Run, *, processes: int, timeout: float) -> dict[str, object]:
    """Seed the notifications with no consumer running, then start `processes` consumers
    and time them until every delivery is sent."""
    run.execute("DELETE FROM channels_delivery")  # the previous round's rows
    run.execute("DELETE FROM channels_notification")
    (run.folder / "sink.log").unlink(missing_ok=True)
    run.queue = f"bench-{uuid.uuid4().hex[:8]}"
    say(f"  seeding {run.notifications} notifications")
    run.seed(run.notifications)
    run.processes = processes
    say(f"  delivering with {processes} worker process(es)")
    started = time.monotonic()
    run.start()
    try:
        seconds = wait_until_sent(run, run.notifications, timeout=timeout, sweep_every=timeout)
    finally:
        run.stop()
        run.flush()
    sink = run.folder / "sink.log"
    counts = Counter(sink.read_text().split()) if sink.exists() else Counter()
    keys = run.keys()
    statuses = run.statuses()
    once = sum(counts[key] == 1 for key in keys)
    elapsed = time.monotonic() - started
    return {
        "workers": processes,
        "sent": statuses.get("sent", 0),
        "statuses": statuses,
        "attempts": sum(counts.values()),
        "exactly_once_share": round(once / len(keys), 6) if keys else 0.0,
        "seconds": round(seconds, 2),
        "throughput_per_s": round(run.notifications / elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notifications", type=int, default=10_000)
    parser.add_argument("--send-ms", type=int, default=2)
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/15")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per round")
    args = parser.parse_args()

    name = f"mutualaid_bench_notify_{uuid.uuid4().hex[:8]}"
    try:
        with _admin(args.postgres) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
    except Exception as error:  # noqa: BLE001 - any failure to reach the server ends the run
        sys.exit(f"bench/notify.py needs PostgreSQL at {args.postgres}: {error}")
    run = Run(
        notifications=args.notifications,
        database_url=f"{args.postgres}/{name}",
        redis_url=args.redis,
        workers=1,
        send_ms=args.send_ms,
    )
    try:
        say(f"migrating {name}")
        run.prepare()
        say("round 1")
        one = _round(run, processes=1, timeout=args.timeout)
        say(f"  {one}")
        say("round 2")
        two = _round(run, processes=2, timeout=args.timeout)
        say(f"  {two}")
    except TimeoutError as error:
        sys.exit(f"bench/notify.py: a round hit its time limit: {error}")
    finally:
        run.close()
        with _admin(args.postgres) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        import shutil

        shutil.rmtree(run.folder, ignore_errors=True)

    ratio = round(float(two["throughput_per_s"]) / float(one["throughput_per_s"]), 3)
    goals = {
        "all_sent": one["sent"] == two["sent"] == args.notifications,
        "exactly_once": one["exactly_once_share"] == two["exactly_once_share"] == 1.0,
        "two_workers_faster_than_one": ratio > 1.0,
    }
    goals["all_met"] = all(goals.values())
    report = {
        "notifications": args.notifications,
        "database": "postgresql",
        "queue": "redis",
        "send_ms": args.send_ms,
        "sent": two["sent"],
        "exactly_once_share": two["exactly_once_share"],
        "throughput_per_s": two["throughput_per_s"],
        "seconds": two["seconds"],
        "one_worker": one,
        "two_workers": two,
        "scaling_ratio": ratio,
        "cores": os.cpu_count(),
        "goals": goals,
    }
    print(json.dumps(report))
    sys.exit(0 if goals["all_met"] else 1)


if __name__ == "__main__":
    main()
