"""The fund policy is the group's decision: a passed proposal changes it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import InvalidInput
from mutualaid.core.models import HistoryEntry
from mutualaid.fund import selectors
from mutualaid.fund.services.accounts import policy_for
from mutualaid.governance.models import Proposal
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from tests.factories import MemberFactory


def decide(author, voters, action):
    proposal = proposal_open(
        actor=author,
        title="Approve small requests at once",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        action=action,
    )
    for voter in voters:
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    return proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))


def test_a_passed_proposal_changes_the_fund_policy(treasurer, network):
    action = {
        "type": "fund_policy_change",
        "params": {"auto_approve_up_to": 2500, "over_budget_rule": "lottery", "lottery_seed": "q3"},
    }
    proposal = decide(treasurer, [MemberFactory(network=network)], action)
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    policy = policy_for(network)
    assert (policy.auto_approve_up_to, policy.over_budget_rule) == (2500, "lottery")
    entry = HistoryEntry.objects.get(action="fund.policy_change")
    assert entry.data["reason"] == f"proposal {proposal.pk}"
    words = " ".join(selectors.policy_in_words(network=network))
    assert "Requests up to 25.00 USD are approved at once." in words


@pytest.mark.parametrize(
    "params",
    [{}, {"colour": "red"}, {"currency": "euros"}, {"approvals_needed": 0}, {"person_cap": -5}],
)
def test_a_fund_policy_change_the_fund_refuses_is_refused_when_opening(treasurer, params):
    with pytest.raises(InvalidInput):
        proposal_open(
            actor=treasurer,
            title="Change the fund",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "fund_policy_change", "params": params},
        )


def test_a_member_proposes_a_policy_change_from_the_fund_page(requester, network):
    from django.urls import reverse

    from tests.conftest import client_for

    response = client_for(requester).post(
        reverse("fund:policy_propose", kwargs={"slug": network.slug}),
        {"auto_approve_up_to": "25.00", "over_budget_rule": "least_received", "days": "5"},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.action == {
        "type": "fund_policy_change",
        "params": {"auto_approve_up_to": 2500, "over_budget_rule": "least_received"},
    }
