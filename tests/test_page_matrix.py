"""The permission matrix for every page, walked from the URL configuration itself.

Every named page route is requested by each role: anonymous, another network's member, a
member (bystander), the requester, the accepted helper and a declined helper. A route added
without a place in this matrix fails `test_every_page_route_is_in_the_matrix`.

The rule that matters most: the address and phone appear in no page, no log line and no email
except to the requester (their own) and to the accepted helper while the match is open.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from mutualaid.care import services as care_services
from mutualaid.care.listening import services as listening_services
from mutualaid.care.teams import services as team_services
from mutualaid.governance.services.concern_start import concern_raise
from mutualaid.governance.services.concerns import concern_open_vote
from mutualaid.governance.services.proposals import proposal_open
from mutualaid.library import services as library_services
from mutualaid.needs import services as need_services
from mutualaid.needs.models import Match
from mutualaid.networks.models import Application
from mutualaid.networks.services import api_token_create, still_here_token
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import MemberFactory, NeedFactory, OfferFactory, UserFactory
from tests.library.conftest import jpeg_with_gps

ROLES = ["anonymous", "outsider", "bystander", "requester", "accepted_helper", "declined_helper"]
MAY_SEE_SECRETS = {"requester", "accepted_helper"}

# Who may open each page (GET). "members" = every member of the network; others are
# redirected to sign in (anonymous) or away / 404 (another network's member).
EVERYONE = set(ROLES)
MEMBERS = {"bystander", "requester", "accepted_helper", "declined_helper"}
SIGNED_IN = EVERYONE - {"anonymous"}
PAGE_ACCESS: dict[str, set[str]] = {
    "home": EVERYONE,  # a member of exactly one network is sent straight to it
    "healthz": EVERYONE,
    "data_export": SIGNED_IN,
    "data_download": SIGNED_IN,
    "account_delete": SIGNED_IN,
    "networks:public": EVERYONE,
    # The invitation page is open to all but members, who are sent to their home instead.
    "networks:join": EVERYONE - MEMBERS,
    "networks:apply": SIGNED_IN - MEMBERS,
    "networks:dashboard": MEMBERS,
    "networks:profile": MEMBERS,
    "networks:leave": MEMBERS,
    "networks:applications": MEMBERS,
    "networks:settings": set(),  # organisers only; none of these roles organises
    "networks:tokens": MEMBERS,
    # The "are you still here?" link works without signing in; only its button changes state.
    "networks:still_here": EVERYONE,
    "needs:need_list": MEMBERS,
    "needs:need_create": MEMBERS,
    "needs:need_detail": MEMBERS,
    "needs:offer_list": MEMBERS,
    "needs:offer_create": MEMBERS,
    "needs:offer_detail": MEMBERS,
    "needs:match_list": MEMBERS,
    "needs:block_list": MEMBERS,
    "matching:how_it_works": MEMBERS,
    "governance:people": MEMBERS,
    "governance:roles": MEMBERS,
    "governance:history": MEMBERS,
    "governance:proposals": MEMBERS,
    "governance:proposal_create": MEMBERS,
    "governance:proposal_detail": MEMBERS,
    "governance:agreements": MEMBERS,
    "governance:concerns": MEMBERS,
    "governance:concern_create": MEMBERS,
    # The world's concern is being voted on, so every member of the network may read it.
    "governance:concern_detail": MEMBERS,
    # The pantry: the capacity signal is public; giving out and taking in need the pantry
    # permission, which none of these roles holds.
    "pantry:capacity": EVERYONE,
    "pantry:stock": MEMBERS,
    "pantry:rules": MEMBERS,
    "pantry:stock_csv": MEMBERS,
    "pantry:distributions_csv": MEMBERS,
    "pantry:item_create": set(),
    "pantry:intake": set(),
    "pantry:distribute": set(),
    "pantry:households": set(),
    "pantry:reservations": set(),
    "pantry:settings": set(),
    "pantry:lot_count": set(),
    "pantry:item_edit": set(),
    "pantry:household_link": set(),
    # The lending library: members only; the calendar feed needs no session, only its secret.
    "library:thing_list": MEMBERS,
    "library:thing_create": MEMBERS,
    "library:loan_list": MEMBERS,
    "library:thing_detail": MEMBERS,
    "library:thing_photo": MEMBERS,
    "library:thing_feed": EVERYONE,
    # The fund: members see it and its report; treasurers record and pay; the public report
    # is open to all. No receipt exists in this world, so nobody gets one.
    "fund:overview": MEMBERS,
    "fund:request_create": MEMBERS,
    "fund:report": MEMBERS,
    "fund:report_plot": MEMBERS,
    "fund:ledger_csv": MEMBERS,
    "fund:public_report": EVERYONE,
    "fund:public_report_plot": EVERYONE,
    "fund:public_report_csv": EVERYONE,
    "fund:treasury": set(),
    "fund:reconcile": set(),
    "fund:receipt": set(),
    # Care: the crisis pages are open to all, always; circles are listed to members, and only
    # the circle's own members (here the requester, its facilitator, and the helper) read its
    # log. Everyone else in the network sees a circle's name and may ask to join.
    "crisis": EVERYONE,
    "care:crisis": EVERYONE,
    "care:circle_list": MEMBERS,
    "care:circle_create": MEMBERS,
    "care:circle_detail": MEMBERS,
    "care:circle_log": {"requester", "accepted_helper"},
    # The circle's settings are its facilitators' (the requester started it).
    "care:circle_settings": {"requester"},
    # Listening: any member asks; only the requester reads their conversation (no listener
    # has taken it). The queue, listener settings and debrief are for listeners, which none
    # of these roles is.
    "care_listening:home": MEMBERS,
    "care_listening:queue": set(),
    "care_listening:settings": set(),
    "care_listening:debrief": set(),
    "care_listening:conversation": {"requester"},
    # Care teams: listed and set up by any member; a team and its slots open only to its
    # active members (the requester at its centre, and the helper who joined); only
    # coordinators add slots.
    "care_teams:team_list": MEMBERS,
    "care_teams:team_create": MEMBERS,
    "care_teams:team_detail": {"requester", "accepted_helper"},
    "care_teams:slot_detail": {"requester", "accepted_helper"},
    "care_teams:slot_create": {"requester"},
    "sms:settings": MEMBERS,
    # A person's notifications and settings span their networks: anyone signed in.
    "notifications": SIGNED_IN,
    "notification_settings": SIGNED_IN,
    "service_worker": EVERYONE,
    # The conversation of a match: its two sides only.
    "relay:conversation": {"requester", "accepted_helper"},
}
# Routes that only send a person on: a notification's link, which marks it read and redirects
# its owner (302) and is a 404 for everyone else.
REDIRECTS = {"notification_open"}
# POST-only routes: a GET never succeeds, for anyone.
POST_ONLY = {
    "networks:application_vote",
    "networks:invite_rotate",
    "networks:token_revoke",
    "networks:member_back",
    "needs:need_offer_help",
    "needs:need_close",
    "needs:need_still_needed",
    "needs:offer_status",
    "needs:match_step",
    "needs:match_block",
    "needs:member_block",
    "needs:block_remove",
    "matching:need_ask",
    "governance:trust_give",
    "governance:trust_revoke",
    "governance:proposal_vote",
    "governance:proposal_comment",
    "governance:proposal_withdraw",
    "governance:concern_answer",
    "governance:concern_open_vote",
    "governance:concern_vote",
    "pantry:lot_adjust",
    "pantry:reservation_release",
    "pantry:reservation_fulfil",
    "pantry:rule_propose",
    "pantry:alerts",
    "pantry:item_retire",
    "library:thing_book",
    "library:thing_train",
    "library:thing_keeper",
    "library:thing_photo_upload",
    "library:thing_update",
    "library:booking_step",
    "fund:request_approve",
    "fund:request_decline",
    "fund:payout_send",
    "fund:payout_step",
    "care:circle_join",
    "care:agreement_accept",
    "care:agreement_revise",
    "care:circle_leave",
    "care:post_create",
    "care:post_reply",
    "care:post_react",
    "care:post_flag",
    "care:post_hide",
    "care:membership_step",
    "care:circle_invite",
    "care:membership_willing",
    "care_listening:ask",
    "care_listening:take",
    "care_listening:message_create",
    "care_listening:note_create",
    "care_listening:consent",
    "care_listening:share_email",
    "care_listening:close",
    "care_listening:withdraw",
    "fund:policy_propose",
    "fund:transaction_reverse",
    "care_teams:team_answer",
    "care_teams:team_step",
    "care_teams:team_leave",
    "care_teams:team_share",
    "care_teams:team_closes_on",
    "care_teams:team_invite",
    "care_teams:membership_step",
    "care_teams:slot_step",
    "sms:confirm",
    "sms:resend",
    "sms:remove",
    "sms_inbound",
    "notification_read",
    "notifications_read_all",
    "push_subscription_remove",
    "relay:message_report",
}
# Routes that belong to libraries (sign-in, admin, API, language switch) are tested elsewhere.
OUTSIDE = ("admin:", "api:", "account_", "mfa_", "set_language", "javascript-catalog")


def _named_routes(resolver: URLResolver | None = None, prefix: str = "") -> set[str]:
    names: set[str] = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            namespace = f"{prefix}{entry.namespace}:" if entry.namespace else prefix
            names |= _named_routes(entry, namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(prefix + entry.name)
    return {n for n in names if not n.startswith(OUTSIDE)}


def test_every_page_route_is_in_the_matrix():
    routes = _named_routes()
    assert routes, "no routes found"
    assert routes - set(PAGE_ACCESS) - POST_ONLY - REDIRECTS == set()


@dataclass
class World:
    clients: dict[str, Client]
    kwargs: dict[str, dict[str, object]]


@pytest.fixture
def world(
    network,
    requester,
    helper,
    bystander,
    outsider,
    django_capture_on_commit_callbacks,
    settings,
    tmp_path,
):
    declined = MemberFactory(network=network, display_name="Dora")
    need = NeedFactory(requester=requester, address=SECRET_ADDRESS, phone=SECRET_PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        accepted = need_services.match_propose(actor=helper, need=need)
        turned_down = need_services.match_propose(actor=declined, need=need)
        need_services.match_decline(actor=requester, match=turned_down)
        need_services.match_accept(actor=requester, match=accepted)
    offer = OfferFactory(helper=helper)
    application = Application.objects.create(
        network=network, user=UserFactory(), display_name="Newcomer"
    )
    token, _secret = api_token_create(actor=requester, name="phone app")
    proposal = proposal_open(
        actor=requester,
        title="Buy a freezer",
        body="",
        method="consent",
        deadline=timezone.now() + timedelta(days=3),
    )
    concern = concern_raise(actor=requester, about=declined, text="Late three times.")
    concern = concern_open_vote(actor=declined, concern=concern)
    settings.MEDIA_ROOT = tmp_path / "media"
    thing = library_services.thing_create(
        actor=helper, name="Drill", cell=network.center_cell, photo=jpeg_with_gps()
    )
    booking = library_services.booking_create(
        actor=requester,
        thing=thing,
        starts_at=timezone.now() + timedelta(hours=1),
        ends_at=timezone.now() + timedelta(hours=5),
    )
    circle = care_services.circle_create(actor=requester, name="Grief circle", agreement="Kind.")
    joining = care_services.membership_request(actor=helper, circle=circle)
    care_services.membership_accept(actor=requester, membership=joining)
    care_services.agreement_accept(actor=helper, circle=circle, version=1)
    post = care_services.post_create(actor=helper, circle=circle, body="A hard week")
    listening = listening_services.listen_request_create(
        actor=requester, language="en", preferred_time="evenings"
    )
    team = team_services.team_create(actor=requester, name="Meals", recipient=requester)
    team_services.membership_invite(actor=requester, team=team, member=helper)
    team_joined = team_services.membership_accept(actor=helper, team=team)
    team_slot = team_services.slot_create(
        actor=requester,
        team=team,
        kind="meal",
        starts_at=timezone.now() + timedelta(days=1),
        ends_at=timezone.now() + timedelta(days=1, hours=1),
        address=SECRET_ADDRESS,
    )
    members = {
        "outsider": outsider,
        "bystander": bystander,
        "requester": requester,
        "accepted_helper": helper,
        "declined_helper": declined,
    }
    clients = {"anonymous": Client()}
    for role, member in members.items():
        clients[role] = Client()
        clients[role].force_login(member.user)
    slug = {"slug": network.slug}
    kwargs: dict[str, dict[str, object]] = {
        "networks:join": slug | {"code": network.invite_code},
        "networks:application_vote": slug | {"application_id": application.pk},
        "networks:token_revoke": slug | {"token_id": token.pk},
        "networks:still_here": slug | {"token": still_here_token(bystander)},
        "needs:need_detail": slug | {"need_id": need.pk},
        "needs:need_offer_help": slug | {"need_id": need.pk},
        "needs:need_close": slug | {"need_id": need.pk},
        "needs:need_still_needed": slug | {"need_id": need.pk},
        "needs:offer_detail": slug | {"offer_id": offer.pk},
        "needs:offer_status": slug | {"offer_id": offer.pk},
        "needs:match_step": slug | {"match_id": accepted.pk, "action": "start"},
        "needs:match_block": slug | {"match_id": accepted.pk},
        "relay:conversation": slug | {"match_id": accepted.pk},
        "relay:message_report": slug | {"message_id": 1},
        "needs:member_block": slug | {"member_id": helper.pk},
        "needs:block_remove": slug | {"block_id": 1},
        "matching:need_ask": slug | {"need_id": need.pk},
        "governance:trust_give": slug | {"member_id": helper.pk},
        "governance:trust_revoke": slug | {"member_id": helper.pk},
        "governance:proposal_detail": slug | {"proposal_id": proposal.pk},
        "governance:proposal_vote": slug | {"proposal_id": proposal.pk},
        "governance:proposal_comment": slug | {"proposal_id": proposal.pk},
        "governance:proposal_withdraw": slug | {"proposal_id": proposal.pk},
        "governance:concern_detail": slug | {"concern_id": concern.pk},
        "governance:concern_answer": slug | {"concern_id": concern.pk},
        "governance:concern_open_vote": slug | {"concern_id": concern.pk},
        "governance:concern_vote": slug | {"concern_id": concern.pk},
        "pantry:lot_adjust": slug | {"lot_id": 1},
        "pantry:lot_count": slug | {"lot_id": 1},
        "pantry:item_edit": slug | {"item_id": 1},
        "pantry:household_link": slug | {"household_id": 1},
        "pantry:item_retire": slug | {"item_id": 1},
        "pantry:reservation_release": slug | {"reservation_id": 1},
        "pantry:reservation_fulfil": slug | {"reservation_id": 1},
        "library:thing_detail": slug | {"thing_id": thing.pk},
        "library:thing_photo": slug | {"thing_id": thing.pk},
        "library:thing_book": slug | {"thing_id": thing.pk},
        "library:thing_train": slug | {"thing_id": thing.pk},
        "library:thing_keeper": slug | {"thing_id": thing.pk},
        "library:thing_photo_upload": slug | {"thing_id": thing.pk},
        "library:thing_update": slug | {"thing_id": thing.pk},
        "library:booking_step": slug | {"booking_id": booking.pk, "action": "cancel"},
        "library:thing_feed": slug
        | {"token": library_services.library_feed_token(network=network), "thing_id": thing.pk},
        "care:circle_detail": slug | {"circle_id": circle.pk},
        "care:circle_log": slug | {"circle_id": circle.pk},
        "care:circle_settings": slug | {"circle_id": circle.pk},
        "care:circle_invite": slug | {"circle_id": circle.pk},
        "care:membership_willing": slug | {"circle_id": circle.pk},
        **{
            f"care_listening:{name}": slug | {"request_id": listening.pk}
            for name in (
                "conversation",
                "take",
                "message_create",
                "note_create",
                "consent",
                "share_email",
                "close",
                "withdraw",
            )
        },
        "care:circle_join": slug | {"circle_id": circle.pk},
        "care:agreement_accept": slug | {"circle_id": circle.pk},
        "care:agreement_revise": slug | {"circle_id": circle.pk},
        "care:circle_leave": slug | {"circle_id": circle.pk},
        "care:post_create": slug | {"circle_id": circle.pk},
        "care:post_reply": slug | {"circle_id": circle.pk, "post_id": post.pk},
        "care:post_react": slug | {"circle_id": circle.pk, "post_id": post.pk},
        "care:post_flag": slug | {"circle_id": circle.pk, "post_id": post.pk},
        "care:post_hide": slug | {"circle_id": circle.pk, "post_id": post.pk},
        "care:membership_step": slug
        | {"circle_id": circle.pk, "membership_id": joining.pk, "action": "pause"},
        "care_teams:team_detail": slug | {"team_id": team.pk},
        "care_teams:team_answer": slug | {"team_id": team.pk, "action": "accept"},
        "care_teams:team_step": slug | {"team_id": team.pk, "action": "pause"},
        "care_teams:team_leave": slug | {"team_id": team.pk},
        "care_teams:team_share": slug | {"team_id": team.pk},
        "care_teams:team_closes_on": slug | {"team_id": team.pk},
        "care_teams:team_invite": slug | {"team_id": team.pk},
        "care_teams:membership_step": slug
        | {"team_id": team.pk, "membership_id": team_joined.pk, "action": "remove"},
        "care_teams:slot_create": slug | {"team_id": team.pk},
        "care_teams:slot_detail": slug | {"team_id": team.pk, "slot_id": team_slot.pk},
        "care_teams:slot_step": slug
        | {"team_id": team.pk, "slot_id": team_slot.pk, "action": "sign-up"},
        "fund:report_plot": slug | {"fmt": "png"},
        "fund:public_report_plot": slug | {"fmt": "svg"},
        "fund:receipt": slug | {"receipt_id": 1},
        "fund:request_approve": slug | {"request_id": 1},
        "fund:request_decline": slug | {"request_id": 1},
        "fund:payout_send": slug | {"request_id": 1},
        "fund:transaction_reverse": slug | {"transaction_id": 1},
        "fund:payout_step": slug | {"payout_id": 1, "action": "received"},
        "notification_read": {"notification_id": 1},
        "notification_open": {"notification_id": 1},
        "push_subscription_remove": {"subscription_id": 1},
    }
    for name in PAGE_ACCESS.keys() | POST_ONLY | REDIRECTS:
        if name.startswith(
            (
                "networks:",
                "needs:",
                "governance:",
                "matching:",
                "pantry:",
                "library:",
                "fund:",
                "care:",
                "care_teams:",
                "care_listening:",
                "sms:",
                "relay:",
            )
        ):
            kwargs.setdefault(name, slug)
        else:
            kwargs.setdefault(name, {})
    assert Match.objects.filter(state=Match.State.ACCEPTED).count() == 1
    return World(clients=clients, kwargs=kwargs)


def _secrets_in(text: str) -> bool:
    return SECRET_ADDRESS in text or SECRET_PHONE in text


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_exactly_the_pages_it_may(world, role, caplog, mailoutbox):
    caplog.set_level(logging.DEBUG)
    client = world.clients[role]
    for name, allowed in sorted(PAGE_ACCESS.items()):
        url = reverse(name, kwargs=world.kwargs[name])
        response = client.get(url)
        body = response.content.decode(errors="replace")
        assert response.status_code < 500, (name, role, response.status_code)
        if role in allowed:
            expected = {200, 302} if name == "home" else {200}
            assert response.status_code in expected, (name, role, response.status_code)
        else:
            assert response.status_code in {302, 403, 404, 405}, (name, role, response.status_code)
        if role not in MAY_SEE_SECRETS:
            assert not _secrets_in(body), f"{name} shows the address or phone to {role}"
    for name in sorted(POST_ONLY | REDIRECTS):
        response = client.get(reverse(name, kwargs=world.kwargs[name]))
        assert response.status_code in {302, 404, 405}, (name, role, response.status_code)
    assert not any(_secrets_in(record.getMessage()) for record in caplog.records)
    assert not any(_secrets_in(m.subject + m.body) for m in mailoutbox)


@pytest.mark.parametrize("role", sorted(MAY_SEE_SECRETS))
def test_the_requester_and_the_accepted_helper_see_the_address_on_the_need(world, role):
    url = reverse("needs:need_detail", kwargs=world.kwargs["needs:need_detail"])
    body = world.clients[role].get(url).content.decode()
    assert SECRET_ADDRESS in body
    assert SECRET_PHONE in body


@pytest.mark.parametrize("role", ["outsider", "bystander", "declined_helper", "anonymous"])
def test_no_other_role_can_take_a_step_on_the_match(world, role):
    url = reverse("needs:match_step", kwargs=world.kwargs["needs:match_step"])
    response = world.clients[role].post(url)
    assert response.status_code in {302, 403, 404}
    assert Match.objects.get(pk=world.kwargs["needs:match_step"]["match_id"]).state == "accepted"
