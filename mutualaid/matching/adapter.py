"""The database ⇄ the matching core's arrays.

`selectors.problem_rows` reads what one network's matching job needs in one pass (plain rows,
`NetworkRows`); `problem_from_rows` here turns them into the core's `Problem`, with a `Lookup`
that maps array rows back to database ids (`selectors.problem_for_network` does both). This
module reads no database and writes nothing: `services.proposals_write` turns the core's result
into suggestions.

How the database becomes arrays (the array format itself is in docs/matching.md):

- **Needs**: open needs that no helper has said yes to (no match offered, accepted or in
  progress) and that fewer helpers are being asked about than the network's `asks_per_need`
  (1 by default: a need with any live suggestion waits for its answer; with
  `ask_next_after_hours`, a need whose last suggestion is younger than that waits too), whose
  category is
  among the network's first 64 categories (by creation order) and whose cell is a valid public
  cell.
- **Categories a helper fits**: the category of each of their active offers; the categories
  their profile skills point to (`SKILL_CATEGORIES`); and every category if they have an
  active "time" offer without a category ("I can give time, for anything"). A member with none
  of these is not a helper for matching.
- **Languages**: a bit per language code in `LANGUAGE_CHOICES` order. A need with no language
  asks for none.
- **Availability**: a bit per (day, part of day) slot, Monday morning = bit 0. A helper's slots
  are their profile's plus their active offers'; a helper who gave none is taken as free any
  time. A need's slots are those its window touches in the network's time zone (morning before
  12:00, afternoon to 17:00, evening after), any slot if the window is a week or longer or has
  already passed.
- **Place and reach**: the member's cell (else their first active offer's) and the larger of
  their travel radius and their offers' radii (at least 1 km).
- **Capacity**: `selectors.capacity_left` (own weekly cap and network cap, net of recent and
  pending matches). Helpers with no capacity left are left out.
- **Pairs that may never meet**: blocks (either way), every (need, helper) pair that ever
  ended without help (`selectors.ended_without_help`) or is still being asked; and each
  requester with themself.
- **Area shortfall** (only when the network weighs it, `weight_area` > 0): for each need, the
  share of the needs posted in its area (H3 cell at `core.AREA_RESOLUTION`) in the last four
  weeks and no longer open that expired without help (`core.area_shortfall`; met = matched or
  done, unmet = expired; needs the requester closed count for neither).
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

import h3
import numpy as np

from mutualaid.core.errors import InvalidInput
from mutualaid.core.geo import is_valid_public_cell
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.matching.core import Policy, Problem, area_shortfall, explain
from mutualaid.matching.models import MatchingPolicy
from mutualaid.needs.models import Need, Offer
from mutualaid.networks.models import AVAILABILITY_SLOTS

N_CATEGORIES = 64
ALL_SLOTS = (1 << len(AVAILABILITY_SLOTS)) - 1
LANGUAGE_BITS = {code: bit for bit, (code, _label) in enumerate(LANGUAGE_CHOICES)}
SLOT_BITS = {slot: bit for bit, slot in enumerate(AVAILABILITY_SLOTS)}
URGENCY_LEVEL: dict[str, int] = {
    Need.Urgency.FLEXIBLE: 0,
    Need.Urgency.THIS_WEEK: 1,
    Need.Urgency.TODAY: 2,
}
# (part index, first hour, end hour) of each part of the day, in the network's time zone.
DAY_PART_HOURS = ((0, 0, 12), (1, 12, 17), (2, 17, 24))
# Which default categories each default profile skill fits.
SKILL_CATEGORIES: dict[str, tuple[str, ...]] = {
    "driving": ("rides", "prescriptions", "medical-accompaniment", "errands", "groceries"),
    "cooking": ("meals",),
    "childcare": ("childcare",),
    "translation": ("medical-accompaniment", "peer-support"),
    "repairs": ("repairs", "housing"),
    "listening": ("peer-support",),
    "shopping": ("groceries", "errands", "prescriptions"),
    "tech-help": ("errands",),
    "first-aid": ("medical-accompaniment", "disaster-relief"),
    "heavy-lifting": ("disaster-relief", "housing", "repairs"),
}


class NotInNetwork(InvalidInput):
    """A need or member id that does not belong to the network being matched."""


@dataclass(frozen=True)
class Lookup:
    """How the arrays' rows map back to the database, for one network and one moment."""

    network_id: int
    now: datetime
    policy: MatchingPolicy
    need_rows: dict[int, int]
    helper_rows: dict[int, int]
    category_bits: dict[int, int] = field(default_factory=dict)

    def need_row(self, need_id: int) -> int:
        if need_id not in self.need_rows:
            raise NotInNetwork(f"Need {need_id} is not an open need of this network.")
        return self.need_rows[need_id]

    def helper_row(self, helper_id: int) -> int:
        if helper_id not in self.helper_rows:
            raise NotInNetwork(f"Member {helper_id} is not an available helper in this network.")
        return self.helper_rows[helper_id]


