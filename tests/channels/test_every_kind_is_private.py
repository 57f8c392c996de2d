"""No notice carries an address, a phone number, an email address or a private note.

For every kind in the registry (so a new kind is covered, or fails here for want of a
builder), the object it is about is made by a requester whose real contact details and
private notes are set in the database as marker strings. The notice is then sent through
`notice_send` on every channel at once and again as a daily digest, in English and in Spanish,
and everything that left is searched for the markers: the email's subject, body and headers
(not its envelope), the push payload, each SMS segment, the digest, and the in-app text.

A second test reads the package's source: only channels/senders.py may send email or push.
"""

import ast
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

import mutualaid
from mutualaid.care import services as care
from mutualaid.care.listening import services as listening
from mutualaid.care.teams import services as care_teams
from mutualaid.channels.models import Notification
from mutualaid.channels.services import digests_send, notice_send, notification_render
from mutualaid.core import sms
from mutualaid.core.notice_kinds import notice_kind, notice_kinds_declared
from mutualaid.fund.services.ledger import account_create, contribution_record
from mutualaid.fund.services.payouts import payout_send
from mutualaid.governance.models import Concern, Role, RoleHolding
from mutualaid.governance.notices import OUTCOME_BODIES
from mutualaid.governance.services import concern_start, concerns, proposals
from mutualaid.governance.services.agreements import agreement_create
from mutualaid.library import services as library
from mutualaid.needs import services as needs
from mutualaid.networks import services as networks
from mutualaid.networks.models import Application, Member
from mutualaid.relay import selectors as relay_selectors
from mutualaid.relay import services as relay_services
from mutualaid.sms.models import SmsPhone
from tests.care.listening.conftest import make_listener
from tests.channels.conftest import subscribed, verified_phone
from tests.factories import (
    NEARBY_CELL,
    MatchFactory,
    MemberFactory,
    NeedFactory,
    NetworkFactory,
    UserFactory,
)
from tests.fund.conftest import approved

SECRET_EMAIL = "hidden-inbox-4417@secret.example"
SECRET_PHONE = "+15105550177"
SECRET_PHONE_LOCAL = "510 555 0177"
SECRET_ADDRESS = "77 Hidden Orchard Road"
SECRET_NOTE = "MARKER-private-note-ring-twice"
SECRET_TEXT = "MARKER-private-words"
SECRETS = [
    SECRET_EMAIL,
    SECRET_EMAIL.split("@")[0],
    SECRET_PHONE,
    SECRET_PHONE[2:],
    SECRET_PHONE_LOCAL,
    SECRET_ADDRESS,
    SECRET_NOTE,
    SECRET_TEXT,
]


class World:
    """A network whose members all have contact details; the requester's are the markers."""

    def __init__(self) -> None:
        self.network = NetworkFactory(name="Riverside", application_questions=["Why join?"])
        self.requester = MemberFactory(
            network=self.network,
            user=UserFactory(email=SECRET_EMAIL),
            display_name="Rosa",
            role=Member.Role.FOUNDING_ORGANISER,
            phone=SECRET_PHONE,
            accessibility_needs=SECRET_NOTE,
        )
        self.helper = MemberFactory(network=self.network, display_name="Hugo")
        self.other = MemberFactory(network=self.network, display_name="Olga")
        self.phones = {
            self.requester.pk: verified_phone(self.requester, SECRET_PHONE),
            self.helper.pk: verified_phone(self.helper, "+15105550101"),
            self.other.pk: verified_phone(self.other, "+15105550102"),
        }
        for n, member in enumerate((self.requester, self.helper, self.other)):
            subscribed(member, f"https://push.example/{n}")

    def need(self):
        return NeedFactory(
            requester=self.requester,
            address=SECRET_ADDRESS,
            phone=SECRET_PHONE,
            description=SECRET_TEXT,
        )

    def match(self):
        return MatchFactory(need=self.need(), helper=self.helper, message=SECRET_TEXT)

    def circle(self):
        return care.circle_create(
            actor=self.requester, name="Grief circle", agreement="Kindness first."
        )

    def booking(self):
        thing = library.thing_create(
            actor=self.helper,
            name="Drill",
            kind="drill",
            cell=NEARBY_CELL,
            pickup_notes=SECRET_ADDRESS,
        )
        start = timezone.now() + timedelta(hours=1)
        return library.booking_create(
            actor=self.requester, thing=thing, starts_at=start, ends_at=start + timedelta(hours=3)
        )

    def proposal(self):
        return proposals.proposal_open(
            actor=self.helper,
            title="A second freezer",
            body=SECRET_TEXT,
            method="consent",
            deadline=timezone.now() + timedelta(days=3),
        )

    def concern(self):
        return concern_start.concern_raise(
            actor=self.helper, about=self.requester, text=SECRET_TEXT
        )


