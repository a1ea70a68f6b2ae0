from django.contrib.auth import views as auth_views
from django.urls import path

from orderhub.accounts.decorators import company_view
from orderhub.web import changes, customer_numbers, legal, logins, orders, receipts, views

urlpatterns = [
    path("", views.home, name="home"),
    path("partner/", views.partner_list, name="partner_list"),
    path("impressum/", legal.imprint, name="imprint"),
    path("datenschutz/", legal.privacy, name="privacy"),
    path("anmelden/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("abmelden/", auth_views.LogoutView.as_view(), name="logout"),
    path("anmelden/zweiter-faktor/", logins.second_factor, name="login_second_factor"),
    path("passwort/vergessen/", logins.PasswordResetView.as_view(), name="password_reset"),
    path(
        "passwort/vergessen/gesendet/",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "passwort/neu/<uidb64>/<token>/",
        logins.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "passwort/neu/fertig/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="web/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "einladung/<uidb64>/<token>/",
        logins.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("registrierung/<uuid:registration_id>/", views.registration, name="registration"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/bestellungen/", orders.order_list, name="order_list"),
    path("dashboard/bestellungen/export.csv", orders.order_export, name="order_export"),
    path("dashboard/bestellungen/<uuid:order_id>/", orders.order_detail, name="order_detail"),
    path("dashboard/bestellungen/<uuid:order_id>/erneut/", orders.order_retry, name="order_retry"),
    path(
        "dashboard/bestellungen/<uuid:order_id>/rest-schliessen/",
        orders.order_close_remainder,
        name="order_close_remainder",
    ),
    path(
        "dashboard/bestellungen/<uuid:order_id>/wareneingang/",
        receipts.order_receipt,
        name="order_receipt",
    ),
    path(
        "dashboard/bestellungen/<uuid:order_id>/aenderung/",
        changes.order_change,
        name="order_change",
    ),
    path(
        "dashboard/bestellungen/<uuid:order_id>/dokumente/<int:document_id>/",
        orders.order_document,
        name="order_document",
    ),
    path("dashboard/filialen/", views.branches, name="branches"),
    path("dashboard/filialen/<int:pk>/", views.branch_edit, name="branch_edit"),
    path("dashboard/benutzer/", views.users, name="users"),
    path("dashboard/benutzer/<int:pk>/", views.user_edit, name="user_edit"),
    path("dashboard/kundennummern/", customer_numbers.customer_numbers, name="customer_numbers"),
    path(
        "dashboard/kundennummern/<int:pk>/", views.customer_number_edit, name="customer_number_edit"
    ),
    path(
        "dashboard/kundennummern/<int:pk>/loeschen/",
        customer_numbers.customer_number_delete,
        name="customer_number_delete",
    ),
    path(
        "dashboard/kundennummern/<int:pk>/zuruecksetzen/",
        customer_numbers.customer_number_reset,
        name="customer_number_reset",
    ),
    path("dashboard/konflikte/", views.conflicts, name="conflicts"),
    path("dashboard/konflikte/<int:pk>/loesen/", views.conflict_resolve, name="conflict_resolve"),
    path("dashboard/tokens/", views.api_tokens, name="api_tokens"),
    path("dashboard/tokens/<int:pk>/widerrufen/", views.api_token_revoke, name="api_token_revoke"),
    path("dashboard/protokoll/", views.audit_trail, name="audit_trail"),
    path("dashboard/zuordnungen/", views.article_mappings, name="article_mappings"),
    path(
        "dashboard/zuordnungen/<int:pk>/loeschen/",
        views.article_mapping_delete,
        name="article_mapping_delete",
    ),
    path("dashboard/webhooks/", views.webhooks, name="webhooks"),
    path("dashboard/zugaenge/", logins.login_list, name="logins"),
    path("dashboard/zugaenge/<int:pk>/", logins.login_change, name="login_change"),
    path("dashboard/konto/", logins.my_account, name="my_account"),
    path(
        "dashboard/konto/passwort/",
        company_view(logins.PasswordChangeView.as_view()),
        name="password_change",
    ),
    path("dashboard/konto/zwei-faktor/", logins.second_factor_setup, name="second_factor_setup"),
    path(
        "dashboard/konto/zwei-faktor/aus/",
        logins.second_factor_disable,
        name="second_factor_disable",
    ),
]
