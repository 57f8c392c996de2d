"""A member's lifecycle across every app, in one place: founding a network, joining it (by
invitation, by the members' answers to an application, or by a decision), being active,
inactive and back, and leaving.

Joining and coming back change how many members count, so everyone's roles are counted again
(governance); founding sets up the network's governance. Being removed by the network's
decision and deleting one's account both run `member_leave`, which runs every app's leaving
step from one ordered list, then deletes the membership (the rows that belong to it go with
it) and counts everyone's roles again. An app that holds rows about a member adds its step to
`LEAVING_STEPS`; a test fails for an app that holds such rows and has no step. What each step
keeps and deletes is in docs/privacy.md.
"""

import enum
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mutualaid.care.leaving import care_member_leaving
from mutualaid.channels.leaving import channels_member_leaving
from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.geo import cell_for
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.fund.services import fund_member_leaving
from mutualaid.governance.leaving import governance_member_leaving
from mutualaid.governance.services.roles import (
    governance_setup_network,
    roles_recount_after_join,
    roles_recount_network,
)
from mutualaid.library.services import library_member_leaving
from mutualaid.needs.leaving import needs_member_leaving
from mutualaid.needs.models import Need, Offer
from mutualaid.networks.models import (
    DEFAULT_CATEGORIES,
    DEFAULT_SKILLS,
    Application,
    ApplicationVote,
    Category,
    Member,
    Neighbourhood,
    Network,
    Skill,
)
from mutualaid.networks.selectors import (
    STILL_HERE_MAX_AGE,
    STILL_HERE_SALT,
    approvals_needed_now,
    is_own_application,
    may_review_applications,
)
from mutualaid.pantry.leaving import pantry_member_leaving
from mutualaid.relay.leaving import relay_member_leaving
from mutualaid.sms.leaving import sms_member_leaving

# --- Founding and joining -----------------------------------------------------------------


@transaction.atomic
def network_create(
    *,
    founder: User,
    founder_display_name: str,
    name: str,
    area_name: str,
    center_lat: float,
    center_lng: float,
    neighbourhoods: Sequence[tuple[str, float, float]] = (),
    slug: str = "",
    description: str = "",
    timezone_name: str = "UTC",
) -> Network:
    """Start a network with the default taxonomy; the founder becomes its founding organiser."""
    name = clean_text(name, field="name", max_length=120)
    slug = slugify(slug or name)[:60]
    if not slug:
        raise InvalidInput(_("Give the network a name with letters or numbers."))
    if Network.objects.filter(slug=slug).exists():
        raise Conflict(_("A network with the short name %(slug)s already exists.") % {"slug": slug})
    if not (-90 <= center_lat <= 90 and -180 <= center_lng <= 180):
        raise InvalidInput(_("The area's coordinates are not on Earth."))
    network = Network.objects.create(
        name=name,
        slug=slug,
        description=clean_text(description, field="description", max_length=4000, required=False),
        area_name=clean_text(area_name, field="area_name", max_length=120),
        center_cell=cell_for(center_lat, center_lng),
        timezone=timezone_name,
    )
    Category.objects.bulk_create(
        Category(network=network, slug=slug_, name=str(label), position=i)
        for i, (slug_, label) in enumerate(DEFAULT_CATEGORIES.items())
    )
    Skill.objects.bulk_create(
        Skill(network=network, slug=slug_, name=str(label))
        for slug_, label in DEFAULT_SKILLS.items()
    )
    Neighbourhood.objects.bulk_create(
        Neighbourhood(network=network, name=hood, cell=cell_for(lat, lng))
        for hood, lat, lng in neighbourhoods
    )
    founder_member = Member.objects.create(
        network=network,
        user=founder,
        role=Member.Role.FOUNDING_ORGANISER,
        display_name=clean_text(founder_display_name, field="display_name", max_length=60),
        cell=network.center_cell,
    )
    history_record(actor=founder_member, action="network.create", target=network, network=network)
    governance_setup_network(network=network)
    return network


def _member_create(*, network: Network, user: User, display_name: str, how: str) -> Member:
    try:
        with transaction.atomic():
            member = Member.objects.create(
                network=network,
                user=user,
                display_name=clean_text(display_name, field="display_name", max_length=60),
                cell=network.center_cell,
            )
    except IntegrityError:
        raise Conflict(_("You are already a member of this network.")) from None
    history_record(actor=member, action="member.join", target=member, how=how)
    roles_recount_after_join(network=network)
    return member


