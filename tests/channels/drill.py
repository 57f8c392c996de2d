"""The worker fault drill: real Huey consumer processes deliver a batch of notifications
while the drill SIGKILLs them at random moments and starts them again.

A kill can land anywhere: after Huey took a job and before a delivery was claimed (the job is
lost: the sweep queues the row again), after the claim (the claim expires and the sweep frees
it), or after the provider accepted the message and before the row was marked sent. That last
one is the only way to send twice, and it is why every try of one delivery carries the same
idempotency key (`Delivery.key`): the provider keeps one message per key. The sink backend
records every attempt, so the drill reports attempts against distinct keys.

Used three ways: tests/channels/test_worker_faults.py (500 notifications, a few kills, on
SQLite and on Redis), `make drill-notify` (more of both, JSON summary), and bench/notify.py
(throughput with 1 and 2 worker processes on PostgreSQL and Redis).

    python -m tests.channels.drill [--notifications 2000] [--kills 8] [--redis URL] ...
    python -m tests.channels.drill seed N | sweep | flush   (run inside a drill's environment)
"""

import argparse
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
KIND = "pantry.alert"


# --- Inside the drill's environment (DJANGO_SETTINGS_MODULE=tests.channels.drill_settings) ---


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.channels.drill_settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed(count: int, members: int = 50) -> None:
    """`count` notifications to `members` members, email only, recorded in one transaction:
    they are queued when it commits, as a busy service would."""
    _django()
    from django.contrib.auth.models import User
    from django.db import transaction

    from mutualaid.channels.models import Preference
    from mutualaid.channels.services import notice_send
    from mutualaid.networks.models import Member, Network

    tag = uuid.uuid4().hex[:8]
    network = Network.objects.create(
        name=f"Drill {tag}", slug=f"drill-{tag}", area_name="Drill", center_cell="88283082a1fffff"
    )
    people = []
    for n in range(members):
        user = User.objects.create(username=f"drill-{tag}-{n}", email=f"d{n}-{tag}@example.org")
        member = Member.objects.create(network=network, user=user, display_name=f"D{n}")
        Preference.objects.create(member=member, kind=KIND, channel="push", timing="off")
        people.append(member)
    with transaction.atomic():
        for n in range(count):
            notice_send(KIND, people[n % members].pk, low=["rice"], expiring=1)


def sweep() -> None:
    _django()
    from mutualaid.channels.services import deliveries_sweep

    print(json.dumps(deliveries_sweep()))


def flush() -> None:
    """Empty this run's queue (a Redis queue outlives the run otherwise)."""
    _django()
    from huey.contrib.djhuey import HUEY

    HUEY.flush()


# --- The driver --------------------------------------------------------------------------------


