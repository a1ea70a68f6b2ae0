"""The product's URLs plus one that fails, to see the 500 page a person gets (test_every_page)."""

from django.urls import path

from orderhub.urls import handler500, urlpatterns

__all__ = ["handler500", "urlpatterns"]


def _fail(request):
    raise RuntimeError("a bug whose details nobody outside the log may see")


urlpatterns = [path("test-fehler/", _fail), *urlpatterns]
