"""Starting a network, joining it, and keeping one's profile and tokens: the service rules."""

import h3
import pytest

from mutualaid.core.errors import Conflict, InvalidInput, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.membership import services as membership
from mutualaid.networks import services
from mutualaid.networks.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_SKILLS,
    ApiToken,
    Application,
    ApplicationVote,
    Member,
    Network,
    Skill,
)
from tests.concurrency import run_together
from tests.conftest import SECRET_PHONE
from tests.factories import CENTER, CENTER_CELL, NEARBY_CELL, MemberFactory, UserFactory

# --- Starting a network ---------------------------------------------------------------------


def start_network(founder, **changes):
    fields = {
        "founder": founder,
        "founder_display_name": "Ana",
        "name": "Lake Merritt Mutual Aid",
        "area_name": "Oakland",
        "center_lat": CENTER[0],
        "center_lng": CENTER[1],
        "neighbourhoods": [("Adams Point", 37.8110, -122.2570)],
    }
    return membership.network_create(**(fields | changes))


def test_a_new_network_has_the_default_taxonomy_and_its_founder(db):
    # given a person with an account
    founder = UserFactory()

    # when they start a network
    network = start_network(founder)

    # then it has the twelve default categories, the skills, its neighbourhoods and the founder
    assert network.slug == "lake-merritt-mutual-aid"
    assert network.center_cell == CENTER_CELL
    assert list(network.categories.values_list("slug", flat=True)) == list(DEFAULT_CATEGORIES)
    assert network.categories.count() == 12
    assert set(network.skills.values_list("slug", flat=True)) == set(DEFAULT_SKILLS)
    assert list(network.neighbourhoods.values_list("name", flat=True)) == ["Adams Point"]
    founder_member = Member.objects.get(network=network)
    assert founder_member.user == founder
    assert founder_member.role == Member.Role.FOUNDING_ORGANISER
    assert founder_member.display_name == "Ana"
    assert network.approvals_needed == 1
    assert HistoryEntry.objects.filter(action="network.create", network=network).count() == 1


def test_a_second_network_with_the_same_short_name_is_refused(db):
    start_network(UserFactory())
    with pytest.raises(Conflict):
        start_network(UserFactory())
    assert Network.objects.count() == 1


@pytest.mark.parametrize(
    "changes",
    [{"name": "  "}, {"name": "!!!"}, {"center_lat": 91.0}, {"center_lng": -181.0}],
    ids=["blank name", "name without letters", "latitude off Earth", "longitude off Earth"],
)
def test_a_network_with_bad_input_is_refused(changes, db):
    with pytest.raises(InvalidInput):
        start_network(UserFactory(), **changes)
    assert not Network.objects.exists()


# --- Applications ---------------------------------------------------------------------------


@pytest.fixture
def applicant(db):
    return UserFactory(email="applicant@example.org")


def apply(network, user, answers=()):
    return services.application_submit(
        user=user, network=network, display_name="Newcomer", answers=list(answers)
    )


def test_one_approval_lets_an_applicant_in_by_default(
    network, requester, applicant, mailoutbox, django_capture_on_commit_callbacks
):
    # given an application to a network that needs the default single approval
    application = apply(network, applicant)

    # when one member approves
    with django_capture_on_commit_callbacks(execute=True):
        application = membership.application_vote(
            actor=requester, application=application, decision="approve"
        )

    # then the applicant is a member, and is welcomed by email
    assert application.status == Application.Status.APPROVED
    assert application.decided_at is not None
    member = Member.objects.get(network=network, user=applicant)
    assert member.role == Member.Role.MEMBER
    assert member.display_name == "Newcomer"
    assert [m.to for m in mailoutbox] == [["applicant@example.org"]]


@pytest.mark.parametrize("decision", ["approve", "decline"])
def test_an_application_is_decided_by_n_answers_of_one_kind(decision, network, applicant):
    # given a network that asks three members to decide
    network.approvals_needed = 3
    network.save()
    voters = [MemberFactory(network=network) for _ in range(3)]
    application = apply(network, applicant)

    # when two answer the same way, it still waits
    for voter in voters[:2]:
        application = membership.application_vote(
            actor=voter, application=application, decision=decision
        )
        assert application.status == Application.Status.PENDING

    # when the third does, it is decided that way
    application = membership.application_vote(
        actor=voters[2], application=application, decision=decision
    )
    expected = {"approve": Application.Status.APPROVED, "decline": Application.Status.DECLINED}
    assert application.status == expected[decision]
    joined = Member.objects.filter(network=network, user=applicant).exists()
    assert joined is (decision == "approve")


