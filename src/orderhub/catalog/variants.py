"""Options against the partner's catalog at intake and in the cart (issue 17): a line's typed
options select the article's variant, and a combination the catalog does not offer is a cart
issue naming what it does offer. The rules are ``orderhub.formats.variants`` (shared with the
supplier simulator); this module asks the database for an article's variants and family.

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
  ``option_not_offered`` with the option values to pick instead (``alternatives``); the device
  itself stays identified;
* nothing is identified: of the catalog search's suggestions, those that contradict the options
  are dropped when any fit them.
"""

from __future__ import annotations

from collections.abc import Mapping

from orderhub.catalog.identification import Candidate, Identification
from orderhub.catalog.models import Article
from orderhub.formats import options as opts
from orderhub.formats import variants as rules
from orderhub.formats.variants import CONFLICT, NOT_OFFERED, OPTION_ATTRIBUTE, adopt, option_of
from orderhub.partners.models import Partner


def terms_of(partner: Partner) -> opts.Terms | None:
    """The partner's own option names and values (channel configuration ``option_terms``)."""
    terms = (partner.channel_config or {}).get("option_terms")
    return terms if terms and not opts.check_terms(terms) else None


class Stored:
    """The partner's stored catalog as ``formats.variants.Catalog``."""

    def __init__(self, partner_id: int):
        self.partner_id = partner_id

    def _active(self):
        return Article.objects.filter(partner_id=self.partner_id, status=Article.Status.ACTIVE)

    def group(self, article: Article) -> list[Article]:
        attributes = article.attributes or {}
        qs = self._active()
        if attributes.get("model"):
            qs = qs.filter(attributes__model=attributes["model"])
        elif attributes.get("receiver_family") and attributes.get("category"):
            qs = qs.filter(attributes__receiver_family=attributes["receiver_family"])
        else:
            return [article]
        if attributes.get("category"):
            qs = qs.filter(attributes__category=attributes["category"])
        members = list(qs.order_by("partner_article_number"))
        return members if article in members else [article, *members]

    def family(self, article: Article, family: str) -> list[Article]:
        return list(
            self._active()
            .filter(attributes__receiver_family=family)
            .exclude(pk=article.pk)
            .order_by("partner_article_number")
        )

    def lists(self, attribute: str) -> bool:
        return Article.objects.filter(
            partner_id=self.partner_id, attributes__has_key=attribute
        ).exists()


def _identification(verdict: rules.Verdict, article: Article | None = None) -> Identification:
    reason = "variant_on_offer" if verdict.code == NOT_OFFERED else "fits_options"
    return Identification(
        code=verdict.code,
        # With option values to pick, the device is identified; its receiver or dome is not.
        article=article if verdict.alternatives else None,
        params=verdict.params,
        candidates=[Candidate(a, 100.0, [{"code": reason}]) for a in verdict.candidates],
        alternatives=verdict.alternatives,
    )


def check(
    partner: Partner,
    article: Article,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification | None:
    """What is wrong with ordering ``article`` with ``options`` (a cart issue), or None."""
    verdict = rules.check(Stored(partner.pk), article, options, terms)
    return _identification(verdict, article) if verdict else None


def accessories(
    partner: Partner,
    article: Article,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification | None:
    """Only the receiver and dome options of a device (after a person picked the device)."""
    verdict = rules.accessories(Stored(partner.pk), article, options, terms)
    return _identification(verdict, article) if verdict else None


def apply(
    partner: Partner,
    result: Identification,
    options: Mapping[str, opts.OptionValue],
    terms: opts.Terms | None = None,
) -> Identification:
    """The identification with the line's options taken into account (see the module)."""
    if not rules.touches_catalog(options):
        return result
    if result.code == "article_ambiguous" and result.hits:
        found = rules.fit(result.hits, options, OPTION_ATTRIBUTE, terms)
        if len(found.matching) == 1:
            article = found.matching[0]
            chosen = Identification(
                code="identified",
                article=article,
                matched_by=result.matched_by,
                notes=result.notes,
                why=[
                    {"code": "by_identifier", "kind": result.matched_by},
                    {"code": "variant_by_options"},
                ],
            )
            return accessories(partner, article, options, terms) or chosen
        if found.matching:
            result.candidates = [
                Candidate(a, 100.0, [{"code": "fits_options"}])
                for a in found.matching[: rules.MAX_CANDIDATES]
            ]
            return result
        verdict = rules.not_offered(found, options, result.hits)
        issue = _identification(verdict)
        issue.matched_by, issue.notes = result.matched_by, result.notes
        return issue
    if result.identified and result.article is not None:
        return check(partner, result.article, options, terms) or result
    if result.code == "article_not_found" and result.candidates:
        # The search's suggestions that contradict the options go, if any fit them.
        fitting = [
            c
            for c in result.candidates
            if rules.fit([c.article], options, OPTION_ATTRIBUTE, terms).matching
        ]
        if fitting:
            result.candidates = fitting
    return result


__all__ = [
    "CONFLICT",
    "NOT_OFFERED",
    "OPTION_ATTRIBUTE",
    "accessories",
    "adopt",
    "apply",
    "check",
    "option_of",
    "terms_of",
]
