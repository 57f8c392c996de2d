"""Reads for matching: the network's policy (defaults until members change it), that policy in
plain words, explanations in the viewer's language, and instant suggestions for one need."""

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.matching.models import MatchingPolicy
from mutualaid.needs.models import ENDED_WITHOUT_HELP, Match
from mutualaid.networks.models import AVAILABILITY_SLOTS, DAY_PARTS, DAYS, Member, Network

LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)


def policy_for(network: Network) -> MatchingPolicy:
    """The network's policy. A network whose members never changed it has no row: it gets the
    defaults, unsaved (a read never writes)."""
    policy = MatchingPolicy.objects.filter(network=network).first()
    return policy or MatchingPolicy(network=network)


# --- Explanations ---------------------------------------------------------------------------


def _slot_label(slot: Any) -> str:
    index = AVAILABILITY_SLOTS.index(slot) if isinstance(slot, str) else int(slot)
    day, part = divmod(index, len(DAY_PARTS))
    return f"{DAYS[day][1]} {DAY_PARTS[part][1]}"


def _phrase(fact: str, value: Any) -> str | None:
    """One fact from the engine's explanation, in the active language; None if unknown."""
    if fact == "distance_km":
        return _("%(km)s km away") % {"km": f"{float(value):.1f}"}
    if fact in {"language", "shared_language"}:
        return _("speaks %(language)s") % {"language": LANGUAGE_LABELS.get(str(value), value)}
    if fact in {"slot", "shared_slot", "free_slot"}:
        return _("free %(when)s") % {"when": _slot_label(value)}
    if fact in {"recent_load", "load"}:
        count = int(value)
        if count == 0:
            return _("has not helped yet this month")
        return ngettext("helped once recently", "helped %(n)d times recently", count) % {"n": count}
    if fact in {"capacity", "capacity_left"}:
        count = int(value)
        return ngettext("can take %(n)d more task", "can take %(n)d more tasks", count) % {
            "n": count
        }
    if fact == "skill":
        return _("offers %(what)s") % {"what": value}
    return None


def explanation_phrases(facts: Iterable[Sequence[Any]]) -> list[str]:
    """The engine's (fact, value) pairs as short phrases, e.g. ["1.2 km away", "speaks
    Spanish", "free Saturday morning"]. Facts this version cannot put in words are left out."""
    phrases = []
    for item in facts:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        try:
            phrase = _phrase(str(item[0]), item[1])
        except (TypeError, ValueError, IndexError):
            phrase = None
        if phrase:
            phrases.append(phrase)
    return phrases


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
    helpers: Iterable[Member], *, policy: MatchingPolicy, now: datetime
) -> dict[int, int]:
    """Tasks each helper may still be asked to take: the smaller of what is left of their own
    weekly cap (over the last 7 days) and of the network's cap (over its period), counting
    matches accepted in that time and every suggestion or offer still waiting for an answer."""
    helpers = list(helpers)
    ids = [h.pk for h in helpers]
    mine = Match.objects.filter(helper__in=ids)
    taken = mine.filter(state__in=TAKEN_STATES)
    week = _counts(taken.filter(accepted_at__gte=now - timedelta(days=OWN_CAP_DAYS)), "helper")
    period = _counts(
        taken.filter(accepted_at__gte=now - timedelta(days=policy.cap_period_days)), "helper"
    )
    pending = _counts(mine.filter(state__in=PENDING_STATES), "helper")
    return {
        h.pk: max(
            0,
            min(
                h.weekly_task_cap - week[h.pk] - pending[h.pk],
                policy.helper_cap - period[h.pk] - pending[h.pk],
            ),
        )
        for h in helpers
    }


def recent_load(helper_ids: Iterable[int], *, now: datetime) -> Counter[int]:
    """Tasks each helper took on in the last four weeks."""
    since = now - timedelta(days=RECENT_DAYS)
    return _counts(
        Match.objects.filter(
            helper__in=list(helper_ids), state__in=TAKEN_STATES, accepted_at__gte=since
        ),
        "helper",
    )


def help_received(requester_ids: Iterable[int], *, now: datetime) -> Counter[int]:
    """Times each requester was helped (a helper accepted) in the last four weeks."""
    since = now - timedelta(days=RECENT_DAYS)
    return _counts(
        Match.objects.filter(
            need__requester__in=list(requester_ids),
            state__in=TAKEN_STATES,
            accepted_at__gte=since,
        ),
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


def pair_ended_without_help(*, need_id: int, helper_id: int) -> bool:
    return Match.objects.filter(
        need_id=need_id, helper_id=helper_id, state__in=ENDED_WITHOUT_HELP
    ).exists()
