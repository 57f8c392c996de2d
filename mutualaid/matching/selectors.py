"""Reads for matching: the network's policy (defaults until members change it), that policy in
plain words, one network's matching job read in one pass (`problem_rows`, made arrays by the
adapter), and instant suggestions for one need, explained in the viewer's language."""

import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mutualaid.core.geo import distance_km, is_valid_public_cell
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.core.pagecache import network_data_version, network_snapshot_key
from mutualaid.core.zones import zone_of
from mutualaid.matching import adapter
from mutualaid.matching.adapter import (
    HELPER_VALUES,
    N_CATEGORIES,
    NEED_VALUES,
    OFFER_VALUES,
    HelperRows,
    Lookup,
    NetworkRows,
    NotInNetwork,
)
from mutualaid.matching.core import HelperIndex, Problem
from mutualaid.matching.models import MatchingPolicy
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.models import (
    ENDED_WITHOUT_HELP,
    LIVE_STATES,
    OFFERED_LIVE_STATES,
    Block,
    Match,
    Need,
    Offer,
)
from mutualaid.networks.models import Category, Member, Network
from mutualaid.networks.permissions import can

LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)


def policy_for(network: Network) -> MatchingPolicy:
    """The network's policy. A network whose members never changed it has no row: it gets the
    defaults, unsaved (a read never writes)."""
    policy = MatchingPolicy.objects.filter(network=network).first()
    return policy or MatchingPolicy(network=network)


# --- Capacity -------------------------------------------------------------------------------

# Matches that used up a helper's time, counted by when they were accepted ...
TAKEN_STATES = (Match.State.ACCEPTED, Match.State.IN_PROGRESS, Match.State.DONE)
# ... and those still waiting on an answer, which hold a place whenever they were made.
PENDING_STATES = (Match.State.SUGGESTED, Match.State.PROPOSED)
OWN_CAP_DAYS = 7  # Member.weekly_task_cap is per week
RECENT_DAYS = 28  # "recently", for load and for help received


def _counts(matches: QuerySet[Match], field: str) -> Counter[int]:
    return Counter(
        {row[field]: row["n"] for row in matches.values(field).annotate(n=Count("pk")).order_by()}
    )


def capacity_left(
    helpers: Iterable[Member] | dict[int, int],
    *,
    policy: MatchingPolicy,
    now: datetime,
    network: Network | None = None,
) -> dict[int, int]:
    """Tasks each helper may still be asked to take: the smaller of what is left of their own
    weekly cap (over the last 7 days) and of the network's cap (over its period), counting
    matches accepted in that time and every suggestion or offer still waiting for an answer.

    `helpers` are members, or {member id: own weekly cap}. With `network`, matches are found
    by network rather than by a list of ids (for loading a whole network at once)."""
    own = helpers if isinstance(helpers, dict) else {h.pk: h.weekly_task_cap for h in helpers}
    if network is not None:
        mine = Match.objects.filter(helper__network=network)
    else:
        mine = Match.objects.filter(helper__in=list(own))
    taken = Q(state__in=TAKEN_STATES)
    rows = (
        mine.filter(taken | Q(state__in=PENDING_STATES))
        .values("helper")
        .annotate(
            week=Count("pk", filter=taken & Q(accepted_at__gte=now - timedelta(days=OWN_CAP_DAYS))),
            period=Count(
                "pk",
                filter=taken & Q(accepted_at__gte=now - timedelta(days=policy.cap_period_days)),
            ),
            pending=Count("pk", filter=Q(state__in=PENDING_STATES)),
        )
        .order_by()
    )
    used = {row["helper"]: row for row in rows}
    left = {}
    for pk, cap in own.items():
        row = used.get(pk, {"week": 0, "period": 0, "pending": 0})
        left[pk] = max(
            0,
            min(
                cap - row["week"] - row["pending"],
                policy.helper_cap - row["period"] - row["pending"],
            ),
        )
    return left


