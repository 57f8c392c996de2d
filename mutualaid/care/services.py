"""Every write about circles. Each checks who may do it first, inside one transaction.

Care events never go to the network-wide history with identities: moderation acts are written
to the circle's own log (CircleLogEntry), which names no member. Races are settled by
conditional updates and unique constraints.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Case, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.care.models import (
    Circle,
    CircleAgreement,
    CircleLogEntry,
    CircleMembership,
    CrisisResource,
    Flag,
    Post,
    PostSearchTerm,
    Reaction,
)
from mutualaid.care.pseudonyms import pseudonym_for
from mutualaid.care.search import terms_for
from mutualaid.care.selectors import (
    active_membership,
    agreement_current,
    circle_opens_to,
    has_accepted_agreement,
    may_facilitate_circle,
    may_leave_circle,
    may_see_circle,
)
from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.validation import clean_text
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import require

State = CircleMembership.State


class AgreementRequired(DomainError):
    status = 403
    code = "agreement_required"
    default_message = gettext_lazy(
        "Please read and accept the circle's current agreement before posting."
    )


class AlreadyFlagged(Conflict):
    code = "already_flagged"
    default_message = gettext_lazy("You have already flagged this post. The facilitators have it.")


def _log(circle: Circle, action: str, reason: str = "") -> None:
    CircleLogEntry.objects.create(circle=circle, action=action, reason=reason)


def _active(actor: Member, circle: Circle) -> CircleMembership:
    membership = active_membership(actor, circle)
    if membership is None:
        raise NotFound()
    return membership


def _facilitator(actor: Member, circle: Circle) -> CircleMembership:
    membership = _active(actor, circle)
    if not may_facilitate_circle(actor, circle):
        raise PermissionDenied(_("Only the circle's current facilitators can do that."))
    return membership


def _reason(reason: str) -> str:
    return clean_text(reason, field="reason", max_length=500)


def _new_membership(*, circle: Circle, member: Member, state: str) -> CircleMembership:
    """A membership under the member's pseudonym for this circle. Should two members' names
    collide, the later one takes the next name the key gives (stable: it is stored)."""
    if CircleMembership.objects.filter(circle=circle, member=member).exists():
        raise Conflict(_("You are already in this circle, or have asked to join."))
    for attempt in range(50):
        name = pseudonym_for(circle_id=circle.pk, member_id=member.pk, attempt=attempt)
        try:
            with transaction.atomic():
                return CircleMembership.objects.create(
                    circle=circle, member=member, state=state, pseudonym=name
                )
        except IntegrityError:
            if CircleMembership.objects.filter(circle=circle, member=member).exists():
                raise Conflict(
                    _("You are already in this circle, or have asked to join.")
                ) from None
    raise Conflict()


@transaction.atomic
def membership_admit(*, circle: Circle, member: Member) -> CircleMembership:
    """Put a member straight into the circle, active, under their pseudonym for it: for an app
    that decides by itself who may be in a circle of its own (the listeners' debrief circle,
    whose service checked the member holds `care.listen`)."""
    return _new_membership(circle=circle, member=member, state=State.ACTIVE)


# --- Circles and agreements -----------------------------------------------------------------


def _check_settings(retention_days: int, rotation_days: int) -> None:
    if retention_days not in Circle.Retention.values:
        raise InvalidInput(_("Choose how long posts live."), fields={"retention_days": []})
    if not 1 <= rotation_days <= 365:
        message = _("Facilitators hand the role on every 1 to 365 days.")
        raise InvalidInput(message, fields={"rotation_days": [message]})


@transaction.atomic
def circle_create(
    *,
    actor: Member,
    name: str,
    description: str = "",
    agreement: str,
    retention_days: int = Circle.Retention.MONTH,
    rotation_days: int = 30,
) -> Circle:
    """Start a circle with its first agreement; the actor is its first facilitator and has
    accepted that agreement."""
    require(actor, "network.view_members", actor.network)
    _check_settings(retention_days, rotation_days)
    now = timezone.now()
    circle = Circle.objects.create(
        network=actor.network,
        name=clean_text(name, field="name", max_length=120),
        description=clean_text(description, field="description", max_length=1000, required=False),
        retention_days=retention_days,
        rotation_days=rotation_days,
        facilitators_rotated_at=now,
    )
    CircleAgreement.objects.create(
        circle=circle, version=1, text=clean_text(agreement, field="agreement", max_length=4000)
    )
    membership = _new_membership(circle=circle, member=actor, state=State.ACTIVE)
    CircleMembership.objects.filter(pk=membership.pk).update(
        agreed_version=1, is_facilitator=True, facilitator_since=now
    )
    return circle


@transaction.atomic
def circle_update(
    *,
    actor: Member,
    circle: Circle,
    name: str,
    description: str = "",
    retention_days: int,
    rotation_days: int,
) -> Circle:
    """A current facilitator changes the circle's name, purpose, how long posts live and how
    often the facilitator role is handed on. The circle log says which of these changed (not
    the old or new text).

    A new retention applies to posts written from now on; posts already written keep the
    expiry they were given. Each member shared under the retention the circle promised when
    they wrote: a longer one must not keep their words longer than they were told, and a
    shorter one must not take down what others are still answering without warning. (It also
    keeps this a one-row change that never races the retention sweep.)"""
    _facilitator(actor, circle)
    _check_settings(retention_days, rotation_days)
    values = {
        "name": clean_text(name, field="name", max_length=120),
        "description": clean_text(
            description, field="description", max_length=1000, required=False
        ),
        "retention_days": retention_days,
        "rotation_days": rotation_days,
    }
    labels = {
        "name": _("name"),
        "description": _("what it is for"),
        "retention_days": _("how long new posts live"),
        "rotation_days": _("how often the facilitator role is handed on"),
    }
    changed = [key for key, value in values.items() if getattr(circle, key) != value]
    if not changed:
        return circle
    Circle.objects.filter(pk=circle.pk).update(**values)
    _log(circle, CircleLogEntry.Action.SETTINGS_CHANGED, ", ".join(labels[k] for k in changed))
    circle.refresh_from_db()
    return circle


@transaction.atomic
def agreement_revise(*, actor: Member, circle: Circle, text: str) -> CircleAgreement:
    """A new version of the agreement. Every member, facilitators too, accepts it again before
    posting."""
    _facilitator(actor, circle)
    current = agreement_current(circle=circle)
    version = (current.version if current else 0) + 1
    try:
        with transaction.atomic():
            agreement = CircleAgreement.objects.create(
                circle=circle,
                version=version,
                text=clean_text(text, field="text", max_length=4000),
            )
    except IntegrityError:
        raise Conflict() from None
    _log(circle, CircleLogEntry.Action.AGREEMENT_REVISED, _("version %(v)s") % {"v": version})
    return agreement


@transaction.atomic
def agreement_accept(*, actor: Member, circle: Circle, version: int) -> CircleMembership:
    """Accept the agreement the member has read. An older version is refused."""
    membership = _active(actor, circle)
    current = agreement_current(circle=circle)
    if current is None or current.version != version:
        raise Conflict(_("The agreement has changed. Please read the current version."))
    CircleMembership.objects.filter(pk=membership.pk).update(
        agreed_version=version, updated_at=timezone.now()
    )
    membership.refresh_from_db()
    return membership


# --- Joining, leaving, pausing --------------------------------------------------------------


@transaction.atomic
def membership_request(*, actor: Member, circle: Circle) -> CircleMembership:
    """Ask to join; a current facilitator accepts."""
    if not may_see_circle(actor, circle):
        raise NotFound()
    require(actor, "network.view_members", actor.network)
    membership = _new_membership(circle=circle, member=actor, state=State.REQUESTED)
    for facilitator in CircleMembership.objects.filter(
        circle=circle, state=State.ACTIVE, is_facilitator=True
    ):
        notice_send("circle.join_requested", facilitator.pk)
    return membership


@transaction.atomic
def membership_invite(*, actor: Member, circle: Circle, member: Member) -> CircleMembership:
    """A member of the circle invites someone from the network; a facilitator accepts."""
    _active(actor, circle)
    if member.network_id != circle.network_id:
        raise NotFound()
    if member.inactive_since is not None:
        raise InvalidInput(_("Only active members of the network can be invited."))
    # One message whatever their place (asked, invited, paused, removed): which one is not
    # the inviter's to learn.
    cannot = _("This person already has a place in this circle, or cannot be invited to it.")
    if not circle_opens_to(member, circle):
        raise Conflict(cannot)  # the listeners' debrief circle takes listeners only
    if CircleMembership.objects.filter(circle=circle, member=member).exists():
        raise Conflict(cannot)
    try:
        with transaction.atomic():
            membership = _new_membership(circle=circle, member=member, state=State.INVITED)
    except Conflict:
        raise Conflict(cannot) from None
    for facilitator in CircleMembership.objects.filter(
        circle=circle, state=State.ACTIVE, is_facilitator=True
    ):
        notice_send("circle.someone_invited", facilitator.pk)
    notice_send("circle.invited", membership.pk)
    return membership


@transaction.atomic
def membership_accept(*, actor: Member, membership: CircleMembership) -> CircleMembership:
    """A current facilitator lets a requested or invited member in. They accept the agreement
    themselves before posting."""
    _facilitator(actor, membership.circle)
    updated = CircleMembership.objects.filter(
        pk=membership.pk, state__in=[State.REQUESTED, State.INVITED]
    ).update(state=State.ACTIVE, updated_at=timezone.now())
    if not updated:
        raise Conflict(_("This request was already answered."))
    _log(membership.circle, CircleLogEntry.Action.MEMBER_ACCEPTED)
    notice_send("circle.welcomed", membership.pk)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_pause(
    *, actor: Member, membership: CircleMembership, reason: str
) -> CircleMembership:
    """A facilitator pauses a member, with a reason the circle's log shows (without naming
    them). The member loses access to the circle at once."""
    _facilitator(actor, membership.circle)
    reason = _reason(reason)
    if membership.member_id == actor.pk:
        raise InvalidInput(_("Facilitators cannot pause themselves; hand the role on first."))
    updated = CircleMembership.objects.filter(pk=membership.pk, state=State.ACTIVE).update(
        state=State.PAUSED, pause_reason=reason, is_facilitator=False, updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This member is not active in the circle."))
    _log(membership.circle, CircleLogEntry.Action.MEMBER_PAUSED, reason)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_resume(*, actor: Member, membership: CircleMembership) -> CircleMembership:
    _facilitator(actor, membership.circle)
    updated = CircleMembership.objects.filter(pk=membership.pk, state=State.PAUSED).update(
        state=State.ACTIVE, pause_reason="", updated_at=timezone.now()
    )
    if not updated:
        raise Conflict(_("This member is not paused."))
    _log(membership.circle, CircleLogEntry.Action.MEMBER_RESUMED)
    membership.refresh_from_db()
    return membership


@transaction.atomic
def membership_remove(
    *, actor: Member, membership: CircleMembership, reason: str = ""
) -> CircleMembership:
    """A member leaves, or a facilitator removes someone with a reason. Access ends at once;
    their posts stay under the pseudonym until they expire."""
    leaving = membership.member_id == actor.pk
    if leaving and not may_leave_circle(actor, membership.circle):
        raise Conflict(_("This member already left the circle."))
    if not leaving:
        _facilitator(actor, membership.circle)
        reason = _reason(reason)
    updated = (
        CircleMembership.objects.filter(pk=membership.pk)
        .exclude(state=State.REMOVED)
        .update(
            state=State.REMOVED,
            is_facilitator=False,
            removed_by_facilitator=Case(
                When(state=State.PAUSED, then=Value(True)), default=Value(not leaving)
            ),
            updated_at=timezone.now(),
        )
    )
    if not updated:
        raise Conflict(_("This member already left the circle."))
    if not leaving:
        _log(membership.circle, CircleLogEntry.Action.MEMBER_REMOVED, reason)
    _ensure_facilitator(membership.circle)
    membership.refresh_from_db()
    return membership


def _ensure_facilitator(circle: Circle) -> None:
    """When the last facilitator leaves, the role goes at once to the longest-standing willing
    member, so that flags and requests always reach someone."""
    active = CircleMembership.objects.filter(circle=circle, state=State.ACTIVE)
    if active.filter(is_facilitator=True).exists():
        return
    successor = active.filter(willing_to_facilitate=True).order_by("created_at", "pk").first()
    if successor is None:
        return
    CircleMembership.objects.filter(pk=successor.pk, state=State.ACTIVE).update(
        is_facilitator=True, facilitator_since=timezone.now()
    )
    _log(circle, CircleLogEntry.Action.FACILITATORS_ROTATED)
    notice_send("circle.facilitator_rotated", successor.pk)


@transaction.atomic
def membership_set_willing(*, actor: Member, circle: Circle, willing: bool) -> CircleMembership:
    """Whether the member is willing to take the facilitator role when it rotates."""
    membership = _active(actor, circle)
    CircleMembership.objects.filter(pk=membership.pk).update(
        willing_to_facilitate=willing, updated_at=timezone.now()
    )
    membership.refresh_from_db()
    return membership


# --- Facilitator rotation -------------------------------------------------------------------


@transaction.atomic
def facilitators_rotate(*, circle: Circle, now: datetime | None = None) -> bool:
    """Hand the facilitator role on when the circle's rotation period has passed: to as many
    willing active members, next in joining order after the current ones. Someone always
    holds it: with nobody else willing, the current facilitators keep it. True if it moved."""
    now = now or timezone.now()
    due = circle.facilitators_rotated_at + timedelta(days=circle.rotation_days)
    if due > now:
        return False
    claimed = Circle.objects.filter(
        pk=circle.pk, facilitators_rotated_at=circle.facilitators_rotated_at
    ).update(facilitators_rotated_at=now)
    if not claimed:
        return False  # another worker rotated it first
    active = list(CircleMembership.objects.filter(circle=circle, state=State.ACTIVE))
    current = [m for m in active if m.is_facilitator]
    candidates = [m for m in active if m.willing_to_facilitate and not m.is_facilitator]
    if not candidates:
        return False
    count = max(1, len(current))
    last = max((active.index(m) for m in current), default=-1)
    ordered = candidates if last < 0 else [m for m in active[last + 1 :] + active[: last + 1]]
    chosen = [m for m in ordered if m in candidates][:count]
    CircleMembership.objects.filter(circle=circle, is_facilitator=True).update(
        is_facilitator=False, facilitator_since=None
    )
    CircleMembership.objects.filter(pk__in=[m.pk for m in chosen], state=State.ACTIVE).update(
        is_facilitator=True, facilitator_since=now
    )
    _log(circle, CircleLogEntry.Action.FACILITATORS_ROTATED)
    for membership in chosen:
        notice_send("circle.facilitator_rotated", membership.pk)
    return True


def facilitators_rotate_sweep(*, now: datetime | None = None) -> int:
    return sum(facilitators_rotate(circle=c, now=now) for c in Circle.objects.all())


# --- Posts ----------------------------------------------------------------------------------


def _expires(circle: Circle, now: datetime) -> datetime | None:
    return now + timedelta(days=circle.retention_days) if circle.retention_days else None


def _indexed(post: Post) -> Post:
    """Write the post's blind search index in the same transaction as the post."""
    terms = terms_for(circle_id=post.circle_id, texts=[post.body or "", post.content_note or ""])
    PostSearchTerm.objects.bulk_create([PostSearchTerm(post=post, term=t) for t in terms])
    return post


