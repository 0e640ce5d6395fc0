"""Category fees and entry-code prices move from Decimal yuan to integer fen (issue 22); the values
are kept (120.50 -> 12050)."""

from decimal import Decimal

from django.db import migrations, models


def to_fen(apps, schema_editor):
    Category = apps.get_model("events", "Category")
    EntryCode = apps.get_model("events", "EntryCode")
    for category in Category.objects.exclude(fee_cny=0).only("pk", "fee_cny"):
        Category.objects.filter(pk=category.pk).update(fee_fen=int(Decimal(category.fee_cny) * 100))
    for code in EntryCode.objects.filter(price_cny__isnull=False).only("pk", "price_cny"):
        EntryCode.objects.filter(pk=code.pk).update(price_fen=int(Decimal(code.price_cny) * 100))


def to_yuan(apps, schema_editor):
    Category = apps.get_model("events", "Category")
    EntryCode = apps.get_model("events", "EntryCode")
    for category in Category.objects.exclude(fee_fen=0).only("pk", "fee_fen"):
        Category.objects.filter(pk=category.pk).update(fee_cny=Decimal(category.fee_fen) / 100)
    for code in EntryCode.objects.filter(price_fen__isnull=False).only("pk", "price_fen"):
        EntryCode.objects.filter(pk=code.pk).update(price_cny=Decimal(code.price_fen) / 100)


class Migration(migrations.Migration):
    dependencies = [("events", "0018_registration_checkin_key")]

    operations = [
        migrations.AddField(model_name="category", name="fee_fen",
                            field=models.PositiveIntegerField(default=0, verbose_name="fee (fen)")),
        migrations.AddField(model_name="entrycode", name="price_fen",
                            field=models.PositiveIntegerField(blank=True, null=True,
                                                              verbose_name="price (fen), empty: the category's")),
        migrations.RunPython(to_fen, to_yuan),
        migrations.RemoveField(model_name="category", name="fee_cny"),
        migrations.RemoveField(model_name="entrycode", name="price_cny"),
    ]