def recent_load(network: Network, *, now: datetime) -> Counter[int]:
    """Tasks each helper of the network took on in the last four weeks."""
    since = now - timedelta(days=RECENT_DAYS)
    return _counts(
        Match.objects.filter(
            helper__network=network, state__in=TAKEN_STATES, accepted_at__gte=since
        ),
        "helper",
    )


def help_received(
    network: Network, *, now: datetime, requesters: Iterable[int] | None = None
) -> Counter[int]:
    """Times each requester of the network (or only of `requesters`) was helped (a helper
    accepted) in the last four weeks."""
    since = now - timedelta(days=RECENT_DAYS)
    matches = Match.objects.filter(
        need__network=network, state__in=TAKEN_STATES, accepted_at__gte=since
    )
    if requesters is not None:
        matches = matches.filter(need__requester__in=list(requesters))
    return _counts(
        matches,
        "need__requester",
    )


def active_members(network: Network) -> QuerySet[Member]:
    """Members who take part: everyone but those marked inactive (when governance has that)."""
    members = Member.objects.filter(network=network)
    if any(f.name == "inactive_since" for f in Member._meta.get_fields()):
        members = members.filter(inactive_since__isnull=True)
    return members


def is_active_member(member: Member) -> bool:
    return getattr(member, "inactive_since", None) is None


def ended_without_help() -> Q:
    """Matches whose (need, helper) pair is never suggested again: every way of ending without
    help, except a suggestion the system withdrew before the helper answered (the need was met
    elsewhere meanwhile): the helper never said no, so they may be asked if it reopens."""
    withdrawn_unanswered = Q(state=Match.State.CANCELLED, offered_at__isnull=True, cancelled_by="")
    return Q(state__in=ENDED_WITHOUT_HELP) & ~withdrawn_unanswered


def pair_ended_without_help(*, need_id: int, helper_id: int) -> bool:
    return Match.objects.filter(ended_without_help(), need_id=need_id, helper_id=helper_id).exists()


# --- The policy in plain words --------------------------------------------------------------

WEIGHT_TOPICS = {
    "weight_distance": gettext_lazy("Travel distance"),
    "weight_load": gettext_lazy("How much a helper has done lately"),
    "weight_urgency": gettext_lazy("Urgency"),
    "weight_waiting": gettext_lazy("Time spent waiting"),
    "weight_fairness": gettext_lazy("How little help the person asking has had lately"),
}


def _weight_level(value: float) -> str:
    """Weights are multiples of the engine's standard weight (1)."""
    if value <= 0:
        return _("does not count")
    if value >= 1.5:
        return _("counts a lot")
    if value <= 0.5:
        return _("counts a little")
    return _("counts")


def policy_sentences(policy: MatchingPolicy) -> list[str]:
    """The network's policy as short sentences a member can read, in the active language."""
    if policy.cap_period_days == OWN_CAP_DAYS:
        cap = ngettext(
            "Nobody is asked for more than %(n)d task a week.",
            "Nobody is asked for more than %(n)d tasks a week.",
            policy.helper_cap,
        ) % {"n": policy.helper_cap}
    else:
        cap = ngettext(
            "Nobody is asked for more than %(n)d task in %(days)d days.",
            "Nobody is asked for more than %(n)d tasks in %(days)d days.",
            policy.helper_cap,
        ) % {"n": policy.helper_cap, "days": policy.cap_period_days}
    sentences = [
        cap + " " + _("Each helper's own weekly limit, set on their profile, counts too."),
        _("Helpers who have not helped lately are asked first, so the work goes round.")
        if policy.rotate_first
        else _("Any helper may be asked, whether or not they helped lately."),
    ]
    if policy.weight_fairness > 0:
        sentences.append(_("People who have had the least help recently come first."))
    if policy.weight_area > 0:
        sentences.append(
            _(
                "Needs from neighbourhoods where many recent requests went without help come "
                "first too."
            )
        )
    for name, topic in WEIGHT_TOPICS.items():
        level = _weight_level(float(getattr(policy, name)))
        sentences.append(_("%(topic)s %(level)s.") % {"topic": topic, "level": level})
    sentences.append(
        ngettext(
            "A helper who is asked has %(n)d hour to say yes or no; then someone else is asked.",
            "A helper who is asked has %(n)d hours to say yes or no; then someone else is asked.",
            policy.suggestion_hours,
        )
        % {"n": policy.suggestion_hours}
    )
    sentences.append(
        _("Matching asks one helper at a time about a need.")
        if policy.asks_per_need <= 1
        else ngettext(
            "Matching asks up to %(n)d helper about a need at the same time.",
            "Matching asks up to %(n)d helpers about a need at the same time; once the person "
            "asking accepts one of them, the others are told they are no longer needed.",
            policy.asks_per_need,
        )
        % {"n": policy.asks_per_need}
    )
    if policy.asks_per_need > 1 and policy.ask_next_after_hours > 0:
        sentences.append(
            ngettext(
                "One more helper is asked only when the last one has not answered for %(n)d hour.",
                "One more helper is asked only when the last one has not answered for %(n)d hours.",
                policy.ask_next_after_hours,
            )
            % {"n": policy.ask_next_after_hours}
        )
    sentences.append(
        _("Every 15 minutes, matching suggests helpers for needs nobody is helping with yet.")
        if policy.batch_enabled
        else _("Matching does not run on its own here: organisers ask helpers themselves.")
    )
    sentences.append(
        _("People asking for help see who might help them, and can ask them.")
        if policy.requester_sees_suggestions
        else _("Only organisers see the suggested helpers for a need.")
    )
    return sentences


