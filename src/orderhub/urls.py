from django.contrib import admin
from django.urls import include, path

from orderhub.api import api
from orderhub.web.metrics import metrics_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("metrics", metrics_view, name="metrics"),
    path("", include("orderhub.ordering.urls")),
    path("", include("orderhub.attachments.urls")),
    path("", include("orderhub.delivery.supplier_urls")),
    path("", include("orderhub.notifications.urls")),
    path("", include("orderhub.web.urls")),
]

handler500 = "orderhub.core.outage.server_error"
