"""Every write about the fund, one module per family of operations: `requests` (requests,
approvals, the queue), `payouts`, `ledger` (accounts, income, fees, corrections), `receipts`,
`reconcile` (bank statements) and `policy`; below them `budget` (the monthly budget and the
per-person cap), `accounts` (the policy and accounts made on first use) and `checks`.

Import from the module that holds a service. Only the names other apps call are also here, so
their imports keep working: `fund_member_leaving` (a member leaving) and `policy_clean` /
`policy_change` (the governance action that changes the policy).
"""

from mutualaid.fund.services.policy import policy_change, policy_clean
from mutualaid.fund.services.requests import fund_member_leaving

__all__ = ["fund_member_leaving", "policy_change", "policy_clean"]
