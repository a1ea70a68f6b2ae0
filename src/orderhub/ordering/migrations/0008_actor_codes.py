"""Who acted becomes a kind code with parameters (issue 15, ``core/actors.py``).

Order events, order changes (who asked, who answered) and goods receipts keep their German text
(what the API returns) and get ``*_kind`` / ``*_params`` from the patterns of
``accounts/0004_actor_codes``; a text matching none keeps no kind and is shown as stored.
"""

import importlib

from django.db import migrations, models

legacy = importlib.import_module("orderhub.accounts.migrations.0004_actor_codes")

FIELDS = [
    ("orderevent", "actor"),
    ("orderchange", "requested_by"),
    ("orderchange", "answered_by"),
    ("goodsreceipt", "received_by"),
]


def forwards(apps, schema_editor):
    for model, prefix in FIELDS:
        legacy.convert(apps.get_model("ordering", model), prefix)


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
        ("ordering", "0007_event_reason_codes"),
    ]

    operations = [*_fields(), migrations.RunPython(forwards, migrations.RunPython.noop)]
