"""Options against a catalog (issue 17), without Django: does a catalog offer what a line's typed
options ask for, and if not, what does it offer instead?

An article is anything with ``attributes`` (the catalog attributes of ``formats.catalog``:
``model``, ``style``, ``side``, ``colour``, ``receiver_power`` …), ``partner_article_number``
and ``status``: a stored ``catalog.models.Article`` as well as a :class:`~.catalog.CatalogArticle`
read from a file. The portal (``orderhub.catalog.variants``) asks its database for an article's
variants and its receiver family; the supplier simulator asks its catalog file (:class:`InMemory`).

* **Variants of one model** are the active articles with the same ``model`` (and ``category``);
  receivers and domes without a model are grouped by ``category`` and ``receiver_family``.
* **Accessories of a device**: a device (an article with a ``model`` or ``style``) names the
  ``receiver_family`` it takes; the receivers (``receiver_power``, ``receiver_length``,
  ``side``) and domes (``dome_type``, ``dome_size``) of that family are what its ``receiver_*``
  and ``dome_*`` options may name.

Values are compared in the option vocabulary's terms (``formats.options``): the catalog value and
the option's value, name, manufacturer code and the partner's own term (``option_terms``) are all
normalised, so ``HP`` in a catalog is the option ``UP``, ``rechts`` is ``R``, a colour matches by
name or code. An article that does not carry an attribute does not vary in it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

from . import options as opts

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
RECEIVER_KEYS = ("receiver_power", "receiver_length", "side")
DOME_KEYS = ("dome_type", "dome_size")
#: Accessory kinds: (attribute an accessory article carries, option keys, German, English).
ACCESSORIES = (
    ("receiver_power", RECEIVER_KEYS, "Hörer"),
    ("dome_size", DOME_KEYS, "Schirmchen"),
)
NOT_OFFERED = "option_not_offered"
CONFLICT = "options_conflict"
MAX_CANDIDATES = 10

Options = Mapping[str, opts.OptionValue]


@lru_cache(maxsize=4096)
def _norm(key: str, text: str) -> str:
    """``text`` in the vocabulary's terms, folded (catalog values and option texts alike)."""
    values, _ = opts.normalise({key: text})
    value = values.get(key)
    plain = (value.value or value.name) if value is not None else text
    return " ".join(plain.casefold().split())


def _attributes(article: Any) -> Mapping[str, Any]:
    return getattr(article, "attributes", None) or {}


def is_active(article: Any) -> bool:
    return getattr(article, "status", "active") != "discontinued"


def touches_catalog(options: Options) -> bool:
    """Whether any of the options is one a catalog can say something about."""
    return any(k in options for k in OPTION_ATTRIBUTE)


