from django.apps import AppConfig


class SharingConfig(AppConfig):
    name = "safehold.sharing"
    label = "sharing"
    verbose_name = "Who we share with and why"
