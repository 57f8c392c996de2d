"""Proposals: every way of voting, end to end through the services; decisions that apply their
action through the app's own services, or report why they could not; and the races."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import Proposal, Role, Vote
from mutualaid.governance.selectors import proposal_votes_visible, proposals_for
from mutualaid.governance.services.proposals import (
    proposal_close,
    proposal_comment,
    proposal_open,
    proposal_vote,
    proposal_withdraw,
    proposals_close_due,
    proposals_remind_closing,
)
from mutualaid.governance.services.roles import governance_setup_network
from mutualaid.networks.models import Application, Member, Network
from tests.concurrency import run_together
from tests.factories import MemberFactory, UserFactory

VOTING_CLOSED = "Voting has closed on this proposal."


def members(network, count):
    return [MemberFactory(network=network) for _ in range(count)]


def open_proposal(author, *, method="consent", **kwargs):
    kwargs.setdefault("deadline", timezone.now() + timedelta(days=3))
    kwargs.setdefault("title", "Buy a second freezer for the pantry")
    kwargs.setdefault("body", "The first one is full every Friday.")
    return proposal_open(actor=author, method=method, **kwargs)


def vote_all(proposal, voters, choices):
    for voter, choice in zip(voters, choices, strict=True):
        proposal_vote(actor=voter, proposal=proposal, choice=choice, reason="my reason")


def close(proposal):
    return proposal_close(proposal=proposal, now=proposal.deadline + timedelta(seconds=1))


def history(proposal, action):
    return HistoryEntry.objects.filter(
        action=action, target_type="proposal", target_id=proposal.pk
    ).order_by("pk")


def pending_application(network, name="Noor"):
    return Application.objects.create(network=network, user=UserFactory(), display_name=name)


# --- each way of voting -----------------------------------------------------------------------


@pytest.mark.django_db
def test_consent_passes_when_nobody_objects(network):
    # given a consent proposal and three members who consent or abstain
    author, *voters = members(network, 4)
    proposal = open_proposal(author, method="consent")
    vote_all(proposal, voters, ["consent", "consent", "abstain"])
    # when it closes
    proposal = close(proposal)
    # then it passed, with the tally on record
    assert proposal.status == Proposal.Status.PASSED
    assert proposal.outcome["reason"] == "passed"
    assert proposal.outcome["tally"] == {"consent": 2, "objection": 0, "abstain": 1}


@pytest.mark.django_db
def test_one_objection_stops_a_consent_proposal(network):
    author, *voters = members(network, 4)
    proposal = open_proposal(author, method="consent")
    vote_all(proposal, voters, ["consent", "consent", "objection"])
    proposal = close(proposal)
    assert proposal.status == Proposal.Status.REJECTED
    assert proposal.outcome["reason"] == "objection"


@pytest.mark.django_db
def test_one_block_stops_a_consensus_proposal(network):
    author, *voters = members(network, 5)
    proposal = open_proposal(author, method="consensus")
    vote_all(proposal, voters, ["agree", "agree", "agree", "block"])
    proposal = close(proposal)
    assert proposal.status == Proposal.Status.REJECTED
    assert proposal.outcome["reason"] == "blocked"


@pytest.mark.django_db
def test_a_majority_vote_passes_with_its_quorum(network):
    author, *voters = members(network, 4)
    proposal = open_proposal(author, method="majority", quorum=3)
    vote_all(proposal, voters, ["yes", "yes", "no"])
    proposal = close(proposal)
    assert proposal.status == Proposal.Status.PASSED
    assert proposal.outcome["tally"] == {"yes": 2, "no": 1, "abstain": 0}


@pytest.mark.django_db
def test_a_missed_quorum_leaves_the_proposal_undecided(network):
    # given a majority vote that needs four ballots and gets two yes votes
    author, *voters = members(network, 3)
    proposal = open_proposal(author, method="majority", quorum=4)
    vote_all(proposal, voters, ["yes", "yes"])
    # when it closes, then it is undecided for want of a quorum
    proposal = close(proposal)
    assert proposal.status == Proposal.Status.UNDECIDED
    assert proposal.outcome["reason"] == "quorum_not_met"


@pytest.mark.django_db
def test_ranked_choice_eliminates_the_weakest_until_one_has_a_majority(network):
    # given options a, b, c and five ballots: a a b b c→b
    author, *voters = members(network, 6)
    proposal = open_proposal(author, method="ranked", options=["a", "b", "c"])
    rankings = [["a", "b"], ["a"], ["b", "a"], ["b"], ["c", "b"]]
    for voter, ranking in zip(voters, rankings, strict=True):
        proposal_vote(actor=voter, proposal=proposal, ranking=ranking)
    # when it closes
    proposal = close(proposal)
    # then c is eliminated first and its ballot moves to b, which wins 3 to 2
    assert proposal.status == Proposal.Status.PASSED
    assert proposal.outcome["winner"] == "b"
    first, second = proposal.outcome["rounds"]
    assert first["tally"] == {"a": 2, "b": 2, "c": 1}
    assert list(first["eliminated"]) == ["c"]
    assert second["tally"] == {"a": 2, "b": 3}


@pytest.mark.django_db
def test_score_voting_picks_the_highest_total(network):
    author, *voters = members(network, 3)
    proposal = open_proposal(author, method="score", options=["tuesday", "saturday"])
    proposal_vote(actor=voters[0], proposal=proposal, scores={"tuesday": 1, "saturday": 5})
    proposal_vote(actor=voters[1], proposal=proposal, scores={"tuesday": 4, "saturday": 3})
    proposal = close(proposal)
    assert proposal.outcome["winner"] == "saturday"
    assert proposal.outcome["tally"] == {"tuesday": 5, "saturday": 8}


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_voting_twice_is_refused(network):
    author, voter = members(network, 2)
    proposal = open_proposal(author)
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    with pytest.raises(Conflict, match="already voted"):
        proposal_vote(actor=voter, proposal=proposal, choice="objection")
    assert Vote.objects.get(proposal=proposal).choice == "consent"


@pytest.mark.django_db
def test_voting_after_the_deadline_is_refused(network):
    author, voter = members(network, 2)
    now = timezone.now()
    proposal = open_proposal(author, opens_at=now - timedelta(days=2), deadline=now)
    with pytest.raises(Conflict, match=VOTING_CLOSED):
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    assert not Vote.objects.exists()


@pytest.mark.django_db
def test_voting_before_the_proposal_opens_is_refused(network):
    author, voter = members(network, 2)
    now = timezone.now()
    proposal = open_proposal(
        author, opens_at=now + timedelta(hours=1), deadline=now + timedelta(days=1)
    )
    with pytest.raises(Conflict, match="not opened yet"):
        proposal_vote(actor=voter, proposal=proposal, choice="consent")


@pytest.mark.django_db
def test_voting_in_another_network_is_refused_as_not_found(network, outsider):
    author = MemberFactory(network=network)
    proposal = open_proposal(author)
    with pytest.raises(NotFound):
        proposal_vote(actor=outsider, proposal=proposal, choice="consent")
    with pytest.raises(NotFound):
        proposal_comment(actor=outsider, proposal=proposal, body="hello")
    with pytest.raises(NotFound):
        proposal_votes_visible(outsider, proposal)
    assert not proposals_for(outsider).filter(pk=proposal.pk).exists()


@pytest.mark.django_db
def test_a_non_member_cannot_vote(network):
    author = MemberFactory(network=network)
    proposal = open_proposal(author)
    with pytest.raises(NotFound):
        proposal_vote(actor=None, proposal=proposal, choice="consent")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("method", "ballot"),
    [
        ("consent", {"choice": "maybe"}),
        ("consensus", {"choice": "yes"}),
        ("ranked", {"ranking": ["a", "a"]}),
        ("ranked", {"ranking": ["z"]}),
        ("score", {"scores": {"a": 9}}),
        ("score", {"scores": {"a": True}}),
    ],
)
def test_a_ballot_that_does_not_fit_the_method_is_refused(network, method, ballot):
    author, voter = members(network, 2)
    options = ["a", "b"] if method in ("ranked", "score") else []
    proposal = open_proposal(author, method=method, options=options)
    with pytest.raises(InvalidInput):
        proposal_vote(actor=voter, proposal=proposal, **ballot)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "action",
    [
        {"type": "pay_everyone", "params": {}},
        {"type": "disaster_mode", "params": {"on": "yes"}},
        {"type": "role_change_threshold", "params": {"role": "nobody", "threshold_cap": 1}},
        {"type": "admit_member", "params": {"application": 999999}},
    ],
)
def test_an_unknown_or_malformed_action_is_refused_when_opening(network, action):
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput):
        open_proposal(author, action=action)
    assert not Proposal.objects.exists()


@pytest.mark.django_db
def test_a_deadline_before_opening_is_refused(network):
    author = MemberFactory(network=network)
    with pytest.raises(InvalidInput):
        open_proposal(author, deadline=timezone.now() - timedelta(hours=1))


@pytest.mark.django_db
def test_the_author_can_withdraw_only_before_anyone_votes(network):
    author, voter = members(network, 2)
    untouched = open_proposal(author)
    voted = open_proposal(author)
    proposal_vote(actor=voter, proposal=voted, choice="consent")
    with pytest.raises(PermissionDenied):
        proposal_withdraw(actor=voter, proposal=untouched)
    assert proposal_withdraw(actor=author, proposal=untouched).status == "withdrawn"
    with pytest.raises(Conflict):
        proposal_withdraw(actor=author, proposal=voted)


@pytest.mark.django_db
def test_a_proposal_is_closed_once_and_not_before_its_deadline(network):
    author = MemberFactory(network=network)
    proposal = open_proposal(author)
    with pytest.raises(Conflict):
        proposal_close(proposal=proposal, now=timezone.now())
    close(proposal)
    with pytest.raises(Conflict):
        close(proposal)
    assert history(proposal, "proposal.close").count() == 1


@pytest.mark.django_db
def test_the_periodic_closer_closes_only_proposals_past_their_deadline(network):
    author = MemberFactory(network=network)
    now = timezone.now()
    due = open_proposal(author, opens_at=now - timedelta(days=1), deadline=now)
    later = open_proposal(author)
    assert proposals_close_due(now=now + timedelta(seconds=1)) == 1
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Proposal.Status.UNDECIDED  # nobody voted
    assert later.status == Proposal.Status.OPEN


# --- history, privacy, notifications ---------------------------------------------------------


@pytest.mark.django_db
def test_every_step_is_in_the_history_with_who_did_it(network):
    author, voter = members(network, 2)
    proposal = open_proposal(author)
    proposal_comment(actor=voter, proposal=proposal, body="Where would it go?")
    proposal_vote(actor=voter, proposal=proposal, choice="consent", reason="we need it")
    close(proposal)
    assert history(proposal, "proposal.open").get().actor == author
    assert history(proposal, "proposal.comment").get().actor == voter
    assert history(proposal, "proposal.vote").get().data == {"choice": "consent"}
    closing = history(proposal, "proposal.close").get()
    assert closing.actor is None
    assert closing.data["status"] == "passed"


@pytest.mark.django_db
def test_an_anonymous_proposal_never_tells_who_voted_how(network):
    # given an anonymous proposal with an objection
    author, alma, ben = members(network, 3)
    proposal = open_proposal(author, anonymous=True)
    proposal_vote(actor=alma, proposal=proposal, choice="objection", reason="too costly")
    proposal_vote(actor=ben, proposal=proposal, choice="consent")
    # when a member looks at the votes
    visible = proposal_votes_visible(author, proposal)
    # then they see the ballots and reasons but no voter, and the history records no choice
    assert sorted(v["choice"] for v in visible) == ["consent", "objection"]
    assert all(v["voter"] is None for v in visible)
    assert all("choice" not in e.data for e in history(proposal, "proposal.vote"))
    # and not who voted either: with one voter, the tally alone would tell their choice
    assert all(e.actor_id is None for e in history(proposal, "proposal.vote"))


@pytest.mark.django_db
def test_anonymous_ranked_ballots_are_not_listed_in_voting_order(network):
    # given an anonymous ranked vote where Alma votes before Ben,
    author, alma, ben = members(network, 3)
    proposal = open_proposal(author, method="ranked", options=["a", "b"], anonymous=True)
    proposal_vote(actor=alma, proposal=proposal, ranking=["b", "a"])
    proposal_vote(actor=ben, proposal=proposal, ranking=["a", "b"])
    # then the ballots are listed by content, so the history's times cannot pair them:
    # Ben's later ballot comes first.
    visible = proposal_votes_visible(author, proposal)
    assert [v["ranking"] for v in visible] == [["a", "b"], ["b", "a"]]


@pytest.mark.django_db
def test_an_open_proposal_shows_who_voted_how(network):
    author, alma = members(network, 2)
    proposal = open_proposal(author)
    proposal_vote(actor=alma, proposal=proposal, choice="consent")
    [seen] = proposal_votes_visible(author, proposal)
    assert seen["voter"] == alma


@pytest.mark.django_db
def test_members_are_emailed_when_a_proposal_opens_and_when_it_closes(
    network, django_capture_on_commit_callbacks
):
    author, voter = members(network, 2)
    with django_capture_on_commit_callbacks(execute=True):
        proposal = open_proposal(author)
    assert [m.to for m in mail.outbox] == [[voter.user.email]]
    with django_capture_on_commit_callbacks(execute=True):
        close(proposal)
    assert len(mail.outbox) == 3
    assert "Outcome" in mail.outbox[-1].subject


@pytest.mark.django_db
def test_members_who_have_not_voted_are_reminded_once_when_voting_closes_soon(
    network, django_capture_on_commit_callbacks
):
    # given a proposal closing in six hours that one of two members has voted on
    author, voted, waiting = members(network, 3)
    now = timezone.now()
    proposal = open_proposal(author, deadline=now + timedelta(hours=6))
    later = open_proposal(author, deadline=now + timedelta(days=3))
    proposal_vote(actor=voted, proposal=proposal, choice="consent")
    mail.outbox.clear()
    # when the reminder runs twice
    with django_capture_on_commit_callbacks(execute=True):
        assert proposals_remind_closing(now=now) == 1
    assert proposals_remind_closing(now=now) == 0
    # then only those who have not voted were emailed, once, and it is on record
    assert sorted(m.to[0] for m in mail.outbox) == sorted([author.user.email, waiting.user.email])
    assert all("Closing soon" in m.subject for m in mail.outbox)
    assert history(proposal, "proposal.closing_soon").count() == 1
    assert not history(later, "proposal.closing_soon").exists()


# --- actions -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_passed_admit_member_creates_exactly_one_membership(network):
    # given a pending application and a consent proposal to admit the applicant
    author, voter = members(network, 2)
    application = pending_application(network)
    action = {"type": "admit_member", "params": {"application": application.pk}}
    proposal = open_proposal(author, action=action)
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    # when it closes
    proposal = close(proposal)
    # then the applicant is a member, once, and the application is approved
    assert proposal.status == Proposal.Status.PASSED
    assert proposal.applied_at is not None
    assert Member.objects.filter(network=network, user=application.user).count() == 1
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED


@pytest.mark.django_db
def test_an_action_whose_target_was_deleted_fails_with_a_message_and_changes_nothing(network):
    author, voter = members(network, 2)
    application = pending_application(network)
    proposal = open_proposal(
        author, action={"type": "admit_member", "params": {"application": application.pk}}
    )
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    # when the application is deleted before the proposal closes
    user = application.user
    application.delete()
    proposal = close(proposal)
    # then the proposal says why it could not apply, and nobody was admitted
    assert proposal.status == Proposal.Status.APPLY_FAILED
    assert "not waiting for a decision" in proposal.apply_error
    assert not Member.objects.filter(user=user).exists()
    assert history(proposal, "proposal.close").get().data["apply_error"] == proposal.apply_error


@pytest.mark.django_db
def test_admitting_someone_who_joined_meanwhile_fails_and_leaves_the_application(network):
    # given a proposal to admit Noor, who then joins with an invitation before it closes
    author, voter = members(network, 2)
    application = pending_application(network, name="Noor")
    proposal = open_proposal(
        author, action={"type": "admit_member", "params": {"application": application.pk}}
    )
    proposal_vote(actor=voter, proposal=proposal, choice="consent")
    MemberFactory(network=network, user=application.user)
    # when the proposal passes
    proposal = close(proposal)
    # then it says why nothing happened, and the application is still waiting
    assert proposal.status == Proposal.Status.APPLY_FAILED
    assert proposal.apply_error == "Noor is already a member of this network."
    application.refresh_from_db()
    assert application.status == Application.Status.PENDING
    assert Member.objects.filter(network=network, user=application.user).count() == 1


@pytest.mark.django_db
def test_an_action_whose_target_changed_fails_and_is_never_half_applied(network):
    # given an agreement at version 1 and a proposal to adopt a new version of it
    author, voter = members(network, 2)
    adopt = {"agreement": "conduct", "title": "Code of conduct", "text": "Be kind."}
    first = open_proposal(author, action={"type": "agreement_adopt", "params": adopt})
    proposal_vote(actor=voter, proposal=first, choice="consent")
    assert close(first).status == Proposal.Status.PASSED
    second_text = {**adopt, "text": "Be kind and patient."}
    third_text = {**adopt, "text": "Be kind, always."}
    second = open_proposal(author, action={"type": "agreement_adopt", "params": second_text})
    third = open_proposal(author, action={"type": "agreement_adopt", "params": third_text})
    for proposal in (second, third):
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    # when both pass, one after the other
    assert close(second).status == Proposal.Status.PASSED
    third = close(third)
    # then the later one reports that the agreement changed, and adopted nothing
    assert third.status == Proposal.Status.APPLY_FAILED
    assert "changed since the proposal was opened" in third.apply_error
    versions = third.network.agreements.get().versions.order_by("number")
    assert [v.text for v in versions] == ["Be kind.", "Be kind and patient."]
    assert not HistoryEntry.objects.filter(action="agreement.adopt", data__proposal=third.pk)


@pytest.mark.django_db
def test_a_passed_proposal_creates_a_role_and_switches_disaster_mode(network):
    author, voter = members(network, 2)
    role = {
        "slug": "pantry-keeper",
        "name": "Pantry keeper",
        "permissions": ["network.moderate"],
        "threshold_fraction": "0.25",
        "threshold_cap": 2,
        "threshold_min": 1,
    }
    proposals = [
        open_proposal(author, action={"type": "role_create", "params": role}),
        open_proposal(author, action={"type": "disaster_mode", "params": {"on": True}}),
    ]
    for proposal in proposals:
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
        assert close(proposal).status == Proposal.Status.PASSED
    created = Role.objects.get(network=network, slug="pantry-keeper")
    assert created.threshold_fraction == Decimal("0.25")
    assert Network.objects.get(pk=network.pk).disaster_mode
    entry = HistoryEntry.objects.get(action="network.disaster_mode")
    assert entry.data == {
        "on": True,
        "proposal": proposals[1].pk,
        "reason": f"proposal {proposals[1].pk}",
    }


@pytest.mark.django_db
def test_a_rejected_proposal_applies_nothing(network):
    author, voter = members(network, 2)
    proposal = open_proposal(author, action={"type": "disaster_mode", "params": {"on": True}})
    proposal_vote(actor=voter, proposal=proposal, choice="objection")
    assert close(proposal).status == Proposal.Status.REJECTED
    assert not Network.objects.get(pk=network.pk).disaster_mode


# --- races, with real concurrent connections ---------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_vote_arriving_as_voting_closes_either_counts_or_is_refused(database):
    # given proposals whose deadline is about to pass, each with a voter and the closer
    network = MemberFactory().network
    author, *voters = members(network, 6)
    deadline = timezone.now() + timedelta(seconds=5)
    proposals = [open_proposal(author, deadline=deadline) for _ in voters]
    for proposal, voter in zip(proposals, voters, strict=True):
        # when a vote and the closing arrive in the same instant
        vote, closing = run_together(
            [
                lambda p=proposal, v=voter: proposal_vote(actor=v, proposal=p, choice="consent"),
                lambda p=proposal: proposal_close(proposal=p, now=deadline),
            ]
        )
        # then the proposal is closed once, and the vote counts exactly when it was accepted
        assert isinstance(closing, Proposal), closing
        proposal.refresh_from_db()
        counted = proposal.outcome["tally"]["consent"]
        if isinstance(vote, Vote):
            assert counted == 1
            assert proposal.status == Proposal.Status.PASSED
        else:
            assert isinstance(vote, Conflict), vote
            assert str(vote) == VOTING_CLOSED
            assert counted == 0
            assert not Vote.objects.filter(proposal=proposal).exists()


@pytest.mark.django_db(transaction=True)
def test_two_threshold_changes_closing_at_once_both_apply_and_the_last_one_stands(database):
    # given two passed-to-be proposals setting the coordinator threshold differently
    network = MemberFactory().network
    governance_setup_network(network=network)
    author, voter = members(network, 2)
    deadline = timezone.now() + timedelta(seconds=5)
    changes = [
        {
            "role": "coordinator",
            "threshold_fraction": "0.4",
            "threshold_cap": 4,
            "threshold_min": 1,
        },
        {
            "role": "coordinator",
            "threshold_fraction": "0.6",
            "threshold_cap": 5,
            "threshold_min": 2,
        },
    ]
    proposals = [
        open_proposal(
            author, deadline=deadline, action={"type": "role_change_threshold", "params": c}
        )
        for c in changes
    ]
    for proposal in proposals:
        proposal_vote(actor=voter, proposal=proposal, choice="consent")
    # when both close at the same moment
    outcomes = run_together(
        [lambda p=p: proposal_close(proposal=p, now=deadline) for p in proposals]
    )
    # then both passed and applied without error, and the role has the last change's values
    assert all(isinstance(o, Proposal) and o.status == "passed" for o in outcomes), outcomes
    entries = list(HistoryEntry.objects.filter(action="role.threshold_changed").order_by("pk"))
    assert len(entries) == 2
    role = Role.objects.get(network=network, slug="coordinator")
    final = entries[-1].data["after"]
    assert str(role.threshold_fraction) == final["threshold_fraction"]
    assert str(role.threshold_cap) == final["threshold_cap"]
    assert entries[0].data["after"] == entries[1].data["before"]
    assert entries[0].data["after"] != entries[1].data["after"]


@pytest.mark.django_db
def test_the_data_migration_forgets_voters_already_logged_on_anonymous_proposals(network):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "mutualaid.governance.migrations.0008_forget_anonymous_proposal_voters"
    )
    author, voter = members(network, 2)
    secret, public = open_proposal(author, anonymous=True), open_proposal(author)
    for proposal in (secret, public):
        HistoryEntry.objects.create(
            network=network,
            actor=voter,
            action="proposal.vote",
            target_type="proposal",
            target_id=proposal.pk,
            data={},
        )
    migration.forget_voters(apps, None)
    assert history(secret, "proposal.vote").get().actor_id is None
    assert history(public, "proposal.vote").get().actor_id == voter.pk
