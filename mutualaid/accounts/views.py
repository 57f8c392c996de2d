"""A person's own account: see and download everything held about them, or delete it all."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from mutualaid.accounts.forms import AccountDeleteForm, delete_word
from mutualaid.accounts.selectors import account_data_export
from mutualaid.accounts.services import account_delete as account_delete_service
from mutualaid.networks.requests import SignedInRequest
from mutualaid.networks.selectors import memberships_of


def _export_json(request: SignedInRequest) -> str:
    data = account_data_export(user=request.user)
    return json.dumps(data, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder)


@never_cache
@login_required
def data_export(request: SignedInRequest) -> HttpResponse:
    context = {
        "export_json": _export_json(request),
        "memberships": memberships_of(request.user),
    }
    return render(request, "accounts/data_export.html", context)


@never_cache
@login_required
def data_download(request: SignedInRequest) -> HttpResponse:
    response = HttpResponse(_export_json(request), content_type="application/json; charset=utf-8")
    filename = f"mutualaid-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@never_cache
@login_required
def account_delete(request: SignedInRequest) -> HttpResponse:
    form = AccountDeleteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        account_delete_service(user=request.user)
        logout(request)
        messages.success(request, _("Your account and your personal data are deleted. Take care."))
        return redirect("home")
    context = {
        "form": form,
        "word": delete_word(),
        "memberships": memberships_of(request.user),
    }
    return render(request, "accounts/delete.html", context, status=400 if form.errors else 200)
