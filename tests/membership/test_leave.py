"""A member leaving a network, by each cause, leaves behind only what docs/privacy.md says.

A member with data in every app is built through the services, then removed by the network's
decision or by deleting their account. Whatever the cause, nothing that shows their home,
contact or words stays, nothing they hold for others stays open, and the history log says
only what the privacy page says it keeps.
"""

from datetime import timedelta

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.urls import reverse
from django.utils import timezone

from mutualaid.accounts.services import account_delete
from mutualaid.care.listening.models import ListenRequest
from mutualaid.care.teams import services as care_teams
from mutualaid.care.teams.models import CareTeam, Slot
from mutualaid.core.errors import NotFound
from mutualaid.core.models import HistoryEntry
from mutualaid.fund.models import FundRequest, Receipt
from mutualaid.governance.models import ProposalComment
from mutualaid.governance.services import concerns
from mutualaid.library.models import Booking, Thing
from mutualaid.membership.services import (
    LEAVING_STEPS,
    LeaveCause,
    member_leave,
    member_leave_by_choice,
)
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member
from mutualaid.networks.services import api_token_create
from mutualaid.pantry.models import AlertSubscription, Household
from tests.accounts.test_inventory import member_with_everything
from tests.api.conftest import ApiClient
from tests.factories import MemberFactory

OPEN_FUND_STATES = [
    FundRequest.State.PENDING,
    FundRequest.State.QUEUED,
    FundRequest.State.APPROVED,
]


def _leave(member: Member, cause: LeaveCause) -> None:
    if cause == LeaveCause.LEFT:
        member_leave_by_choice(actor=member)
    elif cause == LeaveCause.REMOVED:
        concerns.member_remove(member=member, reason="concern decided")
    else:
        account_delete(user=member.user)


@pytest.fixture(params=list(LeaveCause), ids=lambda cause: cause.value)
def cause(request):
    return request.param


@pytest.fixture
def leaver(db):
    """A member with data in every app, plus an open fund request and a thing booked by a
    neighbour (what a removal used to leave behind)."""
    member = member_with_everything()
    pending = FundRequest.objects.filter(requester=member).first()
    FundRequest.objects.create(
        network=member.network,
        requester=member,
        kind=pending.kind,
        category=pending.category,
        amount=700,
        purpose="Bus pass",
        payout_details="@still-waiting",
        state=FundRequest.State.PENDING,
    )
    member.refresh_from_db()
    return member


def test_the_things_they_kept_no_longer_show_their_home_and_cannot_be_booked(leaver, cause):
    kept = list(Thing.objects.filter(keeper=leaver).values_list("pk", flat=True))
    assert kept
    assert Thing.objects.filter(pk__in=kept, pickup_notes__isnull=False).exists()

    _leave(leaver, cause)

    for thing in Thing.objects.filter(pk__in=kept):
        assert thing.keeper_id is None
        assert not thing.pickup_notes
        assert not thing.photo
        assert not thing.is_active
    assert not Booking.objects.filter(thing__pk__in=kept, state=Booking.State.BOOKED).exists()


def test_their_fund_requests_keep_no_words_or_payout_details_and_none_stays_open(leaver, cause):
    theirs = list(FundRequest.objects.filter(requester=leaver).values_list("pk", flat=True))
    assert FundRequest.objects.filter(pk__in=theirs, state__in=OPEN_FUND_STATES).exists()

    _leave(leaver, cause)

    for request in FundRequest.objects.filter(pk__in=theirs):
        assert request.purpose is None
        assert request.payout_details is None
        assert not request.show_name
        assert request.state not in OPEN_FUND_STATES
    assert not Receipt.objects.filter(request__pk__in=theirs).exists()


def test_their_needs_words_and_open_help_go_and_the_rest_is_anonymous(leaver, cause):
    helped = list(Match.objects.filter(helper=leaver).values_list("pk", flat=True))
    network = leaver.network

    _leave(leaver, cause)

    assert not Need.objects.filter(requester_id=leaver.pk).exists()
    assert not Member.objects.filter(pk=leaver.pk).exists()
    assert not ProposalComment.objects.filter(body="Where would it go?").exists()
    for match in Match.objects.filter(pk__in=helped):
        assert match.helper_id is None
        assert (match.message, match.release_reason, match.cancel_reason) == ("", "", "")
        assert match.state not in (Match.State.PROPOSED, Match.State.ACCEPTED)
    assert not Household.objects.filter(member_id=leaver.pk).exists()
    assert Household.objects.filter(network=network, code="Blue 14").exists()
    assert not AlertSubscription.objects.filter(member_id=leaver.pk).exists()


def test_care_around_them_goes_and_what_they_held_for_others_is_released(leaver, cause):
    listening_to = list(
        ListenRequest.objects.filter(listener=leaver, state=ListenRequest.State.TAKEN).values_list(
            "pk", flat=True
        )
    )
    assert listening_to

    _leave(leaver, cause)

    assert not CareTeam.objects.filter(recipient_id=leaver.pk).exists()
    assert not Slot.objects.filter(volunteer_id=leaver.pk).exists()
    assert not ListenRequest.objects.filter(requester_id=leaver.pk).exists()
    for request in ListenRequest.objects.filter(pk__in=listening_to):
        assert request.state == ListenRequest.State.CLOSED
        assert request.delete_after is not None


