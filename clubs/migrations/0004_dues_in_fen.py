"""Club dues move from Decimal yuan to integer fen (issue 22); the values are kept."""

from decimal import Decimal

from django.db import migrations, models


def to_fen(apps, schema_editor):
    Club = apps.get_model("clubs", "Club")
    for club in Club.objects.exclude(dues_cny=0).only("pk", "dues_cny"):
        Club.objects.filter(pk=club.pk).update(dues_fen=int(Decimal(club.dues_cny) * 100))


def to_yuan(apps, schema_editor):
    Club = apps.get_model("clubs", "Club")
    for club in Club.objects.exclude(dues_fen=0).only("pk", "dues_fen"):
        Club.objects.filter(pk=club.pk).update(dues_cny=Decimal(club.dues_fen) / 100)


class Migration(migrations.Migration):
    dependencies = [("clubs", "0003_dues_amount")]

    operations = [
        migrations.AddField(model_name="club", name="dues_fen",
                            field=models.PositiveIntegerField(default=0, verbose_name="dues (fen)")),
        migrations.RunPython(to_fen, to_yuan),
        migrations.RemoveField(model_name="club", name="dues_cny"),
    ]
