from django.urls import path

from orderhub.notifications import views

urlpatterns = [
    path("dashboard/konto/benachrichtigungen/", views.my_settings, name="notification_settings"),
    path("dashboard/benachrichtigungen/", views.company_settings, name="notification_company"),
]
