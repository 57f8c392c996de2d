"""What each text-message command does, and the words that answer it.

Every command goes through the same services as the pages and the API, with the same
permission checks; a refusal (`DomainError`) is answered with its message. Need numbers are
the ones the pages show. Replies are built in the active language (the caller chooses it).
"""

import json
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, DomainError, NotFound, PermissionDenied
from mutualaid.core.zones import zone_of
from mutualaid.needs import services as needs
from mutualaid.needs.models import LIVE_STATES, OPEN_MATCH_STATES, Match, Need
from mutualaid.needs.selectors import (
    access_need,
    is_requester,
    matches_of_member,
    matches_on_need,
    may_answer_still_needed,
    needs_browse,
    needs_of_member,
)
from mutualaid.networks.models import Category, Member, Neighbourhood
from mutualaid.networks.permissions import require
from mutualaid.networks.selectors import categories_active, neighbourhoods_of
from mutualaid.relay import selectors as relay_selectors
from mutualaid.relay import services as relay
from mutualaid.sms.commands import CATEGORY_WORDS, Command, best_match, category_in, fold, parse
from mutualaid.sms.commands import when_words as when_in
from mutualaid.sms.models import SmsConversation, SmsPhone
from mutualaid.sms.selectors import conversation_of
from mutualaid.sms.services.phones import sms_phone_opt_in, sms_phone_opt_out

CONVERSATION_LIFETIME = timedelta(minutes=30)
OFFER_LIST_SIZE = 5
STATUS_LIST_SIZE = 5
# Commands an opted-out number may still use (carrier rules: after STOP, only START and HELP
# are answered).
WHILE_OPTED_OUT = frozenset({"start", "stop"})


def commands_text() -> str:
    return _(
        "Text NEED and what you need (NEED groceries tomorrow), OFFER to see needs near you, "
        "HELP 123 to help with need 123, YES 123 or NO 123 to answer, DONE 123, CANCEL 123, "
        "STATUS, or STOP to get no more texts."
    )


def reply_language(member: Member, body: str) -> str:
    """Spanish for a Spanish command word, English for an English one, else the member's."""
    spoken = parse(body).language
    if spoken:
        return spoken
    for code in member.languages or []:
        if code in {"en", "es"}:
            return str(code)
    return "en"


def sms_reply(*, phone: SmsPhone, body: str) -> str:
    """The answer to one text from a verified member ("" for none). A question waiting by text
    is answered first; then the command runs; a text that is no command goes to the relay."""
    member = phone.member
    command = parse(body)
    if phone.opted_out_at is not None:
        if command.name == "yes" and not command.numbers:
            command = Command(name="start")  # carriers treat YES as START after a STOP
        elif command.name not in WHILE_OPTED_OUT and not (
            command.name == "help" and not command.numbers
        ):
            return ""
    try:
        with transaction.atomic():
            return _answer(member, command, body)
    except NotFound:
        if command.number is not None:
            return _("There is no need #%(id)s that you can see.") % {"id": command.number}
        return str(NotFound.default_message)
    except DomainError as error:
        return error.message


def _answer(member: Member, command: Command, body: str) -> str:
    conversation = conversation_of(member)
    if conversation is not None:
        if conversation.expires_at <= timezone.now() or _ends_conversation(conversation, command):
            conversation.delete()
        else:
            return _need_continue(member, _answered(member, conversation, body))
    handler = HANDLERS.get(command.name)
    if handler is None or _for_the_relay(member, command):
        return relay_reply(member=member, text=body) or _not_understood()
    return handler(member, command)


def _for_the_relay(member: Member, command: Command) -> bool:
    """While a member has a conversation open, a command word followed by more than numbers
    is read as a message to the other side: "stop by later" must not opt them out of texts,
    nor "yes see you at 5" answer an ask. NEED keeps its words (a need is posted with them),
    and a bare command word, or one with a number, is always a command."""
    if command.plain or command.name == "need":
        return False
    return relay_selectors.open_threads_of(member).exists()


def _not_understood() -> str:
    return _("Sorry, we did not understand that.") + " " + commands_text()


def relay_reply(*, member: Member, text: str) -> str | None:
    """A text that is no command may be a message for the person the member is matched with:
    the relay passes it on and returns the answer ("" when the member has no conversation it
    could be for)."""
    return relay.relay_post_sms(member=member, text=text)


# --- Help, stop, start ----------------------------------------------------------------------


def _help(member: Member, command: Command) -> str:
    if command.number is None:
        return commands_text()
    need = access_need(member, command.number)
    needs.match_propose(actor=member, need=need)
    return _(
        "Thank you! Your offer to help with need #%(id)s was sent. We will text you when they "
        "answer."
    ) % {"id": need.pk}


