from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "orderhub.web"
    verbose_name = "Web"