# The area weight's standard (weight 1): a need from an area where every recent need went
# without help counts as much more as 20 km of travel, as much as the base of any need.
AREA_STANDARD_POINTS = 20.0


def core_policy(policy: MatchingPolicy) -> Policy:
    """The network's policy as the core's: each weight multiplies the core's standard one."""
    standard = Policy()
    return Policy(
        distance_weight=standard.distance_weight * policy.weight_distance,
        load_weight=standard.load_weight * policy.weight_load,
        urgency_weight=standard.urgency_weight * policy.weight_urgency,
        waiting_weight=standard.waiting_weight * policy.weight_waiting,
        fairness_weight=standard.fairness_weight * policy.weight_fairness,
        area_weight=AREA_STANDARD_POINTS * policy.weight_area,
        rotate_first=policy.rotate_first,
    )


# --- Bits -----------------------------------------------------------------------------------


def language_mask(codes: Iterable[str]) -> int:
    mask = 0
    for code in codes or ():
        if code in LANGUAGE_BITS:
            mask |= 1 << LANGUAGE_BITS[code]
    return mask


def slot_mask(slots: Iterable[str]) -> int:
    mask = 0
    for slot in slots or ():
        if slot in SLOT_BITS:
            mask |= 1 << SLOT_BITS[slot]
    return mask


def window_slots(start: datetime, end: datetime, *, now: datetime, zone: tzinfo) -> int:
    """The weekly slots a need's window touches, in the network's zone."""
    start = max(start, now)
    if end <= start or end - start >= timedelta(days=7):
        return ALL_SLOTS
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    mask = 0
    day = local_start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < local_end:
        for part, first, last in DAY_PART_HOURS:
            begins = day.replace(hour=first)
            ends = day + timedelta(days=1) if last == 24 else day.replace(hour=last)
            if begins < local_end and ends > local_start:
                mask |= 1 << (day.weekday() * 3 + part)
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)  # safe across DST changes
    return mask or ALL_SLOTS


def _cell_int(cell: str) -> int:
    return int(h3.str_to_int(cell))


# --- Rows read by the selectors ------------------------------------------------------------

NEED_VALUES = (
    "pk",
    "cell",
    "category_id",
    "languages",
    "urgency",
    "created_at",
    "window_start",
    "window_end",
    "requester_id",
)
HELPER_VALUES = ("pk", "cell", "languages", "availability", "weekly_task_cap", "travel_radius_km")
OFFER_VALUES = ("helper_id", "kind", "category_id", "availability", "radius_km", "cell")


@dataclass(frozen=True)
class HelperRows:
    """The helper side of a network, as read: active members (`HELPER_VALUES`), their
    (member id, skill slug) pairs, their active offers (`OFFER_VALUES` tuples), the tasks each
    may still take and the tasks each took lately."""

    members: list[dict[str, Any]]
    skills: list[tuple[int, str]]
    offers: list[tuple[Any, ...]]
    room: dict[int, int]
    load: Counter[int]


