from django.urls import path

from orderhub.delivery import supplier_changes
from orderhub.delivery import supplier_views as views

urlpatterns = [
    path("lieferant/", views.order_list, name="supplier_orders"),
    path("lieferant/bestellungen/<str:number>/", views.order_detail, name="supplier_order"),
    path("lieferant/bestellungen/<str:number>/antwort/", views.answer, name="supplier_answer"),
    path(
        "lieferant/bestellungen/<str:number>/dokumente/<int:document_id>/",
        views.order_document,
        name="supplier_document",
    ),
    path(
        "lieferant/bestellungen/<str:number>/anhaenge/<uuid:attachment_id>/",
        views.order_attachment,
        name="supplier_attachment",
    ),
    path(
        "lieferant/bestellungen/<str:number>/aenderungen/<int:sequence>/",
        supplier_changes.answer_change,
        name="supplier_change_answer",
    ),
]
