"""The fund's policy: checking a change, and making it once the group has decided."""

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.fund.errors import InsufficientFunds
from mutualaid.fund.models import Account, CapPeriod, Entry, FundPolicy, OverBudgetRule
from mutualaid.fund.services.accounts import fund_account, policy_for
from mutualaid.fund.services.budget import budget_month
from mutualaid.fund.services.checks import amount_checked
from mutualaid.networks.models import Member, Network

POLICY_FIELDS = {
    "currency",
    "auto_approve_up_to",
    "approvals_needed",
    "person_cap",
    "cap_period",
    "monthly_budget",
    "over_budget_rule",
    "lottery_seed",
    "overdraft_limit",
    "receipt_retention_days",
}


def policy_clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Checked policy changes, or InvalidInput naming what is wrong."""
    unknown = sorted(set(changes) - POLICY_FIELDS)
    if unknown:
        raise InvalidInput(
            _("The fund policy has no setting called %(names)s.") % {"names": ", ".join(unknown)}
        )
    clean: dict[str, Any] = {}
    for field, value in sorted(changes.items()):
        if field == "currency":
            if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
                raise InvalidInput(_("Give a currency as a three-letter code, like EUR."))
            clean[field] = value.upper()
        elif field == "cap_period":
            if value not in CapPeriod.values:
                raise InvalidInput(_("The cap period is a month, a quarter or a year."))
            clean[field] = value
        elif field == "over_budget_rule":
            if value not in OverBudgetRule.values:
                raise InvalidInput(_("Choose first come, lottery or least received first."))
            clean[field] = value
        elif field == "lottery_seed":
            clean[field] = clean_text(str(value), field=field, max_length=64, required=False)
        elif field == "approvals_needed":
            clean[field] = amount_checked(value, field=field, high=20)
        elif field == "receipt_retention_days":
            clean[field] = amount_checked(value, field=field, high=3650)
        else:
            clean[field] = 0 if value == 0 else amount_checked(value, field=field)
    return clean


@transaction.atomic
def policy_change(
    *, network: Network, changes: dict[str, Any], reason: str, actor: Member | None = None
) -> FundPolicy:
    """Change the fund policy. Called when a proposal passes: the policy is the group's
    decision, so no single member's permission is asked here. The currency can change only
    while the ledger is empty."""
    clean = policy_clean(changes)
    policy = policy_for(network)
    if "currency" in clean and clean["currency"] != policy.currency:
        if Entry.objects.filter(account__network=network).exists():
            raise InvalidInput(_("The currency cannot change once money has been recorded."))
    for field, value in clean.items():
        setattr(policy, field, value)
    policy.save()
    account = fund_account(network)
    if "overdraft_limit" in clean:
        # Lowering the overdraft below what is already owed waits until the balance allows it.
        if not Account.objects.filter(pk=account.pk, balance__gte=-policy.overdraft_limit).update(
            floor=-policy.overdraft_limit
        ):
            raise InsufficientFunds(
                _("The fund owes more than the new overdraft allows; pay it back first.")
            )
    if "monthly_budget" in clean:
        budget_month(network, timezone.now(), policy)
    history_record(
        actor=actor, network=network, action="fund.policy_change", reason=reason, changes=clean
    )
    return policy
