"""Suggestions: the helper's yes or no, what the requester sees, and the rules checked when a
suggestion is written, whoever asks."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.matching.services import policy_change, suggestion_create
from mutualaid.needs import selectors, services
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member
from tests.factories import MatchFactory, MemberFactory, NeedFactory


def test_a_suggestion_waits_for_the_helper_and_the_requester_never_sees_it(need, helper):
    # given matching suggests the need to a helper
    match = suggestion_create(need=need, helper=helper, explanation=[("distance_km", 1.2)])

    # then it waits for the helper, expires later, and is invisible to the requester
    assert match.state == Match.State.SUGGESTED
    assert match.expires_at > timezone.now()
    assert match.explanation == [["distance_km", 1.2]]
    assert not selectors.matches_on_need(member=need.requester, need=need).exists()
    assert selectors.matches_on_need(member=helper, need=need).get() == match


def test_the_helper_saying_yes_offers_the_help_to_the_requester(need, helper, mailoutbox):
    match = suggestion_create(need=need, helper=helper)

    match = services.match_agree(actor=helper, match=match)

    assert match.state == Match.State.PROPOSED
    assert match.offered_at is not None
    assert selectors.matches_on_need(member=need.requester, need=need).get() == match
    # and the requester can accept it as any offer
    match = services.match_accept(actor=need.requester, match=match)
    assert match.state == Match.State.ACCEPTED


def test_the_helper_saying_no_is_never_shown_to_the_requester(need, helper):
    match = suggestion_create(need=need, helper=helper)

    match = services.match_pass(actor=helper, match=match)

    assert match.state == Match.State.PASSED
    assert not selectors.matches_on_need(member=need.requester, need=need).exists()
    assert not selectors.matches_of_member(member=need.requester).exists()


def test_the_helper_is_emailed_about_a_suggestion_without_private_details(
    need, helper, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        suggestion_create(need=need, helper=helper, explanation=[("distance_km", 1.2)])

    [email] = mailoutbox
    assert "1.2 km away" in email.body
    assert email.to == [helper.user.email]
    assert "may need your help" in email.subject
    assert need.address not in email.body
    assert need.phone not in email.body


@pytest.mark.parametrize("ended", ["declined", "passed", "expired", "released", "cancelled"])
def test_a_pair_that_ended_without_help_is_never_suggested_again(need, helper, ended):
    MatchFactory(need=need, helper=helper, state=ended)

    with pytest.raises(Conflict, match="already asked"):
        suggestion_create(need=need, helper=helper)


def test_an_unanswered_suggestion_lapses(need, helper):
    match = suggestion_create(need=need, helper=helper)

    assert services.match_suggestions_lapse(now=timezone.now() + timedelta(hours=1)) == 0
    assert services.match_suggestions_lapse(now=timezone.now() + timedelta(days=2)) == 1
    match.refresh_from_db()
    assert match.state == Match.State.EXPIRED
    assert HistoryEntry.objects.filter(action="matching.lapse", target_id=match.pk).count() == 1


def test_the_network_sets_how_long_a_helper_has_to_answer(need, helper):
    policy_change(network=need.network, changes={"suggestion_hours": 2})

    match = suggestion_create(need=need, helper=helper)

    assert match.expires_at - match.created_at < timedelta(hours=2, minutes=1)


def test_a_live_suggestion_counts_as_a_live_match(need, helper):
    suggestion_create(need=need, helper=helper)

    with pytest.raises(Conflict):
        suggestion_create(need=need, helper=helper)


def test_offering_help_while_suggested_is_saying_yes(need, helper):
    match = suggestion_create(need=need, helper=helper)

    offered = services.match_propose(actor=helper, need=need, message="On my way")

    assert offered.pk == match.pk
    assert offered.state == Match.State.PROPOSED
    assert offered.message == "On my way"


def test_accepting_a_helper_withdraws_other_suggestions(need, helper, bystander):
    suggestion = suggestion_create(need=need, helper=bystander)
    offer = services.match_propose(actor=helper, need=need)

    services.match_accept(actor=need.requester, match=offer)

    suggestion.refresh_from_db()
    assert suggestion.state == Match.State.CANCELLED


def test_closing_the_need_withdraws_its_suggestions(need, helper):
    suggestion = suggestion_create(need=need, helper=helper)

    services.need_close(actor=need.requester, need=need)

    suggestion.refresh_from_db()
    assert suggestion.state == Match.State.CANCELLED


def test_saying_yes_to_a_need_that_closed_meanwhile_is_refused(need, helper):
    suggestion = suggestion_create(need=need, helper=helper)
    Need.objects.filter(pk=need.pk).update(status=Need.Status.CLOSED)

    with pytest.raises(Conflict):
        services.match_agree(actor=helper, match=suggestion)


# --- Bad input ------------------------------------------------------------------------------


def test_a_helper_from_another_network_is_refused_clearly(need, outsider):
    with pytest.raises(InvalidInput, match="not a member of this network"):
        suggestion_create(need=need, helper=outsider)


def test_nobody_is_suggested_for_their_own_need(need):
    with pytest.raises(InvalidInput, match="their own need"):
        suggestion_create(need=need, helper=need.requester)


def test_a_helper_with_no_room_left_is_not_suggested(need, helper):
    Member.objects.filter(pk=helper.pk).update(weekly_task_cap=0)
    helper.refresh_from_db()

    with pytest.raises(Conflict, match="no room"):
        suggestion_create(need=need, helper=helper)


def test_the_network_cap_counts_as_well_as_the_helpers_own(network, helper):
    policy_change(network=network, changes={"helper_cap": 1})
    first, second = (
        NeedFactory(requester=MemberFactory(network=network)),
        NeedFactory(requester=MemberFactory(network=network)),
    )
    suggestion_create(need=first, helper=helper)

    with pytest.raises(Conflict, match="no room"):
        suggestion_create(need=second, helper=helper)


def test_a_closed_need_is_not_suggested(need, helper):
    services.need_close(actor=need.requester, need=need)

    with pytest.raises(Conflict, match="no longer open"):
        suggestion_create(need=need, helper=helper)


def test_only_organisers_or_allowed_requesters_may_ask_a_helper(need, helper, bystander):
    with pytest.raises(PermissionDenied):
        suggestion_create(need=need, helper=helper, actor=bystander, origin="asked")
    with pytest.raises(PermissionDenied):
        suggestion_create(need=need, helper=helper, actor=need.requester, origin="asked")

    policy_change(network=need.network, changes={"requester_sees_suggestions": True})
    match = suggestion_create(need=need, helper=helper, actor=need.requester, origin="asked")
    assert match.origin == "asked"
    organiser = MemberFactory(network=need.network, role=Member.Role.FOUNDING_ORGANISER)
    other = MemberFactory(network=need.network)
    assert suggestion_create(need=need, helper=other, actor=organiser, origin="asked")


# --- Policy ---------------------------------------------------------------------------------


def test_a_policy_change_is_checked_recorded_and_applied(network):
    policy = policy_change(
        network=network, changes={"weight_distance": 2, "rotate_first": False, "helper_cap": 4}
    )

    assert policy.weight_distance == 2.0
    assert policy.rotate_first is False
    assert policy.helper_cap == 4
    entry = HistoryEntry.objects.get(action="matching.policy_change")
    assert entry.data["changes"]["helper_cap"] == 4


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({}, "Say what to change"),
        ({"colour": "red"}, "no setting called colour"),
        ({"helper_cap": 0}, "from 1 to 50"),
        ({"helper_cap": 2.5}, "from 1 to 50"),
        ({"weight_load": -1}, "from 0.0 to 100.0"),
        ({"weight_load": "heavy"}, "from 0.0 to 100.0"),
        ({"rotate_first": "yes"}, "yes or no"),
        ({"suggestion_hours": 1000}, "from 1 to 336"),
    ],
)
def test_a_bad_policy_change_is_refused_and_changes_nothing(network, changes, words):
    with pytest.raises(InvalidInput, match=words):
        policy_change(network=network, changes=changes)
    assert not HistoryEntry.objects.filter(action="matching.policy_change").exists()


def test_the_networks_history_page_never_shows_a_helpers_no_or_a_block(need, helper):
    from mutualaid.core.selectors import history_visible

    match = suggestion_create(need=need, helper=helper)
    services.match_pass(actor=helper, match=match)
    services.block_create(actor=need.requester, member=helper)

    actions = set(history_visible(member=need.requester).values_list("action", flat=True))

    assert not {a for a in actions if a.startswith(("matching.", "block."))}


def test_a_suggestion_withdrawn_before_an_answer_may_be_asked_again_if_the_need_reopens(
    need, helper, bystander
):
    # given a suggestion to the helper, withdrawn when the requester accepted someone else
    suggestion = suggestion_create(need=need, helper=helper)
    other = services.match_propose(actor=bystander, need=need)
    services.match_accept(actor=need.requester, match=other)
    # when that helper steps back and the need opens again
    services.match_release(actor=bystander, match=Match.objects.get(pk=other.pk), reason="Ill")

    # then the first helper, who never said no, may be asked again; the one who stepped back not
    again = suggestion_create(need=need, helper=helper)
    assert again.pk != suggestion.pk
    with pytest.raises(Conflict, match="already asked"):
        suggestion_create(need=need, helper=bystander)
