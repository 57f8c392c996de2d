"""The database ⇄ the matching core's arrays.

`problem_for_network` reads one network's open needs and its helpers into a `Problem`, with a
`Lookup` that maps rows back to rows in the database; `proposals_write` turns the core's result
into suggestions, through `suggestion_create`, which checks every rule again at write time.

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

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any

import h3
import numpy as np
from django.db.models import Count, Exists, Max, OuterRef, Q
from django.utils import timezone

from mutualaid.core.errors import DomainError, InvalidInput
from mutualaid.core.geo import is_valid_public_cell
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.matching.models import MatchingPolicy
from mutualaid.matching.selectors import (
    RECENT_DAYS,
    active_members,
    capacity_left,
    ended_without_help,
    help_received,
    policy_for,
    recent_load,
)
from mutualaid.needs.models import LIVE_STATES, OFFERED_LIVE_STATES, Block, Match, Need, Offer
from mutualaid.networks.models import AVAILABILITY_SLOTS, Category, Member, Network

if TYPE_CHECKING:
    from mutualaid.matching.core import Policy, Problem

N_CATEGORIES = 64
ALL_SLOTS = (1 << len(AVAILABILITY_SLOTS)) - 1
LANGUAGE_BITS = {code: bit for bit, (code, _label) in enumerate(LANGUAGE_CHOICES)}
SLOT_BITS = {slot: bit for bit, slot in enumerate(AVAILABILITY_SLOTS)}
URGENCY_LEVEL: dict[str, int] = {
    Need.Urgency.FLEXIBLE: 0,
    Need.Urgency.THIS_WEEK: 1,
    Need.Urgency.TODAY: 2,
}
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
    from mutualaid.matching.core import Policy

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


def _zone(network: Network) -> tzinfo:
    try:
        return zoneinfo.ZoneInfo(network.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _cell_int(cell: str) -> int:
    return int(h3.str_to_int(cell))


# --- Loading --------------------------------------------------------------------------------


def _category_bits(network: Network) -> tuple[dict[int, int], dict[str, int]]:
    rows = list(Category.objects.filter(network=network).order_by("pk").values_list("pk", "slug"))
    by_id = {pk: bit for bit, (pk, _slug) in enumerate(rows[:N_CATEGORIES])}
    by_slug = {slug: bit for bit, (_pk, slug) in enumerate(rows[:N_CATEGORIES])}
    return by_id, by_slug


def open_needs(
    network: Network,
    *,
    only: Iterable[int] | None = None,
    policy: MatchingPolicy | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Open needs of the network that no helper has said yes to, and that fewer helpers are
    being asked about than the policy's `asks_per_need` (default: the network's policy); with
    `ask_next_after_hours`, only when the last helper asked has had that long to answer."""
    policy = policy or policy_for(network)
    now = now or timezone.now()
    offered = Match.objects.filter(need=OuterRef("pk"), state__in=OFFERED_LIVE_STATES)
    needs = Need.objects.filter(network=network, status=Need.Status.OPEN)
    if only is not None:
        needs = needs.filter(pk__in=list(only))
    suggested = Q(matches__state=Match.State.SUGGESTED)
    needs = (
        needs.exclude(Exists(offered))
        .annotate(asked=Count("matches", filter=suggested))
        .filter(asked__lt=max(1, policy.asks_per_need))
    )
    if policy.asks_per_need > 1 and policy.ask_next_after_hours > 0:
        since = now - timedelta(hours=policy.ask_next_after_hours)
        needs = needs.annotate(last_asked=Max("matches__created_at", filter=suggested)).filter(
            Q(asked=0) | Q(last_asked__lte=since)
        )
    rows: list[dict[str, Any]] = list(needs.order_by("pk").values(*NEED_VALUES))
    return rows


