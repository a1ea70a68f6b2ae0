from decimal import Decimal

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.AlterField(
            model_name="article",
            name="price",
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=18, null=True),
        ),
        migrations.AddField(
            model_name="article",
            name="price_amount",
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=18, null=True),
        ),
        migrations.AddField(
            model_name="article",
            name="price_quantity",
            field=models.DecimalField(decimal_places=4, default=Decimal("1"), max_digits=12),
        ),
        migrations.AddField(
            model_name="article",
            name="price_type",
            field=models.CharField(blank=True, max_length=20),
        ),
    ]
