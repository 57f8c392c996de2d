"""The proposal and agreement pages: who sees and does what, votes through the page, anonymous
ballots, and bad input refused with nothing written."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mutualaid.governance.models import (
    Agreement,
    AgreementVersion,
    Proposal,
    ProposalComment,
    Vote,
)
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from tests.conftest import client_for
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def url(name, network, **kwargs):
    return reverse(f"governance:{name}", kwargs={"slug": network.slug, **kwargs})


def open_proposal(author, *, method="consent", **kwargs):
    kwargs.setdefault("deadline", timezone.now() + timedelta(days=3))
    kwargs.setdefault("title", "Buy a second freezer")
    kwargs.setdefault("body", "The first one is full every Friday.")
    return proposal_open(actor=author, method=method, **kwargs)


def expire(proposal):
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        opens_at=now - timedelta(days=2), deadline=now - timedelta(seconds=1)
    )


def deadline_field(days=3):
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("name", ["proposals", "proposal_create", "agreements", "detail"])
def test_only_members_open_the_proposal_pages(network, requester, outsider, client, name):
    kwargs = {}
    if name == "detail":
        name, kwargs = "proposal_detail", {"proposal_id": open_proposal(requester).pk}
    page = url(name, network, **kwargs)
    response = client.get(page)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = client_for(outsider).get(page)
    assert response.status_code == 302
    assert response["Location"] == reverse("networks:public", kwargs={"slug": network.slug})
    response = client_for(requester).get(page)
    assert response.status_code == 200
    assert response.content.decode().count("<h1") == 1


def test_the_list_shows_open_proposals_first_then_decided(network, requester, helper):
    decided = open_proposal(requester, title="Paint the shed")
    proposal_vote(actor=helper, proposal=decided, choice="consent")
    expire(decided)
    proposal_close(proposal=Proposal.objects.get(pk=decided.pk), now=timezone.now())
    open_proposal(requester, title="Buy a freezer")
    body = client_for(helper).get(url("proposals", network)).content.decode()
    assert body.index("Buy a freezer") < body.index("Paint the shed")
    assert "Passed" in body


def test_opening_a_proposal_with_an_action_through_the_page(network, requester):
    response = client_for(requester).post(
        url("proposal_create", network),
        {
            "title": "Storm coming",
            "body": "Switch to disaster mode for the weekend.",
            "method": "consent",
            "deadline": deadline_field(),
            "action": "disaster_on",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.action == {"type": "disaster_mode", "params": {"on": True}}
    assert response["Location"] == url("proposal_detail", network, proposal_id=proposal.pk)
    body = client_for(requester).get(response["Location"]).content.decode()
    assert "Switch the network to disaster mode." in body


def test_opening_a_ranked_proposal_with_options_one_per_line(network, requester):
    response = client_for(requester).post(
        url("proposal_create", network),
        {
            "title": "Where do we meet?",
            "method": "ranked",
            "options": "Library\r\nPark\r\n\r\nChurch hall\r\n",
            "deadline": deadline_field(),
            "quorum": "2",
            "anonymous": "on",
        },
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.options == ["Library", "Park", "Church hall"]
    assert proposal.quorum == 2
    assert proposal.anonymous


@pytest.mark.parametrize(
    "change",
    [
        {"method": "dictator"},
        {"action": "launch_rockets"},
        {"title": "x" * 5000},
        {"body": "x" * 50_000},
        {"deadline": "tomorrow-ish"},
        {"method": "ranked", "options": "Only one"},
        {"action": "role_change_threshold", "role": "", "threshold_fraction": "0.5"},
        {"action": "agreement_adopt", "agreement": "Not A Slug!", "agreement_text": "x"},
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(network, requester, change):
    data = {"title": "A title", "method": "consent", "deadline": deadline_field(), **change}
    response = client_for(requester).post(url("proposal_create", network), data)
    assert 400 <= response.status_code < 500
    assert "Please check the form." in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_deadline_in_the_past_is_refused(network, requester):
    data = {"title": "Late", "method": "consent", "deadline": deadline_field(days=-1)}
    response = client_for(requester).post(url("proposal_create", network), data)
    assert response.status_code == 400
    assert "The deadline must be after the proposal opens." in response.content.decode()
    assert not Proposal.objects.exists()


def test_a_vote_through_the_page_counts_and_a_second_is_refused(network, requester, helper):
    proposal = open_proposal(requester, method="majority")
    page = client_for(helper)
    detail = page.get(url("proposal_detail", network, proposal_id=proposal.pk)).content.decode()
    assert 'type="radio"' in detail
    response = page.post(
        url("proposal_vote", network, proposal_id=proposal.pk),
        {"choice": "yes", "reason": "We need it"},
    )
    assert response.status_code == 302
    vote = Vote.objects.get()
    assert (vote.voter, vote.choice, vote.reason) == (helper, "yes", "We need it")
    body = page.get(url("proposal_detail", network, proposal_id=proposal.pk)).content.decode()
    # The ballot line itself: who, their choice in words, and their reason.
    assert re.search(r"Hugo:\s*Yes\s*— We need it", body), body
    assert "You have voted on this proposal." in body
    response = page.post(url("proposal_vote", network, proposal_id=proposal.pk), {"choice": "no"})
    assert response.status_code == 409
    assert "You have already voted on this proposal." in response.content.decode()
    assert Vote.objects.count() == 1


def test_voting_after_the_deadline_is_refused(network, requester, helper):
    proposal = open_proposal(requester)
    expire(proposal)
    response = client_for(helper).post(
        url("proposal_vote", network, proposal_id=proposal.pk), {"choice": "consent"}
    )
    assert response.status_code == 409
    assert "Voting has closed on this proposal." in response.content.decode()
    assert not Vote.objects.exists()


def test_a_ranked_ballot_is_one_select_per_option(network, requester, helper):
    proposal = open_proposal(requester, method="ranked", options=["Library", "Park", "Hall"])
    page = client_for(helper)
    body = page.get(url("proposal_detail", network, proposal_id=proposal.pk)).content.decode()
    assert body.count('<select name="rank_') == 3
    response = page.post(
        url("proposal_vote", network, proposal_id=proposal.pk),
        {"rank_0": "2", "rank_1": "1", "rank_2": ""},
    )
    assert response.status_code == 302
    assert Vote.objects.get().ranking == ["Park", "Library"]


def test_a_ranked_ballot_with_a_rank_given_twice_is_refused(network, requester, helper):
    proposal = open_proposal(requester, method="ranked", options=["Library", "Park"])
    response = client_for(helper).post(
        url("proposal_vote", network, proposal_id=proposal.pk), {"rank_0": "1", "rank_1": "1"}
    )
    assert response.status_code == 400
    assert "Give each rank to one option only." in response.content.decode()
    assert not Vote.objects.exists()


def test_a_score_ballot_counts(network, requester, helper):
    proposal = open_proposal(requester, method="score", options=["Soup", "Stew"])
    page = client_for(helper)
    body = page.get(url("proposal_detail", network, proposal_id=proposal.pk)).content.decode()
    assert body.count('type="number" name="score_') == 2
    response = page.post(
        url("proposal_vote", network, proposal_id=proposal.pk), {"score_0": "5", "score_1": "9"}
    )
    assert response.status_code == 400
    response = page.post(
        url("proposal_vote", network, proposal_id=proposal.pk), {"score_0": "5", "score_1": "2"}
    )
    assert response.status_code == 302
    assert Vote.objects.get().scores == {"Soup": 5, "Stew": 2}


def test_an_anonymous_proposal_never_shows_who_chose_what(network, requester, helper, bystander):
    proposal = open_proposal(requester, method="majority", anonymous=True)
    proposal_vote(actor=helper, proposal=proposal, choice="yes", reason="Hugo-reason")
    proposal_vote(actor=bystander, proposal=proposal, choice="no")
    expire(proposal)
    proposal_close(proposal=Proposal.objects.get(pk=proposal.pk), now=timezone.now())
    body = (
        client_for(requester)
        .get(url("proposal_detail", network, proposal_id=proposal.pk))
        .content.decode()
    )
    assert "2 members have voted." in body
    assert "Hugo" not in body
    assert "Bea" not in body


def test_a_ranked_outcome_shows_every_round(network, requester, helper, bystander):
    proposal = open_proposal(requester, method="ranked", options=["A", "B", "C"])
    voters = [helper, bystander, MemberFactory(network=network)]
    for voter, ranking in zip(voters, [["A"], ["B", "A"], ["C", "A"]], strict=True):
        proposal_vote(actor=voter, proposal=proposal, ranking=ranking)
    expire(proposal)
    closed = proposal_close(proposal=Proposal.objects.get(pk=proposal.pk), now=timezone.now())
    body = (
        client_for(requester)
        .get(url("proposal_detail", network, proposal_id=proposal.pk))
        .content.decode()
    )
    for number in range(1, len(closed.outcome["rounds"]) + 1):
        assert f"Round {number}" in body
    assert len(closed.outcome["rounds"]) >= 2


def test_comments_and_withdrawal(network, requester, helper):
    proposal = open_proposal(requester)
    response = client_for(helper).post(
        url("proposal_comment", network, proposal_id=proposal.pk), {"body": "Good idea"}
    )
    assert response.status_code == 302
    assert ProposalComment.objects.get().body == "Good idea"
    response = client_for(helper).post(
        url("proposal_comment", network, proposal_id=proposal.pk), {"body": "x" * 5000}
    )
    assert response.status_code == 400
    assert ProposalComment.objects.count() == 1
    # only the author sees and may use the withdraw button
    body = (
        client_for(helper)
        .get(url("proposal_detail", network, proposal_id=proposal.pk))
        .content.decode()
    )
    assert "Withdraw my proposal" not in body
    response = client_for(helper).post(url("proposal_withdraw", network, proposal_id=proposal.pk))
    assert response.status_code == 403
    response = client_for(requester).post(
        url("proposal_withdraw", network, proposal_id=proposal.pk)
    )
    assert response.status_code == 302
    assert Proposal.objects.get().status == Proposal.Status.WITHDRAWN


@pytest.mark.parametrize("action", ["proposal_detail", "proposal_vote", "proposal_comment"])
def test_unknown_and_other_networks_proposals_are_not_found(network, requester, outsider, action):
    theirs = open_proposal(outsider)
    page = client_for(requester)
    send = page.get if action == "proposal_detail" else page.post
    for proposal_id in (theirs.pk, 999_999):
        response = send(url(action, network, proposal_id=proposal_id), {"choice": "consent"})
        assert response.status_code == 404
    assert not Vote.objects.exists()
    assert not ProposalComment.objects.exists()


def test_the_agreements_page_shows_current_versions_with_review_dates(network, requester):
    agreement = Agreement.objects.create(network=network, slug="pantry", title="Pantry rules")
    AgreementVersion.objects.create(
        agreement=agreement,
        number=1,
        text="Take what you need.",
        adopted_at=timezone.now(),
        review_on=date(2027, 3, 1),
    )
    body = client_for(requester).get(url("agreements", network)).content.decode()
    assert "Pantry rules" in body
    assert "Take what you need." in body
    assert "Version 1" in body
    assert "2027" in body


def test_a_huge_proposal_id_is_not_found(network, requester):
    page = client_for(requester)
    response = page.get(url("proposal_detail", network, proposal_id=2**70))
    assert response.status_code == 404
    response = page.post(url("proposal_vote", network, proposal_id=2**70), {"choice": "consent"})
    assert response.status_code == 404
    assert not Vote.objects.exists()