def _stop(member: Member, command: Command) -> str:
    sms_phone_opt_out(actor=member)
    return _("You will get no more texts from mutualaid. Text START to get them again.")


def _start(member: Member, command: Command) -> str:
    sms_phone_opt_in(actor=member)
    return _("Texts are on again. Text HELP for the commands.")


# --- Yes and no -----------------------------------------------------------------------------


def _not_yours(need_id: int) -> PermissionDenied:
    return PermissionDenied(
        _("Need #%(id)s is not yours, and nobody asked you to help with it.") % {"id": need_id}
    )


def _yes(member: Member, command: Command) -> str:
    return _yes_or_no(member, command, yes=True)


def _no(member: Member, command: Command) -> str:
    return _yes_or_no(member, command, yes=False)


def _yes_or_no(member: Member, command: Command, *, yes: bool) -> str:
    if command.number is None:
        return _still_needed(member, yes=yes)
    need = access_need(member, command.number)
    suggestion = matches_on_need(member=member, need=need).filter(
        helper=member, state=Match.State.SUGGESTED
    )
    asked = suggestion.first()
    if asked is not None:
        return _answer_suggestion(member, asked, yes=yes)
    if not is_requester(member, need):
        raise _not_yours(need.pk)
    offers = list(
        matches_on_need(member=member, need=need)
        .filter(state=Match.State.PROPOSED)
        .order_by("offered_at", "pk")
    )
    if not offers:
        if may_answer_still_needed(member, need):
            return _answer_still_needed(member, need, yes=yes)
        raise Conflict(_("Nobody is waiting for an answer about need #%(id)s.") % {"id": need.pk})
    return _answer_offer(member, need, offers, command, yes=yes)


def _answer_suggestion(member: Member, match: Match, *, yes: bool) -> str:
    ids = {"id": match.need_id}
    if yes:
        needs.match_agree(actor=member, match=match)
        return (
            _(
                "Thank you! We told them you can help with need #%(id)s. We will text you when "
                "they answer."
            )
            % ids
        )
    needs.match_pass(actor=member, match=match)
    return _("Thanks for letting us know. We will not suggest need #%(id)s to you again.") % ids


def _answer_offer(
    member: Member, need: Need, offers: list[Match], command: Command, *, yes: bool
) -> str:
    pick = command.numbers[1] if len(command.numbers) > 1 else None
    if pick is None and len(offers) > 1:
        word = _("YES") if yes else _("NO")
        names = ", ".join(f"{n} {_helper_name(m)}" for n, m in enumerate(offers, 1))
        return _(
            "%(count)s people offered to help with need #%(id)s: %(names)s. Reply %(word)s "
            "%(id)s and their number, e.g. %(word)s %(id)s 1."
        ) % {"count": len(offers), "id": need.pk, "names": names, "word": word}
    if pick is not None and not 1 <= pick <= len(offers):
        raise Conflict(_("Choose a number from 1 to %(count)s.") % {"count": len(offers)})
    match = offers[(pick or 1) - 1]
    ids = {"id": need.pk, "name": _helper_name(match)}
    if yes:
        needs.match_accept(actor=member, match=match)
        return (
            _(
                "You accepted %(name)s's offer for need #%(id)s. They can now see the address and "
                "contact you gave."
            )
            % ids
        )
    needs.match_decline(actor=member, match=match)
    return _("You said no to %(name)s's offer for need #%(id)s. Your need stays open.") % ids


def _helper_name(match: Match) -> str:
    return match.helper.display_name if match.helper is not None else _("a former member")


def _still_needed(member: Member, *, yes: bool) -> str:
    asked = [n for n in needs_of_member(member=member) if may_answer_still_needed(member, n)]
    if not asked:
        return _("Nothing is waiting for a yes or no from you. Text STATUS to see your needs.")
    if len(asked) > 1:
        numbers = ", ".join(f"#{n.pk}" for n in asked)
        return _("Which need? Reply YES or NO and its number: %(numbers)s.") % {"numbers": numbers}
    return _answer_still_needed(member, asked[0], yes=yes)


def _answer_still_needed(member: Member, need: Need, *, yes: bool) -> str:
    needs.need_answer_still_needed(actor=member, need=need, still_needed=yes)
    if yes:
        return _("Good: need #%(id)s stays open for another week.") % {"id": need.pk}
    return _("Need #%(id)s is closed. We hope it worked out.") % {"id": need.pk}


# --- Done, cancel, status --------------------------------------------------------------------