def area_shortfalls(network: Network, cells: list[str], *, now: datetime) -> list[float]:
    """For needs in these cells, how poorly their areas were served lately (0..1), from the
    network's needs posted in the last four weeks that are no longer open."""
    from mutualaid.matching.core import area_shortfall

    since = now - timedelta(days=RECENT_DAYS)
    ended = Need.objects.filter(
        network=network,
        created_at__gte=since,
        status__in=[Need.Status.MATCHED, Need.Status.DONE, Need.Status.EXPIRED],
    ).values_list("cell", "status")
    recent = [(cell, status) for cell, status in ended if is_valid_public_cell(cell)]
    shortfall = area_shortfall(
        np.array([_cell_int(c) for c in cells], dtype=np.uint64),
        np.array([_cell_int(c) for c, _status in recent], dtype=np.uint64),
        np.array([status != Need.Status.EXPIRED for _cell, status in recent], dtype=bool),
    )
    return [float(x) for x in shortfall]


@dataclass
class _HelperFacts:
    categories: int = 0
    slots: int = 0
    radius: float = 0.0
    cell: str = ""


HELPER_VALUES = ("pk", "cell", "languages", "availability", "weekly_task_cap", "travel_radius_km")


def _helper_facts(
    network: Network,
    members: list[dict[str, Any]],
    by_id: dict[int, int],
    by_slug: dict[str, int],
) -> dict[int, _HelperFacts]:
    facts = {
        m["pk"]: _HelperFacts(
            slots=slot_mask(m["availability"]),
            radius=float(m["travel_radius_km"]),
            cell=m["cell"],
        )
        for m in members
    }
    skills = Member.skills.through.objects.filter(member__network=network).values_list(
        "member_id", "skill__slug"
    )
    for member_id, slug in skills:
        if member_id not in facts:
            continue
        for category_slug in SKILL_CATEGORIES.get(slug, ()):
            if category_slug in by_slug:
                facts[member_id].categories |= 1 << by_slug[category_slug]
    offers = Offer.objects.filter(network=network, status=Offer.Status.ACTIVE).values_list(
        "helper_id", "kind", "category_id", "availability", "radius_km", "cell"
    )
    for helper_id, kind, category_id, availability, radius_km, cell in offers:
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
    network: Network,
    *,
    now: datetime,
    policy: MatchingPolicy,
    by_id: dict[int, int],
    by_slug: dict[str, int],
) -> dict[str, Any]:
    """Every member who could take a task now, as the `helper_*` arrays of a `Problem`."""
    members: list[dict[str, Any]] = list(active_members(network).values(*HELPER_VALUES))
    facts = _helper_facts(network, members, by_id, by_slug)
    own_caps = {m["pk"]: m["weekly_task_cap"] for m in members if facts[m["pk"]].categories}
    room = capacity_left(own_caps, policy=policy, now=now, network=network)
    helpers = [
        m
        for m in members
        if m["pk"] in own_caps
        and room[m["pk"]] > 0
        and is_valid_public_cell(facts[m["pk"]].cell or "")
    ]
    load = recent_load(network, now=now)
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
        "helper_capacity": np.array([room[pk] for pk in ids], dtype=np.int32),
        "helper_radius_km": np.array([max(1.0, facts[pk].radius) for pk in ids], dtype=np.float64),
        "helper_recent_load": np.array([float(load[pk]) for pk in ids], dtype=np.float64),
    }


# How long instant suggestions may reuse a network's helper arrays. A need's page loads
# every helper of the network (about 0.15 s at 5,000 members, bench/suggestions.py); reusing
# them for up to a minute makes a page view a lookup. The copy is one cache entry per network,
# overwritten in place and deleted by every write to the network (`pagecache.network_data_changed`:
# profiles, offers, matches, membership, policy, account deletion). What must never be stale is
# read on every view: blocks, the need's own declines and asks, and whether each suggested
# helper is still an active member (`selectors.need_candidates`).
HELPER_ARRAYS_SECONDS = 60