@transaction.atomic
def member_join_by_invitation(
    *, user: User, network: Network, invite_code: str, display_name: str
) -> Member:
    """Join straight away with the network's current invitation link."""
    if not secrets.compare_digest(invite_code.encode(), network.invite_code.encode()):
        raise PermissionDenied(_("This invitation link is no longer valid. Ask for a new one."))
    return _member_create(network=network, user=user, display_name=display_name, how="invitation")


@transaction.atomic
def application_vote(*, actor: Member, application: Application, decision: str) -> Application:
    """Record one member's approve/decline; N of either (N set per network) decides."""
    network = application.network
    if application.network_id != actor.network_id or not may_review_applications(actor):
        raise PermissionDenied()
    if decision not in ApplicationVote.Decision.values:
        raise InvalidInput(_("Choose approve or decline."))
    if is_own_application(actor, application):
        raise PermissionDenied(_("You cannot vote on your own application."))
    # A conditional write on the application first: votes on one application queue here, so
    # each tally below counts every vote committed before it, on PostgreSQL as on SQLite.
    pending = Application.objects.filter(pk=application.pk, status=Application.Status.PENDING)
    if not pending.update(status=Application.Status.PENDING):
        raise Conflict(_("This application has already been decided."))
    try:
        with transaction.atomic():
            ApplicationVote.objects.create(application=application, voter=actor, decision=decision)
    except IntegrityError:
        raise Conflict(_("You have already answered this application.")) from None
    history_record(actor=actor, action="application.vote", target=application, decision=decision)
    tally = application.votes.aggregate(
        approve=Count("pk", filter=Q(decision="approve")),
        decline=Count("pk", filter=Q(decision="decline")),
    )
    needed = approvals_needed_now(network)
    if tally["approve"] >= needed:
        _application_decide(application, Application.Status.APPROVED, actor=actor)
    elif tally["decline"] >= needed:
        _application_decide(application, Application.Status.DECLINED, actor=actor)
    application.refresh_from_db()
    return application


def _application_decide(application: Application, status: str, *, actor: Member) -> None:
    decided = Application.objects.filter(
        pk=application.pk, status=Application.Status.PENDING
    ).update(status=status, decided_at=timezone.now())
    if not decided:
        raise Conflict(_("This application has already been decided."))
    history_record(actor=actor, action=f"application.{status}", target=application)
    if status == Application.Status.APPROVED:
        _member_create(
            network=application.network,
            user=application.user,
            display_name=application.display_name,
            how="application",
        )
    notice_send(f"application.{status}", application.pk)


@transaction.atomic
def application_admit(*, application: Application, reason: str) -> Member:
    """Admit a pending applicant because the network decided so (a passed proposal); `reason`
    says which decision. Refuses (Conflict) an application that was decided meanwhile, or
    whose applicant joined another way."""
    if Member.objects.filter(network_id=application.network_id, user=application.user).exists():
        raise Conflict(
            _("%(name)s is already a member of this network.") % {"name": application.display_name}
        )
    decided = Application.objects.filter(
        pk=application.pk, status=Application.Status.PENDING
    ).update(status=Application.Status.APPROVED, decided_at=timezone.now())
    if not decided:
        raise Conflict(_("This application has already been decided."))
    history_record(
        actor=None,
        network=application.network,
        action="application.approved",
        target=application,
        reason=reason,
    )
    member = _member_create(
        network=application.network,
        user=application.user,
        display_name=application.display_name,
        how="decision",
    )
    notice_send("application.approved", application.pk)
    return member


# --- activity and inactive members --------------------------------------------------------
#
# Activity is simple on purpose: any page or API request by the member (posting a need or an
# offer, voting and everything else go through one), signing in, and answering "I'm still
# here". It is written at most once a day per member (`ACTIVITY_WRITE_EVERY`). A network sets
# after how many days without activity a member is asked whether they are still here
# (`inactive_after_days`, 0 = never) and how long they have to answer (`inactive_grace_days`)
# before they are shown as inactive. Inactive members are never deleted: they stay members,
# keep their trust and history, and come back by signing in or pressing "I'm back"; only,
# they do not count as active members and hold no roles meanwhile.

ACTIVITY_WRITE_EVERY = timedelta(days=1)


