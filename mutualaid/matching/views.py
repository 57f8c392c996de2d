"""Matching's pages: how matching works in this network, and "Ask them" on a need's page."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutualaid.core.errors import DomainError
from mutualaid.matching import services
from mutualaid.matching.forms import AskHelperForm
from mutualaid.matching.selectors import policy_for, policy_sentences
from mutualaid.needs.selectors import access_member, access_need
from mutualaid.networks.decorators import member_page
from mutualaid.networks.models import Member


@require_GET
@member_page
def how_it_works(request: HttpRequest) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    policy = policy_for(member.network)
    return render(
        request,
        "matching/how_it_works.html",
        {"policy": policy, "sentences": policy_sentences(policy)},
    )


@require_POST
@member_page
def need_ask(request: HttpRequest, need_id: int) -> HttpResponse:
    """Ask one suggested helper whether they can help. They still say yes or no."""
    member: Member = request.member  # type: ignore[attr-defined]
    need = access_need(member, need_id)
    form = AskHelperForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a helper to ask."))
    else:
        try:
            helper = access_member(member, form.cleaned_data["helper"])
            services.suggestion_ask(actor=member, need=need, helper=helper)
        except DomainError as err:
            messages.error(request, err.message)
        else:
            messages.success(
                request,
                _("We asked %(name)s. They will say yes or no.") % {"name": helper.display_name},
            )
    return redirect("needs:need_detail", slug=member.network.slug, need_id=need.pk)