# --- One builder per kind: returns (about_id, extra) ----------------------------------------

Built = tuple[int, dict[str, Any]]


def _facilitator_membership(world: World) -> Built:
    circle = world.circle()
    return circle.memberships.get(member=world.requester).pk, {}


def _invited(world: World) -> Built:
    return care.membership_invite(
        actor=world.requester, circle=world.circle(), member=world.helper
    ).pk, {}


def _welcomed(world: World) -> Built:
    circle = world.circle()
    asked = care.membership_request(actor=world.helper, circle=circle)
    return care.membership_accept(actor=world.requester, membership=asked).pk, {}


def _fund_request(world: World) -> Built:
    request = approved(world.requester, 2500)
    type(request).objects.filter(pk=request.pk).update(purpose=SECRET_TEXT)
    return request.pk, {}


def _payout(world: World) -> Built:
    treasurer = world.requester
    source = account_create(actor=treasurer, kind="income", name="Gifts")
    method = account_create(actor=treasurer, kind="payout", name="Cash")
    contribution_record(actor=treasurer, source=source, amount=10_000)
    request = approved(world.requester, 2500)
    payout = payout_send(actor=treasurer, request=request, method=method, note=SECRET_TEXT)
    return payout.pk, {}


def _application(world: World) -> Built:
    user = UserFactory(email=SECRET_EMAIL.replace("hidden", "applicant"))
    application = networks.application_submit(
        user=user, network=world.network, display_name="Ana", answers=[SECRET_TEXT]
    )
    return application.pk, {}


def _approved_application(world: World) -> Built:
    pk, extra = _application(world)
    application = Application.objects.get(pk=pk)
    member = MemberFactory(network=world.network, user=application.user, phone=SECRET_PHONE)
    verified_phone(member, "+15105550103")
    subscribed(member, "https://push.example/new")
    return pk, extra


def _warned_member(world: World) -> Built:
    Member.objects.filter(pk=world.requester.pk).update(inactivity_warned_at=timezone.now())
    return world.requester.pk, {}


def _proposal(world: World) -> Built:
    return world.proposal().pk, {}


def _role_ending(world: World) -> Built:
    role = Role.objects.create(network=world.network, slug="steward", name="Steward", term_months=6)
    now = timezone.now()
    holding = RoleHolding.objects.create(
        role=role, member=world.requester, granted_at=now, expires_at=now + timedelta(days=10)
    )
    return holding.pk, {}


def _agreement(world: World) -> Built:
    version = agreement_create(
        actor=world.requester,
        slug="kindness",
        title="Kindness",
        text=SECRET_TEXT,
        review_on=timezone.now().date() + timedelta(days=7),
    )
    return version.pk, {}


def _concern(world: World) -> Built:
    return world.concern().pk, {}


def _concern_voting(world: World) -> Built:
    concern = concerns.concern_open_vote(actor=world.requester, concern=world.concern())
    return concern.pk, {}


def _concern_decided(world: World) -> Built:
    concern = world.concern()
    Concern.objects.filter(pk=concern.pk).update(
        status=Concern.Status.DECIDED, outcome=Concern.Outcome.TALK, outcome_note=SECRET_TEXT
    )
    return concern.pk, {}


def _booking(world: World) -> Built:
    return world.booking().pk, {}


def _booking_someone_waits(world: World) -> Built:
    next_start = timezone.now() + timedelta(days=2)
    return world.booking().pk, {"next_starts_at": next_start.isoformat()}


def _phone_code(world: World) -> Built:
    phone = SmsPhone.objects.get(member=world.requester)
    return phone.pk, {"code": "482913"}


def _listen_request(world: World):
    make_listener(world.helper)
    return listening.listen_request_create(
        actor=world.requester, language="en", preferred_time="evenings", about=SECRET_TEXT
    )


def _listening_requested(world: World) -> Built:
    return _listen_request(world).pk, {}


def _conversation(side: str) -> Callable[[World], Built]:
    def build(world: World) -> Built:
        request = _listen_request(world)
        listening.listen_request_take(actor=world.helper, request=request)
        request.refresh_from_db()
        listening.listen_message_create(actor=world.requester, request=request, body=SECRET_TEXT)
        return request.pk, {"side": side}

    return build