def _last_activity() -> Coalesce:
    return Coalesce("last_active_at", "joined_at")


def member_mark_active(
    *, member: Member, now: datetime | None = None, returning: bool = False
) -> bool:
    """Record that the member used the network now. Cheap when nothing changes: no query if
    the member was active within the day and was not asked whether they are still here.
    A pending "are you still here?" is answered by any activity. With `returning` (signing in,
    "I'm back", the link in the email) an inactive member becomes active again. Returns
    whether anything was written."""
    now = now or timezone.now()
    recent = member.last_active_at is not None and now - member.last_active_at < (
        ACTIVITY_WRITE_EVERY
    )
    if (
        recent
        and member.inactivity_warned_at is None
        and not (returning and member.inactive_since is not None)
    ):
        return False  # and no transaction either: on SQLite, opening one takes the write lock
    return _member_activity_write(member=member, now=now, returning=returning)


@transaction.atomic
def _member_activity_write(*, member: Member, now: datetime, returning: bool) -> bool:
    row = Member.objects.filter(pk=member.pk)
    due = Q(last_active_at__isnull=True) | Q(last_active_at__lt=now - ACTIVITY_WRITE_EVERY)
    written = row.filter(due | Q(inactivity_warned_at__isnull=False)).update(last_active_at=now)
    was_warned = row.filter(inactivity_warned_at__isnull=False).update(inactivity_warned_at=None)
    came_back = returning and row.filter(inactive_since__isnull=False).update(
        inactive_since=None, inactivity_warned_at=None
    )
    member.last_active_at = now
    member.inactivity_warned_at = None
    if was_warned and not came_back:
        history_record(actor=member, action="member.still_here", target=member)
    if came_back:
        member.inactive_since = None
        history_record(actor=member, action="member.back", target=member)
        roles_recount_network(network=member.network, reason="member.back")
    return bool(written or was_warned or came_back)


@transaction.atomic
def member_back(*, actor: Member) -> Member:
    """An inactive member says "I'm back"; a no-op for an active one."""
    member_mark_active(member=actor, returning=True)
    return actor


@transaction.atomic
def member_still_here(*, network: Network, token: str) -> Member:
    """Answer "I'm still here" with the emailed link, without signing in. Raises NotFound
    for a token that is forged, too old, or of a member who left."""
    try:
        data = signing.loads(token, salt=STILL_HERE_SALT, max_age=STILL_HERE_MAX_AGE)
    except signing.BadSignature:
        raise NotFound(_("This link is no longer valid. Sign in instead.")) from None
    member_id = data.get("member") if isinstance(data, dict) else None
    if not isinstance(member_id, int):
        raise NotFound(_("This link is no longer valid. Sign in instead."))
    member = Member.objects.select_related("network").filter(pk=member_id, network=network).first()
    if member is None:
        raise NotFound(_("This link is no longer valid. Sign in instead."))
    member_mark_active(member=member, returning=True)
    return member


def members_inactivity_sweep(*, now: datetime) -> dict[str, int]:
    """For every network that uses it: ask members silent for `inactive_after_days` whether
    they are still here (once, by email in their language), and move to inactive those who
    were asked `inactive_grace_days` ago and did nothing since. One transaction per network;
    each change is a conditional update, so two sweeps at once change each member once.
    Returns how many members were warned and moved."""
    counts = {"warned": 0, "inactive": 0}
    for network in Network.objects.filter(inactive_after_days__gt=0).order_by("pk"):
        warned, moved = _inactivity_sweep_network(network=network, now=now)
        counts["warned"] += warned
        counts["inactive"] += moved
    return counts


@transaction.atomic
def _inactivity_sweep_network(*, network: Network, now: datetime) -> tuple[int, int]:
    silent_since = now - timedelta(days=network.inactive_after_days)
    active = Member.objects.filter(network=network, inactive_since__isnull=True).annotate(
        last_activity=_last_activity()
    )
    moved = 0
    grace_ended = now - timedelta(days=network.inactive_grace_days)
    for member in active.filter(inactivity_warned_at__lte=grace_ended):
        # Still silent since the warning (any activity clears it), so inactive now.
        if Member.objects.filter(
            pk=member.pk,
            inactive_since__isnull=True,
            inactivity_warned_at=member.inactivity_warned_at,
        ).update(inactive_since=now):
            history_record(
                actor=None,
                network=network,
                action="member.inactive",
                target=member,
                reason="no_activity",
            )
            moved += 1
    warned = 0
    to_warn = active.filter(inactivity_warned_at__isnull=True, last_activity__lte=silent_since)
    for member in to_warn:
        if Member.objects.filter(pk=member.pk, inactivity_warned_at__isnull=True).update(
            inactivity_warned_at=now
        ):
            history_record(
                actor=None, network=network, action="member.inactivity_warned", target=member
            )
            notice_send("member.inactivity_warning", member.pk)
            warned += 1
    if moved:
        roles_recount_network(network=network, reason="member.inactive")
    return warned, moved


