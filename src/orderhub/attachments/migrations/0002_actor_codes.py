"""Who uploaded an attachment and who attached it become a kind code with parameters (issue 15,
``core/actors.py``).

``created_by`` and ``added_by`` keep their German text and get ``*_kind`` / ``*_params`` from
the patterns of ``accounts/0004_actor_codes``; a text matching none keeps no kind and is shown
as stored.
"""

import importlib

from django.db import migrations, models

legacy = importlib.import_module("orderhub.accounts.migrations.0004_actor_codes")

FIELDS = [
    ("attachment", "created_by"),
    ("orderattachment", "added_by"),
]


def forwards(apps, schema_editor):
    for model, prefix in FIELDS:
        legacy.convert(apps.get_model("attachments", model), prefix)


def _fields():
    for model, prefix in FIELDS:
        yield migrations.AddField(
            model_name=model,
            name=f"{prefix}_kind",
            field=models.CharField(blank=True, max_length=30),
        )
        yield migrations.AddField(
            model_name=model,
            name=f"{prefix}_params",
            field=models.JSONField(blank=True, default=dict),
        )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_actor_codes"),
        ("attachments", "0001_initial"),
    ]

    operations = [*_fields(), migrations.RunPython(forwards, migrations.RunPython.noop)]
