"""What every page does with a service's answer, written once.

A page runs one service. When the service refuses with a `DomainError`, a form page shows the
error on the form it came from (its message on top, its fields beside the inputs) with the
error's status, and a button page shows the message and goes back where it was. The API turns
the same errors into JSON in one place (`mutualaid.api`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.functional import Promise

from mutualaid.core.errors import DomainError, NotFound

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a service gave back (`value`), or the status of the error it raised."""

    value: T | None = None
    status: int = 200

    @property
    def ok(self) -> bool:
        return self.status < 400


def form_error(form: forms.Form, err: DomainError) -> int:
    """Put a service's error on the form: its message on top, its fields beside the inputs.
    Returns the status to answer with."""
    form.add_error(None, err.message)
    for name, field_messages in getattr(err, "fields", {}).items():
        if name in form.fields:
            for message in field_messages or [err.message]:
                form.add_error(name, message)
    return err.status


def form_action(form: forms.Form, action: Callable[[], T]) -> Outcome[T]:
    """Run a service for a valid form; a refusal lands on the form."""
    try:
        return Outcome(value=action())
    except DomainError as err:
        return Outcome(status=form_error(form, err))


def page_action(
    request: HttpRequest,
    action: Callable[[], object],
    *,
    then: str,
    done: str | Promise | None = None,
    failed: str | None = None,
) -> HttpResponse:
    """Run a service for a button: say `done` when it worked and go to `then` (usually the
    page the button was on); when it refused, say why and go to `failed` (default `then`).
    Something that is gone or never was (`NotFound`) stays a 404 page."""
    try:
        action()
    except NotFound:
        raise
    except DomainError as err:
        messages.error(request, err.message)
        return redirect(failed or then)
    if done:
        messages.success(request, str(done))
    return redirect(then)
