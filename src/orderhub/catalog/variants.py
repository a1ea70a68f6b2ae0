"""Options against the catalog (issue 17): a line's typed options select the article's variant,
and a combination the partner's catalog does not offer is a cart issue naming what it does offer.

What the catalog says about variants is in the articles' ``attributes`` (BMEcat ``FEATURE``,
CSV columns; ``formats.catalog.ATTRIBUTE_KEYS``):

* **Variants of one model** are the partner's active articles with the same ``model`` (and the
  same ``category``): style × side × colour × battery of a hearing aid. Receivers and domes
  without a model are grouped by ``category`` and ``receiver_family``.
* **Accessories of a device**: a RIC hearing aid carries the ``receiver_family`` it takes; the
  receivers (``receiver_power``, ``receiver_length``, ``side``) and domes (``dome_type``,
  ``dome_size``) of that family are what its ``receiver_*`` and ``dome_*`` options may name.

An option is compared with the catalog value in the vocabulary's terms (``formats.options``):
the catalog value and the option's value, name, manufacturer code and the partner's own term
(``option_terms``) are all normalised by the vocabulary, so ``HP`` in the catalog is the
option ``UP``, ``rechts`` is ``R``, a colour matches by name or by code. An article without an
attribute does not vary in it: the option is not checked against it.

:func:`apply` runs after the exact identification (``catalog.identification``):

* several articles carry the line's identifier (an HMV number names a model, not its colour) and
  the options leave exactly one: that variant is identified;
* the identified article contradicts the options and other variants of its model fit them: the
  line goes to the cart (``options_conflict``) with those variants to pick — never a silent
  swap of the article the practice sent;
* no variant fits: ``option_not_offered`` names, per option that fails, what the catalog offers
  given the other options (``Farbe „rot“ gibt es nicht; lieferbar: beige, silber``), with those
  variants to pick;
* the device fits but its receiver or dome options name nothing of its receiver family:
  ``option_not_offered`` with the option values to pick instead (``alternatives``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from orderhub.catalog.identification import MAX_CANDIDATES, Candidate, Identification
from orderhub.catalog.models import Article
from orderhub.formats import options as opts
from orderhub.partners.models import Partner

#: Option key → the catalog attribute that says which values an article offers.
OPTION_ATTRIBUTE = {
    "style": "style",
    "side": "side",
    "colour": "colour",
    "battery": "battery_size",
    "receiver_power": "receiver_power",
    "receiver_length": "receiver_length",
    "dome_type": "dome_type",
    "dome_size": "dome_size",
}
DEVICE_KEYS = ("style", "side", "colour", "battery")
RECEIVER_KEYS = ("receiver_power", "receiver_length", "side")
DOME_KEYS = ("dome_type", "dome_size")
#: Accessory kinds: (attribute an accessory article carries, option keys, German, English).
ACCESSORIES = (
    ("receiver_power", RECEIVER_KEYS, "Hörer", "receivers"),
    ("dome_size", DOME_KEYS, "Schirmchen", "domes"),
)
NOT_OFFERED = "option_not_offered"
CONFLICT = "options_conflict"


@lru_cache(maxsize=4096)
def _norm(key: str, text: str) -> str:
    """``text`` in the vocabulary's terms, folded (catalog values and option texts alike)."""
    values, _ = opts.normalise({key: text})
    value = values.get(key)
    plain = (value.value or value.name) if value is not None else text
    return " ".join(plain.casefold().split())


def terms_of(partner: Partner) -> opts.Terms | None:
    """The partner's own option names and values (channel configuration ``option_terms``)."""
    terms = (partner.channel_config or {}).get("option_terms")
    return terms if terms and not opts.check_terms(terms) else None


def offers(
    attributes: Mapping, key: str, option: opts.OptionValue, terms: opts.Terms | None = None
) -> bool | None:
    """Whether an article with these attributes offers ``option``; None when it does not say."""
    raw = (attributes or {}).get(OPTION_ATTRIBUTE[key])
    if not raw:
        return None
    have = _norm(key, str(raw))
    if key == "side" and have == "b":  # one article for both ears
        return option.value in ("R", "L")
    wanted = {option.value, option.name, option.code}
    for feature in opts.features({key: option}, terms):
        wanted |= {feature.value, feature.details}
    return have in {_norm(key, w) for w in wanted if w}


def _fits(article: Article, key: str, options, terms) -> bool:
    return offers(article.attributes, key, options[key], terms) is not False


def option_of(key: str, raw: str) -> opts.OptionValue:
    """A catalog value as an option (``HP`` → ``UP``; a colour by its name)."""
    values, _ = opts.normalise({key: raw})
    if key in values:
        return values[key]
    return opts.OptionValue(name=raw) if key == "colour" else opts.OptionValue(value=raw)


@dataclass
class Fit:
    """How a set of articles meets a line's options."""

    keys: list[str]
    matching: list[Article]
    #: Per option that no article offers together with the others: the values they offer.
    misses: dict[str, list[opts.OptionValue]] = field(default_factory=dict)
    #: The articles that offer all the other options (the variants to pick instead).
    near: list[Article] = field(default_factory=list)


