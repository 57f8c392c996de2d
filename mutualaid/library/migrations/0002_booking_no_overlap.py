"""Two live bookings of one thing never overlap, enforced by the database.

PostgreSQL: an exclusion constraint over (thing, [starts_at, ends_at)) for every booking that
is not cancelled, with btree_gist for the equality on thing. SQLite: triggers that refuse an
insert or update making two such ranges overlap. Ranges are half-open, so a booking may start
the moment the previous one ends. Both raise an IntegrityError naming
"library_booking_no_overlap", which the booking service turns into a clear message.

The constraint is not in the model's Meta (SQLite cannot hold it), so these operations leave
the migration state alone and only touch the database of their own engine.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary, RangeOperators
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models
from django.db.models import Q

NAME = "library_booking_no_overlap"


class TsTzRange(models.Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


NO_OVERLAP = ExclusionConstraint(
    name=NAME,
    expressions=[
        ("thing", RangeOperators.EQUAL),
        (TsTzRange("starts_at", "ends_at", RangeBoundary()), RangeOperators.OVERLAPS),
    ],
    condition=~Q(state="cancelled"),
)


class BtreeGistOnPostgres(BtreeGistExtension):
    """BtreeGistExtension, whose reverse also skips other databases (Django's does not)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class AddConstraintOnPostgres(migrations.AddConstraint):
    """AddConstraint for PostgreSQL only, outside the migration state."""

    def state_forwards(self, app_label, state):
        pass

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = to_state.apps.get_model(app_label, self.model_name)
            schema_editor.add_constraint(model, self.constraint)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            model = from_state.apps.get_model(app_label, self.model_name)
            schema_editor.remove_constraint(model, self.constraint)

    def describe(self):
        return f"Create constraint {self.constraint.name} on PostgreSQL"


OVERLAP = """
    NEW.state <> 'cancelled' AND EXISTS (
        SELECT 1 FROM library_booking AS other
        WHERE other.thing_id = NEW.thing_id
          AND other.state <> 'cancelled'
          AND other.id IS NOT NEW.id
          AND other.starts_at < NEW.ends_at
          AND NEW.starts_at < other.ends_at
    )
"""
SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER {NAME}_insert BEFORE INSERT ON library_booking
    WHEN {OVERLAP}
    BEGIN SELECT RAISE(ABORT, '{NAME}'); END""",
    f"""CREATE TRIGGER {NAME}_update
    BEFORE UPDATE OF thing_id, starts_at, ends_at, state ON library_booking
    WHEN {OVERLAP}
    BEGIN SELECT RAISE(ABORT, '{NAME}'); END""",
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {NAME}_insert", f"DROP TRIGGER IF EXISTS {NAME}_update"]


def sqlite_forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_TRIGGERS:
            schema_editor.execute(sql)


def sqlite_backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("library", "0001_things_trainings_bookings")]

    operations = [
        BtreeGistOnPostgres(),
        AddConstraintOnPostgres(model_name="booking", constraint=NO_OVERLAP),
        migrations.RunPython(sqlite_forwards, sqlite_backwards),
    ]
