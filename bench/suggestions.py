#!/usr/bin/env python
"""Instant suggestions on a need's page: how long the app takes to show a need's best helpers.

Builds one network of MEMBERS members (by default 5,000, each offering help in a few of 8
categories, spread over a city with real H3 cells, languages, weekly availability, caps and
radii) with 500 open needs and a month of finished help (so load and received-help counts are
real), in a fresh SQLite database under var/, or in the database DATABASE_URL names (it must
exist; it is migrated). Then it asks for
`need_candidates` (what the need page and `GET /api/v1/needs/{id}/candidates` show an
organiser) for random open needs:

- cold: the cache is cleared before every call (the first view after something changed);
- warm: the same calls again with the cache as the app leaves it.

It prints one JSON document: p50/p99/mean milliseconds for each, the ratio cold/warm, and a
check that both give the same helpers for every need.

    .venv/bin/python bench/suggestions.py [--members 5000] [--needs 500] [--calls 200]
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")

CATEGORIES = ("groceries", "meals", "rides", "prescriptions", "errands", "childcare", "checks")
LANGUAGES = (("en", 0.9), ("es", 0.35), ("zh", 0.05), ("vi", 0.04), ("ar", 0.03))
CITY = (37.80, -122.27)


def _database() -> None:
    if "DATABASE_URL" not in os.environ:
        folder = Path(tempfile.mkdtemp(prefix="bench-suggestions-", dir=ROOT / "var"))
        os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'db.sqlite3'}"
        os.environ["MUTUALAID_VAR_DIR"] = str(folder)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _build(members: int, needs: int, seed: int) -> list[int]:
    """The network; returns its open needs' ids and the organiser's member id last."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from mutualaid.core.geo import cell_for
    from mutualaid.needs.models import Category, Match, Need, Offer
    from mutualaid.networks.models import AVAILABILITY_SLOTS, Member, Network

    rng = random.Random(seed)
    now = timezone.now()
    tag = uuid.uuid4().hex[:10]  # a fresh network on every run, also in a reused database
    network = Network.objects.create(name=f"Bench city {tag}", slug=f"bench-{tag}")
    categories = [
        Category.objects.create(network=network, slug=slug, name=slug) for slug in CATEGORIES
    ]
    User = get_user_model()
    users = User.objects.bulk_create(
        User(username=f"bench-{tag}-{i}", email=f"bench-{tag}-{i}@example.org")
        for i in range(members)
    )
    centres = [(CITY[0] + rng.gauss(0, 0.04), CITY[1] + rng.gauss(0, 0.05)) for _ in range(12)]

    def place() -> str:
        lat, lng = rng.choice(centres)
        return cell_for(lat + rng.gauss(0, 0.01), lng + rng.gauss(0, 0.01))

    rows = Member.objects.bulk_create(
        Member(
            network=network,
            user=user,
            display_name=f"Neighbour {i}",
            role=Member.Role.FOUNDING_ORGANISER if i == 0 else Member.Role.MEMBER,
            cell=place(),
            languages=[code for code, share in LANGUAGES if rng.random() < share] or ["en"],
            availability=rng.sample(AVAILABILITY_SLOTS, rng.randint(3, 12)),
            weekly_task_cap=rng.randint(1, 3),
            travel_radius_km=rng.randint(2, 8),
        )
        for i, user in enumerate(users)
    )
    Offer.objects.bulk_create(
        Offer(
            network=network,
            helper=member,
            kind=Offer.Kind.TIME,
            category=category,
            title=category.slug,
            availability=member.availability,
            radius_km=member.travel_radius_km,
            cell=member.cell,
        )
        for member in rows
        for category in rng.sample(categories, rng.randint(1, 3))
    )
    open_needs = Need.objects.bulk_create(
        Need(
            network=network,
            requester=rng.choice(rows),
            category=rng.choice(categories),
            description="Bench need",
            urgency=rng.choice(list(Need.Urgency.values)),
            window_start=now,
            window_end=now + timedelta(days=rng.choice((1, 3, 7))),
            cell=place(),
            languages=["es"] if rng.random() < 0.2 else [],
        )
        for _ in range(needs)
    )
    # a month of finished help, so recent load and received help are counted for real
    done = Need.objects.bulk_create(
        Need(
            network=network,
            requester=rng.choice(rows),
            category=rng.choice(categories),
            description="Done",
            urgency=Need.Urgency.THIS_WEEK,
            window_start=now - timedelta(days=20),
            window_end=now - timedelta(days=13),
            cell=place(),
            status=Need.Status.DONE,
        )
        for _ in range(members // 2)
    )
    Match.objects.bulk_create(
        Match(
            need=need,
            helper=rng.choice(rows),
            state=Match.State.DONE,
            accepted_at=now - timedelta(days=rng.uniform(1, 27)),
            done_at=now - timedelta(days=rng.uniform(0, 1)),
        )
        for need in done
    )
    return [n.pk for n in open_needs] + [rows[0].pk]


def _time(
    calls: list[int], organiser: object, *, cold: bool
) -> tuple[list[float], list[list[int]]]:
    from django.core.cache import cache

    from mutualaid.matching.selectors import need_candidates
    from mutualaid.needs.models import Need

    ms, seen = [], []
    for need_id in calls:
        need = Need.objects.select_related("network").get(pk=need_id)
        if cold:
            cache.clear()
        start = time.perf_counter()
        found = need_candidates(member=organiser, need=need)  # type: ignore[arg-type]
        ms.append((time.perf_counter() - start) * 1000)
        seen.append([c.helper.pk for c in found])
    return ms, seen


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 2),
        "mean_ms": round(statistics.fmean(ordered), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--needs", type=int, default=500)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    _database()
    from mutualaid.networks.models import Member

    started = time.perf_counter()
    ids = _build(args.members, args.needs, args.seed)
    built_s = time.perf_counter() - started
    organiser = Member.objects.select_related("network").get(pk=ids.pop())
    rng = random.Random(args.seed + 1)
    calls = [rng.choice(ids) for _ in range(args.calls)]
    cold, cold_seen = _time(calls, organiser, cold=True)
    _time(calls[:1], organiser, cold=False)  # the first warm view fills the cache
    warm, warm_seen = _time(calls, organiser, cold=False)
    print(
        json.dumps(
            {
                "members": args.members,
                "open_needs": args.needs,
                "calls": args.calls,
                "build_seconds": round(built_s, 1),
                "cold": _stats(cold),
                "warm": _stats(warm),
                "cold_over_warm_p50": round(statistics.median(cold) / statistics.median(warm), 1),
                "same_helpers": cold_seen == warm_seen,
                "needs_with_suggestions": sum(1 for s in warm_seen if s),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
