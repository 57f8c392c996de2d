"""Every write about the pantry, one module per family of operations: `items` (items and
intake), `households`, `distribution`, `reservations`, `stock` (counts and corrections),
`fair_share`, `opening` (hours and slots) and `alerts`; `ledger` holds the stock primitives
they share. Import from the submodule; the names below are re-exported for older callers
(the submodules never import this package, so this creates no loop)."""

from mutualaid.pantry.services.alerts import alerts_send, alerts_send_all, alerts_subscribe
from mutualaid.pantry.services.distribution import distribution_create
from mutualaid.pantry.services.fair_share import fair_share_clean, fair_share_set
from mutualaid.pantry.services.households import household_create, household_link
from mutualaid.pantry.services.items import (
    IntakeLine,
    intake_record,
    item_create,
    item_retire,
    item_update,
)
from mutualaid.pantry.services.ledger import MANAGE, MAX_QUANTITY
from mutualaid.pantry.services.opening import open_hours_set, pantry_settings_set
from mutualaid.pantry.services.reservations import (
    ENDED_MATCH_STATES,
    GROCERIES,
    reservation_create,
    reservation_fulfil,
    reservation_release,
    reservations_release_sweep,
)
from mutualaid.pantry.services.stock import stock_adjust, stock_count

__all__ = [
    "ENDED_MATCH_STATES",
    "GROCERIES",
    "MANAGE",
    "MAX_QUANTITY",
    "IntakeLine",
    "alerts_send",
    "alerts_send_all",
    "alerts_subscribe",
    "distribution_create",
    "fair_share_clean",
    "fair_share_set",
    "household_create",
    "household_link",
    "intake_record",
    "item_create",
    "item_retire",
    "item_update",
    "open_hours_set",
    "pantry_settings_set",
    "reservation_create",
    "reservation_fulfil",
    "reservation_release",
    "reservations_release_sweep",
    "stock_adjust",
    "stock_count",
]
