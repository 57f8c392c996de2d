"""Races in the core loop, with real concurrent connections.

Each call runs in its own thread with its own database connection, and a barrier releases
them together. The outcome must be the same on SQLite (WAL, IMMEDIATE transactions) and on
PostgreSQL (read committed): one winner, and everyone else gets a readable Conflict, never an
IntegrityError or "database is locked".
"""

import pytest

from mutualaid.core.errors import Conflict, IllegalTransition
from mutualaid.core.models import HistoryEntry
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need
from tests.concurrency import run_together
from tests.factories import MemberFactory, NeedFactory

pytestmark = pytest.mark.django_db(transaction=True)

ALREADY_HELPING = "Someone else is already helping with this need."


def conflicts(outcomes: list[object]) -> list[Exception]:
    return [o for o in outcomes if isinstance(o, Exception)]


def test_twenty_simultaneous_accepts_leave_exactly_one_helper(database):
    # given a single-helper need with twenty offers of help waiting for an answer
    need = NeedFactory()
    helpers = [MemberFactory(network=need.network) for _ in range(20)]
    match_ids = [services.match_propose(actor=h, need=need).pk for h in helpers]
    matches = [Match.objects.get(pk=pk) for pk in match_ids]
    requester = need.requester

    # when the requester's twenty accepts arrive at the same moment
    outcomes = run_together(
        [lambda m=m: services.match_accept(actor=requester, match=m) for m in matches]
    )

    # then exactly one wins and every other one is told, in words, that someone is helping
    winners = [o for o in outcomes if isinstance(o, Match)]
    errors = conflicts(outcomes)
    assert len(winners) == 1, outcomes
    assert len(errors) == 19
    assert all(type(e) is Conflict for e in errors), {type(e).__name__ for e in errors}
    assert {e.message for e in errors} == {ALREADY_HELPING}
    states = list(Match.objects.filter(need=need).values_list("state", flat=True))
    assert states.count(Match.State.ACCEPTED) == 1
    assert states.count(Match.State.PROPOSED) == 19
    assert Match.objects.get(state=Match.State.ACCEPTED).pk == winners[0].pk
    need.refresh_from_db()
    assert need.status == Need.Status.MATCHED
    assert HistoryEntry.objects.filter(action="match.accept").count() == 1


def test_a_double_submitted_offer_of_help_makes_one_match(database):
    # given an open need and a helper whose browser sends "I can help" several times at once
    need = NeedFactory()
    helper = MemberFactory(network=need.network)

    # when the submits race
    outcomes = run_together(
        [lambda: services.match_propose(actor=helper, need=need, message="On my way")] * 5
    )

    # then one match exists and the others were refused in words
    errors = conflicts(outcomes)
    assert len([o for o in outcomes if isinstance(o, Match)]) == 1, outcomes
    assert all(type(e) is Conflict for e in errors), {type(e).__name__ for e in errors}
    assert {e.message for e in errors} == {"You have already offered to help with this need."}
    assert Match.objects.filter(need=need, helper=helper).count() == 1
    assert HistoryEntry.objects.filter(action="match.propose").count() == 1


def _match_in_progress() -> Match:
    need = NeedFactory()
    helper = MemberFactory(network=need.network)
    match = services.match_propose(actor=helper, need=need)
    match = services.match_accept(actor=need.requester, match=match)
    match = services.match_start(actor=helper, match=match)
    return Match.objects.select_related("need").get(pk=match.pk)


def test_both_sides_confirming_done_at_once_finish_the_match_once(database):
    # given a match in progress
    match = _match_in_progress()
    requester, helper = match.need.requester, match.helper
    copies = [Match.objects.get(pk=match.pk) for _ in range(2)]

    # when the requester and the helper confirm at the same moment
    outcomes = run_together(
        [
            lambda: services.match_confirm_done(actor=requester, match=copies[0]),
            lambda: services.match_confirm_done(actor=helper, match=copies[1]),
        ]
    )

    # then both confirmations count and the match and need are done, recorded once
    assert conflicts(outcomes) == []
    match.refresh_from_db()
    assert match.state == Match.State.DONE
    assert match.requester_confirmed_done
    assert match.helper_confirmed_done
    assert Need.objects.get(pk=match.need_id).status == Need.Status.DONE
    assert HistoryEntry.objects.filter(action="match.done", target_id=match.pk).count() == 1
    assert HistoryEntry.objects.filter(action="match.confirm_done").count() == 2


def test_a_double_submitted_done_confirmation_finishes_once(database):
    # given a match in progress that the helper has already confirmed
    match = _match_in_progress()
    services.match_confirm_done(actor=match.helper, match=match)
    requester = match.need.requester
    copies = [Match.objects.get(pk=match.pk) for _ in range(2)]

    # when the requester's confirmation is sent twice at the same moment
    outcomes = run_together(
        [lambda m=m: services.match_confirm_done(actor=requester, match=m) for m in copies]
    )

    # then one finishes the match and the other is refused without writing anything
    errors = conflicts(outcomes)
    assert len(errors) == 1, outcomes
    assert type(errors[0]) is IllegalTransition
    assert errors[0].message == "This cannot be done now: the match is done."
    match.refresh_from_db()
    assert match.state == Match.State.DONE
    assert Need.objects.get(pk=match.need_id).status == Need.Status.DONE
    assert HistoryEntry.objects.filter(action="match.done").count() == 1
    assert HistoryEntry.objects.filter(action="match.confirm_done").count() == 2
