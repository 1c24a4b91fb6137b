from django.apps import AppConfig


class StatisticsConfig(AppConfig):
    name = "safehold.statistics"
    label = "statistics"
    verbose_name = "Statistics and statutory returns"