def test_the_history_log_says_what_the_privacy_page_says_it_keeps(leaver, cause):
    network = leaver.network

    _leave(leaver, cause)

    assert not HistoryEntry.objects.filter(actor_id=leaver.pk).exists()
    [entry] = HistoryEntry.objects.filter(
        network=network, action__in=["member.leave", "member.remove", "member.delete_account"]
    )
    if cause == LeaveCause.ACCOUNT_DELETED:
        # someone left, without saying who
        assert (entry.action, entry.target_id, entry.data) == ("member.delete_account", None, {})
    elif cause == LeaveCause.LEFT:
        assert (entry.action, entry.target_id, entry.data) == ("member.leave", leaver.pk, {})
    else:
        # the network's decision, about the membership it removed
        assert (entry.action, entry.target_id) == ("member.remove", leaver.pk)
        assert entry.data == {"reason": "concern decided"}


def test_a_member_already_gone_cannot_leave_twice(leaver, cause):
    member_leave(member=leaver, cause=cause)
    with pytest.raises(NotFound):
        member_leave(member=leaver, cause=cause)


def _apps_holding_rows_about_members() -> set[str]:
    held = set()
    for model in apps.get_models():
        if not model.__module__.startswith("mutualaid."):
            continue
        for field in model._meta.get_fields():
            related = getattr(field, "related_model", None)
            if field.concrete and isinstance(field, models.ForeignKey | models.OneToOneField):
                if related is Member:
                    held.add(model._meta.app_label)
    return held


def test_every_app_holding_rows_about_a_member_has_a_leaving_step():
    # core (the history log, idempotency keys) and networks (the membership itself, its tokens
    # and application votes) are what member_leave itself writes and deletes.
    covered = {label for step in LEAVING_STEPS for label in step.apps} | {"core", "networks"}
    missing = _apps_holding_rows_about_members() - covered
    assert not missing, f"apps with rows about a member but no leaving step: {sorted(missing)}"


def test_the_leaving_steps_cover_every_app_once():
    labels = [label for step in LEAVING_STEPS for label in step.apps]
    assert len(labels) == len(set(labels))
    assert set(labels) <= {config.label for config in apps.get_app_configs()}


def test_a_member_who_leaves_keeps_their_account_and_other_networks(leaver):
    elsewhere = MemberFactory(user=leaver.user)

    member_leave_by_choice(actor=leaver)

    assert Member.objects.filter(pk=elsewhere.pk).exists()
    assert User.objects.filter(pk=leaver.user_id, is_active=True).exists()


def test_leaving_from_the_page_asks_first_then_leaves(client, db):
    member = MemberFactory()
    client.force_login(member.user)
    page = reverse("networks:leave", kwargs={"slug": member.network.slug})

    # given the page, which only explains
    response = client.get(page)
    assert response.status_code == 200
    assert Member.objects.filter(pk=member.pk).exists()
    # when the member presses the button
    response = client.post(page, follow=True)
    # then they are out, on the network's public page, and told so
    assert not Member.objects.filter(pk=member.pk).exists()
    assert response.redirect_chain[-1][0] == reverse(
        "networks:public", kwargs={"slug": member.network.slug}
    )
    assert "You have left" in response.content.decode()
    # and the page is now closed to them
    assert client.get(page).status_code == 302


def test_leaving_through_the_api_ends_the_membership_and_its_token(db):
    member = MemberFactory()
    _token, secret = api_token_create(actor=member, name="phone")
    api = ApiClient(secret)

    assert api.post("/me/leave", {}).status_code == 204

    assert not Member.objects.filter(pk=member.pk).exists()
    assert api.get("/me").status_code == 401


def test_a_team_they_held_for_someone_without_an_account_closes_without_its_details(db, cause):
    setter = MemberFactory()
    neighbour = MemberFactory(network=setter.network)
    team = care_teams.team_create(actor=setter, name="For Ana", recipient=None)
    care_teams.team_share_set(actor=setter, team=team, address="12 Elm St", door_code="4321")
    care_teams.membership_invite(actor=setter, team=team, member=neighbour)
    care_teams.membership_accept(actor=neighbour, team=team)
    soon = timezone.now() + timedelta(days=2)
    slot = care_teams.slot_create(
        actor=setter, team=team, kind="meal", starts_at=soon, ends_at=soon + timedelta(hours=1)
    )
    care_teams.slot_sign_up(actor=setter, slot=slot)

    _leave(setter, cause)

    team.refresh_from_db()
    assert team.state == CareTeam.State.CLOSED
    assert team.address is None
    assert team.door_code is None
    slot.refresh_from_db()
    assert (slot.volunteer_id, slot.signed_up_at, slot.reminded_at) == (None, None, None)


def test_the_leave_page_tells_a_founding_organiser_who_holds_the_powers_after_them(client, db):
    founder = MemberFactory(role=Member.Role.FOUNDING_ORGANISER)
    client.force_login(founder.user)

    page = client.get(reverse("networks:leave", kwargs={"slug": founder.network.slug}))

    assert "founding organiser. Once you leave" in page.content.decode()
