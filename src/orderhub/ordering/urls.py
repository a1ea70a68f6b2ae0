from django.urls import path

from orderhub.ordering import views

urlpatterns = [
    path("warenkorb/<uuid:order_id>/", views.cart, name="cart"),
    path("warenkorb/<uuid:order_id>/bestellen/", views.cart_order, name="cart_order"),
    path("warenkorb/<uuid:order_id>/kundennummer/", views.cart_customer_number, name="cart_customer_number"),
    path("warenkorb/<uuid:order_id>/position/<int:line_id>/waehlen/", views.cart_pick, name="cart_pick"),
    path("warenkorb/<uuid:order_id>/position/<int:line_id>/menge/", views.cart_quantity, name="cart_quantity"),
    path("warenkorb/<uuid:order_id>/position/<int:line_id>/entfernen/", views.cart_remove, name="cart_remove"),
    path("warenkorb/<uuid:order_id>/position/<int:line_id>/suche/", views.cart_search, name="cart_search"),
    path("dashboard/bestellungen/", views.order_list, name="order_list"),
    path("dashboard/bestellungen/export.csv", views.order_export, name="order_export"),
    path("dashboard/bestellungen/<uuid:order_id>/", views.order_detail, name="order_detail"),
    path("dashboard/bestellungen/<uuid:order_id>/erneut/", views.order_retry, name="order_retry"),
    path("dashboard/bestellungen/<uuid:order_id>/dokumente/<int:document_id>/", views.order_document,
         name="order_document"),
]