def _number_needed(word: str) -> Conflict:
    return Conflict(_("Add the need's number, e.g. %(word)s 123.") % {"word": word})


def _done(member: Member, command: Command) -> str:
    if command.number is None:
        raise _number_needed(_("DONE"))
    need = access_need(member, command.number)
    match = matches_of_member(member=member).filter(need=need, state__in=OPEN_MATCH_STATES).first()
    if match is None:
        if not is_requester(member, need):
            raise _not_yours(need.pk)
        raise Conflict(_("Nobody is helping with need #%(id)s yet.") % {"id": need.pk})
    if match.state == Match.State.ACCEPTED:
        match = needs.match_start(actor=member, match=match)
    match = needs.match_confirm_done(actor=member, match=match)
    if match.state == Match.State.DONE:
        return _("Need #%(id)s is done. Thank you!") % {"id": need.pk}
    return _("Thanks! Need #%(id)s is done once the other person confirms too.") % {"id": need.pk}


def _cancel(member: Member, command: Command) -> str:
    if command.number is None:
        raise _number_needed(_("CANCEL"))
    need = access_need(member, command.number)
    if is_requester(member, need):
        needs.need_close(actor=member, need=need)
        return _("Need #%(id)s is closed.") % {"id": need.pk}
    match = (
        matches_of_member(member=member)
        .filter(need=need, helper=member, state__in=LIVE_STATES)
        .first()
    )
    if match is None:
        raise _not_yours(need.pk)
    if match.state == Match.State.SUGGESTED:
        needs.match_pass(actor=member, match=match)
    else:
        needs.match_cancel(actor=member, match=match)
    return _("You are no longer helping with need #%(id)s. We told them.") % {"id": need.pk}


def _status(member: Member, command: Command) -> str:
    lines = []
    open_statuses = (Need.Status.OPEN, Need.Status.MATCHED)
    for need in needs_of_member(member=member).filter(status__in=open_statuses)[:STATUS_LIST_SIZE]:
        waiting = matches_on_need(member=member, need=need).filter(state=Match.State.PROPOSED)
        line = f"#{need.pk} {need.category.label}: {Need.Status(need.status).label}"
        if count := waiting.count():
            line += " · " + _("%(count)s offer(s) waiting, reply YES %(id)s") % {
                "count": count,
                "id": need.pk,
            }
        lines.append(line)
    helping = matches_of_member(member=member, live_only=True).filter(helper=member)
    for match in helping[:STATUS_LIST_SIZE]:
        state = Match.State(match.state).label
        lines.append(_("You help with #%(id)s: %(state)s") % {"id": match.need_id, "state": state})
    if not lines:
        return _("You have no open needs and no help under way. Text NEED or OFFER to start.")
    return "\n".join(lines)


# --- Offer: needs near me ---------------------------------------------------------------------


def _offer(member: Member, command: Command) -> str:
    open_needs = needs_browse(member=member, nearby=True).exclude(requester=member)
    slug = category_in(command.text, category_words(member)) if command.text else None
    if slug:
        open_needs = open_needs.filter(category__slug=slug)
    shown = list(open_needs[:OFFER_LIST_SIZE])
    if not shown:
        return _("No open needs near you right now. Please try again later.")
    lines = [_("Open needs near you:")]
    for need in shown:
        urgent = f" ({Need.Urgency(need.urgency).label})" if need.urgency == "today" else ""
        lines.append(f"#{need.pk} {need.category.label}{urgent}: {_short(need.description)}")
    lines.append(
        _("Text HELP and the number to offer help, e.g. HELP %(id)s.") % {"id": shown[0].pk}
    )
    return "\n".join(lines)


