"""Data only: every existing network gets the default "listener" role (trained listeners, who
hold `care.listen`, given by decision), as new networks do. A frozen copy of the rule:
migrations never import app code. Going back removes the role only where nobody holds it."""

from decimal import Decimal

from django.db import migrations

LISTENER = {
    "slug": "listener",
    "name": "Listener",
    "permissions": ["care.listen"],
    "threshold_fraction": Decimal("0.1"),
    "threshold_cap": 2,
    "threshold_min": 1,
    "term_months": 12,
    "granted_by": "decision",
}


def add_listener_role(apps, schema_editor):
    network_model = apps.get_model("networks", "Network")
    role_model = apps.get_model("governance", "Role")
    have = set(role_model.objects.filter(slug="listener").values_list("network_id", flat=True))
    role_model.objects.bulk_create(
        [
            role_model(network_id=pk, **LISTENER)
            for pk in network_model.objects.values_list("pk", flat=True)
            if pk not in have
        ],
        ignore_conflicts=True,
    )


def remove_unheld_listener_roles(apps, schema_editor):
    role_model = apps.get_model("governance", "Role")
    role_model.objects.filter(slug="listener", holdings__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0009_role_granted_by"),
        ("networks", "0001_initial"),
    ]

    operations = [migrations.RunPython(add_listener_role, remove_unheld_listener_roles)]
