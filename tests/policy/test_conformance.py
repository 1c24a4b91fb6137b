"""The conformance report: every statement of a pack, what enforces it, and the tests that
prove it; shipped packs may have no unaccepted gap (CI runs this through `make test`)."""

from __future__ import annotations

import ast
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safehold.policy.conformance import annex_lines, conformance, report_text
from safehold.policy.enforcement import MECHANISMS
from safehold.policy.loader import load_bytes, load_file
from safehold.policy.notice import notice_text
from safehold.policy.schema import Pack
from tests.builders import MINIMAL, PACK_FILES, REPO, minimal

# --- the registry cites only tests that exist ------------------------------------------------


def _defined(path: Path) -> set[str]:
    """Node ids (without the file) of the test functions and methods defined in a file."""
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{item.name}")
    return names


@pytest.mark.parametrize("code", sorted(MECHANISMS))
def test_every_test_a_mechanism_names_exists(code: str) -> None:
    mechanism = MECHANISMS[code]
    assert mechanism.tests, f"{code} names no test"
    for node_id in mechanism.tests:
        file, _, name = node_id.partition("::")
        path = REPO / file
        assert path.is_file() and file.startswith("tests/"), f"{code}: no test file {file}"
        assert name.startswith("test_") or "::test_" in name, node_id
        assert name in _defined(path), f"{code}: {node_id} does not exist"


def test_a_phantom_test_would_be_caught(tmp_path: Path) -> None:
    path = tmp_path / "test_x.py"
    path.write_text(
        "def test_real():\n    pass\nclass TestK:\n    def test_m(self):\n        pass\n"
    )
    assert _defined(path) == {"test_real", "TestK::test_m"}


# --- shipped packs ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_shipped_packs_have_no_unaccepted_gap(path: Path) -> None:
    result = load_file(path)
    assert result.pack is not None, result.problems
    report = conformance(result.pack)
    assert not report.gaps, [s.id for s in report.gaps]
    assert report.count("enforced") > 0 and report.count("accepted") > 0


@pytest.mark.parametrize("path", PACK_FILES, ids=lambda p: p.stem)
def test_sharing_is_claimed_as_enforced_only_where_the_gate_checks_it(path: Path) -> None:
    """A recipient is enforced by the share rules only when every share with it names the
    gateways the gate checks (docs/adr/0020); the service's own staff (internal, no gateways)
    by their roles; any other recipient is stated only."""
    result = load_file(path)
    assert result.pack is not None
    recipients = {r.code: r for r in result.pack.recipients}
    shares = [s for s in conformance(result.pack).statements if s.kind == "recipient"]
    assert shares
    for statement in shares:
        recipient = recipients[statement.id.split(":", 1)[1]]
        if recipient.shares and all(s.gateways for s in recipient.shares):
            assert statement.mechanism is not None
            assert statement.mechanism.code == "share-decided-and-logged"
        elif recipient.kind == "internal" and not any(s.gateways for s in recipient.shares):
            assert statement.mechanism is not None
            assert statement.mechanism.code == "gate-role-and-allocation"
        else:
            assert statement.mechanism is None


def test_cli_prints_each_statement_and_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    path = REPO / "packs" / "leicestershire-cfws.yaml"
    call_command("pack", "conformance", str(path))
    out = capsys.readouterr().out
    report = conformance(load_file(path).pack)  # type: ignore[arg-type]
    assert out.rstrip().endswith(report.summary)
    assert report.summary == (
        f"{len(report.statements)} statements, {report.count('enforced')} enforced, "
        f"{report.count('accepted')} stated-only accepted, 0 gaps"
    )
    assert "commitment:need-to-know-access: Enforced" in out
    assert "gate grant: gate-role-and-allocation" in out
    assert "test: tests/access/test_gate.py::test_every_role_category_and_distance" in out
    assert "commitment:tell-of-sharing-changes: Stated only (accepted)" in out
    assert "recipient:gov-uk-notify: Enforced\n" in out
    assert "  Accepted: sharing enforcement not yet built" in out


def test_a_gap_fails_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(MINIMAL)
    with pytest.raises(CommandError, match="neither enforced nor accepted"):
        call_command("pack", "conformance", str(path))
    out = capsys.readouterr().out
    assert "recipient:courts: Stated only (not accepted: a gap)" in out
    assert out.rstrip().endswith("1 gaps") or ", " in out.splitlines()[-1]


# --- statements and acceptance ---------------------------------------------------------------


def test_commitments_name_their_mechanism_or_are_accepted(build: Callable[..., Pack]) -> None:
    pack = build(
        commitments=[
            {
                "code": "need-to-know",
                "text": "Only staff who need it see it.",
                "enforced_by": "gate-role-and-allocation",
            },
            {
                "code": "breach",
                "text": "We tell you of a breach.",
                "stated_only": "breaches not yet built",
            },
            {"code": "never-sell", "text": "We never sell your data."},
        ],
        accepted_gaps=[{"statements": ["recipient:*", "right:*"], "reason": "not built"}],
    )
    report = {s.id: s for s in conformance(pack).statements}
    assert report["commitment:need-to-know"].status == "enforced"
    assert report["commitment:need-to-know"].mechanism.kind == "gate grant"  # type: ignore[union-attr]
    assert report["commitment:breach"].status == "accepted"
    assert report["commitment:breach"].accepted == "breaches not yet built"
    assert report["commitment:never-sell"].status == "gap"
    assert report["recipient:courts"].accepted == "not built"
    assert report["retention:case-file"].mechanism is MECHANISMS["retention-rule"]
    assert report["category:health"].mechanism is MECHANISMS["gate-redacts-by-category"]