def offers(
    attributes: Mapping[str, Any],
    key: str,
    option: opts.OptionValue,
    terms: opts.Terms | None = None,
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


def _fits(article: Any, key: str, options: Options, terms: opts.Terms | None) -> bool:
    return offers(_attributes(article), key, options[key], terms) is not False


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
    matching: list[Any]
    #: Per option that no article offers together with the others: the values they offer.
    misses: dict[str, list[opts.OptionValue]] = field(default_factory=dict)
    #: The articles that offer all the other options (the variants to pick instead).
    near: list[Any] = field(default_factory=list)


def fit(
    members: Sequence[Any], options: Options, keys: Iterable[str], terms: opts.Terms | None = None
) -> Fit:
    keys = [
        k
        for k in keys
        if k in options and any(OPTION_ATTRIBUTE[k] in _attributes(m) for m in members)
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


def _values(members: Iterable[Any], key: str) -> list[opts.OptionValue]:
    seen: dict[str, opts.OptionValue] = {}
    for member in members:
        raw = _attributes(member).get(OPTION_ATTRIBUTE[key])
        if raw and not (key == "side" and _norm(key, str(raw)) == "b"):
            seen.setdefault(_norm(key, str(raw)), option_of(key, str(raw)))
    order = {c.value: i for i, c in enumerate(opts.VOCABULARY[key].choices)}
    return sorted(seen.values(), key=lambda v: (order.get(v.value, len(order)), v.name, v.value))


def missing_options(found: Fit, options: Options) -> list[dict[str, Any]]:
    """What is not on offer, as data: the option, the value asked for and the values offered."""
    return [
        {
            "option": key,
            "wanted": options[key].as_dict(),
            "offered": [v.as_dict() for v in values],
        }
        for key, values in found.misses.items()
    ]


def misses_text(found: Fit, options: Options) -> str:
    """What is not on offer in the partner's words (German, as its answers are)."""
    parts = []
    for key, values in found.misses.items():
        name, wanted = opts.label(key), opts.value_label(key, options[key])
        offered = ", ".join(opts.value_label(key, v) for v in values)
        parts.append(f"{name} „{wanted}“ gibt es nicht; lieferbar: {offered or 'keine'}")
    return "; ".join(parts)


def subject(articles: Sequence[Any]) -> str:
    """What a person calls these variants: ``Aura 7 (RIC)``, or the one article's number."""
    models = {_attributes(a).get("model") for a in articles}
    if len(models) == 1 and None not in models:
        model = str(models.pop())
        styles = {_attributes(a).get("style") for a in articles}
        return f"{model} ({styles.pop()})" if len(styles) == 1 and None not in styles else model
    return articles[0].partner_article_number if len(articles) == 1 else ""


@dataclass
class Verdict:
    """What is wrong with a line's options: a code with the facts its sentence names
    (``params``, JSON; the portal's words for people are ``orderhub.catalog.issues``), the
    partner's German sentence (``message_de``, what the supplier simulator answers), the variants
    to pick instead (``candidates``) or the option values to pick (``alternatives``:
    ``{"option", "value"}``)."""

    code: str
    params: dict[str, Any]
    message_de: str
    candidates: list[Any] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)


class Catalog(Protocol):
    """What the checks ask of a catalog."""

    def group(self, article: Any) -> list[Any]:
        """The active variants of ``article`` (its model, or its kind and receiver family)."""

    def family(self, article: Any, family: str) -> list[Any]:
        """The active articles of ``receiver_family`` ``family`` but ``article``."""

    def lists(self, attribute: str) -> bool:
        """Whether any article carries ``attribute``."""


def not_offered(found: Fit, options: Options, members: Sequence[Any]) -> Verdict:
    named = subject(found.near or members)  # the variants like the one asked for
    prefix = f"{named}: " if named else ""
    return Verdict(
        NOT_OFFERED,
        {"subject": named, "misses": missing_options(found, options)},
        f"{prefix}{misses_text(found, options)}. Bitte eine Variante wählen.",
        candidates=[a for a in found.near if is_active(a)][:MAX_CANDIDATES],
    )


def check(
    catalog: Catalog, article: Any, options: Options, terms: opts.Terms | None = None
) -> Verdict | None:
    """What is wrong with ordering ``article`` with ``options``, or None when the catalog offers
    it (or does not say)."""
    if not touches_catalog(options):
        return None
    own = fit([article], options, OPTION_ATTRIBUTE, terms)
    if own.matching:
        return accessories(catalog, article, options, terms)
    attributes = _attributes(article)
    # What the article is and the options do not mention stays as it is (the RIC stays a RIC);
    # the battery follows the style, so it is not held.
    held = {
        k: option_of(k, str(attributes[a]))
        for k, a in OPTION_ATTRIBUTE.items()
        if k not in options and k != "battery" and attributes.get(a)
    }
    group = catalog.group(article)
    found = fit(group, {**options, **held}, OPTION_ATTRIBUTE, terms)
    found.misses = {k: v for k, v in found.misses.items() if k in options}
    if not found.matching:
        return not_offered(found, options, group)
    wrong = [k for k in own.keys if not _fits(article, k, options, terms)]

    def was(k: str) -> opts.OptionValue:
        return option_of(k, str(attributes[OPTION_ATTRIBUTE[k]]))

    de = ", ".join(
        f"{opts.label(k)} „{opts.value_label(k, options[k])}“ statt „{opts.value_label(k, was(k))}“"
        for k in wrong
    )
    numbers = ", ".join(a.partner_article_number for a in found.matching[:3])
    number = article.partner_article_number
    return Verdict(
        CONFLICT,
        {
            "number": number,
            "wrong": [
                {"option": k, "wanted": options[k].as_dict(), "was": was(k).as_dict()}
                for k in wrong
            ],
            "matching": numbers,
        },
        f"Artikel {number} passt nicht zu den Optionen ({de}); passende Variante: {numbers}. "
        "Bitte die richtige wählen.",
        candidates=found.matching[:MAX_CANDIDATES],
    )


def accessories(
    catalog: Catalog, article: Any, options: Options, terms: opts.Terms | None = None
) -> Verdict | None:
    """The receiver and dome options of a device line against the receivers and domes of the
    device's receiver family: what is not on offer, with the option values that are."""
    attributes = _attributes(article)
    family = attributes.get("receiver_family")
    wanted = [
        kind
        for kind in ACCESSORIES
        if kind[0] not in attributes and any(k in options and k != "side" for k in kind[1])
    ]
    if not family or not wanted or not (attributes.get("model") or attributes.get("style")):
        return None  # only a device's receiver and dome options (a receiver is no device)
    members = catalog.family(article, str(family))
    for marker, keys, de in wanted:
        kind_members = [m for m in members if marker in _attributes(m)]
        if not kind_members:
            if not catalog.lists(marker):
                continue  # the catalog does not list these at all: nothing to check against
            found = Fit([k for k in keys if k in options and k != "side"], [])
            found.misses = {k: [] for k in found.keys}
        else:
            found = fit(kind_members, options, keys, terms)
            if found.matching:
                continue
        return Verdict(
            NOT_OFFERED,
            {"accessory": marker, "family": str(family), "misses": missing_options(found, options)},
            f"{de} der Hörerfamilie {family}: {misses_text(found, options)}. "
            "Bitte eine Option wählen.",
            alternatives=[
                {"option": key, "value": value.as_dict()}
                for key, values in found.misses.items()
                for value in values
            ],
        )
    return None


def adopt(article: Any, options: Options) -> dict[str, opts.OptionValue]:
    """The line's options once a person picked ``article``: every option the article decides
    (its side, colour, style, battery …) says what the article is; a manufacturer code that
    belonged to the old value is dropped with it."""
    adopted = dict(options)
    attributes = _attributes(article)
    for key in options:
        if key in OPTION_ATTRIBUTE and offers(attributes, key, options[key]) is False:
            adopted[key] = option_of(key, str(attributes[OPTION_ATTRIBUTE[key]]))
    return adopted


class InMemory:
    """A :class:`Catalog` over articles read from a file (the supplier simulator's own)."""

    def __init__(self, articles: Iterable[Any]):
        self.articles = [a for a in articles if getattr(a, "partner_article_number", "")]
        self.by_number = {a.partner_article_number.strip().upper(): a for a in self.articles}
        self._models: dict[tuple[str, ...], list[Any]] = {}
        self._families: dict[str, list[Any]] = {}
        self._listed: set[str] = set()
        for a in self.articles:
            attributes = _attributes(a)
            self._listed |= set(attributes)
            if not is_active(a):
                continue
            if attributes.get("receiver_family"):
                self._families.setdefault(str(attributes["receiver_family"]), []).append(a)
            key = _group_key(attributes)
            if key is not None:
                self._models.setdefault(key, []).append(a)

    def find(self, number: str | None) -> Any | None:
        return self.by_number.get((number or "").strip().upper())

    def group(self, article: Any) -> list[Any]:
        key = _group_key(_attributes(article))
        members = self._models.get(key, []) if key is not None else []
        return members if article in members else [article, *members]

    def family(self, article: Any, family: str) -> list[Any]:
        return [a for a in self._families.get(family, []) if a is not article]

    def lists(self, attribute: str) -> bool:
        return attribute in self._listed


def _group_key(attributes: Mapping[str, Any]) -> tuple[str, ...] | None:
    if attributes.get("model"):
        return ("model", str(attributes["model"]), str(attributes.get("category") or ""))
    if attributes.get("receiver_family") and attributes.get("category"):
        return ("family", str(attributes["receiver_family"]), str(attributes["category"]))
    return None


__all__ = [
    "CONFLICT",
    "NOT_OFFERED",
    "OPTION_ATTRIBUTE",
    "Catalog",
    "Fit",
    "InMemory",
    "Verdict",
    "accessories",
    "adopt",
    "check",
    "fit",
    "not_offered",
    "offers",
    "option_of",
    "touches_catalog",
]
