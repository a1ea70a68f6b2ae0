"""Keep the search index in step: record what changed, and catch up after the commit."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from orderhub.catalog.models import Article, CatalogImport, TradeTerm
from orderhub.catalog.search import index, terms
from orderhub.catalog.tasks import rebuild_search_index


def _catch_up(partner_id: int) -> None:
    try:
        index.fresh(partner_id)
    except Exception:
        index.log.exception("search index of partner %s: catching up failed", partner_id)


@receiver(post_save, sender=Article, dispatch_uid="search-article-saved")
@receiver(post_delete, sender=Article, dispatch_uid="search-article-deleted")
def article_changed(sender, instance: Article, **kwargs):
    index.record_article_change(instance.partner_id, instance.pk)
    transaction.on_commit(lambda: _catch_up(instance.partner_id))


@receiver(post_save, sender=CatalogImport, dispatch_uid="search-catalog-imported")
def catalog_imported(sender, instance: CatalogImport, **kwargs):
    if instance.status == CatalogImport.Status.SUCCEEDED and instance.finished_at is not None:
        index.record_rebuild(instance.partner_id)
        # A worker rebuilds its machine's copy as a job of its own (catalog.tasks), not the
        # process that imported: the import's memory stays bounded by the file, not the catalog.
        partner_id = instance.partner_id
        transaction.on_commit(lambda: rebuild_search_index.enqueue(partner_id))


@receiver(post_save, sender=TradeTerm, dispatch_uid="search-lexicon-saved")
@receiver(post_delete, sender=TradeTerm, dispatch_uid="search-lexicon-deleted")
def lexicon_changed(sender, **kwargs):
    terms.forget_lexicon()
