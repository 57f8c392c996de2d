"""Summaries of one policy's outcome: coverage, speed, fairness, travel and caps."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import numpy.typing as npt

from mutualaid.matching.simulation.config import URGENCIES
from mutualaid.matching.simulation.run import Outcome
from mutualaid.matching.simulation.world import World


def gini(values: npt.ArrayLike) -> float:
    """Gini coefficient of non-negative values: 0 when all are equal, (n-1)/n when one has all.

    An empty list, or one where everybody has zero, counts as perfectly equal (0.0).
    """
    x = np.sort(np.asarray(values, dtype=np.float64).ravel())
    n, total = len(x), float(x.sum()) if len(x) else 0.0
    if (x < 0).any():
        raise ValueError("gini needs non-negative values")
    if n == 0 or total == 0.0:
        return 0.0
    ranks = np.arange(1, n + 1)
    return float((2 * (ranks * x).sum()) / (n * total) - (n + 1) / n)


def percentile(values: npt.ArrayLike, q: float) -> float | None:
    """The q-th percentile (linear interpolation), or None for no values."""
    x = np.asarray(values, dtype=np.float64).ravel()
    return float(np.percentile(x, q)) if len(x) else None


def weekly_loads(out: Outcome) -> Counter[tuple[int, int]]:
    """Tasks accepted per (helper, week)."""
    return Counter((h, week) for _, h, _, week in out.accepted)


def summarise(world: World, out: Outcome) -> dict[str, Any]:
    """The report for one policy. Times are hours, distances km (one way, cell centre to centre)."""
    needs = world.needs
    met = ~np.isnan(out.met_at)
    waits = out.met_at[met] - needs.posted_h[met]
    fill = fill_rates(world, met)
    received = np.bincount(needs.requester[met], minlength=len(world.requester_id))
    posted_by = np.bincount(needs.requester, minlength=len(world.requester_id)) > 0
    load = np.bincount(out.helper[met], minlength=len(world.helpers.id))
    weekly = weekly_loads(out)
    over = {h for (h, _), k in weekly.items() if k > world.helpers.cap[h]}
    travel = float(world.distance_km[np.flatnonzero(met), out.helper[met]].astype(float).sum())
    return {
        "needs": int(len(needs.id)),
        "met": int(met.sum()),
        "share_met": _r(met.mean() if len(met) else 0.0),
        "share_met_by_urgency": {
            name: _r(met[needs.urgency == code].mean()) if (needs.urgency == code).any() else None
            for code, name, _, _ in URGENCIES
        },
        "hours_to_helper_median": _r(percentile(waits, 50)),
        "hours_to_helper_p90": _r(percentile(waits, 90)),
        # how long the helper who said yes took to answer: part of every met need's wait
        "answer_hours_median": _r(
            percentile(world.response_h[np.flatnonzero(met), out.helper[met]], 50)
        ),
        "gini_help_received": _r(gini(received[posted_by])),
        "gini_fill_rate_neighbourhoods": _r(gini(list(fill.values()))),
        "gini_helper_load": _r(gini(load)),
        "fill_rate_by_neighbourhood": {k: _r(v) for k, v in fill.items()},
        "total_travel_km": _r(travel),
        "travel_km_per_task": _r(travel / met.sum()) if met.any() else None,
        "max_weekly_load": max(weekly.values(), default=0),
        "helpers_over_cap": len(over),
        "proposals": out.proposals,
        "proposals_by_origin": dict(sorted(out.proposals_by_origin.items())),
        "declines": out.declines,
        "withdrawn_proposals": out.withdrawn,
        # how often helpers are asked: per helper and week, over the helper-weeks of the run
        "asks_per_helper_week_mean": _r(out.proposals / helper_weeks(world)),
        "asks_per_helper_week_max": max(out.asks.values(), default=0),
        "refused_proposals": out.refused,
        "unmet_reasons": out.unmet_reasons,
    }


def helper_weeks(world: World) -> float:
    """Helpers times the weeks in which needs were open (from the first post to the last
    expiry), the denominator of asks per helper and week."""
    needs = world.needs
    if not len(needs.id):
        return float(len(world.helpers.id))
    weeks = max(1.0, float(needs.expires_h.max()) / (7 * 24.0))
    return float(len(world.helpers.id)) * weeks


def fill_rates(world: World, met: npt.NDArray[np.bool_]) -> dict[str, float]:
    """Share of posted needs that were met, per neighbourhood (where the requester lives)."""
    hood = world.need_hood
    rates = {}
    for i, place in enumerate(world.places):
        mine = hood == i
        rates[place.name] = float(met[mine].mean()) if mine.any() else 0.0
    return rates


def _r(x: float | np.floating[Any] | None, digits: int = 4) -> float | None:
    return None if x is None else round(float(x), digits)
