"""Conflict resolution: a concern, the affected member's answer, a time-boxed vote with rounds
on a tie, and removal from the network applied once and whole; what the affected member sees."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.core.selectors import history_lines, history_visible
from mutualaid.governance.models import (
    Concern,
    ConcernRound,
    ConcernVote,
    ConflictPolicy,
    Role,
    RoleHolding,
)
from mutualaid.governance.selectors import concern_current_round, concern_steps_visible
from mutualaid.governance.services.concern_start import concern_raise
from mutualaid.governance.services.concerns import (
    concern_answer,
    concern_close_round,
    concern_open_vote,
    concern_vote,
    concerns_sweep,
    member_remove,
)
from mutualaid.governance.services.roles import governance_setup_network
from mutualaid.governance.services.trust import trust_give
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import Member
from tests.concurrency import run_together
from tests.factories import MatchFactory, MemberFactory, NeedFactory, NetworkFactory, OfferFactory

TEXT = "Shouted at a volunteer at the pantry on Friday."


def members(network, count):
    return [MemberFactory(network=network) for _ in range(count)]


def after_deadline(concern):
    round_ = concern_current_round(concern)
    assert round_ is not None
    return round_.deadline + timedelta(seconds=1)


def close(concern):
    return concern_close_round(concern=concern, now=after_deadline(concern))


def actions(concern):
    return list(
        HistoryEntry.objects.filter(target_type="concern", target_id=concern.pk)
        .order_by("pk")
        .values_list("action", flat=True)
    )


def raised(network, *, voters=3):
    raiser, about, *others = members(network, 2 + voters)
    concern = concern_raise(actor=raiser, about=about, text=TEXT)
    return raiser, about, others, concern


# --- the whole process ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_whole_process_from_concern_to_decision(network):
    # given a concern raised about a member
    raiser, about, voters, concern = raised(network)
    # then the affected member is told by email, without the raiser's name or the words
    [email] = [m for m in mail.outbox if about.user.email in m.to]
    assert "concern" in email.subject
    assert raiser.display_name not in email.body
    assert TEXT not in email.body
    # and the text is encrypted at rest
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM governance_concern WHERE id = %s", [concern.pk])
        assert TEXT not in cursor.fetchone()[0]
    # when they answer, the vote opens
    concern = concern_answer(actor=about, concern=concern, text="I was out of line; sorry.")
    assert concern.status == Concern.Status.VOTING
    # and members vote "talk more" by most votes
    for voter, choice in zip(voters, ["talk", "talk", "no_change"], strict=True):
        concern_vote(actor=voter, concern=concern, choice=choice)
    concern = close(concern)
    # then the concern is decided, and every step is in the history log
    assert concern.status == Concern.Status.DECIDED
    assert concern.outcome == Concern.Outcome.TALK
    assert Member.objects.filter(pk=about.pk).exists()
    assert actions(concern) == [
        "concern.raise",
        "concern.answer",
        "concern.round_open",
        "concern.vote",
        "concern.vote",
        "concern.vote",
        "concern.round_close",
        "concern.decide",
    ]
    # and the affected member sees the whole process, with the tally
    steps = concern_steps_visible(about, concern)
    assert [s.action for s in steps][-2:] == ["concern.round_close", "concern.decide"]
    assert steps[-2].tally == {"talk": 2, "no_change": 1, "remove": 0}
    assert steps[-1].decision == "talk"


@pytest.mark.django_db
def test_vote_opens_by_itself_after_the_answer_window(network):
    _raiser, _about, _voters, concern = raised(network)
    # when the sweep runs before the window ends, nothing happens
    assert concerns_sweep(now=timezone.now()) == 0
    # and after it, the vote opens without an answer
    assert concerns_sweep(now=concern.answer_deadline + timedelta(seconds=1)) == 1
    concern.refresh_from_db()
    assert concern.status == Concern.Status.VOTING
    assert ConcernRound.objects.filter(concern=concern, number=1).exists()


@pytest.mark.django_db
def test_a_tie_leads_to_another_round_with_a_new_deadline(network):
    _raiser, about, voters, concern = raised(network, voters=2)
    concern = concern_open_vote(actor=about, concern=concern)
    first = concern_current_round(concern)
    assert first is not None
    concern_vote(actor=voters[0], concern=concern, choice="talk")
    concern_vote(actor=voters[1], concern=concern, choice="no_change")
    # when round 1 closes on a tie
    concern = close(concern)
    # then round 2 is open with a later deadline, and the tie is recorded
    assert concern.status == Concern.Status.VOTING
    second = concern_current_round(concern)
    assert second is not None
    assert second.number == 2
    assert second.deadline > first.deadline
    first.refresh_from_db()
    assert first.result == "tie"
    assert actions(concern).count("concern.round_open") == 2
    # and members vote again in the new round
    concern_vote(actor=voters[0], concern=concern, choice="no_change")
    concern = close(concern)
    assert concern.outcome == Concern.Outcome.NO_CHANGE


@pytest.mark.django_db
def test_ties_until_the_last_round_change_nothing(network):
    _raiser, about, voters, concern = raised(network, voters=2)
    ConflictPolicy.objects.create(network=network, max_rounds=1)
    concern = concern_open_vote(actor=about, concern=concern)
    concern = close(concern)  # nobody voted
    assert concern.status == Concern.Status.DECIDED
    assert concern.outcome == Concern.Outcome.NO_CHANGE


# --- removal ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_remove_takes_the_membership_and_its_live_work(network):
    _raiser, about, voters, concern = raised(network)
    # given the member helps someone, and has an offer and a need of their own
    match = MatchFactory(need=NeedFactory(network=network), helper=about, state="accepted")
    Need.objects.filter(pk=match.need_id).update(status=Need.Status.MATCHED)
    offer = OfferFactory(helper=about, network=network)
    own_need = NeedFactory(requester=about, network=network)
    concern = concern_open_vote(actor=about, concern=concern)
    for voter in voters:
        concern_vote(actor=voter, concern=concern, choice="remove")
    # when the vote decides "remove"
    concern = close(concern)
    # then the membership is gone, with their offers and needs; the match is cancelled
    assert concern.outcome == Concern.Outcome.REMOVE
    assert concern.applied_at is not None
    assert not Member.objects.filter(pk=about.pk).exists()
    assert not Offer.objects.filter(pk=offer.pk).exists()
    assert not Need.objects.filter(pk=own_need.pk).exists()
    match.refresh_from_db()
    assert match.state == Match.State.CANCELLED
    assert match.helper_id is None
    assert Need.objects.get(pk=match.need_id).status == Need.Status.OPEN
    assert HistoryEntry.objects.filter(action="member.remove", target_id=about.pk).count() == 1
    # and the user still exists for their other networks
    assert type(about.user).objects.filter(pk=about.user_id).exists()


@pytest.mark.django_db
def test_remove_when_the_member_already_left_changes_nothing_else(network):
    _raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    for voter in voters:
        concern_vote(actor=voter, concern=concern, choice="remove")
    # given the member leaves before the vote closes
    member_remove(member=about, reason="left")
    # when the vote decides "remove"
    concern = close(concern)
    # then the decision is recorded, nothing is applied twice, and no one else is touched
    assert concern.outcome == Concern.Outcome.REMOVE
    assert concern.applied_at is None
    assert "already left" in concern.outcome_note
    assert HistoryEntry.objects.filter(action="member.remove").count() == 1
    assert Member.objects.filter(network=network).count() == 4
    # and a second removal is refused plainly
    with pytest.raises(NotFound):
        member_remove(member=about, reason="again")


@pytest.mark.django_db
def test_a_decided_concern_is_never_decided_again(network):
    _raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    concern_vote(actor=voters[0], concern=concern, choice="remove")
    moment = after_deadline(concern)
    concern = concern_close_round(concern=concern, now=moment)
    with pytest.raises(Conflict):
        concern_close_round(concern=concern, now=moment)
    assert HistoryEntry.objects.filter(action="member.remove").count() == 1


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_concern_about_yourself_is_refused(network):
    member = MemberFactory(network=network)
    with pytest.raises(InvalidInput, match="yourself"):
        concern_raise(actor=member, about=member, text=TEXT)


@pytest.mark.django_db
def test_a_concern_about_another_networks_member_is_not_found(network):
    member = MemberFactory(network=network)
    stranger = MemberFactory(network=NetworkFactory())
    with pytest.raises(NotFound):
        concern_raise(actor=member, about=stranger, text=TEXT)
    assert not Concern.objects.exists()


@pytest.mark.django_db
def test_an_empty_concern_is_refused(network):
    member, other = members(network, 2)
    with pytest.raises(InvalidInput):
        concern_raise(actor=member, about=other, text="   ")


@pytest.mark.django_db
def test_only_the_affected_member_answers_and_only_once(network):
    raiser, about, _voters, concern = raised(network)
    with pytest.raises(PermissionDenied):
        concern_answer(actor=raiser, concern=concern, text="not mine to answer")
    concern_answer(actor=about, concern=concern, text="My side.")
    with pytest.raises(Conflict):
        concern_answer(actor=about, concern=concern, text="Again.")


@pytest.mark.django_db
def test_voting_twice_after_the_deadline_or_from_elsewhere_is_refused(network):
    _raiser, about, voters, concern = raised(network)
    # before the vote opens
    with pytest.raises(Conflict, match="not open"):
        concern_vote(actor=voters[0], concern=concern, choice="talk")
    concern = concern_open_vote(actor=about, concern=concern)
    concern_vote(actor=voters[0], concern=concern, choice="talk")
    with pytest.raises(Conflict, match="already voted"):
        concern_vote(actor=voters[0], concern=concern, choice="remove")
    with pytest.raises(InvalidInput):
        concern_vote(actor=voters[1], concern=concern, choice="banish")
    with pytest.raises(PermissionDenied):
        concern_vote(actor=about, concern=concern, choice="no_change")
    with pytest.raises(NotFound):
        concern_vote(actor=MemberFactory(), concern=concern, choice="talk")
    # after the deadline
    ConcernRound.objects.filter(concern=concern).update(
        opens_at=timezone.now() - timedelta(days=2), deadline=timezone.now() - timedelta(days=1)
    )
    with pytest.raises(Conflict, match="not open"):
        concern_vote(actor=voters[1], concern=concern, choice="talk")


@pytest.mark.django_db
def test_only_the_affected_member_or_a_moderator_opens_the_vote_early(network):
    _raiser, _about, voters, concern = raised(network)
    with pytest.raises(PermissionDenied):
        concern_open_vote(actor=voters[0], concern=concern)
    with pytest.raises(Conflict):
        concern_open_vote(actor=None, concern=concern)  # the window has not ended


# --- what the affected member sees ------------------------------------------------------------


@pytest.mark.django_db
def test_the_affected_member_never_sees_who_voted_how_nor_who_raised_it(network):
    raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    for voter, choice in zip(voters, ["talk", "no_change", "talk"], strict=True):
        concern_vote(actor=voter, concern=concern, choice=choice)
    concern = close(concern)
    steps = concern_steps_visible(about, concern)
    names = {step.actor_name for step in steps}
    # then no voter and not the raiser is named, and no step is a single ballot
    assert not names & {raiser.display_name, *(v.display_name for v in voters)}
    assert "concern.vote" not in [step.action for step in steps]
    # but the round's tally and the decision are there
    assert any(step.tally == {"talk": 2, "no_change": 1, "remove": 0} for step in steps)
    # and the history log holds no choice of an anonymous vote
    votes = HistoryEntry.objects.filter(action="concern.vote", target_id=concern.pk)
    assert votes.count() == 3
    assert all("decision" not in entry.data for entry in votes)
    assert all(entry.actor_id is None for entry in votes)
    # and the log itself does not hold the raiser
    raise_step = concern_steps_visible(raiser, concern)[0]
    assert raise_step.actor_name == ""  # not recorded at all when raisers are hidden


@pytest.mark.django_db
def test_a_network_may_show_the_raiser_and_open_votes(network):
    ConflictPolicy.objects.create(network=network, show_raiser=True, anonymous_votes=False)
    raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    concern_vote(actor=voters[0], concern=concern, choice="talk")
    steps = concern_steps_visible(about, concern)
    assert steps[0].actor_name == raiser.display_name
    [vote] = [s for s in steps if s.action == "concern.vote"]
    assert (vote.actor_name, vote.decision) == (voters[0].display_name, "talk")


@pytest.mark.django_db
def test_another_networks_member_sees_nothing(network):
    _raiser, _about, _voters, concern = raised(network)
    with pytest.raises(NotFound):
        concern_steps_visible(MemberFactory(), concern)


@pytest.mark.django_db
def test_removal_recounts_the_roles_the_removed_members_trust_gave(network):
    # given a coordinator held on the trust of the member who is removed
    removed, coordinator, _other = members(network, 3)
    governance_setup_network(network=network)
    Role.objects.filter(network=network, slug="coordinator").update(threshold_cap=1)
    trust_give(actor=removed, receiver=coordinator)
    assert RoleHolding.objects.filter(member=coordinator, role__slug="coordinator").exists()
    # when the member is removed
    member_remove(member=removed, reason="concern 1")
    # then the coordinator, no longer trusted by anyone, loses the role, on record
    assert not RoleHolding.objects.filter(member=coordinator, role__slug="coordinator").exists()
    assert HistoryEntry.objects.filter(
        action="role.lost", target_id=coordinator.pk, data__reason="member.remove"
    ).exists()


# --- races ------------------------------------------------------------------------------------


def round_due_soon(concern):
    """Move the current round's deadline a few seconds ahead; returns the deadline."""
    deadline = timezone.now() + timedelta(seconds=5)
    ConcernRound.objects.filter(concern=concern, closed_at__isnull=True).update(deadline=deadline)
    return deadline