def fit(
    members: Sequence[Article], options, keys: Iterable[str], terms: opts.Terms | None = None
) -> Fit:
    keys = [
        k
        for k in keys
        if k in options and any(OPTION_ATTRIBUTE[k] in (m.attributes or {}) for m in members)
    ]
    matching = [m for m in members if all(_fits(m, k, options, terms) for k in keys)]
    result = Fit(keys, matching)
    if matching:
        return result
    for key in keys:
        others = [m for m in members if all(_fits(m, j, options, terms) for j in keys if j != key)]
        if others:
            result.misses[key] = _values(others, key)
            result.near += [m for m in others if m not in result.near]
    if not result.misses:  # several options wrong at once: what the articles offer at all
        result.misses = {key: _values(members, key) for key in keys}
        result.near = list(members)
    return result


def _values(members: Iterable[Article], key: str) -> list[opts.OptionValue]:
    seen: dict[str, opts.OptionValue] = {}
    for member in members:
        raw = (member.attributes or {}).get(OPTION_ATTRIBUTE[key])
        if raw and not (key == "side" and _norm(key, str(raw)) == "b"):
            seen.setdefault(_norm(key, str(raw)), option_of(key, str(raw)))
    order = {c.value: i for i, c in enumerate(opts.VOCABULARY[key].choices)}
    return sorted(seen.values(), key=lambda v: (order.get(v.value, len(order)), v.name, v.value))


def _misses_text(found: Fit, options, lang: str) -> str:
    english = lang == "en"
    parts = []
    for key, values in found.misses.items():
        name, wanted = opts.label(key, lang), opts.value_label(key, options[key], lang)
        offered = ", ".join(opts.value_label(key, v, lang) for v in values)
        if english:
            parts.append(
                f"{name.lower()} '{wanted}' is not offered; available: {offered or 'none'}"
            )
        else:
            parts.append(f"{name} „{wanted}“ gibt es nicht; lieferbar: {offered or 'keine'}")
    return "; ".join(parts)


def _subject(articles: Sequence[Article]) -> str:
    models = {(a.attributes or {}).get("model") for a in articles}
    if len(models) == 1 and None not in models:
        model = str(models.pop())
        styles = {(a.attributes or {}).get("style") for a in articles}
        return f"{model} ({styles.pop()})" if len(styles) == 1 and None not in styles else model
    return articles[0].partner_article_number if len(articles) == 1 else ""


def _candidates(articles: Iterable[Article], reason: str, reason_en: str) -> list[Candidate]:
    return [Candidate(a, 100.0, reason, reason_en) for a in list(articles)[: MAX_CANDIDATES * 2]]


def group_of(article: Article) -> list[Article]:
    """The active variants of ``article``'s model (or, without a model, of its kind and receiver
    family), ``article`` among them."""
    attributes = article.attributes or {}
    qs = Article.objects.filter(partner_id=article.partner_id, status=Article.Status.ACTIVE)
    if attributes.get("model"):
        qs = qs.filter(attributes__model=attributes["model"])
    elif attributes.get("receiver_family") and attributes.get("category"):
        qs = qs.filter(
            attributes__receiver_family=attributes["receiver_family"],
            attributes__category=attributes["category"],
        )
    else:
        return [article]
    if attributes.get("category"):
        qs = qs.filter(attributes__category=attributes["category"])
    members = list(qs.order_by("partner_article_number"))
    return members if article in members else [article, *members]


