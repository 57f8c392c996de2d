"""Every write about networks, memberships, applications and API tokens."""

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.geo import cell_for
from mutualaid.core.history import history_record
from mutualaid.core.notices import notice_send
from mutualaid.core.validation import (
    clean_cell,
    clean_choices,
    clean_int,
    clean_languages,
    clean_tags,
    clean_text,
)
from mutualaid.networks.models import (
    AVAILABILITY_SLOTS,
    DEFAULT_CATEGORIES,
    DEFAULT_SKILLS,
    ApiToken,
    Application,
    ApplicationVote,
    Category,
    Member,
    Neighbourhood,
    Network,
    Skill,
    new_invite_code,
)
from mutualaid.networks.permissions import require
from mutualaid.networks.selectors import (
    STILL_HERE_MAX_AGE,
    STILL_HERE_SALT,
    approvals_needed_now,
    is_own_application,
    may_review_applications,
)
from mutualaid.networks.selectors import (  # re-exported: tests and pages sign links with it
    still_here_token as still_here_token,
)


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
    from mutualaid.governance.services import governance_setup_network

    governance_setup_network(network=network)
    return network


@transaction.atomic
def network_update_settings(
    *,
    actor: Member,
    network: Network,
    description: str,
    open_for_applications: bool,
    approvals_needed: int,
    application_questions: Sequence[str],
    inactive_after_days: int | None = None,
    inactive_grace_days: int | None = None,
) -> Network:
    require(actor, "network.manage", network)
    questions = [
        clean_text(q, field="application_questions", max_length=300) for q in application_questions
    ]
    if len(questions) > 10:
        raise InvalidInput(_("Ask at most 10 questions."))
    network.description = clean_text(
        description, field="description", max_length=4000, required=False
    )
    network.open_for_applications = open_for_applications
    network.approvals_needed = clean_int(approvals_needed, field="approvals_needed", low=1, high=50)
    network.application_questions = questions
    if inactive_after_days is not None:
        network.inactive_after_days = clean_int(
            inactive_after_days, field="inactive_after_days", low=0, high=3650
        )
    if inactive_grace_days is not None:
        network.inactive_grace_days = clean_int(
            inactive_grace_days, field="inactive_grace_days", low=1, high=365
        )
    network.save()
    history_record(actor=actor, action="network.update_settings", target=network)
    return network


@transaction.atomic
def network_rotate_invite(*, actor: Member, network: Network) -> Network:
    """Replace the invitation link; the old one stops working at once."""
    require(actor, "network.manage", network)
    network.invite_code = new_invite_code()
    network.save(update_fields=["invite_code"])
    history_record(actor=actor, action="network.rotate_invite", target=network)
    return network


@transaction.atomic
def category_create(*, actor: Member, network: Network, name: str) -> Category:
    require(actor, "network.manage", network)
    name = clean_text(name, field="name", max_length=80)
    slug = slugify(name)[:60]
    if not slug:
        raise InvalidInput(_("Give the category a name with letters or numbers."))
    try:
        with transaction.atomic():
            category = Category.objects.create(network=network, slug=slug, name=name)
    except IntegrityError:
        raise Conflict(_("That category already exists.")) from None
    history_record(actor=actor, action="category.create", target=category, name=name)
    return category


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
    from mutualaid.governance.services import roles_recount_after_join

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
def application_submit(
    *, user: User, network: Network, display_name: str, answers: Sequence[str]
) -> Application:
    """Ask to join an open network by answering its questions."""
    if not network.open_for_applications:
        raise PermissionDenied(_("This network is not taking applications; ask for an invitation."))
    if Member.objects.filter(network=network, user=user).exists():
        raise Conflict(_("You are already a member of this network."))
    questions = list(network.application_questions)
    if len(answers) != len(questions):
        raise InvalidInput(_("Please answer every question."))
    cleaned = [
        {"question": q, "answer": clean_text(a, field=f"answer_{i}", max_length=2000)}
        for i, (q, a) in enumerate(zip(questions, answers, strict=True))
    ]
    try:
        with transaction.atomic():
            application = Application.objects.create(
                network=network,
                user=user,
                display_name=clean_text(display_name, field="display_name", max_length=60),
                answers=cleaned,
            )
    except IntegrityError:
        raise Conflict(_("Your application is already waiting for members to answer.")) from None
    history_record(actor=None, network=network, action="application.submit", target=application)
    return application


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