def cached_helper_arrays(
    network: Network,
    *,
    now: datetime,
    policy: MatchingPolicy,
    by_id: dict[int, int],
    by_slug: dict[str, int],
) -> dict[str, Any]:
    """`helper_arrays`, shared for up to a minute by every view of the same network data."""
    from django.core.cache import cache

    from mutualaid.core.pagecache import network_data_version, network_snapshot_key

    # What the arrays are computed from besides the rows: the data version (a view that loaded
    # before a write and stores after it is not reused), the policy's caps, the categories'
    # bits and the minute (which also keeps an explicit `now` honest).
    minute = int(now.timestamp() // HELPER_ARRAYS_SECONDS)
    version = network_data_version(network.slug)
    inputs = (
        f"{network.pk}:{version}:{minute}:"
        f"{policy.helper_cap}:{policy.cap_period_days}:{sorted(by_id.items())}"
    )
    fingerprint = hashlib.sha256(inputs.encode()).hexdigest()
    key = network_snapshot_key(network.slug, "matching-helpers")
    cached = cache.get(key)
    if cached is not None and cached[0] == fingerprint:
        arrays: dict[str, Any] = cached[1]
        return arrays
    arrays = helper_arrays(network, now=now, policy=policy, by_id=by_id, by_slug=by_slug)
    cache.set(key, (fingerprint, arrays), HELPER_ARRAYS_SECONDS)
    if network_data_version(network.slug) != version:
        # A write committed while these were loaded (an account deletion, say): its own delete
        # may have come before this store, so do not keep what may hold what it removed.
        cache.delete(key)
    return arrays


def problem_for_network(
    network: Network,
    *,
    now: datetime | None = None,
    need_ids: Iterable[int] | None = None,
    include_matched_needs: bool = False,
    cached_helpers: bool = False,
) -> tuple[Problem, Lookup]:
    """One network's matching job as arrays, and the way back to its rows.

    `need_ids` limits the needs (instant suggestions load one); ids from another network are
    refused with NotInNetwork. `include_matched_needs` keeps needs that already have a live
    match (instant suggestions for a need someone was already asked about). `cached_helpers`
    takes the helper side from `cached_helper_arrays` (instant suggestions; never the batch)."""
    from mutualaid.matching.core import Problem

    now = now or timezone.now()
    policy = policy_for(network)
    by_id, by_slug = _category_bits(network)
    zone = _zone(network)
    if need_ids is not None:
        need_ids = list(need_ids)
        foreign = set(need_ids) - set(
            Need.objects.filter(pk__in=need_ids, network=network).values_list("pk", flat=True)
        )
        if foreign:
            raise NotInNetwork(
                f"Needs {sorted(foreign)} are not needs of the network {network.slug}."
            )
    needs: list[dict[str, Any]]
    if include_matched_needs and need_ids is not None:
        needs = list(
            Need.objects.filter(pk__in=need_ids, status=Need.Status.OPEN).values(*NEED_VALUES)
        )
    else:
        needs = open_needs(network, only=need_ids, policy=policy, now=now)
    needs = [n for n in needs if n["category_id"] in by_id and is_valid_public_cell(n["cell"])]
    helped = help_received(
        network,
        now=now,
        requesters=None if need_ids is None else {n["requester_id"] for n in needs},
    )
    helpers = (
        cached_helper_arrays(network, now=now, policy=policy, by_id=by_id, by_slug=by_slug)
        if cached_helpers
        else helper_arrays(network, now=now, policy=policy, by_id=by_id, by_slug=by_slug)
    )

    need_id_list = [n["pk"] for n in needs]
    loaded = set(need_id_list)
    scope = (
        Match.objects.filter(need_id__in=need_id_list)
        if need_ids is not None
        else Match.objects.filter(need__network=network, need__status=Need.Status.OPEN)
    ).filter(helper__isnull=False)
    declined = [
        pair
        for pair in scope.filter(ended_without_help()).values_list("need_id", "helper_id")
        if pair[0] in loaded
    ]
    # helpers still being asked about a need (or helping with it) are not asked again
    declined += [
        pair
        for pair in scope.filter(state__in=LIVE_STATES).values_list("need_id", "helper_id")
        if pair[0] in loaded
    ]
    blocked = list(Block.objects.filter(network=network).values_list("blocker_id", "blocked_id"))
    blocked += [(n["requester_id"], n["requester_id"]) for n in needs]

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
            window_slots(n["window_start"], n["window_end"], now=now, zone=zone) for n in needs
        ],
        need_requester=[n["requester_id"] for n in needs],
        need_requester_help=[float(helped[n["requester_id"]]) for n in needs],
        need_area_shortfall=(
            area_shortfalls(network, [n["cell"] for n in needs], now=now)
            if policy.weight_area > 0 and needs
            else []
        ),
        **helpers,
        blocked_members=np.array(blocked, dtype=np.int64).reshape(-1, 2),
        declined_pairs=np.array(declined, dtype=np.int64).reshape(-1, 2),
    )
    lookup = Lookup(
        network_id=network.pk,
        now=now,
        policy=policy,
        need_rows={pk: row for row, pk in enumerate(need_id_list)},
        helper_rows={int(pk): row for row, pk in enumerate(helpers["helper_id"])},
        category_bits=by_id,
    )
    return problem, lookup