def _team(world: World):
    team = care_teams.team_create(
        actor=world.requester, name="After surgery", recipient=world.requester
    )
    care_teams.team_share_set(
        actor=world.requester,
        team=team,
        dietary_needs=SECRET_NOTE,
        address=SECRET_ADDRESS,
        door_code="4417",
        notes=SECRET_TEXT,
        share_address=True,
        share_door_code=True,
    )
    return team


def _team_for_requester(world: World) -> Built:
    return _team(world).pk, {"member_id": world.requester.pk}


def _declined_member(world: World) -> Built:
    return world.requester.pk, {}


def _slot(world: World) -> Built:
    team = _team(world)
    start = timezone.now() + timedelta(days=2)
    slot = care_teams.slot_create(
        actor=world.requester,
        team=team,
        kind="meal",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        address=SECRET_ADDRESS,
        details=SECRET_TEXT,
    )
    care_teams.slot_sign_up(actor=world.requester, slot=slot)
    return slot.pk, {"member_id": world.requester.pk}


def _match(world: World) -> Built:
    return world.match().pk, {}


def _cancelled_by_requester(world: World) -> Built:
    match = world.match()
    type(match).objects.filter(pk=match.pk).update(cancelled_by="requester")
    return match.pk, {}


def _relay_message(world: World) -> Built:
    """Rosa writes to her accepted helper. The words are her own and go to him by text on
    purpose (docs/decisions/0011); her address, phone and notes must not go with them."""
    match = needs.match_accept(actor=world.requester, match=world.match())
    thread = relay_selectors.access_conversation(world.requester, match.pk)
    message = relay_services.relay_post(member=world.requester, thread=thread, text="See you")
    return message.pk, {}


BUILDERS: dict[str, Callable[[World], Built]] = {
    "circle.flagged": _facilitator_membership,
    "circle.join_requested": _facilitator_membership,
    "circle.someone_invited": _facilitator_membership,
    "circle.facilitator_rotated": _facilitator_membership,
    "circle.invited": _invited,
    "circle.welcomed": _welcomed,
    "fund.request_approved": _fund_request,
    "fund.request_queued": _fund_request,
    "fund.payout_sent": _fund_request,
    "fund.payout_failed": _fund_request,
    "fund.payout_disputed": _payout,
    "proposal.opened": _proposal,
    "proposal.closing": _proposal,
    **{f"proposal.outcome.{status}": _proposal for status in OUTCOME_BODIES},
    "role.term_ending": _role_ending,
    "agreement.review_due": _agreement,
    "concern.raised": _concern,
    "concern.vote_opened": _concern_voting,
    "concern.vote_opened_about_you": _concern_voting,
    "concern.decided": _concern_decided,
    "booking.booked": _booking,
    "booking.cancelled_to_keeper": _booking,
    "booking.cancelled_to_borrower": _booking,
    "booking.due_soon": _booking,
    "booking.overdue_someone_waits": _booking_someone_waits,
    "booking.overdue": _booking,
    "match.suggested": _match,
    "match.offered": _match,
    "match.accepted": _match,
    "match.released": _match,
    "match.cancelled": _cancelled_by_requester,
    "match.done": _match,
    "relay.message": _relay_message,
    "need.still_needed": lambda world: (world.need().pk, {}),
    "application.approved": _approved_application,
    "application.declined": _application,
    "member.inactivity_warning": _warned_member,
    "listening.requested": _listening_requested,
    "listening.taken": _conversation("requester"),
    "listening.message": _conversation("listener"),
    "listening.closed": _conversation("requester"),
    "team.proposed": _team_for_requester,
    "team.accepted": _team_for_requester,
    "team.declined": _declined_member,
    "team.invited": _team_for_requester,
    "team.slot_cancelled": _team_for_requester,
    "team.slot_reminder": _slot,
    "team.slot_empty": _slot,
    "pantry.alert": lambda world: (world.requester.pk, {"low": ["rice"], "expiring": 2}),
    "sms.phone_code": _phone_code,
}


# --- What left ------------------------------------------------------------------------------


def _choose(members: list[Any], kind: str, timing: str, language: str) -> None:
    """Every channel of the kind at `timing`, for every recipient, reading in `language`."""
    from mutualaid.channels.models import Preference

    for member in members:
        if not isinstance(member, Member):
            continue  # an applicant who was not let in has no choices
        Member.objects.filter(pk=member.pk).update(languages=[language])
        for channel in ("email", "sms", "push"):
            Preference.objects.update_or_create(
                member=member, kind=kind, channel=channel, defaults={"timing": timing}
            )


