"""Data only: history entries of votes on anonymous proposals, written before such votes were
recorded without their voter, lose the voter (the published tally could pair a voter with a
choice). Forgetting cannot be undone, so going back leaves the entries as they are."""

from django.db import migrations


def forget_voters(apps, schema_editor):
    entry_model = apps.get_model("core", "HistoryEntry")
    proposal_model = apps.get_model("governance", "Proposal")
    anonymous = list(proposal_model.objects.filter(anonymous=True).values_list("pk", flat=True))
    votes = entry_model.objects.filter(
        action="proposal.vote", target_type="proposal", target_id__in=anonymous
    )
    for entry in votes.exclude(actor=None):
        data = {**(entry.data or {}), "anonymous": True}
        for key in ("choice", "ranking", "scores"):
            data.pop(key, None)
        entry_model.objects.filter(pk=entry.pk).update(actor=None, data=data)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_encrypt_idempotency_responses"),
        ("governance", "0007_role_term_reminder"),
    ]

    operations = [migrations.RunPython(forget_voters, migrations.RunPython.noop)]