@pytest.mark.django_db(transaction=True)
def test_a_vote_arriving_as_the_round_closes_either_counts_or_is_refused():
    network = NetworkFactory()
    for _ in range(3):
        _raiser, about, voters, concern = raised(network, voters=1)
        concern = concern_open_vote(actor=about, concern=concern)
        deadline = round_due_soon(concern)
        vote, closing = run_together(
            [
                lambda c=concern, v=voters[0]: concern_vote(actor=v, concern=c, choice="talk"),
                lambda c=concern, d=deadline: concern_close_round(concern=c, now=d),
            ]
        )
        assert isinstance(closing, Concern), closing
        concern.refresh_from_db()
        # then the vote counts in exactly one round: the closing one, or the next one that the
        # empty count opened; or it is refused
        if isinstance(vote, ConcernVote) and vote.round.number == 1:
            assert concern.outcome == Concern.Outcome.TALK
        elif isinstance(vote, ConcernVote):
            assert concern.status == Concern.Status.VOTING
            assert concern_current_round(concern) == vote.round
            assert ConcernRound.objects.get(concern=concern, number=1).tally["talk"] == 0
        else:
            assert isinstance(vote, Conflict), vote
            assert concern.status == Concern.Status.VOTING  # no votes: the next round opened


@pytest.mark.django_db(transaction=True)
def test_two_closers_at_once_remove_the_member_once():
    network = NetworkFactory()
    _raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    for voter in voters:
        concern_vote(actor=voter, concern=concern, choice="remove")
    deadline = round_due_soon(concern)
    outcomes = run_together(
        [lambda: concern_close_round(concern=concern, now=deadline) for _ in range(2)]
    )
    assert sorted(type(o).__name__ for o in outcomes) == ["Concern", "Conflict"], outcomes
    assert not Member.objects.filter(pk=about.pk).exists()
    assert HistoryEntry.objects.filter(action="member.remove").count() == 1
    assert HistoryEntry.objects.filter(action="concern.decide").count() == 1


