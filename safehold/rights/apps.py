from django.apps import AppConfig


class RightsConfig(AppConfig):
    name = "safehold.rights"
    label = "rights"
    verbose_name = "What rights you have"
