"""The proposals and agreements API: who may do what, votes that count, anonymous ballots, and
bad input refused in the shared error shape with nothing written."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from mutualaid.governance.models import (
    Agreement,
    AgreementVersion,
    Proposal,
    ProposalComment,
    Vote,
)
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from tests.api.conftest import ApiClient, api_client_for, assert_error
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def requester_api(requester):
    return api_client_for(requester)


@pytest.fixture
def helper_api(helper):
    return api_client_for(helper)


@pytest.fixture
def outsider_api(outsider):
    return api_client_for(outsider)


def open_proposal(author, *, method="consent", **kwargs):
    kwargs.setdefault("deadline", timezone.now() + timedelta(days=3))
    kwargs.setdefault("title", "Buy a second freezer")
    return proposal_open(actor=author, method=method, body="", **kwargs)


def expire(proposal):
    now = timezone.now()
    Proposal.objects.filter(pk=proposal.pk).update(
        opens_at=now - timedelta(days=2), deadline=now - timedelta(seconds=1)
    )


def new_proposal(**change):
    deadline = (timezone.now() + timedelta(days=3)).isoformat()
    return {"title": "Storm coming", "method": "consent", "deadline": deadline, **change}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/governance/proposals"),
        ("post", "/governance/proposals"),
        ("get", "/governance/proposals/1"),
        ("post", "/governance/proposals/1/votes"),
        ("post", "/governance/proposals/1/comments"),
        ("get", "/governance/agreements"),
    ],
)
def test_every_proposal_operation_needs_a_token(db, method, path):
    assert_error(getattr(ApiClient(None), method)(path), 401, "unauthorized")


def test_open_a_proposal_with_an_action_and_read_it(requester_api):
    body = new_proposal(action={"type": "disaster_mode", "params": {"on": True}})
    response = requester_api.post("/governance/proposals", body)
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["action_type"] == "disaster_mode"
    assert created["action_description"] == "Switch the network to disaster mode."
    assert created["status"] == "open"
    got = requester_api.get(f"/governance/proposals/{created['id']}").json()
    assert got["title"] == "Storm coming"
    listed = requester_api.get("/governance/proposals").json()
    assert [p["id"] for p in listed["items"]] == [created["id"]]


def test_the_list_puts_open_proposals_first(requester, helper, requester_api):
    decided = open_proposal(requester, title="Paint the shed")
    proposal_vote(actor=helper, proposal=decided, choice="consent")
    expire(decided)
    proposal_close(proposal=Proposal.objects.get(pk=decided.pk), now=timezone.now())
    fresh = open_proposal(requester, title="Buy a freezer")
    items = requester_api.get("/governance/proposals").json()["items"]
    assert [p["id"] for p in items] == [fresh.pk, decided.pk]
    assert items[1]["status"] == "passed"


@pytest.mark.parametrize(
    "change",
    [
        {"method": "dictator"},
        {"action": {"type": "launch_rockets", "params": {}}},
        {"action": {"type": "disaster_mode", "params": {"on": "maybe"}}},
        {"action": {"type": "role_change_threshold", "params": {"role": "nobody"}}},
        {"title": "x" * 5000},
        {"body": "x" * 50_000},
        {"options": ["only one"], "method": "ranked"},
        {"options": ["x" * 500, "y"], "method": "ranked"},
        {"deadline": "2020-01-01T00:00:00+00:00"},
        {"deadline": "tomorrow"},
        {"quorum": 0},
        {"title": "nul\x00"},
    ],
)
def test_bad_proposals_are_refused_and_nothing_is_written(requester_api, change):
    response = requester_api.post("/governance/proposals", new_proposal(**change))
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert not Proposal.objects.exists()


def test_a_vote_counts_and_a_second_is_refused(requester, helper, helper_api):
    proposal = open_proposal(requester, method="majority")
    path = f"/governance/proposals/{proposal.pk}/votes"
    response = helper_api.post(path, {"choice": "yes", "reason": "We need it"})
    assert response.status_code == 201, response.content
    assert response.json()["vote_count"] == 1
    assert response.json()["votes"][0]["voter_name"] == "Hugo"
    vote = Vote.objects.get()
    assert (vote.voter, vote.choice, vote.reason) == (helper, "yes", "We need it")
    body = assert_error(helper_api.post(path, {"choice": "no"}), 409, "conflict")
    assert body["message"] == "You have already voted on this proposal."
    assert Vote.objects.count() == 1


def test_ranked_and_score_ballots(requester, helper, helper_api):
    ranked = open_proposal(requester, method="ranked", options=["A", "B", "C"])
    response = helper_api.post(f"/governance/proposals/{ranked.pk}/votes", {"ranking": ["B", "A"]})
    assert response.status_code == 201
    score = open_proposal(requester, method="score", options=["Soup", "Stew"])
    path = f"/governance/proposals/{score.pk}/votes"
    assert_error(helper_api.post(path, {"scores": {"Soup": 9}}), 400)
    assert helper_api.post(path, {"scores": {"Soup": 5, "Stew": 1}}).status_code == 201
    assert Vote.objects.get(proposal=score).scores == {"Soup": 5, "Stew": 1}


def test_voting_after_the_deadline_is_refused(requester, helper_api):
    proposal = open_proposal(requester)
    expire(proposal)
    response = helper_api.post(f"/governance/proposals/{proposal.pk}/votes", {"choice": "consent"})
    body = assert_error(response, 409, "conflict")
    assert body["message"] == "Voting has closed on this proposal."
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    "ballot",
    [{"choice": "maybe"}, {"choice": "consent", "reason": "x" * 5000}, {"ranking": ["A"]}, {}],
)
def test_bad_ballots_are_refused(requester, helper_api, ballot):
    proposal = open_proposal(requester)
    response = helper_api.post(f"/governance/proposals/{proposal.pk}/votes", ballot)
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert not Vote.objects.exists()


def test_an_anonymous_proposal_never_says_who_chose_what(requester, helper, bystander):
    proposal = open_proposal(requester, method="majority", anonymous=True)
    proposal_vote(actor=helper, proposal=proposal, choice="yes")
    proposal_vote(actor=bystander, proposal=proposal, choice="no")
    expire(proposal)
    proposal_close(proposal=Proposal.objects.get(pk=proposal.pk), now=timezone.now())
    response = api_client_for(requester).get(f"/governance/proposals/{proposal.pk}")
    body = response.json()
    assert {v["voter_id"] for v in body["votes"]} == {None}
    assert {v["voter_name"] for v in body["votes"]} == {None}
    assert "Hugo" not in response.content.decode()
    assert "Bea" not in response.content.decode()


def test_a_ranked_outcome_gives_every_round(requester, helper, bystander, network):
    proposal = open_proposal(requester, method="ranked", options=["A", "B", "C"])
    voters = [helper, bystander, MemberFactory(network=network)]
    for voter, ranking in zip(voters, [["A"], ["B", "A"], ["C", "A"]], strict=True):
        proposal_vote(actor=voter, proposal=proposal, ranking=ranking)
    expire(proposal)
    proposal_close(proposal=Proposal.objects.get(pk=proposal.pk), now=timezone.now())
    outcome = (
        api_client_for(requester).get(f"/governance/proposals/{proposal.pk}").json()["outcome"]
    )
    assert len(outcome["rounds"]) >= 2
    assert outcome["rounds"][0]["tally"] == {"A": 1, "B": 1, "C": 1}


def test_comments(requester, helper_api):
    proposal = open_proposal(requester)
    path = f"/governance/proposals/{proposal.pk}/comments"
    response = helper_api.post(path, {"body": "Good idea"})
    assert response.status_code == 201
    assert response.json()["author_name"] == "Hugo"
    assert_error(helper_api.post(path, {"body": "x" * 5000}), 422)
    assert_error(helper_api.post(path, {"body": ""}), 422)
    assert ProposalComment.objects.count() == 1
    got = helper_api.get(f"/governance/proposals/{proposal.pk}").json()
    assert [c["body"] for c in got["comments"]] == ["Good idea"]


@pytest.mark.parametrize("which", ["other_network", "unknown", "huge"])
def test_other_networks_and_unknown_proposals_are_not_found(outsider, requester_api, which):
    ids = {"other_network": None, "unknown": 999_999, "huge": 2**70}
    proposal_id = ids[which] or open_proposal(outsider).pk
    expected = 422 if which == "huge" else 404
    assert_error(requester_api.get(f"/governance/proposals/{proposal_id}"), expected)
    vote = requester_api.post(f"/governance/proposals/{proposal_id}/votes", {"choice": "consent"})
    assert_error(vote, expected)
    comment = requester_api.post(f"/governance/proposals/{proposal_id}/comments", {"body": "hi"})
    assert_error(comment, expected)
    assert not Vote.objects.exists()
    assert not ProposalComment.objects.exists()


def test_another_networks_proposals_are_not_listed(outsider, requester_api):
    open_proposal(outsider)
    assert requester_api.get("/governance/proposals").json()["items"] == []


def test_agreements_list_current_versions_with_review_dates(network, outsider, requester_api):
    agreement = Agreement.objects.create(network=network, slug="pantry", title="Pantry rules")
    for number in (1, 2):
        AgreementVersion.objects.create(
            agreement=agreement,
            number=number,
            text=f"Version {number} text",
            adopted_at=timezone.now(),
            review_on=date(2027, 3, number),
        )
    theirs = Agreement.objects.create(network=outsider.network, slug="other", title="Theirs")
    AgreementVersion.objects.create(
        agreement=theirs, number=1, text="secret", adopted_at=timezone.now()
    )
    body = requester_api.get("/governance/agreements").json()
    assert body == [
        {
            "slug": "pantry",
            "title": "Pantry rules",
            "version": 2,
            "text": "Version 2 text",
            "adopted_at": body[0]["adopted_at"],
            "review_on": "2027-03-02",
        }
    ]