# --- Writing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteSummary:
    created: int
    skipped: int
    match_ids: tuple[int, ...] = ()


def _plain(value: Any) -> Any:
    """numpy scalars as plain JSON values."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def explanation_for(problem: Problem, need_row: int, helper_row: int) -> list[list[Any]]:
    """The facts worth telling a person about a pair, as JSON: the distance, the languages
    both speak (when the need asked for one), the first slot both are free (when the need's
    window is narrow) and the helper's recent load. Words come later, in the reader's
    language (`needs.explanations.explanation_phrases`)."""
    from mutualaid.matching.core import explain

    raw = dict(explain(problem, need_row, helper_row))
    facts: list[list[Any]] = [["distance_km", _plain(raw.get("distance_km", 0.0))]]
    shared_languages = int(raw.get("language_bits", 0))  # type: ignore[call-overload]
    for code, bit in LANGUAGE_BITS.items():
        if shared_languages >> bit & 1:
            facts.append(["language", code])
            break
    slots = int(raw.get("slots", 0))  # type: ignore[call-overload]
    if slots and int(problem.need_slots[need_row]) != ALL_SLOTS:
        facts.append(["slot", (slots & -slots).bit_length() - 1])
    facts.append(["recent_load", int(float(raw.get("helper_recent_load", 0.0)))])  # type: ignore[arg-type]
    return facts


def proposals_write(
    network: Network,
    pairs: Iterable[tuple[int, int]],
    *,
    problem: Problem,
    lookup: Lookup,
    origin: str = Match.Origin.ENGINE,
    actor: Member | None = None,
) -> WriteSummary:
    """Write each proposed (need id, helper id) pair as a suggestion to the helper.

    Each pair is written in its own transaction by `suggestion_create`, which checks the rules
    again: a pair that became invalid since the problem was loaded (the need was closed, the
    helper filled up or blocked the requester, a race with another run) is skipped, not an
    error. A pair naming a need or member outside the network is an error (NotInNetwork)."""
    from mutualaid.matching.services import suggestion_create

    if lookup.network_id != network.pk:
        raise NotInNetwork("These results were computed for another network.")
    pairs = [(int(need_id), int(helper_id)) for need_id, helper_id in pairs]
    rows = [(lookup.need_row(n), lookup.helper_row(h)) for n, h in pairs]
    needs = (
        Need.objects.select_related("network")
        .defer("address", "phone")
        .in_bulk([n for n, _h in pairs])
    )
    helpers = Member.objects.in_bulk([h for _n, h in pairs])
    created: list[int] = []
    skipped = 0
    for (need_id, helper_id), (need_row, helper_row) in zip(pairs, rows, strict=True):
        need, helper = needs.get(need_id), helpers.get(helper_id)
        if need is None or helper is None:
            skipped += 1
            continue
        try:
            match = suggestion_create(
                need=need,
                helper=helper,
                origin=origin,
                actor=actor,
                explanation=explanation_for(problem, need_row, helper_row),
                now=lookup.now,
                policy=lookup.policy,
            )
        except DomainError:
            skipped += 1
        else:
            created.append(match.pk)
    return WriteSummary(created=len(created), skipped=skipped, match_ids=tuple(created))
