"""Each need, offer and match the API returns says what the caller may do with it, and the
services then allow exactly that: one rule for both doors (needs/selectors.py)."""

import pytest

from mutualaid.core.errors import DomainError, NotFound
from mutualaid.needs import selectors, services
from mutualaid.needs.api import MatchAction, NeedAction, OfferAction
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Member
from tests.api.conftest import api_client_for
from tests.factories import MatchFactory, MemberFactory, OfferFactory


def allowed(call) -> bool:
    try:
        call()
    except DomainError:
        return False
    return True


def test_the_api_names_every_action_the_selectors_can_return():
    assert set(NeedAction.__args__) == set(selectors.NEED_ACTIONS)
    assert set(OfferAction.__args__) == set(selectors.OFFER_ACTIONS)
    assert set(MatchAction.__args__) == set(selectors.MATCH_ACTIONS)


# --- Needs


def test_a_need_tells_each_member_what_they_may_do(need, requester, helper):
    # given an open need, its requester, another member and an organiser
    organiser = MemberFactory(network=need.network, role=Member.Role.FOUNDING_ORGANISER)
    # when each reads it through the API
    actions = {
        who: api_client_for(member).get(f"/needs/{need.pk}").json()["actions"]
        for who, member in [("requester", requester), ("helper", helper), ("org", organiser)]
    }
    # then the requester may close it, a member may offer help, an organiser both
    assert actions == {
        "requester": ["close"],
        "helper": ["offer_help"],
        "org": ["offer_help", "close"],
    }


def test_what_the_need_lists_is_what_the_services_allow(need, requester, helper, bystander):
    for member in (requester, helper, bystander):
        listed = api_client_for(member).get(f"/needs/{need.pk}").json()["actions"]
        may_close = allowed(lambda m=member: services.need_close(actor=m, need=need))
        assert ("close" in listed) == may_close
        if may_close:
            break
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_offering_help_is_listed_exactly_while_the_service_would_take_it(need, requester, helper):
    # the requester may not offer to help with their own need
    assert "offer_help" not in selectors.need_actions(requester, need)
    assert not allowed(lambda: services.match_propose(actor=requester, need=need))
    # another member may, once
    assert "offer_help" in api_client_for(helper).get(f"/needs/{need.pk}").json()["actions"]
    assert allowed(lambda: services.match_propose(actor=helper, need=need))
    assert "offer_help" not in api_client_for(helper).get(f"/needs/{need.pk}").json()["actions"]
    assert not allowed(lambda: services.match_propose(actor=helper, need=need))


def test_only_the_requester_is_offered_the_still_needed_question(need, requester, helper):
    Need.objects.filter(pk=need.pk).update(still_needed_asked_at=need.created_at)
    need.refresh_from_db()
    assert "answer_still_needed" in selectors.need_actions(requester, need)
    assert "answer_still_needed" not in selectors.need_actions(helper, need)
    call = services.need_answer_still_needed
    assert not allowed(lambda: call(actor=helper, need=need, still_needed=True))
    assert allowed(lambda: call(actor=requester, need=need, still_needed=True))


# --- Offers


def test_an_offer_may_be_changed_by_its_helper_and_blocked_by_anyone_else(helper, bystander):
    offer = OfferFactory(helper=helper)
    mine = api_client_for(helper).get("/offers", {"mine": "true"}).json()["items"][0]
    theirs = api_client_for(bystander).get("/offers").json()["items"][0]
    assert mine["actions"] == ["pause", "withdraw"]
    assert theirs["actions"] == ["block"]
    pause = services.offer_set_status
    assert not allowed(lambda: pause(actor=bystander, offer=offer, status=Offer.Status.PAUSED))
    assert allowed(lambda: pause(actor=helper, offer=offer, status=Offer.Status.PAUSED))
    offer.refresh_from_db()
    assert selectors.offer_actions(helper, offer) == ["resume", "withdraw"]


def test_a_withdrawn_offer_has_no_actions_for_its_helper(helper):
    offer = OfferFactory(helper=helper, status=Offer.Status.WITHDRAWN)
    assert selectors.offer_actions(helper, offer) == []
    assert not allowed(
        lambda: services.offer_set_status(actor=helper, offer=offer, status=Offer.Status.ACTIVE)
    )


# --- Matches


@pytest.fixture
def offered(need, helper):
    return services.match_propose(actor=helper, need=need)


def test_an_offer_of_help_lists_the_requesters_answer_and_the_helpers_withdrawal(
    offered, requester, helper
):
    as_requester = api_client_for(requester).get(f"/matches/{offered.pk}").json()["actions"]
    as_helper = api_client_for(helper).get(f"/matches/{offered.pk}").json()["actions"]
    assert as_requester == ["accept", "decline", "cancel", "block"]
    assert as_helper == ["cancel", "block"]
    # the helper may not accept their own offer; the requester may
    assert not allowed(lambda: services.match_accept(actor=helper, match=offered))
    assert allowed(lambda: services.match_accept(actor=requester, match=offered))


def test_every_listed_step_is_allowed_and_every_other_step_refused(offered, requester, helper):
    match = Match.objects.get(pk=offered.pk)
    services.match_accept(actor=requester, match=match)
    match = Match.objects.select_related("need").get(pk=offered.pk)
    steps = {
        "start": services.match_start,
        "accept": services.match_accept,
        "decline": services.match_decline,
        "agree": services.match_agree,
        "pass": services.match_pass,
        "confirm_done": services.match_confirm_done,
    }
    for member in (requester, helper):
        listed = selectors.match_actions(member, match)
        for name, step in steps.items():
            if name in listed:
                continue
            assert not allowed(lambda s=step, m=member: s(actor=m, match=match)), name
    assert selectors.match_actions(helper, match)[:1] == ["start"]
    assert allowed(lambda: services.match_start(actor=helper, match=match))


def test_a_suggestion_shows_only_to_its_helper_who_may_agree_or_pass(need, helper, bystander):
    suggestion = MatchFactory(
        need=need, helper=helper, state=Match.State.SUGGESTED, offered_at=None
    )
    # a suggestion does not say who asked, so the helper cannot block them from it
    assert selectors.match_actions(helper, suggestion) == ["agree", "pass"]
    with pytest.raises(NotFound):
        services.match_block(actor=helper, match=suggestion)
    assert selectors.match_actions(bystander, suggestion) == []
    assert not allowed(lambda: services.match_agree(actor=bystander, match=suggestion))
    assert allowed(lambda: services.match_agree(actor=helper, match=suggestion))
