"""The pantry's weekly open hours and household slots."""

from collections.abc import Sequence
from datetime import time

from django.db import transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.history import history_record
from mutualaid.networks.models import Member
from mutualaid.pantry.models import (
    OpenHours,
    PantrySettings,
)
from mutualaid.pantry.services.ledger import (
    require_manager,
)


@transaction.atomic
def open_hours_set(*, actor: Member, hours: Sequence[tuple[int, time, time]]) -> list[OpenHours]:
    """Replace the pantry's weekly open hours."""
    require_manager(actor)
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6 or closes <= opens:
            raise InvalidInput(_("Each opening needs a weekday and must close after it opens."))
    OpenHours.objects.filter(network=actor.network).delete()
    rows = [
        OpenHours.objects.create(network=actor.network, weekday=d, opens=o, closes=c)
        for d, o, c in hours
    ]
    history_record(actor=actor, action="pantry.open_hours_set", openings=len(rows))
    return rows


@transaction.atomic
def pantry_settings_set(*, actor: Member, weekly_household_slots: int) -> PantrySettings:
    require_manager(actor)
    if not isinstance(weekly_household_slots, int) or not 0 <= weekly_household_slots <= 100_000:
        raise InvalidInput(_("Give a number of household slots from 0 to 100000."))
    settings, _created = PantrySettings.objects.update_or_create(
        network=actor.network, defaults={"weekly_household_slots": weekly_household_slots}
    )
    history_record(actor=actor, action="pantry.settings_set", slots=weekly_household_slots)
    return settings