def test_mixed_answers_wait_until_one_side_reaches_n(network, applicant):
    network.approvals_needed = 2
    network.save()
    yes, no, yes_again = (MemberFactory(network=network) for _ in range(3))
    application = apply(network, applicant)
    membership.application_vote(actor=yes, application=application, decision="approve")
    membership.application_vote(actor=no, application=application, decision="decline")
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING
    membership.application_vote(actor=yes_again, application=application, decision="approve")
    assert Application.objects.get(pk=application.pk).status == Application.Status.APPROVED


def test_a_member_cannot_answer_an_application_twice(network, applicant):
    network.approvals_needed = 2
    network.save()
    voter, _other = MemberFactory(network=network), MemberFactory(network=network)
    application = apply(network, applicant)
    membership.application_vote(actor=voter, application=application, decision="approve")

    with pytest.raises(Conflict, match="You have already answered this application."):
        membership.application_vote(actor=voter, application=application, decision="approve")

    assert ApplicationVote.objects.filter(application=application).count() == 1
    assert Application.objects.get(pk=application.pk).status == Application.Status.PENDING


def test_nobody_votes_on_their_own_application(network, applicant):
    # given someone who applied and then joined by invitation while the application waited
    application = apply(network, applicant)
    member = membership.member_join_by_invitation(
        user=applicant, network=network, invite_code=network.invite_code, display_name="Me"
    )

    # when they try to approve themself, then it is refused
    with pytest.raises(PermissionDenied, match="You cannot vote on your own application."):
        membership.application_vote(actor=member, application=application, decision="approve")
    assert not ApplicationVote.objects.exists()


def test_a_member_of_another_network_cannot_vote(network, outsider, applicant):
    application = apply(network, applicant)
    with pytest.raises(PermissionDenied):
        membership.application_vote(actor=outsider, application=application, decision="approve")
    assert not ApplicationVote.objects.exists()


def test_a_decided_application_takes_no_more_votes(network, requester, bystander, applicant):
    application = apply(network, applicant)
    membership.application_vote(actor=requester, application=application, decision="decline")
    application.refresh_from_db()
    with pytest.raises(Conflict, match="already been decided"):
        membership.application_vote(actor=bystander, application=application, decision="approve")
    assert not Member.objects.filter(user=applicant).exists()


def test_an_unknown_decision_is_refused(network, requester, applicant):
    application = apply(network, applicant)
    with pytest.raises(InvalidInput):
        membership.application_vote(actor=requester, application=application, decision="maybe")
    assert not ApplicationVote.objects.exists()


def test_an_application_must_answer_every_question(network, applicant):
    network.application_questions = ["Why do you want to join?", "Where do you live?"]
    network.save()
    with pytest.raises(InvalidInput):
        apply(network, applicant, answers=["To help"])
    application = apply(network, applicant, answers=["To help", "Near the lake"])
    assert [a["answer"] for a in application.answers] == ["To help", "Near the lake"]


def test_one_pending_application_at_a_time(network, applicant):
    apply(network, applicant)
    with pytest.raises(Conflict):
        apply(network, applicant)
    assert Application.objects.filter(user=applicant).count() == 1


def test_a_network_closed_to_applications_refuses_them(network, applicant):
    network.open_for_applications = False
    network.save()
    with pytest.raises(PermissionDenied):
        apply(network, applicant)
    assert not Application.objects.exists()


def test_a_member_cannot_apply_again(network, requester):
    with pytest.raises(Conflict, match="already a member"):
        apply(network, requester.user)


# --- Invitations ----------------------------------------------------------------------------


def test_joining_with_the_current_invitation_makes_a_member(network, applicant):
    member = membership.member_join_by_invitation(
        user=applicant, network=network, invite_code=network.invite_code, display_name="Joy"
    )
    assert member.network == network
    assert member.role == Member.Role.MEMBER
    assert HistoryEntry.objects.filter(action="member.join", data={"how": "invitation"}).exists()


@pytest.mark.parametrize("code", ["", "wrong", "x" * 200])
def test_joining_with_a_wrong_invitation_is_refused(code, network, applicant):
    with pytest.raises(PermissionDenied, match="no longer valid"):
        membership.member_join_by_invitation(
            user=applicant, network=network, invite_code=code, display_name="Joy"
        )
    assert not Member.objects.filter(user=applicant).exists()


