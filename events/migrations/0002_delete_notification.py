# The sent-notification keys moved to core.Notification (every app claims them there). The keys
# are copied first, so that a task retried after the upgrade still finds what was already sent.

from django.db import migrations


def copy_keys(apps, schema_editor):
    old = apps.get_model("events", "Notification")
    new = apps.get_model("core", "Notification")
    batch = []
    for row in old.objects.all().iterator(chunk_size=2000):
        batch.append(new(key=row.key, sent_at=row.sent_at))
        if len(batch) >= 2000:
            new.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    new.objects.bulk_create(batch, ignore_conflicts=True)


def copy_back(apps, schema_editor):
    old = apps.get_model("events", "Notification")
    new = apps.get_model("core", "Notification")
    old.objects.bulk_create([old(key=row.key, sent_at=row.sent_at) for row in new.objects.all()],
                            ignore_conflicts=True)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0001_initial"),
        ("events", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(copy_keys, copy_back),
        migrations.DeleteModel(name="Notification"),
    ]