def _poster(actor: Member, circle: Circle) -> CircleMembership:
    membership = _active(actor, circle)
    if not has_accepted_agreement(membership, circle):
        raise AgreementRequired()
    return membership


@transaction.atomic
def post_create(*, actor: Member, circle: Circle, body: str, content_note: str = "") -> Post:
    """Share something under the circle pseudonym; needs the current agreement accepted."""
    membership = _poster(actor, circle)
    now = timezone.now()
    post = Post.objects.create(
        circle=circle,
        author=membership,
        kind=Post.Kind.POST,
        pseudonym=membership.pseudonym,
        content_note=clean_text(content_note, field="content_note", max_length=200, required=False),
        body=clean_text(body, field="body", max_length=10000),
        expires_at=_expires(circle, now),
    )
    return _indexed(post)


@transaction.atomic
def reply_create(
    *, actor: Member, post: Post, body: str = "", content_note: str = "", hear_you: bool = False
) -> Post:
    """Reply in the post's thread, or simply say "I hear you" (no text needed)."""
    membership = _poster(actor, post.circle)
    if post.parent_id is not None or post.hidden:
        raise NotFound()
    now = timezone.now()
    reply = Post.objects.create(
        circle=post.circle,
        author=membership,
        parent=post,
        kind=Post.Kind.HEAR_YOU if hear_you else Post.Kind.REPLY,
        pseudonym=membership.pseudonym,
        content_note=clean_text(content_note, field="content_note", max_length=200, required=False),
        body="" if hear_you else clean_text(body, field="body", max_length=10000),
        expires_at=_expires(post.circle, now),
    )
    return _indexed(reply)


