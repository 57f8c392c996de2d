"""Two decisions a proposal can carry out: renewing a role's term (so rotation is a choice),
and starting the conflict-resolution process about a member."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import InvalidInput
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Concern, Proposal, Role, RoleHolding
from mutualaid.governance.selectors import concern_steps_visible
from mutualaid.governance.services.proposals import proposal_close, proposal_open, proposal_vote
from mutualaid.governance.services.roles import governance_setup_network, roles_expire_terms
from mutualaid.governance.services.trust import trust_give
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def members(network, count):
    return [MemberFactory(network=network) for _ in range(count)]


def decide(author, voters, action, *, title="Renew", body=""):
    proposal = proposal_open(
        actor=author,
        title=title,
        body=body,
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        action=action,
    )
    for voter in voters:
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    return proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))


def moderators(network, count):
    """`count` members holding the moderator role (6-month term), trusted by one other."""
    governance_setup_network(network=network)
    Role.objects.filter(network=network).update(threshold_cap=1)
    holders = members(network, count)
    truster = MemberFactory(network=network)
    for holder in holders:
        trust_give(actor=truster, receiver=holder)
    return holders, truster


# --- role_renew ---------------------------------------------------------------------------------


def test_a_renewed_holder_does_not_lapse_and_an_unrenewed_one_does(network):
    # given two moderators whose terms end in a week
    (renewed, unrenewed), truster = moderators(network, 2)
    role = Role.objects.get(network=network, slug="moderator")
    soon = timezone.now() + timedelta(days=7)
    RoleHolding.objects.filter(role=role).update(expires_at=soon)
    # when the network decides to renew one of them
    proposal = decide(
        truster,
        [unrenewed],
        {"type": "role_renew", "params": {"role": "moderator", "member": renewed.pk}},
    )
    # then the proposal applied, and the renewed holder has a new full term, on record
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    holding = RoleHolding.objects.get(role=role, member=renewed)
    assert holding.expires_at > timezone.now() + timedelta(days=170)
    assert HistoryEntry.objects.filter(
        action="role.renewed", target_id=renewed.pk, data__proposal=proposal.pk
    ).exists()
    # and when the old term's end passes, only the unrenewed one lapses
    roles_expire_terms(now=soon + timedelta(seconds=1))
    assert RoleHolding.objects.get(role=role, member=renewed).lapsed_at is None
    assert RoleHolding.objects.get(role=role, member=unrenewed).lapsed_at is not None


def test_renewing_every_holder_brings_a_lapsed_term_back(network):
    (holder,), truster = moderators(network, 1)
    role = Role.objects.get(network=network, slug="moderator")
    past = timezone.now() - timedelta(days=1)
    RoleHolding.objects.filter(role=role).update(expires_at=past)
    roles_expire_terms(now=timezone.now())
    assert RoleHolding.objects.get(role=role, member=holder).lapsed_at is not None
    other = MemberFactory(network=network)
    proposal = decide(truster, [other], {"type": "role_renew", "params": {"role": "moderator"}})
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    holding = RoleHolding.objects.get(role=role, member=holder)
    assert holding.lapsed_at is None
    assert holding.expires_at > timezone.now()


def test_a_renewal_whose_holder_lost_the_role_fails_and_says_why(network):
    (holder,), truster = moderators(network, 1)
    proposal = proposal_open(
        actor=truster,
        title="Renew",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        action={"type": "role_renew", "params": {"role": "moderator", "member": holder.pk}},
    )
    # given the holder loses the role before the vote closes
    RoleHolding.objects.filter(member=holder).delete()
    proposal_vote(actor=MemberFactory(network=network), proposal=proposal, choice="consent")
    proposal = proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))
    assert proposal.status == Proposal.Status.APPLY_FAILED
    assert "does not hold" in proposal.apply_error


def test_renewing_a_role_without_a_term_is_refused_when_opening(network):
    governance_setup_network(network=network)
    Role.objects.filter(network=network, slug="moderator").update(term_months=None)
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput, match="no term"):
        proposal_open(
            actor=author,
            title="Renew",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "role_renew", "params": {"role": "moderator"}},
        )


# --- concern_start ------------------------------------------------------------------------------


def test_a_passed_proposal_starts_the_conflict_process_about_a_member(
    network, django_capture_on_commit_callbacks, mailoutbox
):
    author, about, voter = members(network, 3)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = decide(
            author,
            [voter],
            {"type": "concern_start", "params": {"member": about.pk}},
            title="Talk about the pantry keys",
            body="Keys went missing twice.",
        )
    # then a concern exists, raised by the decision, with the proposal's words
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    concern = Concern.objects.get(about=about)
    assert concern.raised_by is None
    assert concern.raised_by_proposal == proposal
    assert "Keys went missing twice." in concern.text
    assert concern.status == Concern.Status.ANSWERING
    # and the affected member is told
    assert any(about.user.email in m.to and "concern" in m.subject for m in mailoutbox)
    # and sees where it came from
    [raised] = concern_steps_visible(about, concern)[:1]
    assert raised.action == "concern.raise"
    assert raised.reason == f"proposal {proposal.pk}"


def test_a_concern_proposal_about_a_member_who_left_fails_plainly(network):
    author, about, voter = members(network, 3)
    proposal = proposal_open(
        actor=author,
        title="Concern",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
        action={"type": "concern_start", "params": {"member": about.pk}},
    )
    Member.objects.filter(pk=about.pk).delete()
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    proposal = proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))
    assert proposal.status == Proposal.Status.APPLY_FAILED
    assert proposal.apply_error
    assert not Concern.objects.exists()


def test_a_concern_proposal_about_another_networks_member_is_refused(network, outsider):
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput):
        proposal_open(
            actor=author,
            title="Concern",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "concern_start", "params": {"member": outsider.pk}},
        )


# --- matching_policy_change ---------------------------------------------------------------------


def test_a_passed_proposal_changes_the_matching_weights(network):
    from mutualaid.matching.models import MatchingPolicy

    author, voter = members(network, 2)
    action = {
        "type": "matching_policy_change",
        "params": {"weight_distance": 2.5, "rotate_first": False},
    }
    proposal = decide(author, [voter], action, title="Distance matters more")
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    policy = MatchingPolicy.objects.get(network=network)
    assert (policy.weight_distance, policy.rotate_first) == (2.5, False)
    assert HistoryEntry.objects.filter(
        action="matching.policy_change", data__proposal=proposal.pk
    ).exists()


@pytest.mark.parametrize(
    "params",
    [{}, {"weight_distance": 500}, {"no_such_setting": 1}, {"rotate_first": "yes"}],
)
def test_a_matching_change_that_matching_refuses_is_refused_when_opening(network, params):
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput):
        proposal_open(
            actor=author,
            title="Change matching",
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
            action={"type": "matching_policy_change", "params": params},
        )


# --- through the proposal page, and in the history's words ---------------------------------------


def _deadline_field():
    return (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize(
    ("action", "extra", "expected", "words"),
    [
        ("concern_start", "member", {"type": "concern_start"}, "conflict-resolution process"),
        ("role_renew", "role", {"type": "role_renew"}, "Renew the role"),
    ],
)
def test_opening_these_decisions_through_the_proposal_page(network, action, extra, expected, words):
    from django.urls import reverse

    from tests.conftest import client_for

    governance_setup_network(network=network)
    author, about = members(network, 2)
    values = {"member": str(about.pk), "role": "moderator"}
    response = client_for(author).post(
        reverse("governance:proposal_create", kwargs={"slug": network.slug}),
        {
            "title": "A decision",
            "body": "Because.",
            "method": "consent",
            "deadline": _deadline_field(),
            "action": action,
            extra: values[extra],
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    proposal = Proposal.objects.get()
    assert proposal.action["type"] == expected["type"]
    body = client_for(author).get(response["Location"]).content.decode()
    assert words in body


def test_removal_and_inactivity_read_as_plain_words_in_the_history(network):
    from mutualaid.core.selectors import history_lines, history_visible
    from mutualaid.governance.services.concerns import member_remove

    viewer, removed = members(network, 2)
    member_remove(member=removed, reason="concern 1")
    [line] = [
        line
        for line in history_lines(history_visible(member=viewer), member=viewer)
        if line.action == "member.remove"
    ]
    assert line.action_label == "a member was removed from the network by its decision"


def test_holders_are_told_once_two_weeks_before_their_term_ends(
    network, django_capture_on_commit_callbacks, mailoutbox
):
    from mutualaid.governance.services.roles import roles_remind_terms_ending

    (holder,), truster = moderators(network, 1)
    role = Role.objects.get(network=network, slug="moderator")
    now = timezone.now()
    RoleHolding.objects.filter(role=role).update(expires_at=now + timedelta(days=20))
    assert roles_remind_terms_ending(now=now) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert roles_remind_terms_ending(now=now + timedelta(days=7)) == 1
    assert roles_remind_terms_ending(now=now + timedelta(days=8)) == 0
    [email] = [m for m in mailoutbox if holder.user.email in m.to]
    assert "ends soon" in email.subject
    # and a renewal starts the count again for the next term
    decide(
        truster,
        [MemberFactory(network=network)],
        {"type": "role_renew", "params": {"role": "moderator"}},
    )
    assert RoleHolding.objects.get(role=role, member=holder).term_reminded_at is None


def test_a_matching_change_through_the_proposal_page_keeps_what_is_left_empty(network):
    from django.urls import reverse

    from mutualaid.matching.models import MatchingPolicy
    from tests.conftest import client_for

    author, voter = members(network, 2)
    response = client_for(author).post(
        reverse("governance:proposal_create", kwargs={"slug": network.slug}),
        {
            "title": "Share the work",
            "method": "consent",
            "deadline": _deadline_field(),
            "action": "matching_policy_change",
            "matching_weight_load": "3",
            "matching_rotate_first": "no",
            "matching_helper_cap": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    proposal = Proposal.objects.get()
    assert proposal.action == {
        "type": "matching_policy_change",
        "params": {"rotate_first": False, "weight_load": 3.0},
    }
    page = client_for(voter).get(response["Location"]).content.decode()
    assert "weight of a helper&#x27;s recent load: 3.0" in page
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    proposal = proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))
    assert proposal.status == Proposal.Status.PASSED, proposal.apply_error
    policy = MatchingPolicy.objects.get(network=network)
    assert (policy.weight_load, policy.rotate_first, policy.helper_cap) == (3.0, False, 3)
