from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "safehold.records"
    label = "records"
    verbose_name = "What information we hold"
