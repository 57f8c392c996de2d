"""Browsing the history log. Members see their own network's entries, and of each entry only
what is safe to show every member: the action, who did it, what it was about (type and id),
and a few plain facts. Never a message, an address, a phone or a description."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final, Protocol

from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutualaid.core.models import HistoryEntry


class Reader(Protocol):
    """The member reading the log, as this module sees one (core imports no app)."""

    @property
    def network_id(self) -> int: ...


# Each kind a member can filter by, and the action prefixes it covers.
HISTORY_KINDS: Final[dict[str, tuple[str, ...]]] = {
    "need": ("need.",),
    "offer": ("offer.",),
    "match": ("match.",),
    "application": ("application.",),
    "member": ("member.",),
    "trust": ("trust.",),
    "role": ("role.", "roles."),
    "founder": ("founder.",),
    "proposal": ("proposal.",),
    "agreement": ("agreement.",),
    "conflict": ("conflict.", "concern."),
    "network": ("network.", "category."),
}
HISTORY_KIND_LABELS: Final[dict[str, Promise]] = {
    "need": _("Needs"),
    "offer": _("Offers"),
    "match": _("Matches"),
    "application": _("Applications"),
    "member": _("Members"),
    "trust": _("Trust"),
    "role": _("Roles"),
    "founder": _("Founding organiser"),
    "proposal": _("Proposals"),
    "agreement": _("Agreements"),
    "conflict": _("Conflict resolution"),
    "network": _("Network settings"),
}
# Account housekeeping that is nobody else's business.
PRIVATE_ACTIONS: Final = frozenset(
    {
        "member.update_profile",
        "member.delete_account",
        "member.inactivity_warned",
        "member.still_here",
    }
)
# The only facts in `data` a member may see.
# `role` is a role's slug (e.g. "coordinator"): public, and what makes role entries readable.
# `round` is a concern's vote round number.
SAFE_DATA_KEYS: Final = ("reason", "decision", "status", "side", "category", "role", "round")
DATA_LABELS: Final[dict[str, Promise]] = {
    "reason": _("reason"),
    "decision": _("decision"),
    "status": _("status"),
    "side": _("side"),
    "category": _("category"),
    "role": _("role"),
    "round": _("round"),
}

ACTION_LABELS: Final[dict[str, Promise]] = {
    "need.create": _("posted a need"),
    "need.close": _("closed a need"),
    "need.expire": _("a need expired"),
    "need.still_needed": _("said a need is still needed"),
    "offer.create": _("posted an offer"),
    "offer.set_status": _("changed an offer"),
    "match.propose": _("offered to help"),
    "match.accept": _("accepted an offer of help"),
    "match.decline": _("declined an offer of help"),
    "match.start": _("started helping"),
    "match.done": _("marked help as done"),
    "match.confirm_done": _("confirmed help was done"),
    "match.release": _("stepped back from helping"),
    "match.cancel": _("cancelled a match"),
    "application.submit": _("applied to join"),
    "application.vote": _("answered an application"),
    "application.approved": _("an application was approved"),
    "member.join": _("joined the network"),
    "member.inactive": _("a member was shown as inactive after a long silence"),
    "member.back": _("came back to the network"),
    "member.remove": _("a member was removed from the network by its decision"),
    "member.leave": _("a member left the network"),
    "concern.raise": _("raised a concern about a member's conduct"),
    "concern.answer": _("answered the concern about them"),
    "concern.round_open": _("a vote on a concern opened"),
    "concern.vote": _("voted on a concern"),
    "concern.round_close": _("a round of voting on a concern closed"),
    "concern.decide": _("a concern was decided"),
    "role.renewed": _("a member's role was renewed for another term"),
    "role.term_ending": _("a member's term in a role ends soon"),
    "trust.give": _("gave their trust"),
    "trust.revoke": _("took back their trust"),
    "role.gained": _("a member gained a role"),
    "role.lost": _("a member lost a role"),
    "roles.setup": _("the network's roles were set up"),
    "role.create": _("created a role"),
    "role.threshold_changed": _("changed how much trust a role needs"),
    "proposal.open": _("opened a proposal"),
    "proposal.vote": _("voted on a proposal"),
    "proposal.comment": _("joined the discussion of a proposal"),
    "proposal.withdraw": _("withdrew a proposal"),
    "proposal.close": _("a proposal was decided"),
    "proposal.closing_soon": _("a proposal is closing soon"),
    "agreement.adopt": _("adopted an agreement"),
    "agreement.review_reminded": _("an agreement is due for review"),
    "network.disaster_mode": _("switched disaster mode"),
    "founder.powers_ended": _("the founding organiser's powers ended"),
    "network.create": _("created the network"),
    "network.update_settings": _("changed the network's settings"),
    "network.rotate_invite": _("made a new invitation link"),
    "category.create": _("added a category"),
}
TARGET_LABELS: Final[dict[str, Promise]] = {
    "need": _("need"),
    "offer": _("offer"),
    "match": _("match"),
    "member": _("member"),
    "application": _("application"),
    "network": _("network"),
    "category": _("category"),
    "proposal": _("proposal"),
    "agreement": _("agreement"),
    "role": _("role"),
    "concern": _("concern"),
}


def _visible() -> Q:
    """Entries a member may browse: known kinds, minus private housekeeping."""
    kinds = Q()
    for prefixes in HISTORY_KINDS.values():
        for prefix in prefixes:
            kinds |= Q(action__startswith=prefix)
    return kinds & ~Q(action__in=PRIVATE_ACTIONS)


def history_visible(
    *, member: Reader, kind: str = "", actor_id: int | None = None
) -> QuerySet[HistoryEntry]:
    """The member's network's history, newest first, optionally of one kind and one actor.
    An unknown kind gives nothing rather than everything."""
    entries = HistoryEntry.objects.filter(_visible(), network_id=member.network_id)
    if kind:
        by_kind = Q(pk__in=[])
        for prefix in HISTORY_KINDS.get(kind, ()):
            by_kind |= Q(action__startswith=prefix)
        entries = entries.filter(by_kind)
    if actor_id is not None:
        entries = entries.filter(actor_id=actor_id)
    # The actor's encrypted profile fields are never needed here, so never decrypted.
    return entries.select_related("actor").defer("actor__phone", "actor__accessibility_needs")


def history_safe_data(entry: HistoryEntry) -> dict[str, Any]:
    """The whitelisted facts of an entry; scalar values only."""
    data = entry.data if isinstance(entry.data, dict) else {}
    return {
        key: data[key]
        for key in SAFE_DATA_KEYS
        if key in data and isinstance(data[key], str | int | float | bool)
    }


def history_actor_name(entry: HistoryEntry) -> str:
    data = entry.data if isinstance(entry.data, dict) else {}
    if data.get("anonymous") is True:
        return gettext("A member")  # recorded on purpose without who (e.g. an anonymous vote)
    if entry.actor_id is None:
        return gettext("mutualaid (automatic)")
    return entry.actor.display_name if entry.actor else gettext("A former member")


@dataclass(frozen=True)
class HistoryLine:
    """One entry in plain words, holding nothing that is not safe to show."""

    id: int
    action: str
    action_label: str
    actor_name: str
    target_type: str
    target_label: str
    target_id: int | None
    data: dict[str, Any]
    created_at: datetime
    target_name: str = ""

    @property
    def details(self) -> list[tuple[str, Any]]:
        """The safe facts with translated labels, for pages."""
        return [(str(DATA_LABELS.get(key, key)), value) for key, value in self.data.items()]


def history_lines(entries: Iterable[HistoryEntry], *, member: Reader) -> list[HistoryLine]:
    """Entries in plain words. An entry about a member of the asker's network names them (names
    are visible to every member); other targets are shown by type and number only."""
    entries = list(entries)
    member_ids = {e.target_id for e in entries if e.target_type == "member" and e.target_id}
    names = dict(
        _member_model()
        ._default_manager.filter(pk__in=member_ids, network_id=member.network_id)
        .values_list("pk", "display_name")
    )
    return [
        replace(line, target_name=names.get(line.target_id or 0, ""))
        if line.target_type == "member"
        else line
        for line in map(history_render, entries)
    ]


def _member_model() -> type[Model]:
    """The members' model, reached through the log's own `actor` key (core imports no app)."""
    model = HistoryEntry._meta.get_field("actor").related_model
    if not isinstance(model, type):  # a lazy "app.Model" string only before apps are ready
        raise LookupError("the history log's actor model is not loaded")
    return model


def history_render(entry: HistoryEntry) -> HistoryLine:
    action_label = ACTION_LABELS.get(entry.action)
    target_label = TARGET_LABELS.get(entry.target_type)
    return HistoryLine(
        id=entry.pk,
        action=entry.action,
        action_label=str(action_label) if action_label else entry.action,
        actor_name=history_actor_name(entry),
        target_type=entry.target_type,
        target_label=str(target_label) if target_label else entry.target_type,
        target_id=entry.target_id,
        data=history_safe_data(entry),
        created_at=entry.created_at,
    )
