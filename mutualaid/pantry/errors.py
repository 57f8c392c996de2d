"""The pantry's own domain errors, each with a stable API code."""

from django.utils.translation import gettext_lazy as _

from mutualaid.core.errors import Conflict, InvalidInput


class NotEnoughStock(Conflict):
    code = "not_enough_stock"
    default_message = _("Not enough stock.")


class FairShareExceeded(InvalidInput):
    code = "fair_share_exceeded"
    default_message = _("This is more than the household's fair share.")