@pytest.mark.django_db
def test_the_history_log_never_names_who_voted_on_an_anonymous_concern(network):
    # given an anonymous concern where a round has one voter, so its tally gives the choice
    _raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    concern_vote(actor=voters[0], concern=concern, choice="remove")
    close(concern)
    # when anyone browses the history log, on the page or through the API's selector
    viewer = voters[1]
    entries = history_visible(member=viewer, kind="conflict")
    lines = history_lines(entries, member=viewer)
    # then the vote is there, said in plain words, by "a member", never by the voter
    [vote] = [line for line in lines if line.action == "concern.vote"]
    assert vote.actor_name == "A member"
    assert vote.action_label == "voted on a concern"
    assert "decision" not in vote.data
    assert voters[0].display_name not in {line.actor_name for line in lines}
    assert not entries.filter(actor=voters[0]).exists()
    # and the hidden raiser is "a member" too, not the system
    [raise_line] = [line for line in lines if line.action == "concern.raise"]
    assert raise_line.actor_name == "A member"
    # and the labels are plain words, not the action's code
    assert all(line.action_label != line.action for line in lines)


@pytest.mark.django_db
def test_the_data_migration_forgets_voters_already_logged_on_anonymous_concerns(network):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "mutualaid.governance.migrations.0006_forget_anonymous_concern_voters"
    )
    _raiser, about, voters, concern = raised(network)
    concern = concern_open_vote(actor=about, concern=concern)
    # given entries written the old way: the voter named, on an anonymous concern
    old = HistoryEntry.objects.create(
        network=network,
        actor=voters[0],
        action="concern.vote",
        target_type="concern",
        target_id=concern.pk,
        data={"round": 1},
    )
    migration.forget_voters(apps, None)
    old.refresh_from_db()
    assert old.actor_id is None
    assert old.data == {"round": 1, "anonymous": True}
    raise_entry = HistoryEntry.objects.get(action="concern.raise", target_id=concern.pk)
    assert raise_entry.data["anonymous"] is True