def test_a_rotated_invitation_stops_working_and_the_new_one_works(network, applicant):
    # given an organiser replaces the invitation link
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    old_code = network.invite_code
    network = services.network_rotate_invite(actor=organiser, network=network)
    assert network.invite_code != old_code

    # when someone uses the old link, then they are refused
    with pytest.raises(PermissionDenied):
        membership.member_join_by_invitation(
            user=applicant, network=network, invite_code=old_code, display_name="Joy"
        )
    # and the new link works
    membership.member_join_by_invitation(
        user=applicant, network=network, invite_code=network.invite_code, display_name="Joy"
    )
    assert Member.objects.filter(network=network, user=applicant).exists()


def test_only_an_organiser_rotates_the_invitation(network, requester):
    old_code = network.invite_code
    with pytest.raises(PermissionDenied):
        services.network_rotate_invite(actor=requester, network=network)
    assert Network.objects.get(pk=network.pk).invite_code == old_code


def test_joining_twice_is_refused(network, requester):
    with pytest.raises(Conflict, match="already a member"):
        membership.member_join_by_invitation(
            user=requester.user, network=network, invite_code=network.invite_code, display_name="R"
        )


# --- Settings -------------------------------------------------------------------------------


@pytest.mark.parametrize("approvals", [0, 51])
def test_approvals_needed_stays_between_1_and_50(approvals, network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    with pytest.raises(InvalidInput):
        services.network_update_settings(
            actor=organiser,
            network=network,
            description="",
            open_for_applications=True,
            approvals_needed=approvals,
            application_questions=[],
        )
    assert Network.objects.get(pk=network.pk).approvals_needed == 1


def test_a_member_cannot_change_the_networks_settings(network, requester):
    with pytest.raises(PermissionDenied):
        services.network_update_settings(
            actor=requester,
            network=network,
            description="Taken over",
            open_for_applications=False,
            approvals_needed=5,
            application_questions=[],
        )
    assert Network.objects.get(pk=network.pk).approvals_needed == 1


# --- Profiles -------------------------------------------------------------------------------


def profile(member, **changes):
    fields = {
        "actor": member,
        "member": member,
        "display_name": "Rosa M.",
        "languages": ["en", "es"],
        "skill_ids": list(
            Skill.objects.filter(network=member.network).values_list("pk", flat=True)
        ),
        "free_tags": ["Sewing"],
        "accessibility_needs": "",
        "cell": NEARBY_CELL,
        "availability": ["sat-morning"],
        "weekly_task_cap": 3,
        "travel_radius_km": 5,
        "contact_preference": Member.ContactPreference.EMAIL,
        "phone": "",
    }
    return services.member_update_profile(**(fields | changes))


@pytest.fixture
def skilled_member(network):
    Skill.objects.create(network=network, slug="driving", name="Driving")
    return MemberFactory(network=network, display_name="Rosa")


def test_a_member_saves_their_profile(skilled_member):
    member = profile(
        skilled_member, contact_preference=Member.ContactPreference.PHONE, phone=SECRET_PHONE
    )
    member = Member.objects.get(pk=member.pk)
    assert member.display_name == "Rosa M."
    assert member.free_tags == ["sewing"]
    assert [s.slug for s in member.skills.all()] == ["driving"]
    assert member.phone == SECRET_PHONE
    assert HistoryEntry.objects.filter(action="member.update_profile").count() == 1


BAD_PROFILES = {
    "bad cell": {"cell": "not-a-cell"},
    "cell finer than public": {"cell": h3.cell_to_children(CENTER_CELL, 9)[0]},
    "unknown language": {"languages": ["en", "xx-nope"]},
    "weekly cap below 0": {"weekly_task_cap": -1},
    "weekly cap above 50": {"weekly_task_cap": 51},
    "radius above 200 km": {"travel_radius_km": 201},
    "radius not a number": {"travel_radius_km": "5"},
    "phone preference without a phone": {
        "contact_preference": Member.ContactPreference.PHONE,
        "phone": "  ",
    },
    "unknown contact preference": {"contact_preference": "pigeon"},
    "unknown availability": {"availability": ["sat-midnight"]},
    "blank display name": {"display_name": ""},
}


@pytest.mark.parametrize("changes", BAD_PROFILES.values(), ids=BAD_PROFILES.keys())
def test_a_profile_with_bad_input_is_refused_and_nothing_changes(changes, skilled_member):
    with pytest.raises(InvalidInput) as refused:
        profile(skilled_member, **changes)
    assert refused.value.message
    member = Member.objects.get(pk=skilled_member.pk)
    assert member.display_name == "Rosa"
    assert not HistoryEntry.objects.filter(action="member.update_profile").exists()


def test_a_skill_from_another_network_is_refused(skilled_member, outsider):
    foreign = Skill.objects.create(network=outsider.network, slug="cooking", name="Cooking")
    with pytest.raises(InvalidInput, match="Choose skills from this network's list."):
        profile(skilled_member, skill_ids=[foreign.pk])
    assert not skilled_member.skills.exists()


def test_only_the_member_edits_their_profile(skilled_member, bystander):
    with pytest.raises(PermissionDenied):
        profile(skilled_member, actor=bystander)
    assert Member.objects.get(pk=skilled_member.pk).display_name == "Rosa"


# --- API tokens -----------------------------------------------------------------------------


def test_a_token_authenticates_its_member_until_revoked(helper):
    # given a member creates a token
    token, secret = services.api_token_create(actor=helper, name="My phone")
    assert secret.startswith(f"ma_{token.prefix}_")
    assert secret not in token.secret_hash  # only a hash is stored

    # when the secret is presented, then it is that member, and the use is noted
    assert services.api_token_authenticate(secret) == helper
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None

    # when it is revoked, then the secret no longer works
    services.api_token_revoke(actor=helper, token=token)
    assert services.api_token_authenticate(secret) is None
    assert not ApiToken.objects.exists()


def test_a_wrong_or_malformed_secret_authenticates_nobody(helper):
    token, secret = services.api_token_create(actor=helper, name="Script")
    for wrong in ["", "ma_", secret + "x", secret[:-1], f"ma_{token.prefix}_guess", "Bearer x"]:
        assert services.api_token_authenticate(wrong) is None


def test_a_deactivated_persons_token_authenticates_nobody(helper):
    _token, secret = services.api_token_create(actor=helper, name="Script")
    helper.user.is_active = False
    helper.user.save()
    assert services.api_token_authenticate(secret) is None


def test_nobody_revokes_someone_elses_token(helper, bystander):
    token, secret = services.api_token_create(actor=helper, name="Script")
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=bystander, token=token)
    assert services.api_token_authenticate(secret) == helper


