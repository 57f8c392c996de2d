"""Matching's pages: how matching works in this network, and "Ask them" on a need's page."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from mutualaid.core.pages import page_action
from mutualaid.matching import services
from mutualaid.matching.forms import AskHelperForm
from mutualaid.matching.selectors import policy_for, policy_sentences
from mutualaid.needs.selectors import access_member, access_need
from mutualaid.networks.decorators import member_page
from mutualaid.networks.requests import MemberRequest


@require_GET
@member_page
def how_it_works(request: MemberRequest) -> HttpResponse:
    policy = policy_for(request.member.network)
    return render(
        request,
        "matching/how_it_works.html",
        {"policy": policy, "sentences": policy_sentences(policy)},
    )


@require_POST
@member_page
def need_ask(request: MemberRequest, need_id: int) -> HttpResponse:
    """Ask one suggested helper whether they can help. They still say yes or no."""
    member = request.member
    need = access_need(member, need_id)
    back = reverse("needs:need_detail", kwargs={"slug": member.network.slug, "need_id": need.pk})
    form = AskHelperForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a helper to ask."))
        return redirect(back)

    def ask() -> None:
        helper = access_member(member, form.cleaned_data["helper"])
        services.suggestion_ask(actor=member, need=need, helper=helper)
        messages.success(
            request,
            _("We asked %(name)s. They will say yes or no.") % {"name": helper.display_name},
        )

    return page_action(request, ask, then=back)
