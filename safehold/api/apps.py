from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "safehold.api"
    label = "api"
    verbose_name = "JSON API"