def _outgoing(mailoutbox, pushed: mock.Mock) -> list[tuple[str, str]]:
    """(where, text) of everything sent so far: emails without their envelope, push payloads,
    SMS segments."""
    texts = []
    for message in mailoutbox:
        headers = {k: v for k, v in message.extra_headers.items() if k.lower() != "to"}
        texts.append(("email subject", message.subject))
        texts.append(("email body", message.body))
        texts.append(("email headers", json.dumps(headers)))
    for call in pushed.call_args_list:
        texts.append(("push payload", call.kwargs["data"]))
    for segment in sms.outbox:
        texts.append(("sms", segment.body))
    return texts


@pytest.mark.parametrize("kind", notice_kinds_declared())
def test_no_notice_carries_contact_details_or_private_notes(
    kind, db, settings, mailoutbox, django_capture_on_commit_callbacks
):
    builder = BUILDERS.get(kind)
    if builder is None:
        pytest.fail(f"notice kind {kind!r} has no builder in {__name__}.BUILDERS: add one")
    settings.MUTUALAID_VAPID_PRIVATE_KEY = "test-key"
    world = World()
    about_id, extra = builder(world)
    spec = notice_kind(kind)
    about = spec.load(about_id)
    assert about is not None, f"the builder of {kind} made something its loader does not find"
    recipients = [r for r in spec.to(about, extra) if r is not None]
    assert recipients, f"the builder of {kind} made something no one hears of"
    mailoutbox.clear()
    sms.outbox.clear()
    texts: list[tuple[str, str]] = []
    with mock.patch("pywebpush.webpush") as pushed:
        for language in ("en", "es"):
            # at once, on every channel
            _choose(recipients, kind, "instant", language)
            with django_capture_on_commit_callbacks(execute=True):
                sent = notice_send(kind, about_id, **extra)
            # in-app, as listed
            for notification in sent:
                rendered = notification_render(notification, language)
                assert rendered is not None
                texts += [("in-app", rendered.subject), ("in-app", rendered.body)]
                texts += [("link", rendered.link)]
            # in a daily digest
            _choose(recipients, kind, "daily", language)
            notice_send(kind, about_id, **extra)
            digests_send(now=timezone.now() + timedelta(days=3))
            Notification.objects.all().delete()
        texts += _outgoing(mailoutbox, pushed)
    channels_seen = {where.split()[0] for where, _text in texts}
    if not any(isinstance(r, Member) for r in recipients):
        expected = {"email"}  # not a member: the email alone
    elif spec.in_app:
        expected = {"in-app", "email", "push", "sms"}
    else:
        expected = {"sms"}
    assert expected <= channels_seen, f"{kind}: nothing went by {expected - channels_seen}"
    leaks = [
        (where, secret, text)
        for where, text in texts
        for secret in SECRETS
        if secret.lower() in text.lower()
    ]
    assert leaks == [], f"{kind} leaks: {leaks}"


def test_every_builder_is_for_a_declared_kind():
    assert set(BUILDERS) <= set(notice_kinds_declared())


# --- Only senders.py sends -------------------------------------------------------------------

SENDING_NAMES = {"send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives", "webpush"}
PACKAGE = Path(mutualaid.__file__).parent
SENDERS = PACKAGE / "channels" / "senders.py"


def _sending_names_used(tree: ast.AST) -> set[str]:
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            used |= {alias.name for alias in node.names if alias.name in SENDING_NAMES}
        elif isinstance(node, ast.Name) and node.id in SENDING_NAMES:
            used.add(node.id)
        elif isinstance(node, ast.Attribute) and node.attr in SENDING_NAMES:
            used.add(node.attr)
    return used


def test_only_the_senders_send_email_or_push():
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == SENDERS or "migrations" in path.parts:
            continue
        used = _sending_names_used(ast.parse(path.read_text(), filename=str(path)))
        if used:
            offenders[str(path.relative_to(PACKAGE))] = sorted(used)
    assert offenders == {}, f"only channels/senders.py may send email or push: {offenders}"


def test_the_scan_sees_a_sender():
    tree = ast.parse("from django.core.mail import send_mail\nsend_mail('s', 'b', 'f', ['t'])")
    assert _sending_names_used(tree) == {"send_mail"}
    assert _sending_names_used(ast.parse(SENDERS.read_text())) >= {"EmailMessage", "webpush"}