@transaction.atomic
def member_update_profile(
    *,
    actor: Member,
    member: Member,
    display_name: str,
    languages: Iterable[str],
    skill_ids: Iterable[int],
    free_tags: Iterable[str],
    accessibility_needs: str,
    cell: str,
    availability: Iterable[str],
    weekly_task_cap: int,
    travel_radius_km: int,
    contact_preference: str,
    phone: str,
) -> Member:
    """Save a member's own profile. Only the member themself can change it."""
    if actor.pk != member.pk:
        raise PermissionDenied()
    skill_ids = list(dict.fromkeys(skill_ids))
    skills = list(Skill.objects.filter(network=member.network, pk__in=skill_ids))
    if len(skills) != len(skill_ids):
        raise InvalidInput(_("Choose skills from this network's list."), fields={"skills": []})
    if contact_preference not in Member.ContactPreference.values:
        raise InvalidInput(_("Choose how helpers may reach you."))
    phone = clean_text(phone, field="phone", max_length=40, required=False)
    if contact_preference == Member.ContactPreference.PHONE and not phone:
        message = _("Add a phone number, or choose another way to be reached.")
        raise InvalidInput(message, fields={"phone": [message]})
    member.display_name = clean_text(display_name, field="display_name", max_length=60)
    member.languages = clean_languages(languages)
    member.free_tags = clean_tags(free_tags, field="free_tags")
    member.accessibility_needs = (
        clean_text(
            accessibility_needs, field="accessibility_needs", max_length=1000, required=False
        )
        or None
    )
    member.cell = clean_cell(cell)
    member.availability = clean_choices(
        availability, allowed=AVAILABILITY_SLOTS, field="availability"
    )
    member.weekly_task_cap = clean_int(weekly_task_cap, field="weekly_task_cap", low=0, high=50)
    member.travel_radius_km = clean_int(travel_radius_km, field="travel_radius_km", low=0, high=200)
    member.contact_preference = contact_preference
    member.phone = phone or None
    member.save()
    member.skills.set(skills)
    history_record(actor=actor, action="member.update_profile", target=member)
    return member


def _token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Member, name: str) -> tuple[ApiToken, str]:
    """Create a token for the member's own use. Returns the token and its secret, shown once."""
    name = clean_text(name, field="name", max_length=80)
    if actor.api_tokens.count() >= 20:
        raise Conflict(_("You have 20 tokens already; revoke one first."))
    prefix = secrets.token_hex(4)
    secret = f"ma_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        member=actor, name=name, prefix=prefix, secret_hash=_token_hash(secret)
    )
    history_record(actor=actor, action="api_token.create", target=token)
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Member, token: ApiToken) -> None:
    if token.member_id != actor.pk:
        raise PermissionDenied()
    history_record(actor=actor, action="api_token.revoke", target=token)
    token.delete()


def api_token_authenticate(secret: str) -> Member | None:
    """The member a bearer secret belongs to, or None. Touches last_used_at at most hourly."""
    parts = secret.split("_", 2)  # the random part may itself contain "_"
    if len(parts) != 3 or parts[0] != "ma":
        return None
    token = (
        ApiToken.objects.select_related("member__network", "member__user")
        .filter(prefix=parts[1])
        .first()
    )
    if token is None or not secrets.compare_digest(token.secret_hash, _token_hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 3600:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    if not token.member.user.is_active:
        return None
    return token.member


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
        from mutualaid.governance.services import roles_recount_network

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
        from mutualaid.governance.services import roles_recount_network

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
