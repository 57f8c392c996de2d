"""Every write about care teams. Each checks who may do it first, inside one transaction.

Who may do what:
- the controller (the recipient, or the trusted member who set the team up for someone with
  no account) decides who is on the team, what is shared, and pauses, resumes and closes it;
- coordinators (named by the controller; the controller is always one) invite members and
  add and cancel slots;
- active members sign up for slots and withdraw.

Like circles, care events stay out of the network-wide history log, which names people.
Races are settled by conditional updates and unique constraints. Notices go out after commit
and never carry an address, a door code or a slot's details.
"""

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.care.teams.models import SHARED_DETAILS, CareTeam, Slot, TeamMembership
from mutualaid.care.teams.selectors import (
    active_team_membership,
    is_team_controller,
    is_team_recipient,
    may_coordinate_team,
)
from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.validation import clean_text
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import require

TeamState = CareTeam.State
MemberState = TeamMembership.State

# A closed team's name, members and calendar are deleted this long after it closed.
CLOSED_TEAM_RETENTION = timedelta(days=30)
# How far ahead an empty slot is flagged to the team, and a volunteer reminded.
EMPTY_SLOT_HORIZON = timedelta(hours=48)
REMINDER_HORIZON = timedelta(hours=24)


class SlotTaken(Conflict):
    code = "slot_taken"
    default_message = gettext_lazy("Someone else has just signed up for this slot. Thank you!")


class TeamNotActive(Conflict):
    code = "team_not_active"
    default_message = gettext_lazy(
        "This team is paused or closed, so nobody can sign up for slots right now."
    )


# How far ahead a slot may start (and what keeps a far-off date out of the database).
PLANNING_HORIZON = timedelta(days=730)


def _membership(actor: Member, team: CareTeam) -> TeamMembership:
    membership = active_team_membership(actor, team)
    if membership is None:
        raise NotFound()
    return membership


def _controller(actor: Member, team: CareTeam) -> TeamMembership:
    membership = _membership(actor, team)
    if not is_team_controller(actor, team):
        raise PermissionDenied(_("Only the person at the centre of the team can do that."))
    return membership


def _coordinator(actor: Member, team: CareTeam) -> TeamMembership:
    membership = _membership(actor, team)
    if not may_coordinate_team(actor, team):
        raise PermissionDenied(_("Only the team's coordinators can do that."))
    return membership


def _state_now(team: CareTeam) -> str:
    """The team's state read again under a row lock, inside the caller's transaction: the
    object a page loaded may be stale, and a team closed a moment ago (its details wiped)
    must not take new ones. Closing updates the same row, so the two run one after the other."""
    state = (
        CareTeam.objects.select_for_update()
        .filter(pk=team.pk)
        .values_list("state", flat=True)
        .first()
    )
    if state is None or state == TeamState.CLOSED:
        raise Conflict(_("This team has closed."))
    return state


def _not_closed(team: CareTeam) -> None:
    _state_now(team)


def _open_for_planning(team: CareTeam) -> None:
    if _state_now(team) == TeamState.PROPOSED:
        raise Conflict(_("The person at the centre has not accepted this team yet."))


def _closes_on(value: date | None, network: Network) -> date | None:
    if value is not None and value < _today(network):
        message = _("Choose a closing date that is today or later.")
        raise InvalidInput(message, fields={"closes_on": [message]})
    return value


def _refresh(team: CareTeam) -> CareTeam:
    team.refresh_from_db()
    return team


# --- Teams ----------------------------------------------------------------------------------


@transaction.atomic
def team_create(
    *,
    actor: Member,
    name: str,
    purpose: str = "",
    recipient: Member | None,
    closes_on: date | None = None,
) -> CareTeam:
    """Set up a team around `recipient`: the actor themselves, another member of the network
    (who must accept before the team becomes active), or None for someone with no account,
    whose controls the actor then holds. The actor is the team's first coordinator."""
    require(actor, "network.view_members", actor.network)
    if recipient is not None and recipient.network_id != actor.network_id:
        raise NotFound()
    for_someone_else = recipient is not None and recipient.pk != actor.pk
    team = CareTeam.objects.create(
        network=actor.network,
        name=clean_text(name, field="name", max_length=120),
        purpose=clean_text(purpose, field="purpose", max_length=200, required=False),
        recipient=recipient,
        created_by=actor,
        state=TeamState.PROPOSED if for_someone_else else TeamState.ACTIVE,
        closes_on=_closes_on(closes_on, actor.network),
    )
    TeamMembership.objects.create(
        team=team, member=actor, state=MemberState.ACTIVE, is_coordinator=True
    )
    if recipient is not None and for_someone_else:
        notice_send("team.proposed", team.pk, member_id=recipient.pk)
    return team


