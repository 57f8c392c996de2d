"""Every write about matching: suggesting a helper for a need, a network's policy, batch runs.

A suggestion is a Match in the `suggested` state (see MATCH_TRANSITIONS in needs/models.py):
the helper says yes or no, and only a yes reaches the requester. Every rule that decides
whether a pair may be suggested is checked here, at write time, whoever asks: the engine's
batch, an organiser's "Ask them", or the requester's.
"""

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from mutualaid.core.history import history_record
from mutualaid.matching.adapter import Lookup, NotInNetwork, core_policy, explanation_for
from mutualaid.matching.core import Problem, solve
from mutualaid.matching.models import MatchingPolicy
from mutualaid.matching.selectors import (
    capacity_left,
    is_active_member,
    may_see_candidates,
    pair_ended_without_help,
    policy_for,
    problem_for_network,
)
from mutualaid.needs.models import Match, Need
from mutualaid.needs.selectors import blocked_between
from mutualaid.networks.models import Member, Network


def _check_pair(need: Need, helper: Member, *, policy: MatchingPolicy, now: datetime) -> None:
    """Everything that makes a (need, helper) pair unsuggestable, as a readable error."""
    if helper.network_id != need.network_id:
        raise InvalidInput(_("That helper is not a member of this network."))
    if not is_active_member(helper):
        raise Conflict(_("That member is not taking part at the moment."))
    if helper.pk == need.requester_id:
        raise InvalidInput(_("Nobody can be asked to help with their own need."))
    if blocked_between(helper.pk, need.requester_id):
        raise Conflict(_("These two people cannot be matched with each other."))
    if pair_ended_without_help(need_id=need.pk, helper_id=helper.pk):
        raise Conflict(_("This helper was already asked about this need, or stepped back."))
    if capacity_left([helper], policy=policy, now=now)[helper.pk] <= 0:
        raise Conflict(_("This helper has no room for another task at the moment."))


@transaction.atomic
def suggestion_create(
    *,
    need: Need,
    helper: Member,
    origin: str = Match.Origin.ENGINE,
    explanation: Sequence[Sequence[Any]] = (),
    actor: Member | None = None,
    now: datetime | None = None,
    policy: MatchingPolicy | None = None,
) -> Match:
    """Ask one helper whether they can help with one need. The helper answers yes or no; the
    requester hears only of a yes. `actor` is the member who asked (None for the engine).

    Race-safe: the need and the helper are locked by conditional updates before the rules are
    checked, so a need closed, or a helper filled up, by another transaction at the same moment
    is seen, on SQLite and PostgreSQL alike."""
    now = now or timezone.now()
    policy = policy or policy_for(need.network)
    if actor is not None and not may_see_candidates(actor, need, policy):
        raise PermissionDenied()
    if helper.network_id != need.network_id:
        raise InvalidInput(_("That helper is not a member of this network."))
    if not Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(status=F("status")):
        raise Conflict(_("This need is no longer open."))
    Member.objects.filter(pk=helper.pk).update(weekly_task_cap=F("weekly_task_cap"))
    _check_pair(need, helper, policy=policy, now=now)
    try:
        with transaction.atomic():
            match = Match.objects.create(
                need=need,
                helper=helper,
                state=Match.State.SUGGESTED,
                origin=origin,
                explanation=[[str(fact), value] for fact, value in explanation],
                expires_at=now + timedelta(hours=policy.suggestion_hours),
            )
    except IntegrityError:
        raise Conflict(_("This helper is already involved with this need.")) from None
    history_record(
        actor=actor, network=need.network, action="matching.suggest", target=match, origin=origin
    )
    match_id = match.pk
    notice_send("match.suggested", match_id)
    return match


# --- Policy ---------------------------------------------------------------------------------

WEIGHTS = (
    "weight_distance",
    "weight_load",
    "weight_urgency",
    "weight_waiting",
    "weight_fairness",
    "weight_area",
)
# field -> (low, high) for numbers; booleans are listed with None.
POLICY_FIELDS: dict[str, tuple[float, float] | None] = {
    **dict.fromkeys(WEIGHTS, (0.0, 100.0)),
    "helper_cap": (1, 50),
    "cap_period_days": (1, 31),
    "suggestion_hours": (1, 336),
    "asks_per_need": (1, 5),
    "ask_next_after_hours": (0, 168),
    "rotate_first": None,
    "requester_sees_suggestions": None,
    "batch_enabled": None,
}


def policy_value_clean(field: str, value: object) -> object:
    """One setting of the matching policy, checked against its bounds: a yes/no, a whole
    number, or (for the weights) any number in range. Raises InvalidInput."""
    bounds = POLICY_FIELDS[field]
    if bounds is None:
        if not isinstance(value, bool):
            message = _("Choose yes or no.")
            raise InvalidInput(message, fields={field: [message]})
        return value
    low, high = bounds
    number = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if number is not None and field not in WEIGHTS and not isinstance(number, int):
        number = None  # only the weights take fractions
    if number is None or not low <= number <= high:
        message = _("Enter a number from %(low)s to %(high)s.") % {"low": low, "high": high}
        raise InvalidInput(message, fields={field: [message]})
    return float(number) if field in WEIGHTS else number


