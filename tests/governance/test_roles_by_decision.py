"""Roles given by decision (the listener role): trust neither gives nor takes them; a passed
proposal naming the member does, and a lapsed term starts again only by another decision."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Proposal, Role, RoleHolding
from mutualaid.governance.services.proposals import proposal_open
from mutualaid.governance.services.roles import (
    governance_setup_network,
    role_grant_by_decision,
    roles_expire_terms,
    roles_recompute,
)
from mutualaid.governance.services.trust import trust_give, trust_revoke
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can
from tests.factories import MemberFactory, NetworkFactory
from tests.governance.test_actions_renew_and_concern import decide

pytestmark = pytest.mark.django_db


def fresh(member: Member) -> Member:
    return Member.objects.select_related("network").get(pk=member.pk)


@pytest.fixture
def trained(network):
    governance_setup_network(network=network)
    return MemberFactory(network=network, display_name="Tam Trained")


def grant(author, voters, member, kind="role_grant"):
    return decide(
        author, voters, {"type": kind, "params": {"role": "listener", "member": member.pk}}
    )


def test_the_listener_role_is_given_by_decision(network):
    governance_setup_network(network=network)
    assert Role.objects.get(network=network, slug="listener").granted_by == "decision"
    assert Role.objects.get(network=network, slug="moderator").granted_by == "trust"


def test_trust_alone_never_makes_a_listener(network, trained):
    # given three members who trust Tam: enough for every role given by trust
    for _ in range(3):
        trust_give(actor=MemberFactory(network=network), receiver=trained)
    trained = fresh(trained)
    assert can(trained, "network.moderate", network)
    # then Tam is still not a listener
    assert not can(trained, "care.listen", network)


def test_a_passed_proposal_makes_a_listener_and_another_takes_it_away(network, trained):
    author, voter = MemberFactory(network=network), MemberFactory(network=network)
    # when the network decides Tam did the training
    proposal = grant(author, [voter], trained)
    # then Tam listens, for a year, on record with the proposal
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    trained = fresh(trained)
    assert can(trained, "care.listen", network)
    holding = RoleHolding.objects.get(member=trained, role__slug="listener")
    assert holding.expires_at > timezone.now() + timedelta(days=360)
    assert HistoryEntry.objects.filter(
        action="role.gained", target_id=trained.pk, data__proposal=proposal.pk
    ).exists()
    # and trust coming and going changes nothing
    trust_give(actor=author, receiver=trained)
    trust_revoke(actor=author, receiver=trained)
    assert can(fresh(trained), "care.listen", network)
    # when the network decides to take it away, it ends at once
    proposal = grant(author, [voter], trained, kind="role_remove")
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    assert not can(fresh(trained), "care.listen", network)


def test_a_lapsed_listener_term_starts_again_only_by_a_new_decision(network, trained):
    author = MemberFactory(network=network)
    grant(author, [MemberFactory(network=network)], trained)
    holding = RoleHolding.objects.get(member=trained, role__slug="listener")
    roles_expire_terms(now=holding.expires_at + timedelta(seconds=1))
    roles_recompute(member=fresh(trained))
    assert not can(fresh(trained), "care.listen", network)
    # the renewal needs no trust for a role given by decision
    proposal = decide(
        author,
        [MemberFactory(network=network)],
        {"type": "role_renew", "params": {"role": "listener", "member": trained.pk}},
    )
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    assert can(fresh(trained), "care.listen", network)


def test_an_inactive_member_loses_a_role_given_by_decision(network, trained):
    grant(MemberFactory(network=network), [MemberFactory(network=network)], trained)
    # when Tam goes inactive and roles are counted again (as the inactivity sweep does)
    Member.objects.filter(pk=trained.pk).update(inactive_since=timezone.now())
    roles_recompute(member=fresh(trained))
    assert not RoleHolding.objects.filter(member=trained, role__slug="listener").exists()
    with pytest.raises(Conflict, match="inactive"):
        role_grant_by_decision(
            role=Role.objects.get(network=network, slug="listener"),
            member=fresh(trained),
            actor=MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER),
        )


@pytest.mark.parametrize(
    ("role", "member", "message"),
    [
        ("moderator", "trained", "given by trust"),
        ("nobody", "trained", "no such role"),
        ("listener", "outsider", "no member with that number"),
    ],
)
def test_a_grant_that_cannot_happen_is_refused_when_opening(
    network, trained, role, member, message
):
    outsider = MemberFactory(network=NetworkFactory())
    target = {"trained": trained, "outsider": outsider}[member]
    with pytest.raises(InvalidInput, match=message):
        proposal_open(
            actor=MemberFactory(network=network),
            title="Listener",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "role_grant", "params": {"role": role, "member": target.pk}},
        )


def test_granting_twice_or_removing_what_is_not_held_is_refused(network, trained):
    author = MemberFactory(network=network)
    grant(author, [MemberFactory(network=network)], trained)
    for kind, message in (("role_grant", "already holds"), ("role_remove", None)):
        if message is None:
            RoleHolding.objects.filter(member=trained).delete()
            message = "does not hold"
        with pytest.raises(InvalidInput, match=message):
            proposal_open(
                actor=author,
                title="Again",
                body="",
                method="consent",
                deadline=timezone.now() + timedelta(days=3),
                action={"type": kind, "params": {"role": "listener", "member": trained.pk}},
            )


def test_a_role_that_allows_listening_cannot_be_given_by_trust(network, trained):
    governance_setup_network(network=network)
    action = {
        "type": "role_create",
        "params": {
            "slug": "helpers",
            "name": "Helpers",
            "permissions": ["care.listen"],
            "threshold_fraction": "0.1",
            "threshold_cap": 1,
            "threshold_min": 1,
        },
    }
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput, match="given by decision"):
        proposal_open(
            actor=author,
            title="Helpers",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action=action,
        )
    # given by decision, the same role is created, and trust still gives nobody it
    action["params"]["granted_by"] = "decision"
    proposal = decide(author, [MemberFactory(network=network)], action)
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    trust_give(actor=author, receiver=trained)
    assert not can(fresh(trained), "care.listen", network)
