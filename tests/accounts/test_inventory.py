"""The privacy inventory: docs/privacy.md lists every field held about a person, and the
"download my data" export holds exactly the documented ones.

A member with every kind of data is built through the services; the export is flattened into
paths like `memberships[].needs[].address` and compared with the documented table, and every
field of the models that hold personal data must be documented as exported or as deliberately
left out. Adding a field without a row in docs/privacy.md fails here.
"""

import re
import uuid
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.utils import timezone

from mutualaid.accounts.selectors import account_data_export
from mutualaid.care import services as care
from mutualaid.care.listening import services as listening
from mutualaid.care.listening.models import (
    ListenerSettings,
    ListenMessage,
    ListenNote,
    ListenRequest,
)
from mutualaid.care.models import CircleMembership, Flag, Post, PostSearchTerm, Reaction
from mutualaid.care.teams import services as care_teams
from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from mutualaid.channels.models import (
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    QuietHours,
)
from mutualaid.channels.services import preferences_set, quiet_hours_set
from mutualaid.core.models import HistoryEntry, IdempotencyRecord
from mutualaid.fund.models import Approval, FundRequest, Payout, Receipt
from mutualaid.governance import services as governance
from mutualaid.governance.models import ConcernVote, ProposalComment, RoleHolding, Trust, Vote
from mutualaid.governance.services import concern_start, concerns, proposals
from mutualaid.library import services as library
from mutualaid.library.models import Booking, Thing, Training
from mutualaid.membership import services as membership
from mutualaid.needs import services as needs
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks import services as networks
from mutualaid.networks.models import ApiToken, Application, ApplicationVote, Member, Skill
from mutualaid.pantry import services as pantry
from mutualaid.pantry.models import Distribution, DistributionLine, Household
from mutualaid.relay.models import RelayMessage, RelayThread
from mutualaid.relay.services import relay_post
from mutualaid.sms.models import SmsConversation, SmsInbound, SmsPhone
from mutualaid.sms.selectors import number_hashes
from tests.api.conftest import ApiClient
from tests.care.listening.conftest import make_listener
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import CENTER_CELL, NEARBY_CELL, MemberFactory, NeedFactory, UserFactory
from tests.fund.conftest import fund_everything

PRIVACY_MD = Path(__file__).resolve().parents[2] / "docs" / "privacy.md"
SECRET_ACCESS = "Uses a wheelchair; ring twice"
SECRET_MEMBER_PHONE = "+1 510 555 0142"

# Models whose every field must appear in the inventory, exported or not.
INVENTORIED = [
    User,
    EmailAddress,
    Authenticator,
    Member,
    Application,
    ApplicationVote,
    ApiToken,
    Need,
    Offer,
    Match,
    HistoryEntry,
    IdempotencyRecord,
    Trust,
    RoleHolding,
    Vote,
    ProposalComment,
    ConcernVote,
    Thing,
    Booking,
    Training,
    FundRequest,
    Approval,
    Payout,
    Receipt,
    CircleMembership,
    Post,
    Flag,
    Reaction,
    PostSearchTerm,
    ListenRequest,
    ListenMessage,
    ListenNote,
    ListenerSettings,
    CareTeam,
    TeamMembership,
    Slot,
    Household,
    Distribution,
    DistributionLine,
    Notification,
    Delivery,
    Preference,
    QuietHours,
    PushSubscription,
    SmsPhone,
    SmsInbound,
    SmsConversation,
    RelayThread,
    RelayMessage,
]


# --- Reading docs/privacy.md ----------------------------------------------------------------


@dataclass(frozen=True)
class Inventory:
    exported: dict[str, list[str]]  # export path -> the model fields it comes from
    held_not_exported: dict[str, str]  # model field -> why it is left out
    rows: list[dict[str, str]]


def _tables(text: str) -> list[list[dict[str, str]]]:
    """Every markdown table in the text, as rows keyed by the header cells."""
    tables, header, rows = [], None, []
    for line in [*text.splitlines(), ""]:
        if not line.startswith("|"):
            if header:
                tables.append(rows)
            header, rows = None, []
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
        elif not set("".join(cells)) <= set("-: "):
            rows.append(dict(zip(header, cells, strict=True)))
    return tables


