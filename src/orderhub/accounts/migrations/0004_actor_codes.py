"""Who acted becomes a kind code with parameters (issue 15, ``core/actors.py``).

Audit rows written before keep their German ``actor`` text (what the API returns) and get
``actor_kind`` / ``actor_params`` from the patterns the code of the time wrote; a text matching
none keeps no kind and is shown as stored. The patterns live here, not in the application: they
only describe rows written before this migration (``ordering/0008_actor_codes`` uses them too).
"""

import re

from django.db import migrations, models

EXACT: dict[str, tuple[str, dict]] = {
    "System": ("system", {}),
    "test": ("system", {}),
    "Zustellung": ("delivery", {}),
    "Demo-Einrichtung": ("demo", {}),
    "Branchensoftware": ("software_unnamed", {}),
}


def _software(m):
    token = m["token"]
    params = {"token": token}
    if " …" in token:
        params["name"], params["hint"] = token.rsplit(" …", 1)
    return "software", params


def _via(m):
    inner = legacy_actor(m["via"])
    if inner is None or m["via"].count(" über "):
        return None
    kind, params = inner
    return "via", {
        "employee": m["employee"],
        "via": {"kind": kind, "params": params, "text": m["via"]},
    }


PATTERNS = [
    (re.compile(r"^Benutzer (?P<login>\S+)$"), lambda m: ("user", {"login": m["login"]})),
    (re.compile(r"^Branchensoftware \(API-Token (?P<token>.+)\)$"), _software),
    (
        re.compile(r"^Lieferantenportal (?P<person>.+)$"),
        lambda m: ("supplier_portal", {"person": m["person"]}),
    ),
    (
        re.compile(r"^Lieferant (?P<partner>.+) \((?P<person>[^()]+)\)$"),
        lambda m: ("supplier", {"partner": m["partner"], "person": m["person"]}),
    ),
    (
        re.compile(r"^Partner (?P<partner>.+) \((?P<channel>SFTP|Dateiablage)\)$"),
        lambda m: (
            "partner_channel",
            {"partner": m["partner"], "channel": {"SFTP": "sftp", "Dateiablage": "drop"}[m["channel"]]},
        ),
    ),
    (re.compile(r"^Partner (?P<partner>.+)$"), lambda m: ("partner", {"partner": m["partner"]})),
    (
        re.compile(r"^Registrierung durch (?P<login>\S+)$"),
        lambda m: ("registration", {"login": m["login"]}),
    ),
    (re.compile(r"^(?P<employee>.+?) über (?P<via>.+)$"), _via),
    (
        re.compile(r"^(?P<name>.+) \((?P<login>[^()\s]+)\)$"),
        lambda m: ("person", {"name": m["name"], "login": m["login"]}),
    ),
]


def legacy_actor(text: str):
    """``(kind, params)`` for an actor text of the German era, or None when no pattern knows it."""
    if text in EXACT:
        kind, params = EXACT[text]
        return kind, dict(params)
    for pattern, convert in PATTERNS:
        if m := pattern.match(text):
            return convert(m)
    return None


def convert(model, prefix="actor"):
    """Give every row of ``model`` without a kind the kind its ``prefix`` text has (one UPDATE
    per distinct text: there are few people and few tokens)."""
    texts = (
        model.objects.filter(**{f"{prefix}_kind": ""})
        .exclude(**{prefix: ""})
        .values_list(prefix, flat=True)
        .distinct()
    )
    for text in list(texts):
        known = legacy_actor(text)
        if known is not None:
            model.objects.filter(**{prefix: text, f"{prefix}_kind": ""}).update(
                **{f"{prefix}_kind": known[0], f"{prefix}_params": known[1]}
            )


def forwards(apps, schema_editor):
    convert(apps.get_model("accounts", "AuditEvent"))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_personal_accounts"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="actor_kind",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="actor_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
