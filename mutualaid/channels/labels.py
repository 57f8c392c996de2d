"""Readable names for kinds of notification, for the settings page and the API.

A kind's subject is written for one event ("Maria offered to help") and may hold
placeholders; a member choosing how to be told needs a name for the whole kind ("Someone
offers to help with your need"). Kinds are grouped by the first part of their name.
tests/channels/test_labels.py fails when a kind is declared without a label here."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# Groups, in the order the settings page lists them: first part of a kind's name -> title.
GROUPS: dict[str, Promise] = {
    "match": _("Needs and offers"),
    "need": _("Needs and offers"),
    "application": _("Your membership"),
    "member": _("Your membership"),
    "proposal": _("Proposals and decisions"),
    "role": _("Proposals and decisions"),
    "agreement": _("Proposals and decisions"),
    "concern": _("Concerns"),
    "fund": _("The fund"),
    "pantry": _("The pantry"),
    "booking": _("The lending library"),
    "circle": _("Peer-support circles"),
    "listening": _("Listening"),
    "team": _("Care teams"),
    "relay": _("Messages"),
}

KINDS: dict[str, Promise] = {
    "match.suggested": _("A neighbour may need your help"),
    "match.offered": _("Someone offers to help with your need"),
    "match.accepted": _("Your offer of help is accepted"),
    "match.released": _("Your helper has to step back"),
    "match.cancelled": _("A match is cancelled"),
    "match.done": _("A match is marked done"),
    "relay.message": _("A message from the other side of a match"),
    "need.still_needed": _("Asking whether you still need help"),
    "application.approved": _("Your application is approved"),
    "application.declined": _("Your application is declined"),
    "member.inactivity_warning": _("Asking whether you are still with the network"),
    "proposal.opened": _("A new proposal"),
    "proposal.closing": _("A proposal closes soon"),
    "proposal.outcome.passed": _("A proposal passed"),
    "proposal.outcome.rejected": _("A proposal did not pass"),
    "proposal.outcome.undecided": _("A proposal was not decided"),
    "proposal.outcome.apply_failed": _("A decision could not be carried out"),
    "role.term_ending": _("Your term in a role ends soon"),
    "agreement.review_due": _("An agreement is due for review"),
    "concern.raised": _("A concern is raised about you"),
    "concern.vote_opened": _("A vote on a concern opens"),
    "concern.vote_opened_about_you": _("A vote on a concern about you opens"),
    "concern.decided": _("A concern about you is decided"),
    "fund.request_approved": _("Your request to the fund is approved"),
    "fund.request_queued": _("Your request waits for budget"),
    "fund.payout_sent": _("Money from the fund is on its way"),
    "fund.payout_failed": _("A payout failed"),
    "fund.payout_disputed": _("A payout is disputed"),
    "pantry.alert": _("Low stock and food expiring soon"),
    "booking.booked": _("Someone books a thing you keep"),
    "booking.cancelled_to_borrower": _("Your booking is cancelled"),
    "booking.cancelled_to_keeper": _("A booking of a thing you keep is cancelled"),
    "booking.due_soon": _("Something you borrowed is due back soon"),
    "booking.overdue": _("Something you borrowed is overdue"),
    "booking.overdue_someone_waits": _("Something you borrowed is overdue and someone waits"),
    "circle.flagged": _("A post in your circle is flagged"),
    "circle.join_requested": _("Someone asks to join your circle"),
    "circle.someone_invited": _("Someone is invited to your circle"),
    "circle.facilitator_rotated": _("You become a facilitator"),
    "circle.invited": _("You are invited to a circle"),
    "circle.welcomed": _("You are welcomed into a circle"),
    "listening.requested": _("Someone asks for a listening conversation"),
    "listening.taken": _("A listener takes your request"),
    "listening.message": _("A new message in your conversation"),
    "listening.closed": _("A listening conversation is closed"),
    "team.proposed": _("A care team is set up around you"),
    "team.accepted": _("A care team becomes active"),
    "team.declined": _("A care team you set up is declined"),
    "team.invited": _("You are invited to a care team"),
    "team.slot_cancelled": _("A slot you signed up for is cancelled"),
    "team.slot_reminder": _("A reminder before your slot"),
    "team.slot_empty": _("A slot still needs someone"),
}

OTHER = _("Other")


def kind_label(name: str) -> str:
    """The kind's readable name; its name itself if it has none yet (never an error)."""
    label = KINDS.get(name)
    return str(label) if label is not None else name


def group_key(name: str) -> str:
    return name.split(".", 1)[0]


def group_label(key: str) -> str:
    label = GROUPS.get(key)
    return str(label) if label is not None else str(OTHER)


def group_order(key: str) -> int:
    """Where a group comes on the page: as listed above, unknown ones last."""
    keys = list(GROUPS)
    return keys.index(key) if key in keys else len(keys)


def kind_order(name: str) -> tuple[int, str]:
    keys = list(KINDS)
    return (keys.index(name) if name in keys else len(keys), name)