# --- One network's matching job -------------------------------------------------------------


def category_rows(network: Network) -> list[tuple[int, str]]:
    """The network's categories (id, slug) in bit order: the first 64 can be matched."""
    rows = Category.objects.filter(network=network).order_by("pk").values_list("pk", "slug")
    return list(rows[:N_CATEGORIES])


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


def recent_areas(network: Network, *, now: datetime) -> list[tuple[str, bool]]:
    """(cell, met) of the network's needs posted in the last four weeks that are no longer
    open: met = matched or done, unmet = expired; needs the requester closed count for neither."""
    since = now - timedelta(days=RECENT_DAYS)
    ended = Need.objects.filter(
        network=network,
        created_at__gte=since,
        status__in=[Need.Status.MATCHED, Need.Status.DONE, Need.Status.EXPIRED],
    ).values_list("cell", "status")
    return [
        (cell, status != Need.Status.EXPIRED)
        for cell, status in ended
        if is_valid_public_cell(cell)
    ]


def helper_rows(network: Network, *, now: datetime, policy: MatchingPolicy) -> HelperRows:
    """The helper side of the network as read: active members, skills, active offers, the
    room each has left and their recent load (`adapter.helper_arrays` makes them arrays)."""
    members: list[dict[str, Any]] = list(active_members(network).values(*HELPER_VALUES))
    skills = Member.skills.through.objects.filter(member__network=network).values_list(
        "member_id", "skill__slug"
    )
    offers = Offer.objects.filter(network=network, status=Offer.Status.ACTIVE).values_list(
        *OFFER_VALUES
    )
    own_caps = {m["pk"]: m["weekly_task_cap"] for m in members}
    return HelperRows(
        members=members,
        skills=list(skills),
        offers=list(offers),
        room=capacity_left(own_caps, policy=policy, now=now, network=network),
        load=recent_load(network, now=now),
    )


# How long instant suggestions may reuse a network's helper arrays. A need's page loads
# every helper of the network (about 0.15 s at 5,000 members, bench/suggestions.py); reusing
# them for up to a minute makes a page view a lookup. The copy is one cache entry per network,
# overwritten in place and deleted by every write to the network (`pagecache.network_data_changed`:
# profiles, offers, matches, membership, policy, account deletion). What must never be stale is
# read on every view: blocks, the need's own declines and asks, and whether each suggested
# helper is still an active member (`need_candidates`).
HELPER_ARRAYS_SECONDS = 60


