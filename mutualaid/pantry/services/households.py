"""Households: registered by a code, optionally linked to the member who collects."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.networks.models import Member
from mutualaid.pantry.models import (
    Household,
)
from mutualaid.pantry.services.ledger import (
    check_same_network,
    require_manager,
)


@transaction.atomic
def household_create(*, actor: Member, code: str, member: Member | None = None) -> Household:
    """Register a household by a code only (a card number, "Blue 14"), optionally linked to
    the member who collects for it."""
    require_manager(actor)
    code = clean_text(code, field="code", max_length=40)
    if member is not None and member.network_id != actor.network_id:
        raise NotFound()
    try:
        with transaction.atomic():
            household = Household.objects.create(network=actor.network, code=code, member=member)
    except IntegrityError:
        message = _("A household with this code already exists.")
        raise InvalidInput(message, fields={"code": [message]}) from None
    history_record(actor=actor, action="pantry.household_create", target=household)
    return household


@transaction.atomic
def household_link(*, actor: Member, household: Household, member: Member | None) -> Household:
    """Link a household to the member who collects for it, or unlink it (member None). The
    member then finds the household and what it was given in their own data download."""
    require_manager(actor)
    check_same_network(actor, household)
    if member is not None and member.network_id != actor.network_id:
        raise NotFound()
    member_id = member.pk if member is not None else None
    if not Household.objects.filter(pk=household.pk, network_id=actor.network_id).update(
        member_id=member_id
    ):
        raise NotFound()
    history_record(
        actor=actor,
        action="pantry.household_link" if member is not None else "pantry.household_unlink",
        target=household,
    )
    household.refresh_from_db()
    return household
