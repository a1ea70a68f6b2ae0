"""Learned article mappings ("Artikelzuordnung", SPEC §3.14).

When a person resolves a cart line by picking an article, OrderHub remembers: for this company
and partner, a line with these practice-side identifiers and this description is that article.
The next order with the same line is identified by the mapping, without a cart — unless the
article has been discontinued or the mapping was deleted on the dashboard.

A line is recognised by its identifiers and description in comparable form (article numbers
normalised, GTIN/HMV as digits, description as folded words, attributes as key=value), so
"Hörer M, Länge 3, rechts" and "hoerer m laenge 3 rechts" are the same line. Mappings belong to
one company; sharing them across companies is not built (see docs/catalog-search.md).
"""

from __future__ import annotations

import hashlib

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orderhub.accounts import audit
from orderhub.catalog.models import Article, ArticleMapping
from orderhub.catalog.search import terms, text
from orderhub.core import actors
from orderhub.formats.identifiers import normalize_article_number


def _digits(value: str | None) -> str:
    return "".join(c for c in (value or "") if c.isdigit()).lstrip("0")


def line_key(
    partner_article_number="",
    gtin="",
    hmv_number="",
    manufacturer_article_number="",
    description="",
    attributes=None,
) -> tuple[str, str]:
    """(key, label) of a practice-side line; the label is what the dashboard shows."""
    attrs = terms.normalised_attributes(attributes)
    parts = [
        normalize_article_number(partner_article_number),
        _digits(gtin),
        _digits(hmv_number),
        normalize_article_number(manufacturer_article_number),
        " ".join(text.words(description)),
        ";".join(f"{k}={v}" for k, v in sorted(attrs.items())),
    ]
    key = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    shown = [description.strip()] if description and description.strip() else []
    shown += [
        v for v in (partner_article_number, gtin, hmv_number, manufacturer_article_number) if v
    ]
    shown += [f"{k}: {v}" for k, v in sorted((attributes or {}).items()) if v]
    return key, " · ".join(shown)[:400]


def key_of(line) -> tuple[str, str]:
    return line_key(
        line.partner_article_number,
        line.gtin,
        line.hmv_number,
        line.manufacturer_article_number,
        line.description,
        # Without OrderHub's reserved keys (the typed options, ordering.hearing): the same key as
        # the practice line had at intake.
        {k: v for k, v in (line.attributes or {}).items() if not str(k).startswith("_")},
    )


def remember(company, partner, line, article: Article, actor: str) -> ArticleMapping | None:
    """Remember a person's choice for this line (a later choice for the same line replaces it)."""
    key, label = key_of(line)
    if not label:
        return None
    with transaction.atomic():
        current = ArticleMapping.objects.filter(
            company=company, partner=partner, line_key=key, article=article
        ).first()
        if current is not None:
            return current
        # update_or_create settles two people resolving the same line at once (it retries the
        # read when the insert meets the unique constraint).
        who = actors.fields(actor, "created_by")
        mapping, _ = ArticleMapping.objects.update_or_create(
            company=company,
            partner=partner,
            line_key=key,
            defaults={"article": article, **who, "created_at": timezone.now()},
            create_defaults={"line_label": label, "article": article, **who},
        )
        audit.record(
            company,
            actor,
            "article_mapping.saved",
            object_type="article_mapping",
            object_id=mapping.pk,
            changes={
                "partner": partner.slug,
                "line": label,
                "article": article.partner_article_number,
            },
        )
    return mapping


def lookup(company, partner, lines) -> dict[int, Article]:
    """{index of the line: article} for the lines a mapping identifies (one query for all)."""
    keys = {i: key_of(line)[0] for i, line in enumerate(lines)}
    if not keys:
        return {}
    found = {
        m.line_key: m
        for m in ArticleMapping.objects.filter(
            company=company, partner=partner, line_key__in=set(keys.values())
        ).select_related("article")
    }
    out = {}
    for i, key in keys.items():
        m = found.get(key)
        if m is not None and m.article.partner_id == partner.pk and not m.article.is_discontinued:
            out[i] = m.article
    if out:
        ArticleMapping.objects.filter(
            company=company, partner=partner, line_key__in={keys[i] for i in out}
        ).update(used_count=F("used_count") + 1, last_used_at=timezone.now())
    return out


def forget(mapping: ArticleMapping, actor: str) -> None:
    audit.record(
        mapping.company,
        actor,
        "article_mapping.deleted",
        object_type="article_mapping",
        object_id=mapping.pk,
        changes={
            "partner": mapping.partner.slug,
            "line": mapping.line_label,
            "article": mapping.article.partner_article_number,
        },
    )
    mapping.delete()
