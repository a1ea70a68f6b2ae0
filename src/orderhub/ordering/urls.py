from django.urls import path

from orderhub.ordering import views

urlpatterns = [
    path("warenkorb/<uuid:order_id>/", views.cart, name="cart"),
    path("warenkorb/<uuid:order_id>/bestellen/", views.cart_order, name="cart_order"),
    path("warenkorb/<uuid:order_id>/stornieren/", views.cart_cancel, name="cart_cancel"),
    path(
        "warenkorb/<uuid:order_id>/kundennummer/",
        views.cart_customer_number,
        name="cart_customer_number",
    ),
    path(
        "warenkorb/<uuid:order_id>/position/<int:line_id>/waehlen/",
        views.cart_pick,
        name="cart_pick",
    ),
    path(
        "warenkorb/<uuid:order_id>/position/<int:line_id>/option/",
        views.cart_option,
        name="cart_option",
    ),
    path(
        "warenkorb/<uuid:order_id>/position/<int:line_id>/menge/",
        views.cart_quantity,
        name="cart_quantity",
    ),
    path(
        "warenkorb/<uuid:order_id>/position/<int:line_id>/entfernen/",
        views.cart_remove,
        name="cart_remove",
    ),
    path(
        "warenkorb/<uuid:order_id>/position/<int:line_id>/suche/",
        views.cart_search,
        name="cart_search",
    ),
]