@transaction.atomic
def policy_change(
    *, network: Network, changes: dict[str, object], proposal: Any = None
) -> MatchingPolicy:
    """Change the network's matching policy. Called when a governance proposal to change it
    passes (`proposal` is recorded with the change) or by the server's operator. Every value
    is checked first: nothing changes unless all of them are valid."""
    if not changes:
        raise InvalidInput(_("Say what to change."))
    unknown = sorted(set(changes) - set(POLICY_FIELDS))
    if unknown:
        raise InvalidInput(
            _("Matching has no setting called %(names)s.") % {"names": ", ".join(unknown)},
            fields={name: [_("Unknown setting.")] for name in unknown},
        )
    cleaned = {field: policy_value_clean(field, value) for field, value in changes.items()}
    policy, _created = MatchingPolicy.objects.get_or_create(network=network)
    MatchingPolicy.objects.filter(pk=policy.pk).update(**cleaned, updated_at=timezone.now())
    policy.refresh_from_db()
    history_record(
        actor=None,
        network=network,
        action="matching.policy_change",
        target=policy,
        changes=cleaned,
        proposal=getattr(proposal, "pk", None),
    )
    return policy


# --- Writing the engine's proposals ---------------------------------------------------------


@dataclass(frozen=True)
class WriteSummary:
    created: int
    skipped: int
    match_ids: tuple[int, ...] = ()


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


# --- Batch runs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RunSummary:
    """What one matching run did, for the CLI's table, the task log and the history."""

    network: str
    open_needs: int
    helpers: int
    candidates: int
    proposed: int
    unmatched: int
    skipped: int
    seconds: float
    dry_run: bool
    regions: int = 1


def _stat(stats: Any, *names: str) -> int:
    for name in names:
        value = stats.get(name) if isinstance(stats, dict) else getattr(stats, name, None)
        if value is not None:
            return int(value)
    return 0


def matching_run(
    *,
    network: Network,
    dry_run: bool = False,
    now: datetime | None = None,
    need_ids: Sequence[int] | None = None,
    workers: int = 1,
) -> RunSummary:
    """Match the network's open needs with its helpers and suggest each proposed pair to its
    helper. With `dry_run`, solve and count but write nothing. `need_ids` limits the run to
    some needs (one region's, when a large network is split across workers).

    Not atomic as a whole: each suggestion is written in its own transaction, re-checked at
    write time, so a long run never holds locks and a pair that went stale is skipped."""
    started = time.perf_counter()
    now = now or timezone.now()
    problem, lookup = problem_for_network(network, now=now, need_ids=need_ids)
    if problem.n_needs == 0 or problem.n_helpers == 0:
        return RunSummary(
            network=network.slug,
            open_needs=problem.n_needs,
            helpers=problem.n_helpers,
            candidates=0,
            proposed=0,
            unmatched=problem.n_needs,
            skipped=0,
            seconds=round(time.perf_counter() - started, 3),
            dry_run=dry_run,
        )
    result = solve(problem, core_policy(lookup.policy), workers=workers)
    pairs = list(zip(result.need_id.tolist(), result.helper_id.tolist(), strict=True))
    written = WriteSummary(created=0, skipped=0)
    if not dry_run and pairs:
        written = proposals_write(network, pairs, problem=problem, lookup=lookup)
    summary = RunSummary(
        network=network.slug,
        open_needs=problem.n_needs,
        helpers=problem.n_helpers,
        candidates=_stat(result.stats, "candidates", "n_candidates", "arcs"),
        proposed=len(pairs) if dry_run else written.created,
        unmatched=len(result.unmatched_need_id),
        skipped=written.skipped,
        seconds=round(time.perf_counter() - started, 3),
        dry_run=dry_run,
        regions=_stat(result.stats, "regions") or 1,
    )
    if not dry_run:
        _record_run(network, summary)
    return summary


@transaction.atomic
def _record_run(network: Network, summary: RunSummary) -> None:
    history_record(
        actor=None,
        network=network,
        action="matching.run",
        open_needs=summary.open_needs,
        helpers=summary.helpers,
        proposed=summary.proposed,
        unmatched=summary.unmatched,
    )


def suggestion_ask(*, actor: Member, need: Need, helper: Member) -> Match:
    """An organiser (or a requester the network allows) asks one helper, from the need's
    suggestions: the same as the engine's suggestion, with the same facts explained."""
    facts: list[list[Any]] = []
    if helper.network_id == need.network_id:
        try:
            problem, lookup = problem_for_network(
                need.network, need_ids=[need.pk], include_matched_needs=True
            )
            if need.pk in lookup.need_rows and helper.pk in lookup.helper_rows:
                facts = explanation_for(
                    problem, lookup.need_row(need.pk), lookup.helper_row(helper.pk)
                )
        except (ImportError, ValueError):
            facts = []  # the words are a courtesy; the rules are checked below either way
    return suggestion_create(
        need=need, helper=helper, origin=Match.Origin.ASKED, explanation=facts, actor=actor
    )
