"""The fund's policy and accounts as every other write starts from them, made with safe
defaults (nothing automatic) the first time they are needed."""

from django.utils.translation import gettext as _

from mutualaid.fund.models import Account, FundPolicy
from mutualaid.networks.models import Member, Network


def policy_for(network: Network) -> FundPolicy:
    """The network's fund policy, made with safe defaults (nothing automatic) on first use."""
    policy, _created = FundPolicy.objects.get_or_create(network=network)
    return policy


def fund_account(network: Network) -> Account:
    policy = policy_for(network)
    account, _created = Account.objects.get_or_create(
        network=network,
        kind=Account.Kind.FUND,
        defaults={"name": _("The fund"), "floor": -policy.overdraft_limit},
    )
    return account


def member_account(member: Member) -> Account:
    account, _created = Account.objects.get_or_create(
        network_id=member.network_id,
        kind=Account.Kind.MEMBER,
        member=member,
        defaults={"name": f"member {member.pk}"},
    )
    return account