def cached_helper_arrays(
    network: Network,
    *,
    now: datetime,
    policy: MatchingPolicy,
    by_id: dict[int, int],
    by_slug: dict[str, int],
) -> dict[str, Any]:
    """The helper arrays, shared for up to a minute by every view of the same network data."""
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
    rows = helper_rows(network, now=now, policy=policy)
    arrays = adapter.helper_arrays(rows, by_id=by_id, by_slug=by_slug)
    cache.set(key, (fingerprint, arrays), HELPER_ARRAYS_SECONDS)
    if network_data_version(network.slug) != version:
        # A write committed while these were loaded (an account deletion, say): its own delete
        # may have come before this store, so do not keep what may hold what it removed.
        cache.delete(key)
    return arrays


def _needs_to_match(
    network: Network,
    *,
    now: datetime,
    policy: MatchingPolicy,
    need_ids: list[int] | None,
    include_matched_needs: bool,
    category_ids: set[int],
) -> list[dict[str, Any]]:
    if need_ids is not None:
        found = Need.objects.filter(pk__in=need_ids, network=network).values_list("pk", flat=True)
        foreign = set(need_ids) - set(found)
        if foreign:
            raise NotInNetwork(
                f"Needs {sorted(foreign)} are not needs of the network {network.slug}."
            )
    if include_matched_needs and need_ids is not None:
        needs = list(
            Need.objects.filter(pk__in=need_ids, status=Need.Status.OPEN).values(*NEED_VALUES)
        )
    else:
        needs = open_needs(network, only=need_ids, policy=policy, now=now)
    return [
        n for n in needs if n["category_id"] in category_ids and is_valid_public_cell(n["cell"])
    ]


def _pairs_that_may_not_meet(
    network: Network, needs: list[dict[str, Any]], *, whole_network: bool
) -> list[tuple[int, int]]:
    """(need, helper) pairs that ended without help, or where the helper is still being asked
    (or helping): neither is asked again."""
    loaded = {n["pk"] for n in needs}
    scope = (
        Match.objects.filter(need__network=network, need__status=Need.Status.OPEN)
        if whole_network
        else Match.objects.filter(need_id__in=list(loaded))
    ).filter(helper__isnull=False)
    pairs = list(scope.filter(ended_without_help()).values_list("need_id", "helper_id"))
    pairs += list(scope.filter(state__in=LIVE_STATES).values_list("need_id", "helper_id"))
    return [(need_id, helper_id) for need_id, helper_id in pairs if need_id in loaded]


def problem_rows(
    network: Network,
    *,
    now: datetime | None = None,
    need_ids: Iterable[int] | None = None,
    include_matched_needs: bool = False,
    cached_helpers: bool = False,
) -> NetworkRows:
    """Everything one network's matching job needs, read in one pass.

    `need_ids` limits the needs (instant suggestions load one); ids from another network are
    refused with NotInNetwork. `include_matched_needs` keeps needs that already have a live
    match (instant suggestions for a need someone was already asked about). `cached_helpers`
    takes the helper side from `cached_helper_arrays` (instant suggestions; never the batch)."""
    now = now or timezone.now()
    policy = policy_for(network)
    categories = category_rows(network)
    by_id, by_slug = adapter.category_bits(categories)
    only = None if need_ids is None else list(need_ids)
    needs = _needs_to_match(
        network,
        now=now,
        policy=policy,
        need_ids=only,
        include_matched_needs=include_matched_needs,
        category_ids=set(by_id),
    )
    helpers = (
        cached_helper_arrays(network, now=now, policy=policy, by_id=by_id, by_slug=by_slug)
        if cached_helpers
        else adapter.helper_arrays(
            helper_rows(network, now=now, policy=policy), by_id=by_id, by_slug=by_slug
        )
    )
    return NetworkRows(
        network_id=network.pk,
        now=now,
        policy=policy,
        zone=zone_of(network),
        categories=categories,
        needs=needs,
        helpers=helpers,
        helped=help_received(
            network,
            now=now,
            requesters=None if only is None else {n["requester_id"] for n in needs},
        ),
        declined=_pairs_that_may_not_meet(network, needs, whole_network=only is None),
        blocked=list(Block.objects.filter(network=network).values_list("blocker_id", "blocked_id")),
        recent_areas=recent_areas(network, now=now) if policy.weight_area > 0 and needs else None,
    )