@dataclass
class Run:
    """One drill: a folder, a database, a queue, and the consumers working it."""

    notifications: int
    database_url: str = ""  # SQLite in the folder when empty
    redis_url: str = ""  # Huey's SQLite queue in the folder when empty
    workers: int = 2  # threads per consumer process
    processes: int = 1
    send_ms: int = 2
    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="mutualaid-drill-")))
    queue: str = field(default_factory=lambda: f"drill-{uuid.uuid4().hex[:8]}")
    consumers: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log: Any = None

    def env(self) -> dict[str, str]:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.channels.drill_settings",
            "MUTUALAID_DRILL_DIR": str(self.folder),
            "MUTUALAID_DRILL_QUEUE": self.queue,
            "MUTUALAID_DRILL_WORKERS": str(self.workers),
            "MUTUALAID_DRILL_SEND_MS": str(self.send_ms),
            "MUTUALAID_DRILL_REDIS_URL": self.redis_url,
            "PYTHONPATH": str(ROOT),
            "LOG_LEVEL": "WARNING",
        }
        env.pop("REDIS_URL", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        else:
            env.pop("DATABASE_URL", None)
        return env

    def call(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [PYTHON, *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        self.call("manage.py", "migrate", "--no-input", "-v", "0", timeout=600)

    def seed(self, count: int) -> None:
        self.call("-m", "tests.channels.drill", "seed", str(count), timeout=900)

    def sweep(self) -> None:
        self.call("-m", "tests.channels.drill", "sweep", timeout=120)

    def start(self) -> None:
        if self.log is None:
            self.log = open(self.folder / "consumer.log", "ab")  # noqa: SIM115
        while len(self.consumers) < self.processes:
            self.consumers.append(
                subprocess.Popen(
                    [PYTHON, "manage.py", "run_huey"],
                    cwd=ROOT,
                    env=self.env(),
                    stdout=self.log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL one consumer, as the kernel's OOM killer or a pulled plug would."""
        victim = self.consumers.pop(rng.randrange(len(self.consumers)))
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(timeout=30)

    def stop(self) -> None:
        for consumer in self.consumers:
            try:
                os.killpg(consumer.pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        for consumer in self.consumers:
            try:
                consumer.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(consumer.pid, signal.SIGKILL)
                consumer.wait(timeout=15)
        self.consumers.clear()

    def close(self) -> None:
        self.stop()
        if self.redis_url:
            try:
                self.flush()
            except (RuntimeError, subprocess.TimeoutExpired):
                pass
        if self.log is not None:
            self.log.close()

    def flush(self) -> None:
        self.call("-m", "tests.channels.drill", "flush", timeout=60)

    # --- reading the outcome without starting Django ---

    def statuses(self) -> dict[str, int]:
        return dict(self._query("SELECT status, COUNT(*) FROM channels_delivery GROUP BY status"))

    def keys(self) -> list[str]:
        rows = self._query("SELECT notification_id FROM channels_delivery WHERE channel = 'email'")
        return [f"mutualaid-{pk}-email" for (pk,) in rows]

    def execute(self, sql: str) -> None:
        """A statement without rows (the benchmark empties the tables between rounds)."""
        if not self.database_url:
            with sqlite3.connect(self.folder / "db.sqlite3", timeout=30) as db:
                db.execute(sql)
            return
        import psycopg

        with psycopg.connect(self.database_url) as db:
            db.execute(sql)  # type: ignore[arg-type]

    def _query(self, sql: str) -> list[tuple[Any, ...]]:
        if not self.database_url:
            with sqlite3.connect(self.folder / "db.sqlite3", timeout=30) as db:
                return db.execute(sql).fetchall()
        import psycopg

        with psycopg.connect(self.database_url) as db:
            return db.execute(sql).fetchall()  # type: ignore[arg-type]

    def sink(self) -> tuple[int, set[str]]:
        from tests.channels.sink_backend import sink_counts

        return sink_counts(str(self.folder / "sink.log"))


def wait_until_sent(run: Run, expected: int, *, timeout: float, sweep_every: float = 5) -> float:
    """Wait until every delivery is sent, sweeping now and then as the minute's schedule
    would; returns the seconds it took. Raises TimeoutError with where things stand."""
    started = time.monotonic()
    last_sweep = started
    while True:
        statuses = run.statuses()
        if statuses.get("sent", 0) >= expected and sum(statuses.values()) == statuses["sent"]:
            return time.monotonic() - started
        now = time.monotonic()
        if now - started > timeout:
            attempts, keys = run.sink()
            raise TimeoutError(
                f"after {timeout:.0f}s not every delivery was sent: {statuses}; the sink has "
                f"{attempts} attempts for {len(keys)} keys; see {run.folder / 'consumer.log'}"
            )
        if now - last_sweep > sweep_every:
            run.sweep()
            last_sweep = time.monotonic()
        time.sleep(0.2)


def _progress(run: Run, *, timeout: float) -> None:
    """Wait until the provider has taken another message (the consumer is at work)."""
    before, delivered = run.sink()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        attempts, _keys = run.sink()
        if attempts > before or len(delivered) >= run.notifications:
            return
        time.sleep(0.05)
    raise TimeoutError(f"no email was sent for {timeout:.0f}s; see {run.folder}/consumer.log")


def drill(
    *,
    notifications: int = 500,
    kills: int = 4,
    redis_url: str = "",
    database_url: str = "",
    seed_value: int | None = None,
    timeout: float = 120,
) -> dict[str, Any]:
    """Deliver `notifications` emails while killing the consumer `kills` times; returns the
    summary (see `summary`)."""
    rng = random.Random(seed_value)
    run = Run(notifications=notifications, redis_url=redis_url, database_url=database_url)
    try:
        run.prepare()
        run.start()
        started = time.monotonic()
        run.seed(notifications)
        kill_times = []
        for _kill in range(kills):
            # a random moment once the (new) consumer is delivering, while the batch goes on
            _progress(run, timeout=60)
            time.sleep(rng.uniform(0.05, 0.8))
            _attempts, delivered = run.sink()
            kill_times.append(
                {"at_s": round(time.monotonic() - started, 2), "delivered": len(delivered)}
            )
            run.kill_one(rng)
            run.start()
        seconds = wait_until_sent(run, notifications, timeout=timeout)
        result = summary(run, kill_times, time.monotonic() - started, seconds)
    finally:
        run.close()
    if result["every_delivery_sent_once"]:
        shutil.rmtree(run.folder, ignore_errors=True)  # kept, with its logs, when it failed
    return result


def summary(run: Run, kills: list[dict[str, Any]], total_s: float, tail_s: float) -> dict[str, Any]:
    """What a drill shows: every delivery sent once in the database; the provider's view."""
    statuses = run.statuses()
    attempts, delivered = run.sink()
    expected = set(run.keys())
    return {
        "notifications": run.notifications,
        "queue": "redis" if run.redis_url else "sqlite",
        "database": "postgresql" if run.database_url else "sqlite",
        "statuses": statuses,
        "kills": kills,
        "kills_while_in_flight": sum(k["delivered"] < run.notifications for k in kills),
        "attempts": attempts,
        "distinct_keys": len(delivered),
        "resent_attempts": attempts - len(delivered),
        "missing_keys": len(expected - delivered),
        "unknown_keys": len(delivered - expected),
        "every_delivery_sent_once": statuses == {"sent": run.notifications}
        and delivered == expected,
        "seconds": round(total_s, 2),
        "seconds_after_last_kill": round(tail_s, 2),
        "folder": str(run.folder),
    }


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in {"seed", "sweep", "flush"}:
        command = sys.argv[1]
        if command == "seed":
            seed(int(sys.argv[2]))
        elif command == "sweep":
            sweep()
        else:
            flush()
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notifications", type=int, default=2000)
    parser.add_argument("--kills", type=int, default=8)
    parser.add_argument("--redis", default="", help="Redis URL for the queue (else SQLite)")
    parser.add_argument("--database-url", default="", help="PostgreSQL URL (else SQLite)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--timeout", type=float, default=300)
    args = parser.parse_args()
    result = drill(
        notifications=args.notifications,
        kills=args.kills,
        redis_url=args.redis,
        database_url=args.database_url,
        seed_value=args.seed,
        timeout=args.timeout,
    )
    print(json.dumps(result))
    sys.exit(0 if result["every_delivery_sent_once"] else 1)


if __name__ == "__main__":
    main()
