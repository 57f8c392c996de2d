#!/usr/bin/env python
"""Pantry benchmark: 50 concurrent distributions against the last 10 units of an item.

Runs on PostgreSQL (DATABASE_URL, e.g. postgres://postgres@127.0.0.1:5432/mutualaid_bench):
the database is created and migrated if needed. Each round makes a fresh network with one
item holding exactly 10 units, then 50 threads, each with its own connection, start together
(a barrier) and each gives 1 unit to its own household through `distribution_create`.

It prints one JSON document: distributions per second (all 50 attempts, won or refused,
from the barrier's release to the last answer), p50/p99 latency, and per round how many
succeeded (must be exactly 10), how many were refused with "not enough stock" (must be
exactly 40), any other outcome (must be none), and the stock left (0) and rebuilt from the
stock log (0).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/mutualaid_bench \\
        .venv/bin/python bench/pantry.py [--rounds 5] [--attempts 50] [--units 10]
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")


def _ensure_database() -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')


def _round(attempts: int, units: int) -> dict[str, object]:
    from django.contrib.auth import get_user_model
    from django.db import connection

    from mutualaid.core.errors import DomainError
    from mutualaid.networks.models import Member, Network
    from mutualaid.pantry import selectors, services
    from mutualaid.pantry.errors import NotEnoughStock
    from mutualaid.pantry.models import Item
    from mutualaid.pantry.services import IntakeLine

    tag = uuid.uuid4().hex[:10]
    network = Network.objects.create(name=f"Bench {tag}", slug=f"bench-{tag}")
    user = get_user_model().objects.create(username=f"bench-{tag}")
    keeper = Member.objects.create(
        network=network, user=user, display_name="Keeper", role=Member.Role.FOUNDING_ORGANISER
    )
    item = services.item_create(actor=keeper, name="Rice", unit="kg", category="grains")
    services.intake_record(
        actor=keeper, lines=[IntakeLine(item=item, quantity=units, unit="kg")], source="donation"
    )
    households = [services.household_create(actor=keeper, code=f"H{i}") for i in range(attempts)]
    barrier = threading.Barrier(attempts)
    outcomes: list[str] = [""] * attempts
    latencies: list[float] = [0.0] * attempts
    spans: list[tuple[float, float]] = [(0.0, 0.0)] * attempts

    def work(index: int) -> None:
        try:
            connection.ensure_connection()
            barrier.wait(timeout=60)
            started = time.perf_counter()
            try:
                services.distribution_create(
                    actor=keeper, household=households[index], lines=[(item, 1)]
                )
                outcomes[index] = "given"
            except NotEnoughStock as refused:
                outcomes[index] = "not_enough_stock:" + refused.message
            except DomainError as err:
                outcomes[index] = f"other:{err.code}:{err.message}"
            except Exception as exc:  # noqa: BLE001 - reported, and must never happen
                outcomes[index] = f"error:{type(exc).__name__}:{exc}"
            finished = time.perf_counter()
            latencies[index] = finished - started
            spans[index] = (started, finished)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # From the barrier's release to the last answer: connecting is not part of the race.
    elapsed = max(end for _, end in spans) - min(start for start, _ in spans)
    item = Item.objects.get(pk=item.pk)
    refusals = [o.split(":", 1)[1] for o in outcomes if o.startswith("not_enough_stock:")]
    return {
        "elapsed_s": round(elapsed, 4),
        "succeeded": outcomes.count("given"),
        "not_enough_stock": len(refusals),
        "refusal_message": refusals[0] if refusals else None,
        "other_outcomes": [o for o in outcomes if o != "given" and not o.startswith("not_")],
        "on_hand_after": item.on_hand,
        "on_hand_rebuilt_from_log": selectors.stock_rebuilt(item=item)[0],
        "latencies": latencies,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--attempts", type=int, default=50)
    parser.add_argument("--units", type=int, default=10)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/mutualaid_bench"
        )
    _ensure_database()
    os.environ.setdefault("MUTUALAID_TASKS_IMMEDIATE", "1")  # no queue is needed here

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)

    rounds = [_round(args.attempts, args.units) for _ in range(args.rounds)]
    latencies = sorted(x for r in rounds for x in r.pop("latencies"))  # type: ignore[attr-defined]
    total_time = sum(r["elapsed_s"] for r in rounds)  # type: ignore[misc]
    ok = all(
        r["succeeded"] == args.units
        and r["not_enough_stock"] == args.attempts - args.units
        and not r["other_outcomes"]
        and r["on_hand_after"] == 0
        and r["on_hand_rebuilt_from_log"] == 0
        for r in rounds
    )
    report = {
        "database": "postgresql",
        "attempts_per_round": args.attempts,
        "units_in_stock": args.units,
        "rounds": rounds,
        "throughput_distributions_per_s": round(args.attempts * args.rounds / total_time, 1),
        "latency_ms": {
            "p50": round(statistics.median(latencies) * 1000, 1),
            "p99": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "max": round(latencies[-1] * 1000, 1),
        },
        "exactly_units_succeeded_and_the_rest_refused": ok,
    }
    print(json.dumps(report, indent=2))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
