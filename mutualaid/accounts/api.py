"""API: everything mutualaid holds about me."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from mutualaid.accounts.selectors import account_data_export
from mutualaid.core.api import responses
from mutualaid.networks.requests import api_member

router = Router()


@router.get(
    "/me/data", response=responses(dict[str, Any]), operation_id="me_data_export", tags=["account"]
)
def me_data_export(request: HttpRequest) -> dict[str, Any]:
    """All data held about my account, in every network I belong to (the same as the
    "download my data" page)."""
    return account_data_export(user=api_member(request).user)
