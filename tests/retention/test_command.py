"""`safehold retention plan|sweep`."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from safehold.records.models import Case
from safehold.retention import services
from safehold.retention.models import RetentionUnit
from tests.retention.conftest import Place


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("retention", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_plan_reports_what_it_did(yos: Place):
    yos.full_case(yos.person(born=date(1990, 5, 1)), closed_on=date(2014, 3, 31))
    out, err = run("plan")
    assert "Planned 1 case files and 2 people" in out
    assert "3 units written" in out
    assert "due: 1" in out and "active: 2" in out  # the people are held by the case file
    assert "case files: 1/1 100.0%" in err


def test_sweep_dry_run_then_sweep(yos: Place):
    case = yos.full_case(yos.person(born=date(1990, 5, 1)), closed_on=date(2014, 3, 31))
    run("plan")
    services.approve(RetentionUnit.objects.due().filter(kind="case-file"), yos.dpo)
    out, _ = run("sweep", "--dry-run", "--list")
    assert out.startswith("Would dispose of 1 units")
    assert "case-file 'case-file' destroy: 1 units (" in out
    assert "contact 1" in out and "victimlink 1" in out
    assert f"case-file {case.pk} 'case-file' destroy" in out
    assert Case.objects.filter(pk=case.pk).exists()
    out, _ = run("sweep")
    assert out.startswith("Disposed of 1 units")
    assert not Case.objects.filter(pk=case.pk).exists()


def test_a_failed_unit_fails_the_command(yos: Place, monkeypatch: pytest.MonkeyPatch):
    from safehold.retention import sweep as sweep_module

    yos.case(yos.person(born=date(1990, 5, 1)), closed_on=date(2014, 3, 31))
    run("plan")
    services.approve(RetentionUnit.objects.due().filter(kind="case-file"), yos.dpo)

    def refuse(*args: object) -> None:
        raise sweep_module.SweepError("a record protects it")

    monkeypatch.setattr(sweep_module, "_destroy_case_files", refuse)
    with pytest.raises(SystemExit) as exit_:
        run("sweep")
    assert exit_.value.code == 1