@transaction.atomic
def reaction_toggle(*, actor: Member, post: Post, kind: str) -> bool:
    """Add the reaction, or take it back if it was there. True when it is now on."""
    membership = _active(actor, post.circle)
    if kind not in Reaction.Kind.values:
        raise InvalidInput(_("Choose a reaction."), fields={"kind": []})
    deleted, _rows = Reaction.objects.filter(post=post, by=membership, kind=kind).delete()
    if deleted:
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, by=membership, kind=kind)
    except IntegrityError:
        pass  # a double click: it is on either way
    return True


@transaction.atomic
def post_flag(*, actor: Member, post: Post, reason: str) -> Flag:
    """Flag a post against the agreement. Once per member per post; the circle's current
    facilitators are told, without the post's text or who flagged."""
    membership = _active(actor, post.circle)
    reason = _reason(reason)
    if Flag.objects.filter(post=post, by=membership).exists():
        raise AlreadyFlagged()
    try:
        with transaction.atomic():
            flag = Flag.objects.create(post=post, by=membership, reason=reason)
    except IntegrityError:
        raise AlreadyFlagged() from None
    for facilitator in CircleMembership.objects.filter(
        circle_id=post.circle_id, state=State.ACTIVE, is_facilitator=True
    ):
        notice_send("circle.flagged", facilitator.pk)
    return flag


