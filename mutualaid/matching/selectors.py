"""Reads for matching: the network's policy (defaults until members change it), that policy in
plain words, explanations in the viewer's language, and instant suggestions for one need."""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from mutualaid.core.geo import distance_km
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.matching.models import MatchingPolicy
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.models import ENDED_WITHOUT_HELP, Match, Need
from mutualaid.networks.models import Member, Network
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
    from mutualaid.matching import adapter
    from mutualaid.matching.core import HelperIndex

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
    problem, lookup = adapter.problem_for_network(
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