def apply(
    partner: Partner,
    result: Identification,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification:
    """The identification with the line's options taken into account (see the module)."""
    if not any(k in options for k in OPTION_ATTRIBUTE):
        return result
    if result.code == "article_ambiguous" and result.hits:
        found = fit(result.hits, options, OPTION_ATTRIBUTE, terms)
        if len(found.matching) == 1:
            article = found.matching[0]
            chosen = Identification(
                code="identified",
                article=article,
                matched_by=result.matched_by,
                notes=result.notes,
                message_de=f"{result.message_de.split(';')[0]}; Variante über die Optionen",
                message_en=f"{result.message_en.split(';')[0]}; variant by the options",
            )
            return accessories(partner, article, options, terms) or chosen
        if found.matching:
            result.candidates = _candidates(
                found.matching, "passt zu den Optionen", "fits the options"
            )
            return result
        return _not_offered(result, found, options, result.hits)
    if result.identified and result.article is not None:
        return check(partner, result.article, options, terms) or result
    return result


def check(
    partner: Partner,
    article: Article,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification | None:
    """What is wrong with ordering ``article`` with ``options`` (a cart issue), or None."""
    if not any(k in options for k in OPTION_ATTRIBUTE):
        return None
    own = fit([article], options, OPTION_ATTRIBUTE, terms)
    if own.matching:
        return accessories(partner, article, options, terms)
    # What the article is and the options do not mention stays as it is (the RIC stays a RIC);
    # the battery follows the style, so it is not held.
    held = {
        k: option_of(k, str(article.attributes[a]))
        for k, a in OPTION_ATTRIBUTE.items()
        if k not in options and k != "battery" and (article.attributes or {}).get(a)
    }
    group = group_of(article)
    found = fit(group, {**options, **held}, OPTION_ATTRIBUTE, terms)
    found.misses = {k: v for k, v in found.misses.items() if k in options}
    base = Identification(code=CONFLICT, article=None, matched_by="")
    if found.matching:
        wrong = [k for k in own.keys if not _fits(article, k, options, terms)]
        de = ", ".join(
            f"{opts.label(k)} „{opts.value_label(k, options[k])}“ statt "
            f"„{opts.value_label(k, option_of(k, str(article.attributes[OPTION_ATTRIBUTE[k]])))}“"
            for k in wrong
        )
        en = ", ".join(
            f"{opts.label(k, 'en').lower()} '{opts.value_label(k, options[k], 'en')}' instead of "
            f"'{opts.value_label(k, option_of(k, str(article.attributes[OPTION_ATTRIBUTE[k]])), 'en')}'"
            for k in wrong
        )
        numbers = ", ".join(a.partner_article_number for a in found.matching[:3])
        base.message_de = (
            f"Artikel {article.partner_article_number} passt nicht zu den Optionen ({de}); "
            f"passende Variante: {numbers}. Bitte die richtige wählen."
        )
        base.message_en = (
            f"Article {article.partner_article_number} does not fit the options ({en}); "
            f"matching variant: {numbers}. Please pick the right one."
        )
        base.candidates = _candidates(found.matching, "passt zu den Optionen", "fits the options")
        return base
    return _not_offered(base, found, options, group)


def _not_offered(
    base: Identification, found: Fit, options, members: Sequence[Article]
) -> Identification:
    subject = _subject(members)
    prefix = f"{subject}: " if subject else ""
    return Identification(
        code=NOT_OFFERED,
        matched_by=base.matched_by,
        notes=base.notes,
        message_de=f"{prefix}{_misses_text(found, options, 'de')}. Bitte eine Variante wählen.",
        message_en=f"{prefix}{_misses_text(found, options, 'en')}. Please pick a variant.",
        candidates=_candidates(
            [a for a in found.near if not a.is_discontinued],
            "lieferbare Variante",
            "variant on offer",
        ),
    )


def accessories(
    partner: Partner,
    article: Article,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification | None:
    """The receiver and dome options of a device line against the receivers and domes of the
    device's receiver family: a cart issue with the option values on offer, or None."""
    attributes = article.attributes or {}
    family = attributes.get("receiver_family")
    wanted = [
        kind
        for kind in ACCESSORIES
        if kind[0] not in attributes and any(k in options and k != "side" for k in kind[1])
    ]
    if not family or not wanted or not (attributes.get("model") or attributes.get("style")):
        return None  # only a device's receiver and dome options (a receiver is no device)
    members = list(
        Article.objects.filter(
            partner_id=article.partner_id,
            status=Article.Status.ACTIVE,
            attributes__receiver_family=family,
        ).exclude(pk=article.pk)
    )
    for marker, keys, de, en in wanted:
        kind_members = [m for m in members if marker in (m.attributes or {})]
        if not kind_members:
            if not Article.objects.filter(
                partner_id=article.partner_id, attributes__has_key=marker
            ).exists():
                continue  # the catalog does not list these at all: nothing to check against
            found = Fit([k for k in keys if k in options and k != "side"], [])
            found.misses = {k: [] for k in found.keys}
        else:
            found = fit(kind_members, options, keys, terms)
            if found.matching:
                continue
        return Identification(
            code=NOT_OFFERED,
            article=article,  # the device is identified; its receiver or dome is not
            message_de=f"{de} der Hörerfamilie {family}: {_misses_text(found, options, 'de')}. "
            "Bitte eine Option wählen.",
            message_en=f"{en.capitalize()} of receiver family {family}: "
            f"{_misses_text(found, options, 'en')}. Please pick an option.",
            alternatives=[
                {
                    "option": key,
                    "value": value.as_dict(),
                    "label": opts.value_label(key, value),
                    "label_en": opts.value_label(key, value, "en"),
                    "name": opts.label(key),
                    "name_en": opts.label(key, "en"),
                }
                for key, values in found.misses.items()
                for value in values
            ],
        )
    return None


def adopt(article: Article, options: Mapping[str, opts.OptionValue]) -> dict[str, opts.OptionValue]:
    """The line's options once a person picked ``article``: every option the article decides
    (its side, colour, style, battery …) says what the article is; a manufacturer code that
    belonged to the old value is dropped with it."""
    adopted = dict(options)
    for key in options:
        if key in OPTION_ATTRIBUTE and offers(article.attributes, key, options[key]) is False:
            adopted[key] = option_of(key, str(article.attributes[OPTION_ATTRIBUTE[key]]))
    return adopted


__all__ = [
    "CONFLICT",
    "NOT_OFFERED",
    "OPTION_ATTRIBUTE",
    "Fit",
    "accessories",
    "adopt",
    "apply",
    "check",
    "fit",
    "group_of",
    "offers",
    "option_of",
    "terms_of",
]
