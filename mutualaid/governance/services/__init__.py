"""Every write of governance, by operation family:

- `trust`: members give and take back trust;
- `roles`: who holds which role, what roles grant (written for `can`), role rules, the
  founder's bridge powers;
- `agreements`, `disaster_mode`: the other targets of the network's decisions;
- `proposals`: questions put to the network, ballots, counts; `decisions`: what a passed
  proposal does;
- `concern_start` and `concerns`: the conflict-resolution process.

Import from the submodule. This package re-exports only the trust, roles and agreements
services that other apps call, and nothing that reaches `proposals`, `decisions` or
`concerns`: those call other apps' services (networks, membership, fund, pantry, matching),
which import `governance.services.roles`; re-exporting them here would close a loop, since
importing any submodule runs this file first.
"""

from mutualaid.governance.services.agreements import agreement_adopt, agreement_create
from mutualaid.governance.services.roles import (
    governance_setup_network,
    role_grant_by_decision,
    role_permissions_write,
    roles_recompute,
    roles_recount_after_join,
    roles_recount_network,
)
from mutualaid.governance.services.trust import trust_give, trust_revoke

__all__ = [
    "agreement_adopt",
    "agreement_create",
    "governance_setup_network",
    "role_grant_by_decision",
    "role_permissions_write",
    "roles_recompute",
    "roles_recount_after_join",
    "roles_recount_network",
    "trust_give",
    "trust_revoke",
]
