"""Schedules for care teams: day-before reminders, empty slots flagged to the team, teams
closing on their date, and closed teams deleted after their retention. Each calls services;
the notices are in notices.py."""

from huey import crontab

from mutualaid.care.teams.services import (
    slots_flag_empty_sweep,
    slots_remind_sweep,
    teams_close_due_sweep,
    teams_delete_closed_sweep,
)
from mutualaid.core.schedules import periodic


@periodic(crontab(minute="15"))
def remind_volunteers() -> int:
    return slots_remind_sweep()


@periodic(crontab(minute="45"))
def flag_empty_slots() -> int:
    return slots_flag_empty_sweep()


@periodic(crontab(hour="3", minute="20"))
def close_due_teams() -> int:
    return teams_close_due_sweep() + teams_delete_closed_sweep()
