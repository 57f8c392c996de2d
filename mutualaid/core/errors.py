"""Domain errors. Each carries a message a member can read and a stable code for the API.

Views and the API turn them into 4xx responses; nothing below them ever lets an
`IntegrityError` or `KeyError` reach a person.
"""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "invalid"
    default_message = _("That could not be done.")

    def __init__(self, message: object = None) -> None:
        self.message = str(message if message is not None else self.default_message)
        super().__init__(self.message)


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
    default_message = _("Some of what you entered is not valid.")

    def __init__(self, message: object = None, *, fields: dict[str, list[str]] | None = None):
        super().__init__(message)
        self.fields = fields or {}


class NotFound(DomainError):
    """Raised both for missing objects and for objects the member may not see, so that
    existence never leaks."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = _("You are not allowed to do that.")


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = _("Someone else changed this first. Please reload and try again.")


class IllegalTransition(Conflict):
    code = "illegal_transition"
    default_message = _("That step is not possible from the current state.")