@transaction.atomic
def team_accept(*, actor: Member, team: CareTeam) -> CareTeam:
    """The recipient accepts a team someone set up around them. From now on they hold its
    controls, and they are on it as a coordinator."""
    if not is_team_recipient(actor, team):
        raise NotFound()
    updated = CareTeam.objects.filter(pk=team.pk, state=TeamState.PROPOSED).update(
        state=TeamState.ACTIVE, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This team was already answered."))
    joined = TeamMembership.objects.filter(team=team, member=actor).update(
        state=MemberState.ACTIVE, is_coordinator=True, updated_at=timezone.now()
    )
    if not joined:
        TeamMembership.objects.create(
            team=team, member=actor, state=MemberState.ACTIVE, is_coordinator=True
        )
    if team.created_by_id:
        notice_send("team.accepted", team.pk, member_id=team.created_by_id)
    return _refresh(team)


@transaction.atomic
def team_decline(*, actor: Member, team: CareTeam) -> None:
    """The recipient declines a team someone set up around them: it is deleted at once,
    with everything written in it."""
    if not is_team_recipient(actor, team):
        raise NotFound()
    deleted, _rows = CareTeam.objects.filter(pk=team.pk, state=TeamState.PROPOSED).delete()
    if not deleted:
        raise Conflict(_("This team was already answered."))
    if team.created_by_id:
        notice_send("team.declined", team.created_by_id)


@transaction.atomic
def team_pause(*, actor: Member, team: CareTeam) -> CareTeam:
    """Pause the team: nobody signs up and no reminders or notices go out until resumed."""
    _controller(actor, team)
    updated = CareTeam.objects.filter(pk=team.pk, state=TeamState.ACTIVE).update(
        state=TeamState.PAUSED, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("Only an active team can be paused."))
    return _refresh(team)


@transaction.atomic
def team_resume(*, actor: Member, team: CareTeam) -> CareTeam:
    _controller(actor, team)
    updated = CareTeam.objects.filter(pk=team.pk, state=TeamState.PAUSED).update(
        state=TeamState.ACTIVE, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This team is not paused."))
    return _refresh(team)


def _close(team_id: int, now: datetime) -> bool:
    """Close the team and delete its sensitive details at once. False if it was closed."""
    updated = (
        CareTeam.objects.filter(pk=team_id)
        .exclude(state=TeamState.CLOSED)
        .update(
            state=TeamState.CLOSED,
            closed_at=now,
            updated_at=now,
            **dict.fromkeys(SHARED_DETAILS, None),
        )
    )
    if not updated:
        return False
    Slot.objects.filter(team_id=team_id).update(address=None, details=None)
    TeamMembership.objects.filter(team_id=team_id, state=MemberState.INVITED).delete()
    return True


@transaction.atomic
def team_close(*, actor: Member, team: CareTeam) -> CareTeam:
    """Close the team for good. The address, door code, notes and every slot's details are
    deleted at once; what remains (name, members, calendar) goes after 30 days."""
    _controller(actor, team)
    if not _close(team.pk, timezone.now()):
        raise Conflict(_("This team has already closed."))
    return _refresh(team)


@transaction.atomic
def team_share_set(
    *,
    actor: Member,
    team: CareTeam,
    dietary_needs: str = "",
    address: str = "",
    door_code: str = "",
    notes: str = "",
    share_dietary_needs: bool = False,
    share_address: bool = False,
    share_door_code: bool = False,
    share_notes: bool = False,
) -> CareTeam:
    """The controller writes the team-wide details and chooses which of them the team sees."""
    _controller(actor, team)
    _not_closed(team)
    values = {
        "dietary_needs": clean_text(
            dietary_needs, field="dietary_needs", max_length=1000, required=False
        ),
        "address": clean_text(address, field="address", max_length=500, required=False),
        "door_code": clean_text(door_code, field="door_code", max_length=60, required=False),
        "notes": clean_text(notes, field="notes", max_length=2000, required=False),
    }
    updated = (
        CareTeam.objects.filter(pk=team.pk)
        .exclude(state=TeamState.CLOSED)
        .update(
            **{name: value or None for name, value in values.items()},
            share_dietary_needs=share_dietary_needs,
            share_address=share_address,
            share_door_code=share_door_code,
            share_notes=share_notes,
            updated_at=timezone.now(),
        )
    )
    if not updated:
        raise Conflict(_("This team has closed."))
    return _refresh(team)


@transaction.atomic
def team_closes_on_set(*, actor: Member, team: CareTeam, closes_on: date | None) -> CareTeam:
    """The day the team closes by itself (None: it stays open until closed by hand)."""
    _controller(actor, team)
    _not_closed(team)
    CareTeam.objects.filter(pk=team.pk).exclude(state=TeamState.CLOSED).update(
        closes_on=_closes_on(closes_on, team.network), updated_at=timezone.now()
    )
    return _refresh(team)


# --- Members --------------------------------------------------------------------------------


@transaction.atomic
def membership_invite(*, actor: Member, team: CareTeam, member: Member) -> TeamMembership:
    """A coordinator invites a member of the network; they accept or decline."""
    _coordinator(actor, team)
    _open_for_planning(team)
    if member.network_id != team.network_id:
        raise NotFound()
    removed = TeamMembership.objects.filter(team=team, member=member, state=MemberState.REMOVED)
    if removed.exists() and not is_team_controller(actor, team):
        raise PermissionDenied(
            _("Only the person at the centre can invite back someone they removed.")
        )
    again = (
        TeamMembership.objects.filter(team=team, member=member)
        .filter(state__in=[MemberState.REMOVED, MemberState.LEFT])
        .update(state=MemberState.INVITED, updated_at=timezone.now())
    )
    if not again:
        try:
            with transaction.atomic():
                TeamMembership.objects.create(team=team, member=member, state=MemberState.INVITED)
        except IntegrityError:
            raise Conflict(_("This member is already on the team or invited.")) from None
    membership = TeamMembership.objects.get(team=team, member=member)
    notice_send("team.invited", team.pk, member_id=member.pk)
    return membership


def _invitation(actor: Member, team: CareTeam) -> TeamMembership:
    membership = TeamMembership.objects.filter(
        team=team, member=actor, state=MemberState.INVITED
    ).first()
    if membership is None:
        raise NotFound()
    return membership


@transaction.atomic
def membership_accept(*, actor: Member, team: CareTeam) -> TeamMembership:
    """An invited member joins the team."""
    membership = _invitation(actor, team)
    _open_for_planning(team)
    updated = TeamMembership.objects.filter(pk=membership.pk, state=MemberState.INVITED).update(
        state=MemberState.ACTIVE, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This invitation was already answered."))
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_decline(*, actor: Member, team: CareTeam) -> None:
    """An invited member says no; the invitation is deleted."""
    membership = _invitation(actor, team)
    TeamMembership.objects.filter(pk=membership.pk, state=MemberState.INVITED).delete()


def _release_slots(team: CareTeam, member_id: int) -> None:
    """Someone leaving the team is taken off its slots still to come."""
    Slot.objects.filter(team=team, volunteer_id=member_id, starts_at__gt=timezone.now()).update(
        volunteer=None, signed_up_at=None, reminded_at=None
    )


@transaction.atomic
def membership_remove(*, actor: Member, membership: TeamMembership) -> TeamMembership:
    """The controller takes someone off the team, or cancels an invitation. Their access
    ends at once, and they are taken off the slots still to come."""
    team = membership.team
    _controller(actor, team)
    if membership.member_id == actor.pk:
        raise InvalidInput(_("You cannot remove yourself; close the team instead."))
    updated = TeamMembership.objects.filter(
        pk=membership.pk, state__in=[MemberState.ACTIVE, MemberState.INVITED]
    ).update(state=MemberState.REMOVED, is_coordinator=False, updated_at=timezone.now())
    if not updated:
        raise Conflict(_("This person is no longer on the team."))
    _release_slots(team, membership.member_id)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_leave(*, actor: Member, team: CareTeam) -> TeamMembership:
    """A member leaves the team. The person at the centre cannot leave: they close it."""
    membership = _membership(actor, team)
    if is_team_controller(actor, team):
        raise InvalidInput(_("You hold this team's controls: close it instead of leaving."))
    updated = TeamMembership.objects.filter(pk=membership.pk, state=MemberState.ACTIVE).update(
        state=MemberState.LEFT, is_coordinator=False, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("You already left this team."))
    _release_slots(team, actor.pk)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_set_coordinator(
    *, actor: Member, membership: TeamMembership, coordinator: bool
) -> TeamMembership:
    """The controller names a co-coordinator (who may invite and add slots), or un-names one."""
    _controller(actor, membership.team)
    if membership.member_id == actor.pk:
        raise InvalidInput(_("You always coordinate your own team."))
    updated = TeamMembership.objects.filter(pk=membership.pk, state=MemberState.ACTIVE).update(
        is_coordinator=coordinator, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("Only someone on the team can coordinate it."))
    membership.refresh_from_db()
    return membership


# --- Slots ----------------------------------------------------------------------------------


@transaction.atomic
def slot_create(
    *,
    actor: Member,
    team: CareTeam,
    kind: str,
    starts_at: datetime,
    ends_at: datetime,
    address: str = "",
    details: str = "",
) -> Slot:
    """A coordinator adds a slot to the calendar, with an optional address and details that
    only the team sees."""
    _coordinator(actor, team)
    _open_for_planning(team)
    if kind not in Slot.Kind.values:
        message = _("Choose what kind of help this slot is.")
        raise InvalidInput(message, fields={"kind": [message]})
    if ends_at <= starts_at:
        message = _("A slot must end after it starts.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    if ends_at - starts_at > timedelta(days=7):
        message = _("A slot can last at most 7 days.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    if ends_at <= timezone.now():
        message = _("This slot would already be over. Choose a time still to come.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    if starts_at > timezone.now() + PLANNING_HORIZON:
        message = _("Slots can be planned up to two years ahead.")
        raise InvalidInput(message, fields={"starts_at": [message]})
    return Slot.objects.create(
        team=team,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        address=clean_text(address, field="address", max_length=500, required=False) or None,
        details=clean_text(details, field="details", max_length=2000, required=False) or None,
    )


@transaction.atomic
def slot_sign_up(*, actor: Member, slot: Slot) -> Slot:
    """Take the slot. Exactly one member gets it, however many try at once; the others are
    told clearly that someone else has it."""
    _membership(actor, slot.team)
    state = CareTeam.objects.filter(pk=slot.team_id).values_list("state", flat=True).first()
    if state != TeamState.ACTIVE:
        raise TeamNotActive()
    now = timezone.now()
    # One table only in this UPDATE: PostgreSQL re-checks `volunteer IS NULL` on the row it
    # waited for, which it would not do through the subquery a related filter makes.
    updated = Slot.objects.filter(
        pk=slot.pk, volunteer__isnull=True, cancelled=False, ends_at__gt=now
    ).update(volunteer=actor, signed_up_at=now, reminded_at=None)
    if not updated:
        current = Slot.objects.filter(pk=slot.pk).select_related("team").first()
        if current is None or current.cancelled:
            raise NotFound()
        if current.team.state != TeamState.ACTIVE:
            raise TeamNotActive()
        if current.volunteer_id == actor.pk:
            raise Conflict(_("You are already signed up for this slot."))
        if current.volunteer_id is not None:
            raise SlotTaken()
        raise Conflict(_("This slot is already over."))
    slot.refresh_from_db()
    return slot


@transaction.atomic
def slot_withdraw(*, actor: Member, slot: Slot) -> Slot:
    """The volunteer gives the slot back; it is open again for others."""
    _membership(actor, slot.team)
    updated = Slot.objects.filter(pk=slot.pk, volunteer=actor, cancelled=False).update(
        volunteer=None, signed_up_at=None, reminded_at=None, flagged_empty_at=None
    )
    if not updated:
        raise Conflict(_("You are not signed up for this slot."))
    slot.refresh_from_db()
    return slot


@transaction.atomic
def slot_cancel(*, actor: Member, slot: Slot) -> None:
    """A coordinator cancels a slot; its address and details are deleted, and its volunteer
    (if any) is told."""
    _coordinator(actor, slot.team)
    volunteer_id = slot.volunteer_id
    updated = Slot.objects.filter(pk=slot.pk, cancelled=False).update(
        cancelled=True, address=None, details=None
    )
    if not updated:
        raise Conflict(_("This slot was already cancelled."))
    if volunteer_id is not None and volunteer_id != actor.pk:
        notice_send("team.slot_cancelled", slot.team_id, member_id=volunteer_id)


# --- Sweeps (the daily and hourly tasks) ----------------------------------------------------


def slots_remind_sweep(*, now: datetime | None = None) -> int:
    """Remind each volunteer once, the day before their slot. Paused and closed teams send
    nothing. Each slot is claimed by a conditional update, so two workers never both send."""
    now = now or timezone.now()
    due = Slot.objects.filter(
        team__state=TeamState.ACTIVE,
        cancelled=False,
        volunteer__isnull=False,
        reminded_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_HORIZON,
    ).values_list("pk", "volunteer_id")
    sent = 0
    for slot_id, volunteer_id in list(due):
        with transaction.atomic():
            claimed = Slot.objects.filter(
                pk=slot_id, reminded_at__isnull=True, volunteer_id=volunteer_id
            ).update(reminded_at=now)
            if claimed:
                notice_send("team.slot_reminder", slot_id, member_id=volunteer_id)
                sent += 1
    return sent


def slots_flag_empty_sweep(*, now: datetime | None = None) -> int:
    """Tell the team, once per slot, about a slot in the next 48 hours that nobody took."""
    now = now or timezone.now()
    due = Slot.objects.filter(
        team__state=TeamState.ACTIVE,
        cancelled=False,
        volunteer__isnull=True,
        flagged_empty_at__isnull=True,
        starts_at__gt=now,
        starts_at__lte=now + EMPTY_SLOT_HORIZON,
    ).values_list("pk", "team_id")
    flagged = 0
    for slot_id, team_id in list(due):
        with transaction.atomic():
            claimed = Slot.objects.filter(
                pk=slot_id, flagged_empty_at__isnull=True, volunteer__isnull=True
            ).update(flagged_empty_at=now)
            if not claimed:
                continue
            members = TeamMembership.objects.filter(
                team_id=team_id, state=MemberState.ACTIVE
            ).values_list("member_id", flat=True)
            for member_id in list(members):
                notice_send("team.slot_empty", slot_id, member_id=member_id)
            flagged += 1
    return flagged


def _today(network: Network, now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now(), zone_of(network))


def teams_close_due_sweep(*, now: datetime | None = None) -> int:
    """Close every team whose closing date has passed in its network's zone (it stays open
    through that day)."""
    now = now or timezone.now()
    # A day ahead of UTC covers every zone; each candidate is then checked in its own zone.
    due = (
        CareTeam.objects.filter(closes_on__lt=now.date() + timedelta(days=1))
        .exclude(state=TeamState.CLOSED)
        .select_related("network")
        .only("pk", "closes_on", "network__timezone")
    )
    closed = 0
    for team in list(due):
        if team.closes_on is None or team.closes_on >= _today(team.network, now):
            continue
        with transaction.atomic():
            closed += _close(team.pk, now)
    return closed


def teams_delete_closed_sweep(*, now: datetime | None = None) -> int:
    """Delete, for real, teams closed more than 30 days ago, with their members and slots."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted, _by_model = CareTeam.objects.filter(
            state=TeamState.CLOSED, closed_at__lte=now - CLOSED_TEAM_RETENTION
        ).delete()
    return deleted