def test_security_measures_can_name_the_mechanism_that_enforces_them(
    build: Callable[..., Pack],
) -> None:
    """A security measure names the system feature that keeps it (the audit log, two-factor
    sign-in, role-based access): the report shows it enforced, with that mechanism and its
    tests, not "stated only"; plain text and `stated_only` measures stay as they were; the
    notice prints the text alone."""
    pack = build(
        security=[
            {"text": "Every look at a record is logged.", "enforced_by": "audit-every-access"},
            {"text": "Staff sign in with two factors.", "enforced_by": "two-factor-sign-in"},
            {"text": "Only staff who need it see it.", "enforced_by": "gate-role-and-allocation"},
            {"text": "Disks are encrypted.", "stated_only": "kept by the hosting provider"},
            "Staff are trained.",
        ],
        accepted_gaps=[{"statements": ["recipient:*", "right:*"], "reason": "not built"}],
    )
    report = {s.id: s for s in conformance(pack).statements}
    assert report["security:1"].mechanism is MECHANISMS["audit-every-access"]
    assert report["security:2"].status == "enforced"
    assert report["security:2"].mechanism.kind == "sign-in"  # type: ignore[union-attr]
    assert report["security:3"].mechanism is MECHANISMS["gate-role-and-allocation"]
    assert (report["security:4"].status, report["security:4"].accepted) == (
        "accepted",
        "kept by the hosting provider",
    )
    assert report["security:5"].status == "gap"
    text = report_text(conformance(pack))
    assert "two-factor-sign-in" in text and "test_every_staff_page_needs_the_second_factor" in text
    notice = notice_text(pack)
    assert "Staff sign in with two factors." in notice and "enforced_by" not in notice


def test_a_security_measure_naming_an_unknown_mechanism_is_an_error_on_its_line() -> None:
    result = load_bytes(
        minimal(security=[{"text": "Logged.", "enforced_by": "audit-every-acess"}]).encode()
    )
    found = [p for p in result.errors if "did you mean 'audit-every-access'?" in p.message]
    assert found and found[0].line > 1, result.errors
    result = load_bytes(
        minimal(
            security=[{"text": "t", "enforced_by": "audit-every-access", "stated_only": "x"}]
        ).encode()
    )
    assert any(
        "either 'enforced_by' a mechanism or 'stated_only'" in p.message for p in result.errors
    )


def test_an_unknown_mechanism_is_an_error_with_a_suggestion() -> None:
    result = load_bytes(
        minimal(
            commitments=[{"code": "a", "text": "t", "enforced_by": "gate-redacts-by-categry"}]
        ).encode()
    )
    assert any(
        "not a mechanism Safehold has (did you mean 'gate-redacts-by-category'?)" in p.message
        for p in result.errors
    )


def test_enforced_and_stated_only_together_is_an_error() -> None:
    result = load_bytes(
        minimal(
            commitments=[
                {"code": "a", "text": "t", "enforced_by": "retention-rule", "stated_only": "x"}
            ]
        ).encode()
    )
    assert any(
        "either 'enforced_by' a mechanism or 'stated_only'" in p.message for p in result.errors
    )


def test_an_acceptance_that_matches_nothing_is_warned() -> None:
    result = load_bytes(
        minimal(accepted_gaps=[{"statements": ["preference:*"], "reason": "r"}]).encode()
    )
    assert any("'preference:*' accepts no statement" in p.message for p in result.warnings)


# --- what the cited check mechanisms do ------------------------------------------------------


def test_check_refuses_special_data_without_a_condition() -> None:
    data = minimal(
        purposes=[
            {
                "code": "youth-justice",
                "name": "Youth justice",
                "categories": ["identity", "health", "offending"],
                "lawful_basis": ["public-task"],
            }
        ]
    )
    messages = [p.message for p in load_bytes(data.encode()).errors]
    assert any("states no Article 9 condition" in m for m in messages), messages
    assert any("states no Article 10 condition" in m for m in messages), messages


@pytest.mark.parametrize(
    ("scope", "country", "refused"),
    [
        ("uk-only", "Ireland", "the pack says information is not sent outside the UK"),
        ("uk-and-eea", "United States", "outside the UK and the EEA"),
        ("uk-and-eea", "Ireland", None),
        ("safeguards", "United States", "states no 'transfer_safeguard'"),
    ],
)
def test_a_recipient_outside_the_stated_scope_is_refused(
    scope: str, country: str, refused: str | None
) -> None:
    data = minimal(
        transfers={"scope": scope},
        transfers_outside_uk=None,
        recipients=[
            {
                "code": "host",
                "name": "Hosting",
                "kind": "processor",
                "country": country,
                "shares": [{"categories": ["*"], "conditions": ["necessary-for-service"]}],
            }
        ],
    )
    errors = [p.message for p in load_bytes(data.encode()).errors]
    if refused is None:
        assert errors == []
    else:
        assert any(refused in m for m in errors), errors


# --- the annex -------------------------------------------------------------------------------


def test_the_notice_can_carry_a_generated_annex(build: Callable[..., Pack]) -> None:
    pack = build(
        notice={"title": "Test privacy notice", "enforcement_annex": True},
        accepted_gaps=[{"statements": ["recipient:*", "right:*"], "reason": "not built"}],
    )
    report = conformance(pack)
    text = notice_text(pack)
    assert "How this notice is enforced" in text
    for line in annex_lines(report):
        assert line in text
    assert f"the system enforces {report.count('enforced')}" in text
    assert "How this notice is enforced" not in notice_text(build())
    assert report_text(report).endswith(report.summary + "\n")
