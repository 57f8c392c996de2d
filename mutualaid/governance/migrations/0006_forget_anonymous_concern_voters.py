"""Data only: history entries of votes on anonymous concerns, written before votes were
recorded without their voter, lose the voter (a round's published tally could pair a voter
with a choice). Hidden raisers' entries are marked the same way, so pages say "a member".
Forgetting cannot be undone, so going back leaves the entries as they are."""

from django.db import migrations


def forget_voters(apps, schema_editor):
    entry_model = apps.get_model("core", "HistoryEntry")
    concern_model = apps.get_model("governance", "Concern")
    anonymous = set(concern_model.objects.filter(anonymous=True).values_list("pk", flat=True))
    votes = entry_model.objects.filter(action="concern.vote", target_type="concern")
    for entry in votes.filter(target_id__in=anonymous):
        data = dict(entry.data or {})
        data.pop("decision", None)
        data["anonymous"] = True
        entry_model.objects.filter(pk=entry.pk).update(actor=None, data=data)
    hidden = concern_model.objects.filter(show_raiser=False, raised_by_proposal__isnull=True)
    raised = entry_model.objects.filter(
        action="concern.raise", target_type="concern", actor__isnull=True
    )
    for entry in raised.filter(target_id__in=list(hidden.values_list("pk", flat=True))):
        entry_model.objects.filter(pk=entry.pk).update(
            data={**(entry.data or {}), "anonymous": True}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_encrypt_idempotency_responses"),
        ("governance", "0005_concern_raised_by_proposal"),
    ]

    operations = [migrations.RunPython(forget_voters, migrations.RunPython.noop)]