@transaction.atomic
def post_hide(*, actor: Member, post: Post, reason: str) -> Post:
    """A facilitator hides a post; the log says so, with the reason."""
    _facilitator(actor, post.circle)
    reason = _reason(reason)
    updated = Post.objects.filter(pk=post.pk, hidden=False).update(hidden=True)
    if not updated:
        raise Conflict(_("This post is already hidden."))
    Flag.objects.filter(post=post).update(resolved=True)
    _log(post.circle, CircleLogEntry.Action.POST_HIDDEN, reason)
    post.hidden = True
    return post


@transaction.atomic
def post_delete(*, actor: Member, post: Post) -> None:
    """An author removes their own post for real, with its replies."""
    membership = _active(actor, post.circle)
    if post.author_id != membership.pk:
        raise NotFound()
    Post.objects.filter(pk=post.pk).delete()


def posts_reindex(*, batch_size: int = 500) -> int:
    """Rebuild the blind search index of every post under the current key, one batch of posts
    per transaction. Returns how many posts were indexed."""
    done = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            batch = list(Post.objects.filter(pk__gt=last_pk).order_by("pk")[:batch_size])
            if not batch:
                return done
            PostSearchTerm.objects.filter(post__in=batch).delete()
            for post in batch:
                _indexed(post)
        done += len(batch)
        last_pk = batch[-1].pk


