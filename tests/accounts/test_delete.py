"""Deleting an account leaves nothing that points back to the person.

After `account_delete`, every text column of every table is scanned for the person's email,
names, private details and words. Their needs and offers are gone, a need they had agreed to
help with is open again, the network keeps only anonymous counts, and everyone else's data is
as it was.
"""

import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mutualaid.accounts.services import account_delete
from mutualaid.core.models import HistoryEntry, IdempotencyRecord
from mutualaid.governance import services as governance
from mutualaid.governance.models import RoleHolding
from mutualaid.governance.services import proposals
from mutualaid.membership import services as membership
from mutualaid.needs import services as needs
from mutualaid.needs.models import AnonymousTally, Match, Need, Offer
from mutualaid.networks import services as networks
from mutualaid.networks.models import ApiToken, Application, ApplicationVote, Member
from tests.accounts.test_inventory import rows_containing
from tests.api.conftest import ApiClient
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import CENTER_CELL, MemberFactory, NeedFactory, UserFactory

EMAIL = "dorothea.quill@example.org"
NAME = "Dorothea Quillfeather"
CORRECTED_NAME = "Dorothea Q."
PHONE = "+1 510 555 0177"
ACCESS = "Hard of hearing, please text"
# Words the person wrote: a need, an offer, messages and a reason.
WORDS = [
    "Ride to the eye clinic on Tuesday",
    "Quillfeather bakes bread for two",
    "Dorothea can bring soup at six",
    "Dorothea finished the shopping run",
    "Dorothea has to reschedule",
    "Dorothea wants to join to cook",
    "Dorothea thinks the freezer is too loud",
]


