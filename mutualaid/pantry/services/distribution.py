"""Giving items to a household, first-expiring lots first, within the fair-share rules."""

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.needs.models import Need
from mutualaid.networks.models import Member
from mutualaid.pantry import selectors
from mutualaid.pantry.errors import FairShareExceeded
from mutualaid.pantry.models import (
    Distribution,
    DistributionLine,
    Household,
    Item,
    StockMovement,
)
from mutualaid.pantry.services.ledger import (
    check_same_network,
    clean_quantity,
    lots_take_fefo,
    movement_log,
    require_manager,
    stock_take,
)


def _merge_lines(lines: Sequence[tuple[Item, int]]) -> dict[Item, int]:
    merged: dict[Item, int] = defaultdict(int)
    for item, quantity in lines:
        merged[item] += clean_quantity(quantity)
    if not merged:
        raise InvalidInput(_("Add at least one item."))
    return dict(sorted(merged.items(), key=lambda pair: pair[0].pk))  # one lock order


def _check_fair_share(
    household: Household, wanted: dict[Item, int], *, override_reason: str, now: datetime
) -> list[str]:
    """The fair-share rules each line breaks, in words; raises unless overridden."""
    broken = []
    for item, quantity in wanted.items():
        for allowance in selectors.allowances(household=household, item=item, now=now):
            if quantity > allowance.remaining:
                broken.append(allowance.explain_over(quantity))
    if broken and not override_reason:
        message = " ".join(broken) + " " + _("An organiser may override this with a reason.")
        raise FairShareExceeded(message, fields={"override_reason": [message]})
    return broken


@transaction.atomic
def distribution_create(
    *,
    actor: Member,
    household: Household,
    lines: Sequence[tuple[Item, int]],
    need: Need | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> Distribution:
    """Give items to a household, first-expiring lots first, within the network's fair-share
    rules. A member with the pantry permission may go over a rule by giving a reason; the
    override is kept in the history log. All or nothing: if one line cannot be given, none is."""
    require_manager(actor)
    check_same_network(actor, household)
    if need is not None and need.network_id != actor.network_id:
        raise NotFound()
    now = now or timezone.now()
    override_reason = clean_text(
        override_reason, field="override_reason", max_length=500, required=False
    )
    wanted = _merge_lines(lines)
    # A no-op update locks the household's row (PostgreSQL) until commit, so two tables
    # serving the same household at once are counted against its fair share one after the
    # other, whichever items they give. Lock order everywhere: household, items, lots.
    Household.objects.filter(pk=household.pk).update(code=F("code"))
    for item in wanted:
        check_same_network(actor, item)
        stock_take(item, wanted[item])
    broken = _check_fair_share(household, wanted, override_reason=override_reason, now=now)
    distribution = Distribution.objects.create(
        network=actor.network,
        household=household,
        need=need,
        given_by=actor,
        override_reason=override_reason if broken else "",
    )
    today = timezone.localdate(now)
    for item, quantity in wanted.items():
        DistributionLine.objects.create(distribution=distribution, item=item, quantity=quantity)
        for lot, take in lots_take_fefo(item, quantity, today=today):
            movement_log(
                item,
                StockMovement.Kind.DISTRIBUTION,
                actor=actor,
                on_hand=-take,
                lot=lot,
                distribution=distribution,
            )
    history_record(actor=actor, action="pantry.distribute", target=distribution)
    if broken:
        history_record(
            actor=actor,
            action="pantry.fair_share_override",
            target=distribution,
            reason=override_reason,
        )
    return distribution
