"""The fund's own domain errors, each with a stable API code."""

from django.utils.translation import gettext_lazy as _

from mutualaid.core.errors import Conflict, InvalidInput


class InsufficientFunds(Conflict):
    code = "insufficient_funds"
    default_message = _("The fund does not hold enough money for this.")


class Unbalanced(InvalidInput):
    code = "unbalanced_transaction"
    default_message = _("A transaction's entries must add up to zero.")


class OverCap(InvalidInput):
    code = "over_cap"
    default_message = _("This is more than one person may receive in this period.")


class AlreadyPaid(Conflict):
    code = "already_paid"
    default_message = _("This request has already been paid.")