def _short(text: str, length: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= length else text[: length - 1].rstrip() + "…"


# --- Need: posting one, with questions for what is missing -----------------------------------


def category_words(member: Member) -> dict[str, str]:
    """Folded words that name each of the network's active categories -> its slug: the slug,
    its label in English and Spanish, and everyday words for it."""
    options: dict[str, str] = {}
    for category in categories_active(network=member.network):
        words = [category.slug, category.name, *category.slug.split("-")]
        words += CATEGORY_WORDS.get(category.slug, ())
        for language in ("en", "es"):
            with translation.override(language):
                label = category.label
            words += [label, *label.split()]
        for word in words:
            folded = fold(word)
            if len(folded) >= 3:
                options.setdefault(folded, category.slug)
    return options


def _need(member: Member, command: Command) -> str:
    require(member, "need.post", member.network)
    draft = {"what": command.text.strip(), "category": "", "cell": member.cell or ""}
    return _need_continue(member, _recognised(member, draft))


def _recognised(member: Member, draft: dict[str, str]) -> dict[str, str]:
    if draft["what"] and not draft["category"]:
        draft["category"] = category_in(draft["what"], category_words(member)) or ""
    return draft


def _need_continue(member: Member, draft: dict[str, str]) -> str:
    """Ask for what is still missing, or post the need."""
    if not draft["what"]:
        _ask(member, SmsConversation.Step.NEED_WHAT, draft)
        return _("What do you need? Reply in a few words, e.g. groceries tomorrow.")
    if not draft["category"]:
        _ask(member, SmsConversation.Step.NEED_CATEGORY, draft)
        return _("What kind of help is it? Reply with a number: %(options)s") % {
            "options": _numbered(c.label for c in _categories(member))
        }
    if not draft["cell"]:
        areas = _areas(member)
        if areas:
            _ask(member, SmsConversation.Step.NEED_AREA, draft)
            return _("Which area is it in? Reply with a number: %(options)s") % {
                "options": _numbered(a.name for a in areas)
            }
        draft["cell"] = member.network.center_cell
    return _need_post(member, draft)


def _need_post(member: Member, draft: dict[str, str]) -> str:
    SmsConversation.objects.filter(member=member).delete()
    category = _categories(member).get(slug=draft["category"])
    start, end, urgency = _window(member, when_in(draft["what"]))
    need = needs.need_create(
        actor=member,
        category=category,
        description=draft["what"],
        urgency=urgency,
        window_start=start,
        window_end=end,
        cell=draft["cell"],
        languages=member.languages or [],
    )
    return _(
        "Posted as need #%(id)s (%(category)s). We will text you when someone offers to help. "
        "Text CANCEL %(id)s to take it down."
    ) % {"id": need.pk, "category": category.label}


def _window(member: Member, when: str) -> tuple[datetime, datetime, str]:
    """From now for three days; "today" until the end of the day (urgent); "tomorrow" the
    whole of tomorrow, in the network's time zone."""
    now = timezone.now()
    local = now.astimezone(zone_of(member.network))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if when == "today":
        return now, max(midnight + timedelta(days=1), now + timedelta(hours=2)), "today"
    if when == "tomorrow":
        return midnight + timedelta(days=1), midnight + timedelta(days=2), "week"
    return now, now + timedelta(days=3), "week"


def _categories(member: Member) -> QuerySet[Category]:
    return categories_active(network=member.network).order_by("position", "name")


def _areas(member: Member) -> list[Neighbourhood]:
    return list(neighbourhoods_of(network=member.network).order_by("name"))


def _numbered(labels: Iterable[str]) -> str:
    return ", ".join(f"{n} {label}" for n, label in enumerate(labels, 1))


def _ask(member: Member, step: str, draft: dict[str, str]) -> None:
    SmsConversation.objects.update_or_create(
        member=member,
        defaults={
            "step": step,
            "data": json.dumps(draft),
            "expires_at": timezone.now() + CONVERSATION_LIFETIME,
        },
    )


def _ends_conversation(conversation: SmsConversation, command: Command) -> bool:
    """A command ends a waiting question, except words that can be part of an answer."""
    if not command.name:
        return False
    if conversation.step == SmsConversation.Step.NEED_WHAT:
        return command.name not in {"help", "need"} or bool(command.numbers)
    return True


def _answered(member: Member, conversation: SmsConversation, body: str) -> dict[str, str]:
    draft: dict[str, str] = json.loads(conversation.data or "{}")
    text = body.strip()
    if conversation.step == SmsConversation.Step.NEED_WHAT:
        command = parse(text)
        draft["what"] = command.text if command.name == "need" else text
        return _recognised(member, draft)
    if conversation.step == SmsConversation.Step.NEED_CATEGORY:
        slugs = [c.slug for c in _categories(member)]
        draft["category"] = _pick(text, slugs) or category_in(text, category_words(member)) or ""
        return draft
    areas = _areas(member)
    names = {fold(a.name): a.cell for a in areas}
    draft["cell"] = _pick(text, [a.cell for a in areas]) or best_match(text, names) or ""
    return draft


def _pick(text: str, values: list[str]) -> str | None:
    """The value a reply's number points at (1-based), if it is one."""
    number = text.strip().rstrip(".").lstrip("#")
    if number.isdigit() and 1 <= int(number) <= len(values):
        return values[int(number) - 1]
    return None


HANDLERS: dict[str, Callable[[Member, Command], str]] = {
    "need": _need,
    "offer": _offer,
    "help": _help,
    "yes": _yes,
    "no": _no,
    "done": _done,
    "cancel": _cancel,
    "status": _status,
    "stop": _stop,
    "start": _start,
}