def posts_expire_sweep(*, now: datetime | None = None) -> int:
    """Delete, for real, every post whose circle's retention has run out (replies go with
    their thread, and the search index with them). Returns how many posts were deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        _total, by_model = Post.objects.filter(expires_at__lte=now).delete()
    return by_model.get(Post._meta.label, 0)


# --- Crisis resources -----------------------------------------------------------------------


@transaction.atomic
def crisis_resource_create(
    *,
    actor: Member,
    name: str,
    phone: str = "",
    hours: str = "",
    languages: str = "",
    notes: str = "",
    position: int = 100,
) -> CrisisResource:
    """Organisers list a crisis line or service for the whole network."""
    require(actor, "network.manage", actor.network)
    return CrisisResource.objects.create(
        network=actor.network,
        name=clean_text(name, field="name", max_length=120),
        phone=clean_text(phone, field="phone", max_length=40, required=False),
        hours=clean_text(hours, field="hours", max_length=120, required=False),
        languages=clean_text(languages, field="languages", max_length=120, required=False),
        notes=clean_text(notes, field="notes", max_length=500, required=False),
        position=position,
    )


@transaction.atomic
def crisis_resource_update(*, actor: Member, resource: CrisisResource, **fields: object) -> None:
    """Organisers correct a listed crisis line (name, phone, hours, languages, notes)."""
    require(actor, "network.manage", resource.network)
    allowed = {"name": 120, "phone": 40, "hours": 120, "languages": 120, "notes": 500}
    clean = {
        name: clean_text(str(value), field=name, max_length=allowed[name], required=name == "name")
        for name, value in fields.items()
        if name in allowed
    }
    CrisisResource.objects.filter(pk=resource.pk).update(**clean)
