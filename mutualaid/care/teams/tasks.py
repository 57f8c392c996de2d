"""Schedules for care teams: day-before reminders, empty slots flagged to the team, teams
closing on their date, and closed teams deleted after their retention. Each calls services;
the notices are in notices.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.care.teams.services import (
    slots_flag_empty_sweep,
    slots_remind_sweep,
    teams_close_due_sweep,
    teams_delete_closed_sweep,
)


@db_periodic_task(crontab(minute="15"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def remind_volunteers() -> int:
    return slots_remind_sweep()


@db_periodic_task(crontab(minute="45"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def flag_empty_slots() -> int:
    return slots_flag_empty_sweep()


@db_periodic_task(crontab(hour="3", minute="20"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def close_due_teams() -> int:
    return teams_close_due_sweep() + teams_delete_closed_sweep()