def members_signed_in(*, user_id: int | None) -> None:
    """Signing in is activity in each of the person's networks, and brings them back where
    they were inactive."""
    if user_id is None:
        return
    memberships = Member.objects.filter(user_id=user_id).select_related("network")
    for member in memberships.defer("phone", "accessibility_needs"):
        member_mark_active(member=member, returning=True)


# --- Leaving ---------------------------------------------------------------------------------


class LeaveCause(enum.StrEnum):
    LEFT = "left"  # the member chose to leave this network
    REMOVED = "removed"  # by the network's decision (a concern vote)
    ACCOUNT_DELETED = "account_deleted"


# What the history log says happened. A deleted account's entry names nobody.
HISTORY_ACTIONS: Final = {
    LeaveCause.LEFT: "member.leave",
    LeaveCause.REMOVED: "member.remove",
    LeaveCause.ACCOUNT_DELETED: "member.delete_account",
}


@dataclass(frozen=True)
class LeavingStep:
    """One app's part of a member leaving. `apps` names the app labels whose rows about a
    member the step takes care of."""

    apps: tuple[str, ...]
    run: Callable[..., None]


# In this order: help first (requesters of live matches hear at once), then things held for
# others, money, decisions and care. Each step sees the member still there; their membership
# is deleted after the last one.
LEAVING_STEPS: Final = (
    LeavingStep(apps=("needs",), run=needs_member_leaving),
    LeavingStep(apps=("pantry",), run=pantry_member_leaving),
    LeavingStep(apps=("library",), run=library_member_leaving),
    LeavingStep(apps=("fund",), run=fund_member_leaving),
    LeavingStep(apps=("governance",), run=governance_member_leaving),
    LeavingStep(apps=("care", "care_listening", "care_teams"), run=care_member_leaving),
    LeavingStep(apps=("relay",), run=relay_member_leaving),
    LeavingStep(apps=("sms",), run=sms_member_leaving),
    LeavingStep(apps=("channels",), run=channels_member_leaving),
)


def forget_admin_log(model: type[models.Model], pks: list[int]) -> None:
    """Drop the admin log's entries about these rows: they repeat names and words."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    ).delete()


@transaction.atomic
def member_leave(*, member: Member, cause: LeaveCause, reason: str = "") -> None:
    """The member leaves their network: every app's leaving step runs, the membership and
    what belongs to it go, the history log says so (naming nobody for a deleted account), and
    everyone's roles are counted again without their trust. All of it or none of it; a member
    who is already gone raises NotFound."""
    current = (
        Member.objects.select_for_update().filter(pk=member.pk).select_related("network").first()
    )
    if current is None:
        raise NotFound(_("This member has already left the network."))
    for step in LEAVING_STEPS:
        step.run(member=current)
    forget_admin_log(Member, [current.pk])
    forget_admin_log(
        Need, list(Need.objects.filter(requester=current).values_list("pk", flat=True))
    )
    forget_admin_log(Offer, list(Offer.objects.filter(helper=current).values_list("pk", flat=True)))
    network = current.network
    if cause == LeaveCause.ACCOUNT_DELETED:
        history_record(actor=None, network=network, action=HISTORY_ACTIONS[cause])
    else:
        why = {"reason": reason} if reason else {}
        history_record(
            actor=None, network=network, action=HISTORY_ACTIONS[cause], target=current, **why
        )
    current.delete()
    roles_recount_network(network=network, reason=HISTORY_ACTIONS[cause])


def member_leave_by_choice(*, actor: Member) -> None:
    """The member leaves this network of their own accord; their account and their other
    networks stay. What goes and what stays is what `member_leave` says."""
    member_leave(member=actor, cause=LeaveCause.LEFT)
