"""The simulation's options and the fixed tables behind them (categories, urgencies, places).

Everything here is plain data. A `SimConfig` plus its seed fully determines a run.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

POLICIES = ("fcfs", "greedy", "mutualaid")

# how the mutualaid policy acts. "instant+batch" is what the app does: a need that starts
# waiting (just posted, or its helper declined) asks its best instant suggestion at once
# (HelperIndex.top, as the need page shows them), and every batch_minutes a full solve (the
# 15-minute Huey task) re-optimises over all waiting needs and free helpers, which is how a
# helper who frees up gets a new task. "instant-all+batch" also offers a helper who frees up to
# the waiting needs at once (oldest first), as fcfs and greedy do; "batch" only runs the solve.
ENGINE_MODES = ("instant+batch", "instant-all+batch", "batch")

# name, share of needs, task hours, share of helpers who offer it
CATEGORIES: tuple[tuple[str, float, float, float], ...] = (
    ("groceries", 0.24, 1.5, 0.60),
    ("meals", 0.15, 1.0, 0.45),
    ("rides", 0.15, 2.0, 0.30),
    ("prescriptions", 0.10, 1.0, 0.50),
    ("errands", 0.12, 1.5, 0.50),
    ("childcare", 0.08, 3.0, 0.15),
    ("check-ins", 0.09, 1.0, 0.40),
    ("repairs", 0.07, 2.5, 0.15),
)

# urgency code (as the engine reads it), name, share of needs, hours before the need expires
URGENCIES: tuple[tuple[int, str, float, float], ...] = (
    (2, "today", 0.25, 24.0),
    (1, "this week", 0.45, 7 * 24.0),
    (0, "flexible", 0.30, 14 * 24.0),
)

# language bit, name; English is bit 0 and a need that asks for nothing asks for bit mask 0
LANGUAGES: tuple[str, ...] = ("English", "Spanish", "Cantonese", "Vietnamese", "Arabic")


@dataclass(frozen=True)
class Neighbourhood:
    """A cluster of homes: centre offset from the city centre in km, spread, and weights."""

    name: str
    east_km: float
    north_km: float
    spread_km: float
    need_weight: float
    helper_weight: float
    # probability that a resident's first language is each of LANGUAGES[1:]
    languages: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


CITY: tuple[Neighbourhood, ...] = (
    Neighbourhood("Downtown", 0.0, 0.0, 0.9, 0.16, 0.28, (0.08, 0.10, 0.02, 0.01)),
    Neighbourhood("North Hills", 2.5, 3.0, 1.1, 0.10, 0.22, (0.03, 0.02, 0.01, 0.00)),
    Neighbourhood("Fruitvale", 4.5, -3.0, 1.3, 0.22, 0.14, (0.40, 0.02, 0.06, 0.01)),
    Neighbourhood("West Docks", -3.0, -1.0, 0.9, 0.14, 0.14, (0.10, 0.02, 0.02, 0.06)),
    Neighbourhood("Lakeshore", 1.5, -1.5, 0.8, 0.12, 0.14, (0.06, 0.08, 0.04, 0.02)),
    Neighbourhood("South Flats", -0.5, -7.5, 1.8, 0.14, 0.05, (0.25, 0.02, 0.04, 0.05)),
    Neighbourhood("East Hills", 9.0, -1.5, 1.8, 0.12, 0.03, (0.10, 0.01, 0.02, 0.01)),
)

GEOGRAPHIES = ("city", "sprawl")


def neighbourhoods(geography: str) -> tuple[Neighbourhood, ...]:
    """The neighbourhoods of a named geography.

    `city` is compact with two underserved edges; `sprawl` pushes everything 60% further out,
    spreads each cluster, and puts more of the need (and less of the help) on the edges.
    """
    if geography == "city":
        return CITY
    if geography == "sprawl":
        edge = {"South Flats", "East Hills"}
        return tuple(
            Neighbourhood(
                n.name,
                n.east_km * 1.6,
                n.north_km * 1.6,
                n.spread_km * 1.4,
                n.need_weight * (1.4 if n.name in edge else 1.0),
                n.helper_weight * (0.7 if n.name in edge else 1.0),
                n.languages,
            )
            for n in CITY
        )
    raise ValueError(f"unknown geography {geography!r}; choose from {', '.join(GEOGRAPHIES)}")


@dataclass(frozen=True)
class SimConfig:
    """One simulated network. Rates are per day, distances in km, times in hours."""

    weeks: int = 4
    seed: int = 1
    needs_per_day: float = 60.0
    helpers: int = 300
    geography: str = "city"
    # acceptance: p = accept_base * 0.5 ** (km / accept_half_km) * accept_load_factor ** load
    accept_base: float = 0.9
    accept_half_km: float = 3.0
    accept_load_factor: float = 0.7
    response_hours: float = 2.0
    engine_mode: str = "instant+batch"
    batch_minutes: float = 15.0  # the app's batch task runs every 15 minutes
    # how many helpers the engine asks about one need at the same time (the network's
    # MatchingPolicy.asks_per_need; 1 is the app's default); fcfs and greedy always ask one
    asks_per_need: int = 1
    # with more than one ask per need: 0 asks them all at once; otherwise one more helper is
    # asked when the last has not answered for this many hours (MatchingPolicy.ask_next_after_hours)
    ask_next_after_hours: float = 0.0
    # how often fcfs and greedy work their queue; 0 means at once after every event (the most
    # generous to them); the same value as batch_minutes compares the choices at one cadence
    dispatch_minutes: float = 0.0
    city_lat: float = 37.80
    city_lng: float = -122.27
    policies: tuple[str, ...] = field(default=POLICIES)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["policies"] = list(self.policies)
        return data

    def check(self) -> None:
        """Raise ValueError with a readable message for options that make no sense."""
        problems = []
        if self.weeks < 1:
            problems.append("weeks must be at least 1")
        if self.needs_per_day <= 0:
            problems.append("needs per day must be positive")
        if self.helpers < 1:
            problems.append("there must be at least one helper")
        if not 0 < self.accept_base <= 1:
            problems.append("accept base must be in (0, 1]")
        if self.accept_half_km <= 0:
            problems.append("accept half-distance must be positive")
        if not 0 < self.accept_load_factor <= 1:
            problems.append("accept load factor must be in (0, 1]")
        if self.response_hours <= 0 or self.batch_minutes <= 0:
            problems.append("response hours and batch minutes must be positive")
        if not 1 <= self.asks_per_need <= 5:
            problems.append("asks per need must be from 1 to 5")
        if self.ask_next_after_hours < 0:
            problems.append("ask-next-after hours must be zero (at once) or positive")
        if self.dispatch_minutes < 0:
            problems.append("dispatch minutes must be zero (at once) or positive")
        unknown = [p for p in self.policies if p not in POLICIES]
        if unknown or not self.policies:
            problems.append(f"policies must be some of {', '.join(POLICIES)}")
        if self.engine_mode not in ENGINE_MODES:
            problems.append(f"engine mode must be one of {', '.join(ENGINE_MODES)}")
        if self.geography not in GEOGRAPHIES:
            problems.append(f"geography must be one of {', '.join(GEOGRAPHIES)}")
        if problems:
            raise ValueError("; ".join(problems))
