from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "orderhub.demo"
    verbose_name = "Demo"
