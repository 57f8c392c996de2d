"""Trust-earned roles: powers come from the trust of members, and go when it goes."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput, NotFound
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Role, RoleHolding, Trust
from mutualaid.governance.selectors import roles_of, trust_given_by, trust_received_count
from mutualaid.governance.services.roles import (
    founder_powers_sweep,
    governance_setup_network,
    role_permissions_write,
    roles_expire_terms,
    roles_recompute,
)
from mutualaid.governance.services.trust import trust_give, trust_revoke
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can
from tests.concurrency import run_together
from tests.factories import MemberFactory, NetworkFactory

pytestmark = pytest.mark.django_db


def members(network, count):
    return [MemberFactory(network=network) for _ in range(count)]


def coordinator_of(network):
    governance_setup_network(network=network)
    return Role.objects.get(network=network, slug="coordinator")


def actions(member, action):
    return list(
        HistoryEntry.objects.filter(action=action, target_type="member", target_id=member.pk)
    )


def test_a_member_trusted_by_enough_members_becomes_coordinator_and_may_manage(network):
    # given six members: the coordinator threshold is min(3, ceil(0.5 × 6)) = 3
    rosa, *givers = members(network, 6)
    assert not can(rosa, "network.manage", network)
    # when three of them trust Rosa
    for giver in givers[:3]:
        trust_give(actor=giver, receiver=rosa)
    # then she holds the coordinator role and may manage the network
    assert "coordinator" in {role.slug for role in roles_of(rosa)}
    assert can(rosa, "network.manage", network)
    assert can(rosa, "network.moderate", network)
    [gained] = [e for e in actions(rosa, "role.gained") if e.data["role"] == "coordinator"]
    assert gained.actor == givers[2]
    assert gained.data == {"role": "coordinator", "trust": 3, "needed": 3, "reason": "trust.give"}


def test_two_trusts_are_not_enough_in_a_network_of_six(network):
    # given six members
    rosa, *givers = members(network, 6)
    # when only two trust Rosa
    for giver in givers[:2]:
        trust_give(actor=giver, receiver=rosa)
    # then she is not a coordinator
    assert not can(rosa, "network.manage", network)
    assert trust_received_count(rosa) == 2


def test_revoking_trust_below_the_threshold_takes_the_role_away(network):
    # given Rosa, coordinator on the trust of three members of six
    rosa, *givers = members(network, 6)
    for giver in givers[:3]:
        trust_give(actor=giver, receiver=rosa)
    assert can(rosa, "network.manage", network)
    # when one of them takes their trust back
    trust_revoke(actor=givers[0], receiver=rosa)
    # then she is no longer a coordinator, and the history says who and why
    assert not can(rosa, "network.manage", network)
    assert not RoleHolding.objects.filter(member=rosa, role__slug="coordinator").exists()
    [lost] = [e for e in actions(rosa, "role.lost") if e.data["role"] == "coordinator"]
    assert lost.actor == givers[0]
    assert lost.data == {"role": "coordinator", "trust": 2, "needed": 3, "reason": "trust.revoke"}
    assert len(actions(rosa, "trust.revoke")) == 1
    assert len(actions(rosa, "trust.give")) == 3


@pytest.mark.parametrize(
    ("active", "needed"), [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (40, 3)]
)
def test_the_threshold_follows_the_active_member_count_up_to_the_cap(network, active, needed):
    # given the default coordinator role
    role = coordinator_of(network)
    # then half the members are needed, at least one and at most three
    assert role.trust_needed(active) == needed


def test_a_growing_network_needs_more_trust_for_the_same_role(network):
    # given a network of three: one trust is not enough (ceil(1.5) = 2)
    rosa, hugo, bea = members(network, 3)
    trust_give(actor=hugo, receiver=rosa)
    assert not can(rosa, "network.manage", network)
    # when a second member trusts her
    trust_give(actor=bea, receiver=rosa)
    # then she is a coordinator
    assert can(rosa, "network.manage", network)


def test_a_founder_without_trust_loses_their_powers_after_thirty_days(network):
    # given a founding organiser nobody has trusted yet
    founder = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    members(network, 3)
    assert can(founder, "network.manage", network)
    # when the daily sweep runs on day 29, then on day 31
    assert founder_powers_sweep(now=network.created_at + timedelta(days=29)) == 0
    founder.refresh_from_db()
    assert can(founder, "network.manage", network)
    assert founder_powers_sweep(now=network.created_at + timedelta(days=31)) == 1
    # then they are a member like any other, and the history says why
    founder.refresh_from_db()
    assert founder.role == Member.Role.MEMBER
    assert not can(founder, "network.manage", network)
    assert can(founder, "need.post", network)
    [ended] = actions(founder, "founder.powers_ended")
    assert ended.data["reason"] == "time"
    # and a second sweep changes nothing
    assert founder_powers_sweep(now=network.created_at + timedelta(days=32)) == 0


def test_a_founder_hands_over_as_soon_as_the_network_has_two_coordinators(network):
    # given a founder and a young network of four other members
    founder = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    rosa, hugo, bea, olga = members(network, 4)
    # when Rosa becomes a coordinator, the founder keeps their powers
    for giver in (hugo, bea, olga):
        trust_give(actor=giver, receiver=rosa)
    founder.refresh_from_db()
    assert founder.role == Member.Role.FOUNDING_ORGANISER
    # and when Hugo becomes the second, they end at once, on day one
    for giver in (rosa, bea, olga):
        trust_give(actor=giver, receiver=hugo)
    founder.refresh_from_db()
    assert founder.role == Member.Role.MEMBER
    assert not can(founder, "network.manage", network)
    [ended] = actions(founder, "founder.powers_ended")
    assert ended.data == {"reason": "coordinators", "coordinators": 2}


def test_the_sweep_ends_a_founders_powers_when_coordinators_exist(network, settings):
    # given a founder and one coordinator, with a handover at one coordinator
    settings.MUTUALAID = {**settings.MUTUALAID, "FOUNDER_HANDOVER_COORDINATORS": 1}
    founder = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    rosa, hugo = members(network, 2)
    RoleHolding.objects.create(
        role=coordinator_of(network),
        member=rosa,
        granted_at=timezone.now(),
    )
    role_permissions_write(member=rosa)
    # when the sweep runs on day one
    assert founder_powers_sweep(now=network.created_at + timedelta(days=1)) == 1
    # then the founder's powers have ended
    founder.refresh_from_db()
    assert founder.role == Member.Role.MEMBER


def test_a_founder_trusted_as_coordinator_keeps_managing_after_thirty_days(network):
    # given a founder the members trusted as coordinator
    founder = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    for giver in members(network, 3):
        trust_give(actor=giver, receiver=founder)
    # when the founding powers end
    founder_powers_sweep(now=network.created_at + timedelta(days=31))
    founder.refresh_from_db()
    # then the coordinator role still lets them manage
    assert founder.role == Member.Role.MEMBER
    assert can(founder, "network.manage", network)


def test_a_lapsed_term_removes_the_role_and_a_recount_does_not_restore_it(network):
    # given Rosa, coordinator with a twelve-month term
    rosa, *givers = members(network, 3)
    for giver in givers:
        trust_give(actor=giver, receiver=rosa)
    holding = RoleHolding.objects.get(member=rosa, role__slug="coordinator")
    assert holding.expires_at is not None
    # when the term lapses (the moderator role's shorter term lapsed before)
    roles_expire_terms(now=holding.expires_at - timedelta(seconds=1))
    assert can(rosa, "network.manage", network)
    assert roles_expire_terms(now=holding.expires_at + timedelta(seconds=1)) == 1
    rosa = Member.objects.get(pk=rosa.pk)
    # then she no longer holds it, even after a recount, and the history says so
    roles_recompute(member=rosa)
    assert "coordinator" not in {role.slug for role in roles_of(rosa)}
    assert not can(rosa, "network.manage", network)
    assert any(e.data["reason"] == "term_lapsed" for e in actions(rosa, "role.lost"))
    assert roles_expire_terms(now=holding.expires_at + timedelta(days=1)) == 0


def test_a_role_past_its_term_gives_no_powers_even_before_the_sweep(network):
    # given a holding whose term ended yesterday, written on the membership while it was current
    rosa = MemberFactory(network=network)
    RoleHolding.objects.create(
        role=coordinator_of(network),
        member=rosa,
        granted_at=timezone.now() - timedelta(days=400),
        expires_at=timezone.now() - timedelta(days=1),
    )
    role_permissions_write(member=rosa, now=timezone.now() - timedelta(days=2))
    assert "network.manage" in Member.objects.get(pk=rosa.pk).role_permissions
    # then, with no sweep and no write since, it grants nothing
    assert not can(Member.objects.get(pk=rosa.pk), "network.manage", network)
    # and a write now leaves it out
    role_permissions_write(member=rosa)
    assert rosa.role_permissions == {}


def test_the_latest_end_of_two_roles_granting_a_permission_is_written(network):
    # given Rosa, who holds coordinator (no end) and moderator (ending in a month)
    rosa = MemberFactory(network=network)
    coordinator = coordinator_of(network)
    moderator = Role.objects.get(network=network, slug="moderator")
    now = timezone.now()
    RoleHolding.objects.create(
        role=moderator, member=rosa, granted_at=now, expires_at=now + timedelta(days=30)
    )
    role_permissions_write(member=rosa)
    assert rosa.role_permissions == {"network.moderate": (now + timedelta(days=30)).isoformat()}
    RoleHolding.objects.create(role=coordinator, member=rosa, granted_at=now)
    # when her permissions are written
    role_permissions_write(member=rosa)
    # then moderating has no end, and a fresh copy of her membership reads the same
    assert rosa.role_permissions["network.moderate"] is None
    assert Member.objects.get(pk=rosa.pk).role_permissions == rosa.role_permissions
    assert can(Member.objects.get(pk=rosa.pk), "network.moderate", network)


def test_can_reads_the_roles_from_the_membership_without_a_query(
    network, django_assert_num_queries
):
    # given a coordinator
    rosa, *givers = members(network, 3)
    for giver in givers:
        trust_give(actor=giver, receiver=rosa)
    rosa = Member.objects.get(pk=rosa.pk)
    # when asked several questions, the membership loaded answers them all
    with django_assert_num_queries(0):
        assert can(rosa, "network.manage", network)
        assert can(rosa, "network.moderate", network)
        assert can(rosa, "need.post", network)


def test_roles_do_not_carry_into_another_network(network, outsider):
    # given Rosa, coordinator here
    rosa, *givers = members(network, 3)
    for giver in givers:
        trust_give(actor=giver, receiver=rosa)
    # then she may not manage another network
    assert not can(rosa, "network.manage", outsider.network)


def test_selectors_list_the_trust_a_member_gave(network):
    rosa, hugo, bea = members(network, 3)
    trust_give(actor=rosa, receiver=hugo)
    trust_give(actor=rosa, receiver=bea)
    assert {t.receiver for t in trust_given_by(rosa)} == {hugo, bea}
    assert trust_received_count(hugo) == 1


# --- Bad input -----------------------------------------------------------------------------


def test_nobody_can_trust_themselves(requester):
    with pytest.raises(InvalidInput, match="yourself"):
        trust_give(actor=requester, receiver=requester)
    assert not Trust.objects.exists()


def test_nobody_can_trust_a_member_of_another_network(requester, outsider):
    with pytest.raises(InvalidInput, match="your own network"):
        trust_give(actor=requester, receiver=outsider)


def test_trust_cannot_be_given_twice(requester, helper):
    trust_give(actor=requester, receiver=helper)
    with pytest.raises(Conflict, match="already trust"):
        trust_give(actor=requester, receiver=helper)
    assert Trust.objects.count() == 1


def test_trust_never_given_cannot_be_taken_back(requester, helper):
    with pytest.raises(NotFound, match="not given"):
        trust_revoke(actor=requester, receiver=helper)


def test_two_network_setups_make_the_default_roles_once():
    network = NetworkFactory()
    governance_setup_network(network=network)
    governance_setup_network(network=network)
    assert sorted(Role.objects.filter(network=network).values_list("slug", flat=True)) == [
        "coordinator",
        "listener",
        "moderator",
    ]


# --- Races ---------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_racing_trust_gives_for_the_same_pair_leave_one_row():
    # given two members
    network = NetworkFactory()
    rosa, hugo = members(network, 2)
    # when Rosa's two clicks arrive at the same moment
    outcomes = run_together([lambda: trust_give(actor=rosa, receiver=hugo)] * 2)
    # then one trust exists and the other call got a readable Conflict
    assert Trust.objects.filter(giver=rosa, receiver=hugo).count() == 1
    assert sum(isinstance(o, Trust) for o in outcomes) == 1
    assert sum(isinstance(o, Conflict) for o in outcomes) == 1


def test_a_new_network_starts_with_its_default_roles(db):
    from mutualaid.governance.models import Role
    from mutualaid.membership.services import network_create
    from tests.factories import UserFactory

    network = network_create(
        founder=UserFactory(),
        founder_display_name="Olu",
        name="Eastlake Aid",
        area_name="Oakland",
        center_lat=37.79,
        center_lng=-122.25,
    )
    assert set(Role.objects.filter(network=network).values_list("slug", flat=True)) >= {
        "coordinator"
    }
