"""Fair shares are the group's decision: a passed proposal sets them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import InvalidInput
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Proposal
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from mutualaid.pantry.models import FairShareRule
from tests.factories import MemberFactory


def decide(author, voters, action):
    proposal = proposal_open(
        actor=author,
        title="Two cans of formula a week",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        action=action,
    )
    for voter in voters:
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    return proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))


def test_a_passed_proposal_sets_a_fair_share_rule(keeper, formula, network):
    voter = MemberFactory(network=network)
    action = {
        "type": "fair_share_change",
        "params": {"item": "baby formula", "quantity": 2, "period": "week"},
    }
    proposal = decide(keeper, [voter], action)
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    rule = FairShareRule.objects.get()
    assert (rule.item, rule.quantity, rule.period) == (formula, 2, "week")
    entry = HistoryEntry.objects.get(action="pantry.fair_share_set")
    assert entry.data["reason"] == f"proposal {proposal.pk}"


@pytest.mark.parametrize(
    "params",
    [
        {"item": "caviar", "quantity": 2, "period": "week"},
        {"category": "baby", "item": "Baby formula", "quantity": 2, "period": "week"},
        {"category": "baby", "quantity": -1, "period": "week"},
        {"category": "baby", "quantity": 2, "period": "fortnight"},
    ],
)
def test_a_fair_share_change_that_the_pantry_refuses_is_refused_when_opening(
    keeper, formula, params
):
    with pytest.raises(InvalidInput):
        proposal_open(
            actor=keeper,
            title="Change the fair share",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "fair_share_change", "params": params},
        )


def test_a_member_proposes_a_fair_share_from_the_rules_page(bystander, keeper, formula, network):
    from django.urls import reverse

    from tests.conftest import client_for

    url = reverse("pantry:rule_propose", kwargs={"slug": network.slug})
    data = {"item": formula.pk, "category": "", "quantity": "2", "period": "week", "days": "7"}
    response = client_for(bystander).post(url, data)
    proposal = Proposal.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"/proposals/{proposal.pk}/")
    assert proposal.title == "Fair share: Baby formula, up to 2 a week"
    assert proposal.action == {
        "type": "fair_share_change",
        "params": {"item": "Baby formula", "category": "", "quantity": 2, "period": "week"},
    }
    assert not FairShareRule.objects.exists()  # nothing changes until the network decides


def test_a_fair_share_proposal_opens_through_the_api_and_reads_in_plain_words(
    keeper, formula, network
):
    from tests.api.conftest import api_client_for
    from tests.conftest import client_for

    response = api_client_for(keeper).post(
        "/governance/proposals",
        {
            "title": "Two cans of formula a week",
            "body": "",
            "method": "consent",
            "deadline": (timezone.now() + timedelta(days=3)).isoformat(),
            "action": {
                "type": "fair_share_change",
                "params": {"item": "baby formula", "quantity": 2, "period": "week"},
            },
        },
    )
    assert response.status_code == 201, response.content
    proposal = Proposal.objects.get(pk=response.json()["id"])
    page = (
        client_for(keeper)
        .get(f"/n/{network.slug}/governance/proposals/{proposal.pk}/")
        .content.decode()
    )
    assert "at most 2 per household a week" in page
    assert "fair_share_change" not in page
