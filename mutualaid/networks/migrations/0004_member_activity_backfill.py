"""Data: nobody's activity was recorded before 0003, so every existing member starts as
active now, with a full period before anyone asks whether they are still here (counting
from `joined_at` would warn long-standing, active members on the first sweep). Reversing
leaves the column for 0003 to drop."""

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    member_model = apps.get_model("networks", "Member")
    member_model.objects.filter(last_active_at__isnull=True).update(last_active_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("networks", "0003_member_activity")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