class World:
    """Dorothea, with data of every kind, among neighbours who keep theirs."""

    def __init__(self) -> None:
        user = UserFactory(email=EMAIL, username=EMAIL)
        self.dora = MemberFactory(user=user, display_name=NAME)
        self.network = network = self.dora.network
        network.approvals_needed = 2
        network.save()
        self.rosa = MemberFactory(network=network, display_name="Rosa")
        self.nadia = MemberFactory(network=network, display_name="Nadia")
        self.organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
        networks.member_update_profile(
            actor=self.dora,
            member=self.dora,
            display_name=NAME,
            languages=["en"],
            skill_ids=[],
            free_tags=["baking"],
            accessibility_needs=ACCESS,
            cell=CENTER_CELL,
            availability=[],
            weekly_task_cap=2,
            travel_radius_km=3,
            contact_preference=Member.ContactPreference.PHONE,
            phone=PHONE,
        )
        # Dorothea's own need, with her address, which Nadia is helping with.
        self.dora_need = NeedFactory(
            requester=self.dora, description=WORDS[0], address=SECRET_ADDRESS, phone=SECRET_PHONE
        )
        self.category = self.dora_need.category
        nadia_helps = needs.match_propose(actor=self.nadia, need=self.dora_need, message="Nadia")
        needs.match_accept(actor=self.dora, match=nadia_helps)
        # Her offer; her accepted help on one of Rosa's needs; her finished help on another.
        offer = needs.offer_create(actor=self.dora, kind="time", title=WORDS[1])
        self.rosa_need = NeedFactory(requester=self.rosa, category=self.category)
        self.live = needs.match_propose(
            actor=self.dora, need=self.rosa_need, offer=offer, message=WORDS[2]
        )
        needs.match_accept(actor=self.rosa, match=self.live)
        self.rosa_done_need = NeedFactory(requester=self.rosa, category=self.category)
        done = needs.match_propose(actor=self.dora, need=self.rosa_done_need, message=WORDS[3])
        for step, actor in [
            (needs.match_accept, self.rosa),
            (needs.match_start, self.dora),
            (needs.match_confirm_done, self.dora),
            (needs.match_confirm_done, self.rosa),
        ]:
            done = step(actor=actor, match=done)
        self.done = done
        # A match she cancelled, with her reason.
        third = NeedFactory(requester=self.rosa, category=self.category)
        cancelled = needs.match_propose(actor=self.dora, need=third)
        needs.match_cancel(actor=self.dora, match=cancelled, reason=WORDS[4])
        # An application elsewhere, a vote here, a token, a keyed API write, a session.
        elsewhere = MemberFactory().network
        elsewhere.application_questions = ["Why?"]
        elsewhere.save()
        networks.application_submit(
            user=user, network=elsewhere, display_name=NAME, answers=[WORDS[5]]
        )
        self.newcomer = networks.application_submit(
            user=UserFactory(), network=network, display_name="Newcomer", answers=[]
        )
        membership.application_vote(actor=self.dora, application=self.newcomer, decision="approve")
        _token, secret = networks.api_token_create(actor=self.dora, name=NAME)
        now = timezone.now()
        response = ApiClient(secret).post(
            "/needs",
            {
                "category": self.category.slug,
                "description": WORDS[0] + " again",
                "window_start": now.isoformat(),
                "window_end": (now + timedelta(days=1)).isoformat(),
                "cell": CENTER_CELL,
                "address": SECRET_ADDRESS,
            },
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert response.status_code == 201
        # Her trust holds Rosa's moderator role; her comment on a proposal.
        governance.trust_give(actor=self.dora, receiver=self.rosa)
        assert RoleHolding.objects.filter(member=self.rosa, role__slug="moderator").exists()
        proposal = proposals.proposal_open(
            actor=self.rosa,
            title="A second freezer",
            body="",
            method="consent",
            deadline=now + timedelta(days=3),
        )
        proposals.proposal_comment(actor=self.dora, proposal=proposal, body=WORDS[6])
        Client().force_login(user)
        # An organiser corrects her display name in the admin, which logs the change.
        admin = Client()
        admin.force_login(self.organiser.user)
        response = admin.post(
            f"/admin/networks/member/{self.dora.pk}/change/", {"display_name": CORRECTED_NAME}
        )
        assert response.status_code == 302, response.content[:2000]
        assert Member.objects.get(pk=self.dora.pk).display_name == CORRECTED_NAME


@pytest.fixture
def world(db):
    return World()


def test_nothing_anywhere_holds_the_persons_details_or_words(world):
    # given every kind of data about Dorothea, some of it in clear text
    assert rows_containing(EMAIL)
    assert rows_containing(WORDS[2])

    # when she deletes her account
    account_delete(user=world.dora.user)

    # then no value in any table holds her email, names, private details or words
    for needle in [EMAIL, NAME, CORRECTED_NAME, PHONE, ACCESS, SECRET_ADDRESS, *WORDS]:
        assert rows_containing(needle) == [], needle


def test_her_account_needs_offers_and_the_rest_are_gone(world):
    dora, user = world.dora, world.dora.user

    account_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
    assert not Member.objects.filter(pk=dora.pk).exists()
    assert not Need.objects.filter(requester_id=dora.pk).exists()
    assert not Need.objects.filter(pk=world.dora_need.pk).exists()
    assert not Offer.objects.filter(helper_id=dora.pk).exists()
    assert not Match.objects.filter(helper_id=dora.pk).exists()
    assert not Application.objects.filter(user_id=user.pk).exists()
    assert not ApplicationVote.objects.filter(voter_id=dora.pk).exists()
    assert not ApiToken.objects.filter(member_id=dora.pk).exists()
    assert not IdempotencyRecord.objects.filter(member_id=dora.pk).exists()
    assert not HistoryEntry.objects.filter(actor_id=dora.pk).exists()


def test_a_need_she_was_helping_with_opens_again_and_its_requester_is_told(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(user=world.dora.user)

    assert Need.objects.get(pk=world.rosa_need.pk).status == Need.Status.OPEN
    live = Match.objects.get(pk=world.live.pk)
    assert live.state == Match.State.CANCELLED
    assert live.helper is None
    assert live.message == ""
    assert [m.to for m in mailoutbox] == [[world.rosa.user.email]]


def test_help_she_gave_stays_in_the_requesters_record_without_her(world):
    account_delete(user=world.dora.user)

    done = Match.objects.get(pk=world.done.pk)
    assert done.state == Match.State.DONE
    assert done.helper is None
    assert done.message == ""
    assert Need.objects.get(pk=world.rosa_done_need.pk).status == Need.Status.DONE


def test_the_network_keeps_only_counts_of_what_she_asked_for_and_gave(world):
    asked = Need.objects.filter(requester=world.dora).count()
    assert asked == 2

    account_delete(user=world.dora.user)

    tally = AnonymousTally.objects.get(network=world.network, category_slug=world.category.slug)
    assert (tally.needs_asked, tally.helps_given) == (asked, 1)
    entry = HistoryEntry.objects.get(action="member.delete_account")
    assert entry.actor is None
    assert entry.network == world.network


def test_everyone_elses_data_is_intact(world):
    # given what Rosa and Nadia hold before
    rosa_needs = set(Need.objects.filter(requester=world.rosa).values_list("pk", flat=True))
    nadia_offers = Offer.objects.filter(helper=world.nadia).count()
    members = set(Member.objects.exclude(pk=world.dora.pk).values_list("pk", "display_name"))
    applications = Application.objects.exclude(user=world.dora.user).count()

    # when Dorothea deletes her account
    account_delete(user=world.dora.user)

    # then theirs is all still there, private details included
    assert set(Need.objects.filter(requester=world.rosa).values_list("pk", flat=True)) == (
        rosa_needs
    )
    assert Need.objects.get(pk=world.rosa_need.pk).address == SECRET_ADDRESS
    assert Offer.objects.filter(helper=world.nadia).count() == nadia_offers
    assert set(Member.objects.values_list("pk", "display_name")) == members
    assert Application.objects.count() == applications
    assert User.objects.filter(pk=world.rosa.user_id, email=world.rosa.user.email).exists()
    assert HistoryEntry.objects.filter(actor=world.rosa).exists()


def test_roles_her_trust_held_are_counted_again_without_it(world):
    account_delete(user=User.objects.get(email=EMAIL))
    assert not RoleHolding.objects.filter(member=world.rosa).exists()
    assert HistoryEntry.objects.filter(
        action="role.lost", target_id=world.rosa.pk, data__reason="member.delete_account"
    ).exists()
