"""Every write about networks, memberships, applications and API tokens."""

import hashlib
import secrets
from collections.abc import Iterable, Sequence

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, PermissionDenied
from mutualaid.core.history import history_record
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
    ApiToken,
    Application,
    Category,
    Member,
    Network,
    Skill,
    new_invite_code,
)
from mutualaid.networks.permissions import require
from mutualaid.networks.selectors import (  # re-exported: tests and pages sign links with it
    still_here_token as still_here_token,
)


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
