"""Data: write on each membership what its current roles grant (networks 0005 added the
column), as `role_permissions_write` does from now on: permission -> the end of the term that
grants it (ISO 8601), or None for no end; the latest end wins. Reversing empties the column
for 0005 to drop."""

from django.db import migrations
from django.utils import timezone


def fill(apps, schema_editor):
    holding_model = apps.get_model("governance", "RoleHolding")
    member_model = apps.get_model("networks", "Member")
    now = timezone.now()
    granted = {}
    holdings = holding_model.objects.filter(lapsed_at__isnull=True).values_list(
        "member_id", "member__network_id", "role__network_id", "role__permissions", "expires_at"
    )
    for member_id, member_network, role_network, permissions, expires_at in holdings:
        if member_network != role_network or (expires_at is not None and expires_at <= now):
            continue
        mine = granted.setdefault(member_id, {})
        for permission in permissions or []:
            if permission in mine and (mine[permission] is None or expires_at is None):
                mine[permission] = None
            elif permission not in mine or expires_at > mine[permission]:
                mine[permission] = expires_at
    for member_id, mine in granted.items():
        member_model.objects.filter(pk=member_id).update(
            role_permissions={
                permission: None if until is None else until.isoformat()
                for permission, until in sorted(mine.items())
            }
        )


def empty(apps, schema_editor):
    apps.get_model("networks", "Member").objects.update(role_permissions={})


class Migration(migrations.Migration):
    dependencies = [
        ("governance", "0010_listener_role"),
        ("networks", "0005_member_role_permissions"),
    ]

    operations = [migrations.RunPython(fill, empty)]
