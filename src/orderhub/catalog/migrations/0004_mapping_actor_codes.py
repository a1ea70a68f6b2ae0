"""Who saved an article mapping becomes a kind code with parameters (issue 15,
``core/actors.py``), converted with the patterns of ``accounts/0004_actor_codes``; a text
matching none keeps no kind and is shown as stored."""

import importlib

from django.db import migrations, models

legacy = importlib.import_module("orderhub.accounts.migrations.0004_actor_codes")


def forwards(apps, schema_editor):
    legacy.convert(apps.get_model("catalog", "ArticleMapping"), "created_by")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_actor_codes"),
        ("catalog", "0003_search"),
    ]

    operations = [
        migrations.AddField(
            model_name="articlemapping",
            name="created_by_kind",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="articlemapping",
            name="created_by_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