@dataclass(frozen=True)
class NetworkRows:
    """Everything one network's matching job needs, as read in one pass by
    `selectors.problem_rows`: the needs to match (`NEED_VALUES`), the categories (id, slug) in
    bit order, the helper arrays, who was helped lately, the pairs that may never meet and, when
    the network weighs it, the recent needs' (cell, met) for the area shortfall."""

    network_id: int
    now: datetime
    policy: MatchingPolicy
    zone: tzinfo
    categories: list[tuple[int, str]]
    needs: list[dict[str, Any]]
    helpers: dict[str, Any]
    helped: Counter[int]
    declined: list[tuple[int, int]]
    blocked: list[tuple[int, int]]
    recent_areas: list[tuple[str, bool]] | None = None


# --- Rows to arrays -------------------------------------------------------------------------


def category_bits(categories: list[tuple[int, str]]) -> tuple[dict[int, int], dict[str, int]]:
    """Each of the first 64 categories' bit, by id and by slug."""
    by_id = {pk: bit for bit, (pk, _slug) in enumerate(categories[:N_CATEGORIES])}
    by_slug = {slug: bit for bit, (_pk, slug) in enumerate(categories[:N_CATEGORIES])}
    return by_id, by_slug


def area_shortfalls(cells: list[str], recent: list[tuple[str, bool]]) -> list[float]:
    """For needs in these cells, how poorly their areas were served lately (0..1), from the
    recent needs' (cell, met)."""
    shortfall = area_shortfall(
        np.array([_cell_int(c) for c in cells], dtype=np.uint64),
        np.array([_cell_int(c) for c, _met in recent], dtype=np.uint64),
        np.array([met for _cell, met in recent], dtype=bool),
    )
    return [float(x) for x in shortfall]


@dataclass
class _HelperFacts:
    categories: int = 0
    slots: int = 0
    radius: float = 0.0
    cell: str = ""


def _helper_facts(
    rows: HelperRows, by_id: dict[int, int], by_slug: dict[str, int]
) -> dict[int, _HelperFacts]:
    facts = {
        m["pk"]: _HelperFacts(
            slots=slot_mask(m["availability"]),
            radius=float(m["travel_radius_km"]),
            cell=m["cell"],
        )
        for m in rows.members
    }
    for member_id, slug in rows.skills:
        if member_id not in facts:
            continue
        for category_slug in SKILL_CATEGORIES.get(slug, ()):
            if category_slug in by_slug:
                facts[member_id].categories |= 1 << by_slug[category_slug]
    for helper_id, kind, category_id, availability, radius_km, cell in rows.offers:
        fact = facts.get(helper_id)
        if fact is None:
            continue
        if category_id is None and kind == Offer.Kind.TIME:
            fact.categories |= (1 << N_CATEGORIES) - 1
        elif category_id in by_id:
            fact.categories |= 1 << by_id[category_id]
        fact.slots |= slot_mask(availability)
        fact.radius = max(fact.radius, float(radius_km))
        fact.cell = fact.cell or cell
    return facts