def test_when_the_vote_opens_the_affected_member_hears_it_in_their_own_words(
    network, django_capture_on_commit_callbacks
):
    # given a concern about Abel, in a network with Rita and Vera
    rita, abel, vera = (MemberFactory(network=network) for _ in range(3))
    concern = concern_raise(actor=rita, about=abel, text="Took the keys home twice.")
    mail.outbox.clear()
    # when Abel opens the vote
    with django_capture_on_commit_callbacks(execute=True):
        concern_open_vote(actor=abel, concern=concern)
    # then Abel is told it is about him, and every other member that the network votes
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "the concern about you" in bodies[abel.user.email]
    for other in (rita, vera):
        assert "a concern about a member's conduct" in bodies[other.user.email]
    assert len(mail.outbox) == Member.objects.filter(network=network).count()


@pytest.mark.django_db(transaction=True)
def test_a_removed_member_is_told_of_the_decision_by_email_in_their_language(network):
    # given a concern about a member who reads Spanish, and a vote to remove them
    _raiser, about, voters, concern = raised(network)
    about.languages = ["es"]
    about.save(update_fields=["languages"])
    concern = concern_open_vote(actor=about, concern=concern)
    for voter in voters:
        concern_vote(actor=voter, concern=concern, choice="remove")
    mail.outbox.clear()
    # when the vote closes
    close(concern)
    # then they are no longer a member, and still hear the decision, once, in Spanish, with
    # no link to a page they can no longer open
    assert not Member.objects.filter(pk=about.pk).exists()
    [email] = [m for m in mail.outbox if about.user.email in m.to]
    assert email.subject.endswith("Se tomó una decisión sobre la inquietud acerca de ti")
    assert "/concerns/" not in email.body
