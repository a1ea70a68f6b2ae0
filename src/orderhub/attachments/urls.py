from django.urls import path

from orderhub.attachments import views

urlpatterns = [
    path("anhaenge/<str:token>/", views.download, name="attachment_download"),
    path(
        "dashboard/bestellungen/<uuid:order_id>/anhaenge/<uuid:attachment_id>/",
        views.order_file,
        name="attachment_file",
    ),
    path("warenkorb/<uuid:order_id>/anhaenge/", views.cart_add, name="cart_attachment_add"),
    path(
        "warenkorb/<uuid:order_id>/anhaenge/<int:link_id>/entfernen/",
        views.cart_remove,
        name="cart_attachment_remove",
    ),
]
