"""Allowed actions: the API's `actions` on a proposal or a concern are what the services then
allow, and nothing they refuse, for the author, another member, the member a concern is about,
and a voter."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.core.errors import Conflict, PermissionDenied
from mutualaid.governance.models import Proposal
from mutualaid.governance.services.concern_start import concern_raise
from mutualaid.governance.services.concerns import concern_answer, concern_open_vote, concern_vote
from mutualaid.governance.services.proposals import (
    proposal_comment,
    proposal_open,
    proposal_vote,
    proposal_withdraw,
)
from tests.api.conftest import api_client_for
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def actions_of(member, path):
    response = api_client_for(member).get(path)
    assert response.status_code == 200, response.content
    return response.json()["actions"]


def open_proposal(author):
    return proposal_open(
        actor=author,
        title="Buy a second freezer",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
    )


def test_the_proposal_actions_are_what_the_services_allow_to_author_and_member(network):
    # given a proposal by Ada, and Ben, another member
    ada, ben = MemberFactory(network=network), MemberFactory(network=network)
    proposal = open_proposal(ada)
    path = f"/governance/proposals/{proposal.pk}"
    # then the author may vote, comment and withdraw; Ben may vote and comment
    assert actions_of(ada, path) == ["vote", "comment", "withdraw"]
    assert actions_of(ben, path) == ["vote", "comment"]
    # and the list gives the same, read from each proposal
    [listed] = api_client_for(ben).get("/governance/proposals").json()["items"]
    assert listed["actions"] == ["vote", "comment"]
    # and what Ben is not offered, the service refuses him
    with pytest.raises(PermissionDenied):
        proposal_withdraw(actor=ben, proposal=proposal)
    # when Ben votes (offered), it counts; then he may only comment, and the author may no
    # longer withdraw a proposal someone voted on
    proposal_vote(actor=ben, proposal=proposal, choice="consent")
    proposal_comment(actor=ben, proposal=proposal, body="Good idea")
    assert actions_of(ben, path) == ["comment"]
    assert actions_of(ada, path) == ["vote", "comment"]
    with pytest.raises(Conflict):
        proposal_vote(actor=ben, proposal=proposal, choice="consent")
    with pytest.raises(Conflict):
        proposal_withdraw(actor=ada, proposal=proposal)


def test_a_closed_proposal_offers_no_vote_and_the_service_refuses_one(network):
    ada, ben = MemberFactory(network=network), MemberFactory(network=network)
    proposal = open_proposal(ada)
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        opens_at=now - timedelta(days=2), deadline=now - timedelta(seconds=1)
    )
    assert "vote" not in actions_of(ben, f"/governance/proposals/{proposal.pk}")
    with pytest.raises(Conflict):
        proposal_vote(actor=ben, proposal=proposal, choice="consent")


def test_the_proposal_page_shows_only_the_offered_buttons(network):
    ada, ben = MemberFactory(network=network), MemberFactory(network=network)
    proposal = open_proposal(ada)
    detail = reverse(
        "governance:proposal_detail", kwargs={"slug": network.slug, "proposal_id": proposal.pk}
    )
    assert "Withdraw my proposal" in client_for(ada).get(detail).content.decode()
    body = client_for(ben).get(detail).content.decode()
    assert "Withdraw my proposal" not in body
    assert "Cast my vote" in body


def test_the_concern_actions_are_what_the_services_allow_to_each_side(network):
    # given Rita raises a concern about Abel; Vera is another member
    rita, abel, vera = (MemberFactory(network=network) for _ in range(3))
    concern = concern_raise(actor=rita, about=abel, text="Took the keys home twice.")
    path = f"/governance/concerns/{concern.pk}"
    # then Abel may answer or open the vote; Rita may do neither yet
    assert actions_of(abel, path) == ["answer", "open_vote"]
    assert actions_of(rita, path) == []
    with pytest.raises(PermissionDenied):
        concern_open_vote(actor=rita, concern=concern)
    with pytest.raises(PermissionDenied):
        concern_answer(actor=rita, concern=concern, text="Not mine to answer")
    # when Abel answers (offered), the vote opens: Vera and Rita may vote, Abel may not
    concern = concern_answer(actor=abel, concern=concern, text="I was covering a shift.")
    assert actions_of(vera, path) == ["vote"]
    assert actions_of(rita, path) == ["vote"]
    assert actions_of(abel, path) == []
    with pytest.raises(PermissionDenied):
        concern_vote(actor=abel, concern=concern, choice="no_change")
    # and once Vera voted, she is offered nothing more and a second vote is refused
    concern_vote(actor=vera, concern=concern, choice="talk")
    assert actions_of(vera, path) == []
    with pytest.raises(Conflict):
        concern_vote(actor=vera, concern=concern, choice="talk")
