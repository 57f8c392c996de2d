"""Care teams through their services: setting up, the recipient's controls, members, slots,
sign-ups, and the daily and hourly sweeps."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from mutualaid.care.teams import selectors, services
from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tests.care.teams.conftest import (
    SECRET_ADDRESS,
    SECRET_DIET,
    SECRET_DOOR_CODE,
    SECRET_SLOT_ADDRESS,
    SECRET_SLOT_DETAILS,
    join,
    soon,
)
from tests.factories import MemberFactory

SECRETS = (SECRET_ADDRESS, SECRET_DIET, SECRET_DOOR_CODE, SECRET_SLOT_ADDRESS, SECRET_SLOT_DETAILS)


def _no_secret_in(mails) -> None:
    for mail in mails:
        text = mail.subject + mail.body
        for secret in SECRETS:
            assert secret not in text


# --- Setting up -----------------------------------------------------------------------------


def test_a_recipient_sets_up_their_own_team_and_holds_its_controls(team, recipient):
    place = selectors.access_team(recipient, team.pk)
    assert team.state == CareTeam.State.ACTIVE
    assert place.is_controller
    assert place.coordinates


def test_a_team_set_up_around_another_member_waits_for_them(
    network, recipient, mailoutbox, django_capture_on_commit_callbacks
):
    # given a friend setting up a team around Rosa
    friend = MemberFactory(network=network)
    with django_capture_on_commit_callbacks(execute=True):
        team = services.team_create(actor=friend, name="For Rosa", recipient=recipient)

    # then it waits for Rosa, who is told by email, and nothing can be planned yet
    assert team.state == CareTeam.State.PROPOSED
    assert [m.to for m in mailoutbox] == [[recipient.user.email]]
    assert selectors.seat(recipient, team.pk).awaiting_my_answer
    with pytest.raises(Conflict):
        services.slot_create(
            actor=friend, team=team, kind="meal", starts_at=soon(2), ends_at=soon(3)
        )
    with pytest.raises(Conflict):
        services.membership_invite(actor=friend, team=team, member=MemberFactory(network=network))

    # when Rosa accepts, she holds the controls, not her friend
    services.team_accept(actor=recipient, team=team)
    team.refresh_from_db()
    assert team.state == CareTeam.State.ACTIVE
    assert selectors.access_team(recipient, team.pk).is_controller
    assert not selectors.access_team(friend, team.pk).is_controller
    with pytest.raises(PermissionDenied):
        services.team_pause(actor=friend, team=team)


def test_a_recipient_who_declines_deletes_the_team(network, recipient):
    friend = MemberFactory(network=network)
    team = services.team_create(actor=friend, name="For Rosa", recipient=recipient)
    services.team_decline(actor=recipient, team=team)
    assert not CareTeam.objects.filter(pk=team.pk).exists()


def test_only_the_recipient_answers_a_proposed_team(network, recipient):
    friend = MemberFactory(network=network)
    team = services.team_create(actor=friend, name="For Rosa", recipient=recipient)
    with pytest.raises(NotFound):
        services.team_accept(actor=friend, team=team)
    with pytest.raises(NotFound):
        selectors.seat(MemberFactory(network=network), team.pk)


def test_for_someone_without_an_account_the_trusted_person_holds_the_controls(network):
    friend = MemberFactory(network=network)
    team = services.team_create(actor=friend, name="For grandad", recipient=None)
    assert team.state == CareTeam.State.ACTIVE
    assert selectors.access_team(friend, team.pk).is_controller
    services.team_pause(actor=friend, team=team)
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.PAUSED


def test_a_closing_date_in_the_past_is_refused(recipient):
    with pytest.raises(InvalidInput) as err:
        services.team_create(
            actor=recipient,
            name="x",
            recipient=recipient,
            closes_on=timezone.localdate() - timedelta(days=1),
        )
    assert "closes_on" in err.value.fields
    assert not CareTeam.objects.exists()


def test_a_member_of_another_network_cannot_be_the_recipient_or_invited(recipient, outsider, team):
    with pytest.raises(NotFound):
        services.team_create(actor=recipient, name="x", recipient=outsider)
    with pytest.raises(NotFound):
        services.membership_invite(actor=recipient, team=team, member=outsider)


# --- What is shared -------------------------------------------------------------------------


def test_the_team_sees_only_what_the_recipient_shares(team, recipient, neighbour):
    mine = selectors.team_details(place=selectors.access_team(recipient, team.pk))
    theirs = selectors.team_details(place=selectors.access_team(neighbour, team.pk))
    assert mine == {
        "dietary_needs": SECRET_DIET,
        "address": SECRET_ADDRESS,
        "door_code": SECRET_DOOR_CODE,
    }
    assert theirs == {"dietary_needs": SECRET_DIET, "address": SECRET_ADDRESS}


def test_only_the_recipient_changes_what_is_shared(team, recipient, neighbour):
    services.membership_set_coordinator(
        actor=recipient,
        membership=TeamMembership.objects.get(team=team, member=neighbour),
        coordinator=True,
    )
    with pytest.raises(PermissionDenied):
        services.team_share_set(actor=neighbour, team=team, door_code="x", share_door_code=True)
    with pytest.raises(PermissionDenied):
        services.team_close(actor=neighbour, team=team)
    assert CareTeam.objects.get(pk=team.pk).door_code == SECRET_DOOR_CODE


def test_the_details_are_encrypted_at_rest(team, slot):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT address, door_code, dietary_needs FROM care_teams_careteam WHERE id = %s",
            [team.pk],
        )
        team_row = cursor.fetchone()
        cursor.execute("SELECT address, details FROM care_teams_slot WHERE id = %s", [slot.pk])
        slot_row = cursor.fetchone()
    raw = " ".join(str(v) for v in team_row + slot_row)
    for secret in SECRETS:
        assert secret not in raw
    assert Slot.objects.get(pk=slot.pk).details == SECRET_SLOT_DETAILS


# --- Members --------------------------------------------------------------------------------


def test_a_co_coordinator_adds_slots_and_invites(team, recipient, neighbour):
    with pytest.raises(PermissionDenied):
        services.slot_create(
            actor=neighbour, team=team, kind="ride", starts_at=soon(2), ends_at=soon(3)
        )
    services.membership_set_coordinator(
        actor=recipient,
        membership=TeamMembership.objects.get(team=team, member=neighbour),
        coordinator=True,
    )
    slot = services.slot_create(
        actor=neighbour, team=team, kind="ride", starts_at=soon(2), ends_at=soon(3)
    )
    invited = services.membership_invite(
        actor=neighbour, team=team, member=MemberFactory(network=team.network)
    )
    assert slot.pk
    assert invited.state == TeamMembership.State.INVITED


def test_inviting_someone_twice_is_a_clear_conflict(team, recipient, neighbour):
    with pytest.raises(Conflict):
        services.membership_invite(actor=recipient, team=team, member=neighbour)


def test_an_invited_member_sees_no_calendar_until_they_join(team, recipient, slot):
    guest = MemberFactory(network=team.network)
    services.membership_invite(actor=recipient, team=team, member=guest)
    place = selectors.seat(guest, team.pk)
    assert place.invited
    assert not place.active
    assert list(selectors.slots(place=place)) == []
    assert selectors.team_details(place=place) == {}
    with pytest.raises(NotFound):
        selectors.access_team(guest, team.pk)
    with pytest.raises(NotFound):
        services.slot_sign_up(actor=guest, slot=slot)


def test_a_removed_member_loses_access_at_once_and_their_slots_reopen(
    team, recipient, neighbour, slot
):
    # given the neighbour signed up for a slot
    services.slot_sign_up(actor=neighbour, slot=slot)

    # when Rosa removes them
    services.membership_remove(
        actor=recipient, membership=TeamMembership.objects.get(team=team, member=neighbour)
    )

    # then they see nothing and the slot needs someone again
    with pytest.raises(NotFound):
        selectors.access_team(neighbour, team.pk)
    with pytest.raises(NotFound):
        selectors.seat(neighbour, team.pk)
    assert Slot.objects.get(pk=slot.pk).volunteer_id is None


def test_the_recipient_cannot_remove_themselves_or_leave(team, recipient):
    with pytest.raises(InvalidInput):
        services.membership_remove(
            actor=recipient, membership=TeamMembership.objects.get(team=team, member=recipient)
        )
    with pytest.raises(InvalidInput):
        services.membership_leave(actor=recipient, team=team)


def test_a_member_leaves_and_is_taken_off_slots_to_come(team, neighbour, slot):
    services.slot_sign_up(actor=neighbour, slot=slot)
    services.membership_leave(actor=neighbour, team=team)
    assert Slot.objects.get(pk=slot.pk).volunteer_id is None
    with pytest.raises(NotFound):
        selectors.access_team(neighbour, team.pk)


# --- Slots ----------------------------------------------------------------------------------


def test_a_slot_ending_before_it_starts_is_refused_and_nothing_is_made(team, recipient):
    with pytest.raises(InvalidInput) as err:
        services.slot_create(
            actor=recipient, team=team, kind="meal", starts_at=soon(5), ends_at=soon(4)
        )
    assert "ends_at" in err.value.fields
    assert err.value.message == "A slot must end after it starts."
    assert not Slot.objects.exists()


def test_an_unknown_kind_of_slot_is_refused(team, recipient):
    with pytest.raises(InvalidInput):
        services.slot_create(
            actor=recipient, team=team, kind="party", starts_at=soon(5), ends_at=soon(6)
        )


def test_a_second_sign_up_is_told_someone_else_has_it(team, recipient, neighbour, slot):
    services.slot_sign_up(actor=neighbour, slot=slot)
    with pytest.raises(services.SlotTaken) as err:
        services.slot_sign_up(actor=recipient, slot=slot)
    assert err.value.code == "slot_taken"
    assert Slot.objects.get(pk=slot.pk).volunteer_id == neighbour.pk


def test_signing_up_on_a_paused_or_closed_team_is_refused_clearly(team, recipient, neighbour, slot):
    services.team_pause(actor=recipient, team=team)
    with pytest.raises(services.TeamNotActive):
        services.slot_sign_up(actor=neighbour, slot=slot)
    services.team_resume(actor=recipient, team=team)
    services.team_close(actor=recipient, team=team)
    with pytest.raises(services.TeamNotActive):
        services.slot_sign_up(actor=neighbour, slot=slot)
    assert Slot.objects.get(pk=slot.pk).volunteer_id is None


def test_a_non_member_cannot_sign_up(team, slot, bystander):
    with pytest.raises(NotFound):
        services.slot_sign_up(actor=bystander, slot=slot)
    assert Slot.objects.get(pk=slot.pk).volunteer_id is None


def test_withdrawing_opens_the_slot_again(team, neighbour, recipient, slot):
    services.slot_sign_up(actor=neighbour, slot=slot)
    services.slot_withdraw(actor=neighbour, slot=slot)
    assert services.slot_sign_up(actor=recipient, slot=slot).volunteer_id == recipient.pk
    with pytest.raises(Conflict):
        services.slot_withdraw(actor=neighbour, slot=slot)


def test_cancelling_a_slot_deletes_its_details_and_tells_the_volunteer(
    team, recipient, neighbour, slot, mailoutbox, django_capture_on_commit_callbacks
):
    services.slot_sign_up(actor=neighbour, slot=slot)
    with django_capture_on_commit_callbacks(execute=True):
        services.slot_cancel(actor=recipient, slot=slot)
    row = Slot.objects.get(pk=slot.pk)
    assert row.cancelled
    assert row.address is None
    assert row.details is None
    assert [m.to for m in mailoutbox if "cancelled" in m.subject] == [[neighbour.user.email]]
    _no_secret_in(mailoutbox)


# --- Closing --------------------------------------------------------------------------------


def test_closing_deletes_the_sensitive_details_at_once(team, recipient, neighbour, slot):
    services.team_close(actor=recipient, team=team)
    row = CareTeam.objects.get(pk=team.pk)
    assert row.state == CareTeam.State.CLOSED
    assert (row.address, row.door_code, row.dietary_needs, row.notes) == (None,) * 4
    assert Slot.objects.get(pk=slot.pk).address is None
    assert Slot.objects.get(pk=slot.pk).details is None
    assert selectors.team_details(place=selectors.access_team(neighbour, team.pk)) == {}
    with pytest.raises(Conflict):
        services.team_close(actor=recipient, team=team)


def test_a_team_closes_by_itself_after_its_closing_date(team, recipient):
    services.team_closes_on_set(actor=recipient, team=team, closes_on=timezone.localdate())
    assert services.teams_close_due_sweep() == 0  # open through its last day
    tomorrow = timezone.now() + timedelta(days=1)
    assert services.teams_close_due_sweep(now=tomorrow) == 1
    row = CareTeam.objects.get(pk=team.pk)
    assert row.state == CareTeam.State.CLOSED
    assert row.address is None


def test_a_closed_team_is_deleted_after_thirty_days(team, recipient, slot):
    services.team_close(actor=recipient, team=team)
    assert services.teams_delete_closed_sweep(now=timezone.now() + timedelta(days=29)) == 0
    assert services.teams_delete_closed_sweep(now=timezone.now() + timedelta(days=31)) > 0
    assert not CareTeam.objects.filter(pk=team.pk).exists()
    assert not Slot.objects.filter(pk=slot.pk).exists()


# --- Reminders and empty slots --------------------------------------------------------------


def test_the_volunteer_is_reminded_once_the_day_before_without_any_detail(
    team, neighbour, slot, mailoutbox, django_capture_on_commit_callbacks
):
    services.slot_sign_up(actor=neighbour, slot=slot)  # the slot starts in 30 hours
    assert services.slots_remind_sweep() == 0
    later = timezone.now() + timedelta(hours=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.slots_remind_sweep(now=later) == 1
        assert services.slots_remind_sweep(now=later) == 0
    reminders = [m for m in mailoutbox if m.subject.startswith(f"[{team.network.name}] Reminder")]
    assert [m.to for m in reminders] == [[neighbour.user.email]]
    assert "See the slot in the app" in reminders[0].body
    assert f"/care-teams/{team.pk}/slots/{slot.pk}/" in reminders[0].body
    _no_secret_in(mailoutbox)


def test_a_paused_team_sends_no_reminders_or_empty_slot_notices(
    team, recipient, neighbour, slot, mailoutbox, django_capture_on_commit_callbacks
):
    services.team_pause(actor=recipient, team=team)
    later = timezone.now() + timedelta(hours=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.slots_flag_empty_sweep(now=later) == 0
        assert services.slots_remind_sweep(now=later) == 0
    assert mailoutbox == []


def test_an_empty_slot_in_the_next_two_days_is_flagged_to_the_team_once(
    team, recipient, neighbour, slot, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert services.slots_flag_empty_sweep() == 1
        assert services.slots_flag_empty_sweep() == 0
    flagged = [m for m in mailoutbox if "still needs someone" in m.subject]
    assert sorted(m.to[0] for m in flagged) == sorted([recipient.user.email, neighbour.user.email])
    _no_secret_in(mailoutbox)


def test_a_slot_further_than_two_days_away_is_not_flagged_yet(team, recipient):
    services.slot_create(
        actor=recipient, team=team, kind="visit", starts_at=soon(60), ends_at=soon(61)
    )
    assert services.slots_flag_empty_sweep() == 0


def test_the_data_export_lists_the_members_own_part(team, recipient, neighbour, slot):
    services.slot_sign_up(actor=neighbour, slot=slot)
    theirs = selectors.care_teams_data_export(member=neighbour)
    mine = selectors.care_teams_data_export(member=recipient)
    [membership] = theirs["care_teams"]
    assert membership["team"] == "Meals for Rosa"
    assert [s["kind"] for s in membership["slots"]] == ["meal"]
    assert theirs["care_teams_controlled"] == []
    for secret in SECRETS:
        assert secret not in str(theirs)
    [controlled] = mine["care_teams_controlled"]
    assert controlled["address"] == SECRET_ADDRESS
    assert controlled["at_the_centre"] is True
    assert controlled["share_door_code"] is False
    assert [s["address"] for s in controlled["slots"]] == [SECRET_SLOT_ADDRESS]


def test_the_closing_date_is_read_in_the_networks_zone(team, recipient):
    # given a team in a network eleven hours behind UTC, closing on its local "today"
    network = team.network
    network.timezone = "Pacific/Pago_Pago"
    network.save(update_fields=["timezone"])
    zone = ZoneInfo("Pacific/Pago_Pago")
    last_day = timezone.localtime(timezone.now(), zone).date()
    services.team_closes_on_set(actor=recipient, team=team, closes_on=last_day)
    next_day_utc = datetime.combine(last_day + timedelta(days=1), time(), tzinfo=UTC)

    # when it is already the next day in UTC but still the last day there, it stays open
    assert services.teams_close_due_sweep(now=next_day_utc + timedelta(hours=5)) == 0
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.ACTIVE
    # and once the last day is over there, it closes
    assert services.teams_close_due_sweep(now=next_day_utc + timedelta(hours=12)) == 1
    assert CareTeam.objects.get(pk=team.pk).state == CareTeam.State.CLOSED


def test_a_closed_team_takes_no_new_slots_members_or_details(team, recipient):
    services.team_close(actor=recipient, team=team)
    with pytest.raises(Conflict):
        services.slot_create(
            actor=recipient, team=team, kind="meal", starts_at=soon(2), ends_at=soon(3)
        )
    with pytest.raises(Conflict):
        services.membership_invite(
            actor=recipient, team=team, member=MemberFactory(network=team.network)
        )
    with pytest.raises(Conflict):
        services.team_share_set(actor=recipient, team=team, address="back again")
    with pytest.raises(Conflict):
        services.team_resume(actor=recipient, team=team)
    row = CareTeam.objects.get(pk=team.pk)
    assert row.address is None
    assert not Slot.objects.filter(team=team).exists()
    assert TeamMembership.objects.filter(team=team).count() == 1


# --- Review findings: stale objects, re-invitations, far-off dates ---------------------------


def test_a_team_closed_after_the_page_loaded_takes_no_new_slot_or_details(team, recipient):
    stale = CareTeam.objects.get(pk=team.pk)  # what a page loaded before the team closed
    services.team_close(actor=recipient, team=team)
    with pytest.raises(Conflict, match="closed"):
        services.slot_create(
            actor=recipient,
            team=stale,
            kind="meal",
            starts_at=soon(24),
            ends_at=soon(25),
            address="1 Secret Rd",
        )
    with pytest.raises(Conflict, match="closed"):
        services.team_share_set(actor=recipient, team=stale, address="1 Secret Rd")
    assert not Slot.objects.filter(team=team, address__isnull=False).exists()
    assert CareTeam.objects.get(pk=team.pk).address is None


def test_only_the_person_at_the_centre_invites_back_someone_they_removed(
    team, recipient, neighbour
):
    coordinator = MemberFactory(network=team.network)
    services.membership_set_coordinator(
        actor=recipient, membership=join(team, coordinator, recipient), coordinator=True
    )
    services.membership_remove(
        actor=recipient, membership=TeamMembership.objects.get(team=team, member=neighbour)
    )
    with pytest.raises(PermissionDenied):
        services.membership_invite(actor=coordinator, team=team, member=neighbour)
    assert TeamMembership.objects.get(team=team, member=neighbour).state == "removed"
    services.membership_invite(actor=recipient, team=team, member=neighbour)
    assert TeamMembership.objects.get(team=team, member=neighbour).state == "invited"


def test_a_slot_far_in_the_future_is_a_clear_error_by_page_too(team, recipient, client):
    with pytest.raises(InvalidInput, match="two years"):
        services.slot_create(
            actor=recipient,
            team=team,
            kind="meal",
            starts_at=soon(24 * 800),
            ends_at=soon(24 * 800 + 1),
        )
    client.force_login(recipient.user)
    url = reverse("care_teams:slot_create", kwargs={"slug": team.network.slug, "team_id": team.pk})
    response = client.post(
        url, {"kind": "meal", "starts_at": "9999-12-31T22:00", "ends_at": "9999-12-31T23:59"}
    )
    assert response.status_code in (200, 400)
    assert not Slot.objects.filter(team=team, starts_at__year__gt=3000).exists()
