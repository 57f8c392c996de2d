"""Writes about a person's whole account, across every network they belong to."""

from django.contrib.auth.models import User
from django.db import transaction

from mutualaid.membership.services import LeaveCause, forget_admin_log, member_leave
from mutualaid.networks.models import Application, Member


@transaction.atomic
def account_delete(*, user: User) -> None:
    """Delete a person and their personal data everywhere.

    They leave every network they belong to as `member_leave` says (their needs, offers,
    profiles, trust and words go; help they gave stays in the requesters' record without
    them; each network keeps anonymous counts and counts everyone's roles again), then their
    applications, tokens, sign-in records and the account itself go.
    """
    for member in Member.objects.filter(user_id=user.pk):
        member_leave(member=member, cause=LeaveCause.ACCOUNT_DELETED)
    forget_admin_log(
        Application, list(Application.objects.filter(user=user).values_list("pk", flat=True))
    )
    user.delete()
