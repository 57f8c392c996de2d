"""Data: every match made before suggestions existed was offered to the requester when it was
created, so its offered_at is its created_at. Reversing leaves the column for 0002 to drop."""

from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    Match = apps.get_model("needs", "Match")
    Match.objects.filter(offered_at__isnull=True).exclude(state="suggested").update(
        offered_at=F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [("needs", "0002_match_suggestions_and_blocks")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