def helper_arrays(
    rows: HelperRows, *, by_id: dict[int, int], by_slug: dict[str, int]
) -> dict[str, Any]:
    """Every member who could take a task now (fits a category, has room, has a valid public
    cell), as the `helper_*` arrays of a `Problem`."""
    facts = _helper_facts(rows, by_id, by_slug)
    helpers = [
        m
        for m in rows.members
        if facts[m["pk"]].categories
        and rows.room.get(m["pk"], 0) > 0
        and is_valid_public_cell(facts[m["pk"]].cell or "")
    ]
    ids = [m["pk"] for m in helpers]
    return {
        "helper_id": np.array(ids, dtype=np.int64),
        "helper_cell": np.array([_cell_int(facts[pk].cell) for pk in ids], dtype=np.uint64),
        # Built as uint64 here: "any category" is 2**64 - 1, which a plain list would not keep.
        "helper_categories": np.array([facts[pk].categories for pk in ids], dtype=np.uint64),
        "helper_languages": np.array(
            [language_mask(m["languages"]) for m in helpers], dtype=np.uint64
        ),
        "helper_slots": np.array([facts[pk].slots or ALL_SLOTS for pk in ids], dtype=np.uint32),
        "helper_capacity": np.array([rows.room[pk] for pk in ids], dtype=np.int32),
        "helper_radius_km": np.array([max(1.0, facts[pk].radius) for pk in ids], dtype=np.float64),
        "helper_recent_load": np.array([float(rows.load[pk]) for pk in ids], dtype=np.float64),
    }


def problem_from_rows(rows: NetworkRows) -> tuple[Problem, Lookup]:
    """One network's matching job as arrays, and the way back to its rows."""
    by_id, _by_slug = category_bits(rows.categories)
    needs, now = rows.needs, rows.now
    helpers = rows.helpers
    need_id_list = [n["pk"] for n in needs]
    blocked = rows.blocked + [(n["requester_id"], n["requester_id"]) for n in needs]
    problem = Problem.build(
        need_id=need_id_list,
        need_cell=[_cell_int(n["cell"]) for n in needs],
        need_category=[by_id[n["category_id"]] for n in needs],
        need_languages=[language_mask(n["languages"]) for n in needs],
        need_urgency=[URGENCY_LEVEL.get(n["urgency"], 1) for n in needs],
        need_waiting_hours=[
            max(0.0, (now - n["created_at"]).total_seconds() / 3600) for n in needs
        ],
        need_slots=[
            window_slots(n["window_start"], n["window_end"], now=now, zone=rows.zone) for n in needs
        ],
        need_requester=[n["requester_id"] for n in needs],
        need_requester_help=[float(rows.helped[n["requester_id"]]) for n in needs],
        need_area_shortfall=(
            area_shortfalls([n["cell"] for n in needs], rows.recent_areas)
            if rows.recent_areas is not None
            else []
        ),
        **helpers,
        blocked_members=np.array(blocked, dtype=np.int64).reshape(-1, 2),
        declined_pairs=np.array(rows.declined, dtype=np.int64).reshape(-1, 2),
    )
    lookup = Lookup(
        network_id=rows.network_id,
        now=now,
        policy=rows.policy,
        need_rows={pk: row for row, pk in enumerate(need_id_list)},
        helper_rows={int(pk): row for row, pk in enumerate(helpers["helper_id"])},
        category_bits=by_id,
    )
    return problem, lookup


# --- Explaining ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """numpy scalars as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _number(value: object) -> float:
    """An explained fact's number (numpy or Python); 0 when the fact is missing."""
    return float(value) if isinstance(value, int | float | np.number) else 0.0


def explanation_for(problem: Problem, need_row: int, helper_row: int) -> list[list[Any]]:
    """The facts worth telling a person about a pair, as JSON: the distance, the languages
    both speak (when the need asked for one), the first slot both are free (when the need's
    window is narrow) and the helper's recent load. Words come later, in the reader's
    language (`needs.explanations.explanation_phrases`)."""
    raw = dict(explain(problem, need_row, helper_row))
    facts: list[list[Any]] = [["distance_km", _plain(raw.get("distance_km", 0.0))]]
    shared_languages = int(_number(raw.get("language_bits")))
    for code, bit in LANGUAGE_BITS.items():
        if shared_languages >> bit & 1:
            facts.append(["language", code])
            break
    slots = int(_number(raw.get("slots")))
    if slots and int(problem.need_slots[need_row]) != ALL_SLOTS:
        facts.append(["slot", (slots & -slots).bit_length() - 1])
    facts.append(["recent_load", int(_number(raw.get("helper_recent_load")))])
    return facts