def problem_for_network(
    network: Network,
    *,
    now: datetime | None = None,
    need_ids: Iterable[int] | None = None,
    include_matched_needs: bool = False,
    cached_helpers: bool = False,
) -> tuple[Problem, Lookup]:
    """One network's matching job as the core's arrays, and the way back to its rows
    (`problem_rows`, then `adapter.problem_from_rows`)."""
    rows = problem_rows(
        network,
        now=now,
        need_ids=need_ids,
        include_matched_needs=include_matched_needs,
        cached_helpers=cached_helpers,
    )
    return adapter.problem_from_rows(rows)


# --- Instant suggestions --------------------------------------------------------------------

INSTANT_SUGGESTIONS = 5


@dataclass(frozen=True)
class Candidate:
    """One helper who could help with a need, and why, in the viewer's language."""

    helper: Member
    distance_km: float
    reasons: list[str]
    asked: bool = False


def may_see_candidates(member: Member, need: Need, policy: MatchingPolicy) -> bool:
    """Organisers see a need's best helpers; the requester too if the network allows it."""
    if member.network_id != need.network_id:
        return False
    if can(member, "network.manage", need.network):
        return True
    return need.requester_id == member.pk and policy.requester_sees_suggestions


def need_candidates(*, member: Member, need: Need, now: datetime | None = None) -> list[Candidate]:
    """The best helpers for an open need, cheapest first, then those already asked.

    An index lookup and a score, never a solve: fit, language, reach, availability, room left,
    blocks and earlier answers are all respected. Empty for members who may not see them, for
    a need that is not open, and when nobody fits."""
    policy = policy_for(need.network)
    if not may_see_candidates(member, need, policy) or need.status != Need.Status.OPEN:
        return []
    now = now or timezone.now()
    suggested = Match.objects.filter(need=need, state=Match.State.SUGGESTED, helper__isnull=False)
    asked = [
        Candidate(helper=m.helper, distance_km=_km(need, m.helper), reasons=[], asked=True)
        for m in suggested.select_related("helper").order_by("created_at")
        if m.helper is not None
    ]
    problem, lookup = problem_for_network(
        need.network, now=now, need_ids=[need.pk], include_matched_needs=True, cached_helpers=True
    )
    if problem.n_needs == 0 or problem.n_helpers == 0:
        return asked
    row = lookup.need_row(need.pk)
    pairs = problem.declined_pairs
    excluded = set(pairs[pairs[:, 0] == need.pk, 1].tolist())
    blocks = problem.blocked_members
    excluded |= set(blocks[blocks[:, 0] == need.requester_id, 1].tolist())
    excluded |= set(blocks[blocks[:, 1] == need.requester_id, 0].tolist())
    # The helper arrays may be up to a minute old: who stopped taking part is read now, and
    # left out before the top five are chosen, so the page still shows five when others fit.
    excluded |= set(
        Member.objects.filter(network=need.network, inactive_since__isnull=False).values_list(
            "pk", flat=True
        )
    )
    index = HelperIndex.from_problem(problem, adapter.core_policy(policy))
    top = index.top(
        cell=int(problem.need_cell[row]),
        category=int(problem.need_category[row]),
        languages=int(problem.need_languages[row]),
        slots=int(problem.need_slots[row]),
        requester=need.requester_id,
        k=INSTANT_SUGGESTIONS,
        exclude_helper_ids=np.array(sorted(excluded), dtype=np.int64),
    )
    members = active_members(need.network).in_bulk(top.helper_id.tolist())
    found = []
    for helper_id, km in zip(top.helper_id.tolist(), top.distance_km.tolist(), strict=True):
        if helper_id not in members:
            continue
        facts = adapter.explanation_for(problem, row, lookup.helper_row(helper_id))
        found.append(
            Candidate(
                helper=members[helper_id],
                distance_km=round(float(km), 1),
                reasons=explanation_phrases(facts),
            )
        )
    return found + asked


def _km(need: Need, helper: Member) -> float:
    if not need.cell or not helper.cell:
        return 0.0
    return round(distance_km(need.cell, helper.cell), 1)
