"""What no way of choosing helpers can beat in a simulated world: a bound on the fill-rate Gini.

Whatever a policy does, the needs it meets by the end of a run form an allocation with these
properties, and nothing more is certain:

- each need is met at most once;
- by a helper the hard rules allow for it (category, language, radius, time, blocks) whose
  one common answer draw for the pair is below the acceptance curve at zero load (a pair is
  asked at most once, its draw is fixed, and a helper's load only lowers the curve);
- each helper accepts at most their weekly cap in each week the run spans.

`FillRateProgram` is a linear program over exactly those allocations (fractional ones
too), so it knows every need and every answer in advance and ignores time: when needs arrive
and expire, how long answers take, helpers being busy. It can only do better than any policy.
If it cannot bring the neighbourhood fill-rate Gini down to a target, no policy can; where it
can, it gives the least travel that reaching the target takes.

Pure numpy and OR-Tools (GLOP), like the rest of the simulation.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from ortools.linear_solver import pywraplp

from mutualaid.matching.simulation.run import WEEK_H
from mutualaid.matching.simulation.world import I64, Bool, World

Keep = Literal["each", "total"]


def usable_pairs(world: World) -> Bool:
    """(needs, helpers): pairs that some policy could see accepted: allowed, and with the
    pair's draw below the acceptance curve at zero load."""
    c = world.config
    # The run computes the curve in float64 (`World.accept_probability`) and compares it with
    # the float32 draw, a comparison NumPy may make in either precision; a pair counts as
    # usable if it would be accepted in either, so the set can only be too large, never small.
    zero_load = c.accept_base * 0.5 ** (world.distance_km.astype(np.float64) / c.accept_half_km)
    draw = world.accept_draw
    accepted = (draw.astype(np.float64) < zero_load) | (draw < zero_load.astype(np.float32))
    usable: Bool = world.allowed & accepted
    return usable


def run_capacity(world: World) -> I64:
    """Tasks each helper can accept over the whole run: their weekly cap in every week from
    the first post to the last expiry."""
    end = float(world.needs.expires_h.max()) if len(world.needs.id) else 0.0
    weeks = int(end // WEEK_H) + 1
    capacity: I64 = world.helpers.cap * weeks
    return capacity


def hood_counts(world: World, met: Bool) -> I64:
    """Needs met per neighbourhood, in `world.places` order."""
    counts: I64 = np.bincount(world.need_hood[met], minlength=len(world.places)).astype(np.int64)
    return counts


class FillRateProgram:
    """The linear program for one world, baseline and `keep` rule, built once and solved for
    any Gini target.

    `keep` says what an allocation may not give up against `baseline_met` (the needs another
    policy met): "each", no neighbourhood has fewer needs met; "total", no fewer needs are met
    in all. The Gini is the one `metrics.gini` computes over fill rates, written as
    sum |r_k - r_l| over pairs of neighbourhoods <= n * target * sum r_k (a neighbourhood
    nobody posted from has rate 0 and still counts in n, as there).
    """

    def __init__(self, world: World, *, baseline_met: Bool, keep: Keep = "each") -> None:
        usable = usable_pairs(world)
        capacity = run_capacity(world)
        hood = world.need_hood
        places = len(world.places)
        posted = np.bincount(hood, minlength=places).astype(np.float64)
        baseline = hood_counts(world, baseline_met)
        solver = pywraplp.Solver.CreateSolver("GLOP")
        if solver is None:  # pragma: no cover - GLOP ships with every OR-Tools wheel
            raise RuntimeError("OR-Tools has no GLOP solver")
        self._solver = solver
        self._infeasible = pywraplp.Solver.INFEASIBLE
        self._optimal = pywraplp.Solver.OPTIMAL

        need_rows, helper_rows = np.nonzero(usable)
        km = world.distance_km[need_rows, helper_rows].astype(np.float64)
        pair = [solver.NumVar(0.0, 1.0, "") for _ in range(len(need_rows))]
        per_need = {int(i): solver.Constraint(0.0, 1.0) for i in np.unique(need_rows)}
        per_helper = {
            int(j): solver.Constraint(0.0, float(capacity[j])) for j in np.unique(helper_rows)
        }
        # met[k] = the needs met in neighbourhood k
        self._met = [solver.NumVar(0.0, float(posted[k]), "") for k in range(places)]
        counted = [solver.Constraint(0.0, 0.0) for _ in range(places)]
        for k in range(places):
            counted[k].SetCoefficient(self._met[k], 1.0)
        objective = solver.Objective()
        for var, i, j, d in zip(
            pair, need_rows.tolist(), helper_rows.tolist(), km.tolist(), strict=True
        ):
            per_need[i].SetCoefficient(var, 1.0)
            per_helper[j].SetCoefficient(var, 1.0)
            counted[int(hood[i])].SetCoefficient(var, -1.0)
            objective.SetCoefficient(var, d)
        objective.SetMinimization()
        self._objective = objective

        if keep == "each":
            for k in range(places):
                self._met[k].SetLb(float(baseline[k]))
        else:
            total = solver.Constraint(float(baseline.sum()), solver.infinity())
            for k in range(places):
                total.SetCoefficient(self._met[k], 1.0)

        # rate[k] = met[k] / posted[k]
        self._scale = np.divide(1.0, posted, out=np.zeros(places), where=posted > 0)
        self._gini = solver.Constraint(-solver.infinity(), 0.0)
        for k in range(places):
            for m in range(k + 1, places):
                gap = solver.NumVar(0.0, solver.infinity(), "")
                self._gini.SetCoefficient(gap, 1.0)
                for sign in (1.0, -1.0):  # gap >= |rate k - rate m|
                    side = solver.Constraint(0.0, solver.infinity())
                    side.SetCoefficient(gap, 1.0)
                    side.SetCoefficient(self._met[k], -sign * self._scale[k])
                    side.SetCoefficient(self._met[m], sign * self._scale[m])

    def least_travel(self, gini_target: float) -> float | None:
        """The least one-way travel (km) of an allocation whose fill-rate Gini is at most
        `gini_target`, or None if no allocation reaches it."""
        places = len(self._met)
        for k in range(places):
            self._gini.SetCoefficient(self._met[k], -places * gini_target * self._scale[k])
        status = self._solver.Solve()
        if status == self._infeasible:
            return None
        if status != self._optimal:  # pragma: no cover - a bounded LP always ends so
            raise RuntimeError(f"the fill-rate bound did not solve (status {status})")
        return float(self._objective.Value())

    def lowest_gini(self, reachable: float, tolerance: float = 1e-4) -> float:
        """The lowest fill-rate Gini any allocation reaches, to within `tolerance` above it,
        given a Gini known to be reachable (the baseline's own)."""
        if self.least_travel(0.0) is not None:
            return 0.0
        low, high = 0.0, reachable
        while high - low > tolerance:
            middle = (low + high) / 2
            if self.least_travel(middle) is None:
                low = middle
            else:
                high = middle
        return high


def fill_rate_bound(
    world: World, *, gini_target: float, baseline_met: Bool, keep: Keep = "each"
) -> float | None:
    """`FillRateProgram(...).least_travel(gini_target)`: the least travel (km) of an
    allocation reaching the target, or None if none does."""
    program = FillRateProgram(world, baseline_met=baseline_met, keep=keep)
    return program.least_travel(gini_target)
