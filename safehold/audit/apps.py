from typing import Any

from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "safehold.audit"
    label = "audit"
    verbose_name = "The record of every access and change"

    def ready(self) -> None:
        checks.register(checkpoint_key, checks.Tags.security, deploy=True)


def checkpoint_key(**kwargs: Any) -> list[checks.CheckMessage]:
    """`safehold check --deploy`: the audit checkpoints can be signed."""
    from safehold.audit.checkpoints import key_problem

    problem = key_problem()
    return [] if problem is None else [checks.Error(problem, id="safehold.audit.E001")]
