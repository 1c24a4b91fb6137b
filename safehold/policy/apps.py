from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "safehold.policy"
    label = "policy"
    verbose_name = "Privacy notice and policy pack"
