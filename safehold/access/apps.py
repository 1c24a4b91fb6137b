from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "safehold.access"
    label = "access"
    verbose_name = "Who can see it: staff, teams, roles and the gate"