def test_a_member_has_at_most_twenty_tokens(helper):
    for i in range(20):
        services.api_token_create(actor=helper, name=f"token {i}")
    with pytest.raises(Conflict):
        services.api_token_create(actor=helper, name="one too many")
    assert helper.api_tokens.count() == 20


# --- Races ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_last_of_n_simultaneous_approvals_decides(database):  # noqa: F811
    # given a network that asks three members to decide, and three members ready to approve
    network = MemberFactory().network
    network.approvals_needed = 3
    network.save()
    voters = [MemberFactory(network=network) for _ in range(3)]
    application = apply(network, UserFactory())
    copies = [Application.objects.get(pk=application.pk) for _ in voters]

    # when all three approve at the same moment
    outcomes = run_together(
        [
            lambda v=v, a=a: membership.application_vote(actor=v, application=a, decision="approve")
            for v, a in zip(voters, copies, strict=True)
        ]
    )

    # then every vote counts and the application is approved, once
    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert Application.objects.get(pk=application.pk).status == Application.Status.APPROVED
    assert Member.objects.filter(network=network, user=application.user).count() == 1
    assert HistoryEntry.objects.filter(action="application.approved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_votes_racing_past_the_decision_are_refused(database):  # noqa: F811
    # given an application that one approval decides, and two members approving at once
    network = MemberFactory().network
    voters = [MemberFactory(network=network) for _ in range(2)]
    application = apply(network, UserFactory())
    copies = [Application.objects.get(pk=application.pk) for _ in voters]

    outcomes = run_together(
        [
            lambda v=v, a=a: membership.application_vote(actor=v, application=a, decision="approve")
            for v, a in zip(voters, copies, strict=True)
        ]
    )

    # then one decides, the other is told it was already decided, and one member joined
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert [type(e) for e in errors] == [Conflict]
    assert errors[0].message == "This application has already been decided."
    assert ApplicationVote.objects.count() == 1
    assert Member.objects.filter(network=network, user=application.user).count() == 1
