"""Every step of the match and need state machines, legal and illegal, read from their tables.

Each case builds the starting state through the services (never by writing a state into a
row), tries one step as one person, and checks the outcome: the new state and exactly one
history entry, or a refusal of the right kind that leaves the states and history untouched.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.matching.services import suggestion_create
from mutualaid.needs import services
from mutualaid.needs.models import MATCH_TRANSITIONS, NEED_TRANSITIONS, Match, Need
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

ALREADY_HELPING = "Someone else is already helping with this need."
SIDES = ("requester", "helper")
STRANGERS = ("bystander", "outsider", "organiser")


@pytest.fixture
def people(need, helper, bystander, outsider):
    organiser = MemberFactory(network=need.network, role=Member.Role.FOUNDING_ORGANISER)
    return {
        "requester": need.requester,
        "helper": helper,
        "bystander": bystander,
        "outsider": outsider,
        "organiser": organiser,
    }


# --- Driving a match through the services ---------------------------------------------------


def do(action: str, actor: Member, match: Match) -> Match:
    """Take one step of MATCH_TRANSITIONS through its service."""
    if action == "agree":
        return services.match_agree(actor=actor, match=match)
    if action == "pass":
        return services.match_pass(actor=actor, match=match)
    if action == "lapse":  # the sweep, once the helper's time to answer has passed
        services.match_suggestions_lapse(now=timezone.now() + timedelta(days=30))
        match.refresh_from_db()
        return match
    if action == "release":
        return services.match_release(actor=actor, match=match, reason="My car broke down")
    if action == "cancel":
        return services.match_cancel(actor=actor, match=match, reason="Plans changed")
    step = {
        "accept": services.match_accept,
        "decline": services.match_decline,
        "start": services.match_start,
        "confirm_done": services.match_confirm_done,
    }[action]
    return step(actor=actor, match=match)


# The steps, as (action, side), that lead from a fresh offer of help to each state.
# A path starting with ("suggest", ...) starts from matching's suggestion to the helper.
PATHS: dict[str, list[tuple[str, str]]] = {
    Match.State.SUGGESTED: [("suggest", "system")],
    Match.State.PASSED: [("suggest", "system"), ("pass", "helper")],
    Match.State.EXPIRED: [("suggest", "system"), ("lapse", "system")],
    Match.State.PROPOSED: [],
    Match.State.ACCEPTED: [("accept", "requester")],
    Match.State.IN_PROGRESS: [("accept", "requester"), ("start", "helper")],
    Match.State.DONE: [
        ("accept", "requester"),
        ("start", "helper"),
        ("confirm_done", "helper"),
        ("confirm_done", "requester"),
    ],
    Match.State.DECLINED: [("decline", "requester")],
    Match.State.RELEASED: [("accept", "requester"), ("release", "helper")],
    Match.State.CANCELLED: [("cancel", "helper")],
}


def match_in(state: str, need: Need, people: dict[str, Member]) -> Match:
    steps = PATHS[state]
    if steps and steps[0][0] == "suggest":
        match = suggestion_create(need=need, helper=people["helper"])
        steps = steps[1:]
    else:
        match = services.match_propose(actor=people["helper"], need=need, message="I can help")
    for action, side in steps:
        match = do(action, people.get(side), match)
    assert match.state == state
    return match


def snapshot(match: Match) -> tuple[object, ...]:
    """Everything a refused step must leave as it was."""
    fresh = Match.objects.get(pk=match.pk)
    return (
        fresh.state,
        fresh.requester_confirmed_done,
        fresh.helper_confirmed_done,
        Need.objects.get(pk=match.need_id).status,
        HistoryEntry.objects.count(),
    )


def entries(action: str, match: Match) -> int:
    # A helper's answers to suggestions are "matching." entries: not on the public history page.
    actions = (f"match.{action}", f"matching.{action}")
    return HistoryEntry.objects.filter(action__in=actions, target_id=match.pk).count()


# --- Legal match steps ----------------------------------------------------------------------

LEGAL_STEPS = [
    pytest.param(action, start, side, id=f"{action}-from-{start}-by-{side}")
    for action, (starts, _end, sides) in MATCH_TRANSITIONS.items()
    for start in starts
    for side in sides
]
# Where the need stands after each legal step (confirm_done here is the first confirmation).
NEED_AFTER = {
    "agree": Need.Status.OPEN,
    "pass": Need.Status.OPEN,
    "accept": Need.Status.MATCHED,
    "decline": Need.Status.OPEN,
    "start": Need.Status.MATCHED,
    "confirm_done": Need.Status.MATCHED,
    "release": Need.Status.OPEN,
    "cancel": Need.Status.OPEN,
}


@pytest.mark.parametrize(("action", "start", "side"), LEGAL_STEPS)
def test_each_legal_match_step_moves_the_match_and_writes_one_history_entry(
    action, start, side, need, people
):
    # given a match in a state the step may start from
    match = match_in(start, need, people)
    history_before = HistoryEntry.objects.count()

    # when a side allowed to take the step takes it
    match = do(action, people[side], match)

    # then the match and need move as the table says, and one history entry records it
    end = MATCH_TRANSITIONS[action][1]
    if action == "confirm_done":
        assert match.state == Match.State.IN_PROGRESS  # one side's word is not enough
        assert getattr(match, f"{side}_confirmed_done") is True
    else:
        assert match.state == end
    assert Match.objects.get(pk=match.pk).state == match.state
    assert Need.objects.get(pk=need.pk).status == NEED_AFTER[action]
    assert entries(action, match) == 1
    assert HistoryEntry.objects.count() == history_before + 1


# --- Illegal match steps --------------------------------------------------------------------

WRONG_STATE = [
    pytest.param(action, state, side, id=f"{action}-from-{state}-by-{side}")
    for action, (starts, _end, sides) in MATCH_TRANSITIONS.items()
    for state in Match.State.values
    if state not in starts
    for side in sides
]


@pytest.mark.parametrize(("action", "state", "side"), WRONG_STATE)
def test_a_step_from_the_wrong_state_is_refused_and_changes_nothing(
    action, state, side, need, people
):
    # given a match in a state the step may not start from
    match = match_in(state, need, people)
    before = snapshot(match)

    # when a side that could otherwise take the step tries it
    with pytest.raises(IllegalTransition) as refused:
        do(action, people[side], match)

    # then it is refused in words that name the state, and nothing changed
    label = Match.State(state).label
    assert refused.value.message == f"This cannot be done now: the match is {label}."
    assert snapshot(match) == before


WRONG_PERSON = [
    pytest.param(action, starts[0], person, id=f"{action}-by-{person}")
    for action, (starts, _end, sides) in MATCH_TRANSITIONS.items()
    if sides  # steps no person may take have no door to try (see test_system_steps_*)
    for person in (*SIDES, *STRANGERS)
    if person not in sides
]


@pytest.mark.parametrize(("action", "state", "person"), WRONG_PERSON)
def test_a_step_by_the_wrong_person_is_refused_and_changes_nothing(
    action, state, person, need, people
):
    # given a match in a state the step may start from
    match = match_in(state, need, people)
    before = snapshot(match)

    # when the other side, a bystander, an organiser or another network's member tries it
    with pytest.raises(PermissionDenied) as refused:
        do(action, people[person], match)

    # then it is refused and nothing changed
    assert refused.value.message == "You are not allowed to do that."
    assert snapshot(match) == before


def test_every_state_is_reachable_and_every_step_is_covered():
    # The tables and these tests must not drift apart: a new state or step needs a path here.
    assert set(PATHS) == set(Match.State.values)
    assert set(MATCH_TRANSITIONS) == {
        "agree",
        "pass",
        "lapse",
        "withdraw",
        "accept",
        "decline",
        "start",
        "confirm_done",
        "release",
        "cancel",
    }


# --- Particular rules of the match machine --------------------------------------------------


def test_done_needs_both_sides_to_confirm(need, people):
    # given a match in progress
    match = match_in(Match.State.IN_PROGRESS, need, people)

    # when only the helper confirms, then it is not done yet
    match = services.match_confirm_done(actor=people["helper"], match=match)
    assert match.state == Match.State.IN_PROGRESS
    assert Need.objects.get(pk=need.pk).status == Need.Status.MATCHED

    # when the requester confirms too, then the match and the need are done, recorded once
    match = services.match_confirm_done(actor=people["requester"], match=match)
    assert match.state == Match.State.DONE
    assert match.done_at is not None
    assert Need.objects.get(pk=need.pk).status == Need.Status.DONE
    assert entries("done", match) == 1


def test_confirming_done_twice_from_one_side_is_refused(need, people):
    # given a match the helper has confirmed done
    match = match_in(Match.State.IN_PROGRESS, need, people)
    match = services.match_confirm_done(actor=people["helper"], match=match)
    before = snapshot(match)

    # when the helper confirms again
    with pytest.raises(Conflict) as refused:
        services.match_confirm_done(actor=people["helper"], match=match)

    # then it is refused and no second history entry is written
    assert refused.value.message == "You have already confirmed that this is done."
    assert snapshot(match) == before


@pytest.mark.parametrize("reason", ["", "   "])
def test_releasing_needs_a_reason(reason, need, people):
    # given an accepted match
    match = match_in(Match.State.ACCEPTED, need, people)
    before = snapshot(match)

    # when the helper releases it without saying why, then it is refused and nothing changed
    with pytest.raises(DomainError, match="This field is required."):
        services.match_release(actor=people["helper"], match=match, reason=reason)
    assert snapshot(match) == before


@pytest.mark.parametrize("state", [Match.State.ACCEPTED, Match.State.IN_PROGRESS])
def test_releasing_reopens_the_need_and_keeps_the_reason(state, need, people):
    # given an open match
    match = match_in(state, need, people)

    # when the helper steps back, saying why
    match = services.match_release(actor=people["helper"], match=match, reason="I got sick")

    # then the need is open for others again and the reason is kept for the requester
    assert match.release_reason == "I got sick"
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    ("state", "need_after"),
    [
        (Match.State.PROPOSED, Need.Status.OPEN),
        (Match.State.ACCEPTED, Need.Status.OPEN),
        (Match.State.IN_PROGRESS, Need.Status.OPEN),
    ],
)
def test_either_side_can_cancel_and_an_accepted_need_opens_again(
    side, state, need_after, need, people
):
    # given a live match
    match = match_in(state, need, people)

    # when either side calls it off
    match = services.match_cancel(actor=people[side], match=match, reason="Plans changed")

    # then it is cancelled by that side and the need is open
    assert match.state == Match.State.CANCELLED
    assert match.cancelled_by == side
    assert match.cancel_reason == "Plans changed"
    assert Need.objects.get(pk=need.pk).status == need_after


def test_accepting_a_second_helper_is_refused(need, people):
    # given a need with one helper accepted and a second offer waiting
    first = match_in(Match.State.ACCEPTED, need, people)
    second_helper = MemberFactory(network=need.network)
    second = services.match_propose(actor=second_helper, need=need)
    before = snapshot(second)

    # when the requester accepts the second one too
    with pytest.raises(Conflict) as refused:
        services.match_accept(actor=people["requester"], match=second)

    # then it is refused in words and the first helper stays the only one
    assert refused.value.message == ALREADY_HELPING
    assert snapshot(second) == before
    assert Match.objects.get(pk=first.pk).state == Match.State.ACCEPTED


def test_a_stale_copy_of_a_match_cannot_be_accepted_after_it_was_cancelled(need, people):
    # given the requester's page still shows an offer the helper has since withdrawn
    match = match_in(Match.State.PROPOSED, need, people)
    stale = Match.objects.get(pk=match.pk)
    services.match_cancel(actor=people["helper"], match=match)
    before = snapshot(match)

    # when the requester accepts from the stale page
    with pytest.raises(Conflict) as refused:
        services.match_accept(actor=people["requester"], match=stale)

    # then it is refused and the need is still open, with nothing half done
    assert refused.value.message == "Someone else changed this match first. Please reload."
    assert snapshot(match) == before


def test_a_declined_helper_cannot_offer_again_for_that_need(need, people):
    # given the requester declined the helper's offer
    match_in(Match.State.DECLINED, need, people)
    history_before = HistoryEntry.objects.count()

    # when the helper offers again
    with pytest.raises(Conflict) as refused:
        services.match_propose(actor=people["helper"], need=need)

    # then it is refused and no new match appears
    assert refused.value.message == "The requester has already answered your offer for this need."
    assert Match.objects.filter(need=need).count() == 1
    assert HistoryEntry.objects.count() == history_before


@pytest.mark.parametrize("state", [Match.State.RELEASED, Match.State.CANCELLED])
def test_a_helper_who_stepped_back_may_offer_again(state, need, people):
    # given the helper released or cancelled an earlier match on this need
    match_in(state, need, people)

    # when they offer again, then a new offer waits for the requester
    match = services.match_propose(actor=people["helper"], need=need)
    assert match.state == Match.State.PROPOSED


def test_a_requester_cannot_offer_to_help_with_their_own_need(need, people):
    with pytest.raises(DomainError) as refused:
        services.match_propose(actor=people["requester"], need=need)
    assert refused.value.message == "You cannot offer to help with your own need."
    assert not Match.objects.filter(need=need).exists()


def test_a_member_of_another_network_cannot_offer_help(need, people):
    with pytest.raises(PermissionDenied):
        services.match_propose(actor=people["outsider"], need=need)
    assert not Match.objects.filter(need=need).exists()


# --- The need machine -----------------------------------------------------------------------


def sweep_until_expired(need: Need) -> None:
    """Run the expiry sweep past the window, then past the grace for an unanswered question."""
    asked_at = max(need.window_end, timezone.now()) + timedelta(minutes=1)
    services.needs_expire_sweep(now=asked_at)
    services.needs_expire_sweep(now=asked_at + timedelta(days=30))


class World:
    """A need with a helper's match and a second helper's offer waiting, moved to a status."""

    def __init__(self, need: Need, people: dict[str, Member], status: str) -> None:
        self.need, self.people = need, people
        self.waiting = services.match_propose(actor=MemberFactory(network=need.network), need=need)
        self.match = match_in(
            {
                Need.Status.MATCHED: Match.State.IN_PROGRESS,
                Need.Status.DONE: Match.State.DONE,
            }.get(status, Match.State.PROPOSED),
            need,
            people,
        )
        if status == Need.Status.CLOSED:
            services.need_close(actor=people["requester"], need=need)
        elif status == Need.Status.EXPIRED:
            sweep_until_expired(need)
        need.refresh_from_db()
        assert need.status == status


# Each need step, taken through the door that causes it.
NEED_DOORS = {
    "match": lambda w: services.match_accept(actor=w.people["requester"], match=w.waiting),
    "reopen": lambda w: services.match_release(
        actor=w.people["helper"], match=w.match, reason="Something came up"
    ),
    "complete": lambda w: [
        services.match_confirm_done(actor=w.people[side], match=w.match) for side in SIDES
    ],
    "close": lambda w: services.need_close(actor=w.people["requester"], need=w.need),
    "expire": lambda w: sweep_until_expired(w.need),
}


@pytest.mark.parametrize(
    ("action", "status"),
    [
        pytest.param(action, status, id=f"{action}-from-{status}")
        for action, (starts, _end) in NEED_TRANSITIONS.items()
        for status in starts
    ],
)
def test_each_legal_need_step_moves_the_need(action, status, need, people):
    # given a need in a status the step may start from
    world = World(need, people, status)

    # when the step's door is used
    NEED_DOORS[action](world)

    # then the need is where the table says
    need.refresh_from_db()
    assert need.status == NEED_TRANSITIONS[action][1]


@pytest.mark.parametrize(
    ("action", "status"),
    [
        pytest.param(action, status, id=f"{action}-from-{status}")
        for action, (starts, _end) in NEED_TRANSITIONS.items()
        for status in Need.Status.values
        if status not in starts
    ],
)
def test_each_illegal_need_step_is_refused_and_changes_nothing(action, status, need, people):
    # given a need in a status the step may not start from
    world = World(need, people, status)
    history_before = HistoryEntry.objects.count()

    # when the step's door is used, then it is refused (the sweep just passes the need by)
    if action == "expire":
        NEED_DOORS[action](world)
    else:
        with pytest.raises(DomainError) as refused:
            NEED_DOORS[action](world)
        assert refused.value.message
        assert not isinstance(refused.value, PermissionDenied)

    # and the need and its history are as they were
    need.refresh_from_db()
    assert need.status == status
    assert HistoryEntry.objects.count() == history_before


def test_every_need_step_has_a_door():
    assert set(NEED_DOORS) == set(NEED_TRANSITIONS)


@pytest.mark.parametrize("status", [Need.Status.OPEN, Need.Status.MATCHED])
def test_closing_a_need_cancels_its_live_matches(status, need, people):
    # given a need with a helper's match and another offer waiting
    world = World(need, people, status)

    # when the requester closes it
    services.need_close(actor=people["requester"], need=need)

    # then every live match on it is cancelled and each cancellation is recorded
    for match in (world.waiting, world.match):
        match.refresh_from_db()
        assert match.state == Match.State.CANCELLED
        assert entries("cancel", match) == 1
    assert HistoryEntry.objects.filter(action="need.close", target_id=need.pk).count() == 1


@pytest.mark.parametrize("status", [Need.Status.DONE, Need.Status.CLOSED, Need.Status.EXPIRED])
def test_closing_a_finished_need_is_refused(status, need, people):
    World(need, people, status)
    with pytest.raises(IllegalTransition) as refused:
        services.need_close(actor=people["requester"], need=need)
    assert refused.value.message == "This need is already finished."


def test_an_organiser_may_close_a_need_but_a_bystander_or_outsider_may_not(need, people):
    for person in ("bystander", "outsider"):
        with pytest.raises(PermissionDenied):
            services.need_close(actor=people[person], need=need)
        assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    services.need_close(actor=people["organiser"], need=need)
    assert Need.objects.get(pk=need.pk).status == Need.Status.CLOSED


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (Need.Status.MATCHED, ALREADY_HELPING),
        (Need.Status.DONE, "This need is no longer open."),
        (Need.Status.CLOSED, "This need is no longer open."),
        (Need.Status.EXPIRED, "This need is no longer open."),
    ],
)
def test_offering_help_with_a_need_that_is_not_open_is_refused(status, message, need, people):
    # given a need that is no longer open
    World(need, people, status)
    newcomer = MemberFactory(network=need.network)

    # when someone new offers to help, then they are told why not
    with pytest.raises(Conflict) as refused:
        services.match_propose(actor=newcomer, need=need)
    assert refused.value.message == message
    assert not Match.objects.filter(need=need, helper=newcomer).exists()
