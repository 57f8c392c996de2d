"""The network's matching policy: plain numbers that turn a pair or an unmatched need into a cost.

Every cost is counted in *points*. One point is what one kilometre of travel costs with the
default distance weight. Costs are turned into integers (``cost_scale`` units per point) before
they reach OR-Tools, so the solver works exactly and results are reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from mutualaid.matching.core.problem import ProblemError

# No cost may exceed this many integer units: keeps every sum far from int64 overflow.
MAX_COST_UNITS = 1 << 40


class PolicyError(ProblemError):
    """A policy value is out of range (a negative weight, a zero cost scale ...)."""


@dataclass(frozen=True)
class Policy:
    """Weights and limits of one network's matching. Defaults are the network defaults.

    Pair cost (points) = distance_weight * km + load_weight * helper_recent_load
                         + (rotate_penalty if rotate_first and helper_recent_load > 0).
    Unmatched cost (points) = unmatched_base + urgency_weight * urgency
                              + waiting_weight * min(waiting_hours, waiting_cap_hours)
                              + fairness_weight / (1 + requester_help)
                              + area_weight * area_shortfall.
    """

    distance_weight: float = 1.0
    load_weight: float = 0.5
    rotate_first: bool = False
    rotate_penalty: float = 8.0
    unmatched_base: float = 20.0
    urgency_weight: float = 10.0
    waiting_weight: float = 0.1
    waiting_cap_hours: float = 336.0
    fairness_weight: float = 10.0
    area_weight: float = 0.0
    max_candidates_per_need: int = 16
    region_resolution: int = 6
    split_rounds: int = 2
    border_rounds: int = 3
    seam_candidates: int = 12
    cost_scale: int = 100

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool):
                continue
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise PolicyError(f"Policy.{f.name} must be a finite number >= 0, got {value!r}")
        if self.max_candidates_per_need < 1:
            raise PolicyError("Policy.max_candidates_per_need must be at least 1")
        if self.split_rounds < 1 or self.border_rounds < 1:
            raise PolicyError("Policy.split_rounds and Policy.border_rounds must be at least 1")
        if self.cost_scale < 1:
            raise PolicyError("Policy.cost_scale must be at least 1")
        if not 0 <= self.region_resolution <= 15:
            raise PolicyError("Policy.region_resolution must be an H3 resolution, 0..15")

    def as_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        """The policy as ``policy_<field>`` scalars, for saving next to a Problem in an .npz."""
        return {f"policy_{f.name}": np.asarray(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_arrays(cls, data: dict[str, npt.NDArray[np.generic]]) -> Policy:
        """Read ``policy_<field>`` scalars (missing ones keep their default)."""
        kwargs: dict[str, object] = {}
        for f in fields(cls):
            key = f"policy_{f.name}"
            if key in data:
                kwargs[f.name] = np.asarray(data[key]).item()
        return cls(**kwargs)  # type: ignore[arg-type]  # each value comes from its own field


def _to_units(points: npt.NDArray[np.float64], scale: int) -> npt.NDArray[np.int64]:
    return np.minimum(np.rint(points * scale), MAX_COST_UNITS).astype(np.int64)


def distance_units(km: npt.NDArray[np.float64], policy: Policy) -> npt.NDArray[np.int64]:
    """The distance part of a pair cost, in integer units."""
    return _to_units(np.asarray(km, dtype=np.float64) * policy.distance_weight, policy.cost_scale)


def load_units(recent_load: npt.NDArray[np.float64], policy: Policy) -> npt.NDArray[np.int64]:
    """The helper part of a pair cost (recent load, rotate-first penalty), in integer units."""
    load = np.asarray(recent_load, dtype=np.float64)
    points = policy.load_weight * load
    if policy.rotate_first:
        points = points + np.where(load > 0, policy.rotate_penalty, 0.0)
    return _to_units(points, policy.cost_scale)


def pair_units(
    km: npt.NDArray[np.float64], recent_load: npt.NDArray[np.float64], policy: Policy
) -> npt.NDArray[np.int64]:
    """Pair cost in integer units: distance units + helper units (each rounded on its own)."""
    return distance_units(km, policy) + load_units(recent_load, policy)


def unmatched_units(
    urgency: npt.NDArray[np.int8],
    waiting_hours: npt.NDArray[np.float64],
    requester_help: npt.NDArray[np.float64],
    policy: Policy,
    area_shortfall: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.int64]:
    """What leaving each need unmatched costs, in integer units."""
    points = (
        policy.unmatched_base
        + policy.urgency_weight * np.asarray(urgency, dtype=np.float64)
        + policy.waiting_weight * np.minimum(waiting_hours, policy.waiting_cap_hours)
        + policy.fairness_weight / (1.0 + np.asarray(requester_help, dtype=np.float64))
    )
    if area_shortfall is not None and policy.area_weight:
        points = points + policy.area_weight * np.asarray(area_shortfall, dtype=np.float64)
    return _to_units(points, policy.cost_scale)