def _code(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def read_inventory() -> Inventory:
    exported: dict[str, list[str]] = {}
    held: dict[str, str] = {}
    all_rows = []
    for rows in _tables(PRIVACY_MD.read_text()):
        for row in rows:
            if "Export path" in row:
                [path] = _code(row["Export path"])
                assert path not in exported, f"{path} is documented twice"
                exported[path] = _code(row["Stored in"])
                all_rows.append(row)
            elif "Why it is not in the export" in row:
                [field] = _code(row["Stored in"])
                assert field not in held, f"{field} is documented twice"
                held[field] = row["Why it is not in the export"]
                all_rows.append(row)
    return Inventory(exported=exported, held_not_exported=held, rows=all_rows)


def model_fields(model) -> set[str]:
    """`app_label.Model.field` for every column and many-to-many field of the model."""
    label = model._meta.label
    return {
        f"{label}.{field.name}"
        for field in model._meta.get_fields()
        if field.concrete or (field.many_to_many and not field.auto_created)
    }


# --- Flattening the export ------------------------------------------------------------------


def export_paths(value, documented: set[str], prefix: str = "") -> set[str]:
    """Paths to every value in the export. A documented path whose value is an object (the
    history entries' `data`) is one leaf: it is documented as a whole."""
    if prefix in documented or not isinstance(value, dict | list):
        return {prefix}
    if isinstance(value, list):
        return set().union(*(export_paths(v, documented, prefix + "[]") for v in value))
    return set().union(
        *(export_paths(v, documented, f"{prefix}.{k}" if prefix else k) for k, v in value.items())
    )


# --- A member with every kind of data -------------------------------------------------------


def member_with_everything() -> Member:
    """Built through the services: profile, needs, offers, matches on both sides, an
    application, a vote, a token, two-step sign-in, history, and a keyed API write."""
    user = UserFactory(email="everything@example.org")
    member = MemberFactory(user=user, display_name="Evelyn")
    network = member.network
    network.approvals_needed = 2
    network.save()
    neighbour = MemberFactory(network=network, display_name="Nadia")
    Skill.objects.create(network=network, slug="driving", name="Driving")

    networks.member_update_profile(
        actor=member,
        member=member,
        display_name="Evelyn",
        languages=["en", "es"],
        skill_ids=[Skill.objects.get(network=network).pk],
        free_tags=["sewing"],
        accessibility_needs=SECRET_ACCESS,
        cell=NEARBY_CELL,
        availability=["sat-morning"],
        weekly_task_cap=3,
        travel_radius_km=5,
        contact_preference=Member.ContactPreference.PHONE,
        phone=SECRET_MEMBER_PHONE,
    )
    # A need of theirs, with an address, that a neighbour is helping with.
    category = network.categories.first() or NeedFactory(requester=neighbour).category
    now = timezone.now()
    need = needs.need_create(
        actor=member,
        category=category,
        description="Ride to the clinic",
        urgency="today",
        window_start=now,
        window_end=now + timedelta(days=1),
        cell=NEARBY_CELL,
        languages=["es"],
        address=SECRET_ADDRESS,
        phone=SECRET_PHONE,
    )
    help_for_them = needs.match_propose(actor=neighbour, need=need, message="I can drive")
    needs.match_accept(actor=member, match=help_for_them)
    # A conversation with the helper: a message each way, one of them reported.
    thread = RelayThread.objects.get(match=help_for_them)
    relay_post(member=member, thread=thread, text="Blue door, ring twice")
    answer = relay_post(member=neighbour, thread=thread, text="On my way", via="sms")
    RelayMessage.objects.filter(pk=answer.pk).update(reported=True)
    # An offer of theirs, through which they help the neighbour.
    offer = needs.offer_create(
        actor=member,
        kind="time",
        title="Shopping on Saturdays",
        category=category,
        description="Bring a list",
        availability=["sat-morning"],
    )
    neighbours_need = NeedFactory(requester=neighbour, category=category)
    needs.match_propose(actor=member, need=neighbours_need, offer=offer, message="Saturday?")
    # An application elsewhere, and an answer on someone's application here.
    elsewhere = MemberFactory().network
    elsewhere.application_questions = ["Why join?"]
    elsewhere.save()
    networks.application_submit(
        user=user, network=elsewhere, display_name="Evelyn", answers=["To help"]
    )
    newcomer = networks.application_submit(
        user=UserFactory(), network=network, display_name="Newcomer", answers=[]
    )
    membership.application_vote(actor=member, application=newcomer, decision="approve")
    # A token, used once; two-step sign-in, used once; a sign-in.
    _token, secret = networks.api_token_create(actor=member, name="My script")
    assert networks.api_token_authenticate(secret) == member
    TOTP.activate(user, generate_totp_secret()).instance.record_usage()
    Client().force_login(user)
    # A need posted through the API with an Idempotency-Key, as a phone app would.
    response = ApiClient(secret).post(
        "/needs",
        {
            "category": category.slug,
            "description": "Groceries",
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(days=2)).isoformat(),
            "cell": CENTER_CELL,
            "address": SECRET_ADDRESS,
            "phone": SECRET_PHONE,
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.content
    assert IdempotencyRecord.objects.filter(member=member).exists()
    # Trust both ways (so the member holds roles), a ballot and a comment on a proposal, and a
    # vote on a concern about someone else.
    governance.trust_give(actor=member, receiver=neighbour)
    governance.trust_give(actor=neighbour, receiver=member)
    assert RoleHolding.objects.filter(member=member).exists()
    proposal = proposals.proposal_open(
        actor=neighbour,
        title="A second freezer",
        body="",
        method="consent",
        deadline=now + timedelta(days=3),
    )
    proposals.proposal_vote(actor=member, proposal=proposal, choice="consent", reason="Yes")
    proposals.proposal_comment(actor=member, proposal=proposal, body="Where would it go?")
    other = MemberFactory(network=network, display_name="Otto")
    concern = concern_start.concern_raise(actor=neighbour, about=other, text="Late again.")
    concern = concerns.concern_open_vote(actor=other, concern=concern)
    concerns.concern_vote(actor=member, concern=concern, choice="talk")
    # The lending library: a thing they lend and trained the neighbour on, and a loan of the
    # neighbour's chainsaw, which the neighbour trained them to use.
    library.thing_create(
        actor=member, name="Drill", kind="drill", cell=NEARBY_CELL, pickup_notes="Blue shed"
    )
    drill = Thing.objects.get(keeper=member)
    library.training_give(actor=member, trainee=neighbour, thing=drill)
    chainsaw = library.thing_create(
        actor=neighbour, name="Chainsaw", kind="chainsaw", cell=NEARBY_CELL, needs_training=True
    )
    library.training_give(actor=neighbour, trainee=member, kind="chainsaw")
    loan = library.booking_create(
        actor=member,
        thing=chainsaw,
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(hours=2),
    )
    library.booking_check_out(actor=neighbour, booking=loan, condition_notes="Sharp")
    library.loans_remind_sweep()
    # The fund: a reimbursement with a receipt, paid and confirmed, and an approval given.
    fund_everything(member, neighbour)
    # The pantry: a household linked to them, given rice against their need.
    pantry_keeper = MemberFactory(
        network=network, display_name="Pia", role=Member.Role.FOUNDING_ORGANISER
    )
    rice = pantry.item_create(actor=pantry_keeper, name="Rice", unit="kg", category="grains")
    pantry.intake_record(
        actor=pantry_keeper,
        lines=[pantry.IntakeLine(item=rice, quantity=3, unit="kg")],
        source="donation",
    )
    household = pantry.household_create(actor=pantry_keeper, code="Blue 14", member=member)
    pantry.distribution_create(
        actor=pantry_keeper, household=household, lines=[(rice, 2)], need=need
    )
    # A circle: the neighbour facilitates, the member posts, replies, reacts and flags.
    circle = care.circle_create(actor=neighbour, name="Grief circle", agreement="Kindness.")
    joining = care.membership_request(actor=member, circle=circle)
    care.membership_accept(actor=neighbour, membership=joining)
    care.agreement_accept(actor=member, circle=circle, version=1)
    mine = care.post_create(actor=member, circle=circle, body="A hard week", content_note="loss")
    care.reply_create(actor=member, post=mine, body="Thank you all")
    theirs = care.post_create(actor=neighbour, circle=circle, body="Welcome")
    care.reaction_toggle(actor=member, post=theirs, kind="heart")
    care.post_flag(actor=member, post=theirs, reason="Not sure about this")
    # Listening: the member asks, the neighbour (a listener) takes it, they talk, a consented
    # note; the member is a listener too, with settings and a conversation taken.
    make_listener(neighbour)
    make_listener(member)
    asked = listening.listen_request_create(
        actor=member, language="en", preferred_time="evenings", about="My sister"
    )
    listening.listen_request_take(actor=neighbour, request=asked)
    asked.refresh_from_db()
    listening.listen_message_create(actor=member, request=asked, body="Hard week")
    listening.listen_message_create(actor=neighbour, request=asked, body="I hear you")
    listening.listen_consent_set(actor=member, request=asked, consent=True)
    listening.listen_note_create(actor=neighbour, request=asked, body="Check in")
    listening.listener_settings_update(actor=member, weekly_cap=2, languages=["en"], available=True)
    theirs_asked = listening.listen_request_create(
        actor=neighbour, language="en", preferred_time="mornings"
    )
    listening.listen_request_take(actor=member, request=theirs_asked)
    # A care team around the member, with details shared and a slot they took themselves.
    team = care_teams.team_create(actor=member, name="After surgery", recipient=member)
    care_teams.team_share_set(
        actor=member,
        team=team,
        dietary_needs="No nuts",
        address=SECRET_ADDRESS,
        door_code="1234",
        notes="Ring twice",
        share_address=True,
    )
    slot = care_teams.slot_create(
        actor=member,
        team=team,
        kind="meal",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=1),
        details="Soup",
    )
    care_teams.slot_sign_up(actor=member, slot=slot)
    # What they were told (an offer of help, above), and how they chose to be told.
    assert Notification.objects.filter(recipient=member).exists()
    Delivery.objects.filter(notification__recipient=member).update(error="bounced")
    preferences_set(member=member, choices={"match.offered:sms": "daily"})
    quiet_hours_set(member=member, starts=time(22), ends=time(7))
    PushSubscription.objects.create(
        user=member.user, endpoint="https://push.example/abc", p256dh="k", auth="a"
    )
    # A verified number for texts, a text they sent, and a question waiting by text.
    SmsPhone.objects.create(
        member=member,
        network=member.network,
        number="+15105550177",
        number_hash=number_hashes("+15105550177")[0],
        verified_at=timezone.now(),
    )
    SmsInbound.objects.create(
        network=member.network, member=member, message_sid="SM1", body="STATUS", reply="None open."
    )
    SmsConversation.objects.create(
        member=member,
        step=SmsConversation.Step.NEED_AREA,
        data='{"what": "groceries"}',
        expires_at=timezone.now() + timedelta(hours=1),
    )
    return Member.objects.get(pk=member.pk)


def rows_containing(needle: str) -> list[tuple[str, str]]:
    """(table, value) for every value in every table of the database that contains `needle`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    text = (
                        bytes(value).decode(errors="replace")
                        if isinstance(value, bytes | memoryview)
                        else str(value)
                    )
                    if needle.lower() in text.lower():
                        found.append((table, text[:200]))
    return found


# --- The tests ------------------------------------------------------------------------------


@pytest.fixture
def inventory():
    return read_inventory()


@pytest.fixture
def everything(db):
    return member_with_everything()


def test_the_export_holds_only_documented_fields(everything, inventory):
    exported = export_paths(account_data_export(user=everything.user), set(inventory.exported))
    undocumented = exported - set(inventory.exported)
    assert not undocumented, f"exported but not in docs/privacy.md: {sorted(undocumented)}"


def test_every_documented_field_is_in_the_export(everything, inventory):
    exported = export_paths(account_data_export(user=everything.user), set(inventory.exported))
    missing = set(inventory.exported) - exported
    assert not missing, f"in docs/privacy.md but not in the export: {sorted(missing)}"


def test_every_field_of_a_personal_model_is_exported_or_left_out_for_a_stated_reason(inventory):
    documented = {field for fields in inventory.exported.values() for field in fields}
    documented |= set(inventory.held_not_exported)
    held = set().union(*(model_fields(model) for model in INVENTORIED))
    missing = held - documented
    assert not missing, f"fields in neither table of docs/privacy.md: {sorted(missing)}"
    stale = documented - held
    assert not stale, f"docs/privacy.md names fields that do not exist: {sorted(stale)}"
    unexplained = [field for field, why in inventory.held_not_exported.items() if len(why) < 15]
    assert not unexplained, f"left out without a reason: {unexplained}"


def test_every_row_says_class_who_sees_deletion_and_encryption(inventory):
    classes = {"account", "security", "profile", "private", "activity", "membership", "record"}
    for row in inventory.rows:
        assert row["Class"] in classes, row
        assert row["What it is"], row
        assert row["Who sees it"], row
        assert row["Deleted"], row
        assert row["Encrypted at rest"], row
    private = [row for row in inventory.rows if row["Class"] == "private"]
    assert private
    assert all(row["Encrypted at rest"] == "yes" for row in private)


def test_the_export_gives_the_person_their_own_private_details(everything):
    data = account_data_export(user=everything.user)
    [membership] = data["memberships"]
    assert membership["phone"] == SECRET_MEMBER_PHONE
    assert membership["accessibility_needs"] == SECRET_ACCESS
    assert {n["address"] for n in membership["needs"]} == {SECRET_ADDRESS}
    assert {m["my_side"] for m in membership["matches"]} == {"helper", "requester"}
    assert membership["sms_phone"]["number"] == "+15105550177"
    assert [t["body"] for t in membership["sms_inbound"]] == ["STATUS"]


def test_the_export_holds_no_secrets(everything):
    text = str(account_data_export(user=everything.user))
    assert everything.user.password not in text
    for token in ApiToken.objects.filter(member=everything):
        assert token.secret_hash not in text
    for authenticator in Authenticator.objects.filter(user=everything.user):
        for value in authenticator.data.values():
            if isinstance(value, str) and len(value) > 8:
                assert value not in text


@pytest.mark.parametrize(
    ("table", "column", "model", "secret"),
    [
        ("needs_need", "address", Need, SECRET_ADDRESS),
        ("needs_need", "phone", Need, SECRET_PHONE),
        ("networks_member", "phone", Member, SECRET_MEMBER_PHONE),
        ("networks_member", "accessibility_needs", Member, SECRET_ACCESS),
        ("sms_smsphone", "number", SmsPhone, "+15105550177"),
    ],
)
def test_private_columns_are_encrypted_in_the_database(everything, table, column, model, secret):
    # given rows that hold the secret, read back through the ORM
    pks = [obj.pk for obj in model.objects.all() if getattr(obj, column) == secret]
    assert pks

    # when the raw column is read, then it holds ciphertext, not the secret
    with connection.cursor() as cursor:
        for pk in pks:
            cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])  # noqa: S608
            [raw] = cursor.fetchone()
            assert raw
            assert secret not in raw
            assert raw.startswith("gAAAAA")  # a Fernet token


@pytest.mark.parametrize(
    "secret", [SECRET_ADDRESS, SECRET_PHONE, SECRET_MEMBER_PHONE, SECRET_ACCESS]
)
def test_no_table_holds_a_private_detail_in_the_clear(everything, secret):
    assert rows_containing(secret) == []
