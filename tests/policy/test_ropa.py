"""The Article 30(1) record of processing, printed from the pack."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from safehold.policy.loader import load_file
from safehold.policy.ropa import COLUMNS, ropa_csv, ropa_json, ropa_rows, rule_applies
from safehold.policy.schema import Pack
from tests.builders import PACK_FILES

ARTICLE_30 = [c for c in COLUMNS if c[:2] in {"a_", "b_", "c_", "d_", "e_", "f_", "g_"}]


def test_covers_article_30_1_a_to_g() -> None:
    assert {c[0] for c in ARTICLE_30} == set("abcdefg")


def test_csv_parses_back_one_row_per_purpose(cambridgeshire: Pack) -> None:
    rows = list(csv.DictReader(io.StringIO(ropa_csv(cambridgeshire))))
    assert len(rows) == len(cambridgeshire.purposes)
    assert [r["purpose_code"] for r in rows] == [p.code for p in cambridgeshire.purposes]
    assert list(rows[0]) == list(COLUMNS)
    for row in rows:
        for column in ARTICLE_30:
            assert row[column].strip(), (row["purpose_code"], column)
        assert row["lawful_basis"].strip()
    assert rows == ropa_rows(cambridgeshire)


def test_cambridgeshire_record(cambridgeshire: Pack) -> None:
    rows = {r["purpose_code"]: r for r in ropa_rows(cambridgeshire)}
    yjs = rows["statutory-youth-justice"]
    assert yjs["a_controller"].startswith("Cambridgeshire County Council, Shire Hall")
    assert "Data.protection@cambridgeshire.gov.uk" in yjs["a_dpo"]
    assert "01223 699137" in yjs["a_dpo"]
    assert yjs["a_joint_controllers"] == "None"
    assert "Youth justice services: To meet statutory duties" in yjs["b_purpose"]
    assert "Young offenders" in yjs["c_data_subjects"]
    assert "Health needs (special category data)" in yjs["c_personal_data"]
    assert (
        "Details of offences and the response to these (criminal offence data)"
        in yjs["c_personal_data"]
    )
    assert "Police" in yjs["d_recipients"] and "Courts" in yjs["d_recipients"]
    assert "no personal data is transferred outside the UK" in yjs["e_transfers_outside_uk"]
    assert (
        "until the 25th birthday, but never before the date the service ended, then securely "
        "destroyed (assumed: The notice says" in yjs["f_retention"]
    )
    assert "until the 75th birthday if looked after" in yjs["f_retention"]
    assert "6 years after" in yjs["f_retention"]
    assert "securely destroyed" in yjs["f_retention"]
    assert "secure IT systems" in yjs["g_security"]
    assert "UK GDPR Article 6(1)(e)" in yjs["lawful_basis"]
    assert "UK GDPR Article 9(2)(g)" in yjs["special_category_conditions"]
    assert "UK GDPR Article 10" in yjs["criminal_offence_conditions"]
    assert yjs["law_enforcement"].startswith("Yes")
    # Volunteers' data goes to no one outside the service: the record says so.
    assert rows["volunteer-management"]["d_recipients"].startswith("None stated")
    # The research purpose names no people: it covers every data subject.
    assert "Volunteers" in rows["planning-research"]["c_data_subjects"]
    assert rows["planning-research"]["identifiable"] == "pseudonymised"


def test_json(cambridgeshire: Pack) -> None:
    data = ropa_json(cambridgeshire)
    assert data["pack"] == "cambridgeshire-yos"
    assert data["name"] == "Cambridgeshire Youth Offending Service"
    assert len(data["records"]) == len(cambridgeshire.purposes)
    record = data["records"][0]
    assert set(record) == set(COLUMNS)
    assert record["purpose_code"] == "statutory-youth-justice"
    assert record["law_enforcement"] is True
    assert record["a_joint_controllers"] == []
    assert isinstance(record["f_retention"], list) and len(record["f_retention"]) == 3
    json.dumps(data)


def test_retention_rules_by_service(build: Callable[..., Pack]) -> None:
    pack = build(
        services=[
            {"code": "court-orders", "name": "Court orders", "controller": "test-council"},
            {"code": "prevention", "name": "Prevention", "controller": "test-council"},
        ],
        purposes=[
            {
                "code": "youth-justice",
                "name": "Youth justice",
                "services": ["court-orders"],
                "categories": ["identity"],
                "lawful_basis": ["public-task"],
            },
            {
                "code": "prevention",
                "name": "Prevention",
                "services": ["prevention"],
                "categories": ["identity"],
                "lawful_basis": ["public-task"],
            },
            {
                "code": "statistics",
                "name": "Statistics",
                "categories": ["identity"],
                "lawful_basis": ["public-task"],
            },
        ],
        retention=[
            {
                "code": "orders",
                "name": "Order files",
                "statement": "Kept to 25.",
                "unit": "case-file",
                "services": ["court-orders"],
                "keep": {"birthday": 25},
                "action": "destroy",
            },
            {
                "code": "magpan",
                "name": "Prevention files",
                "statement": "12 months.",
                "unit": "case-file",
                "services": ["prevention"],
                "keep": {"for": "12 months", "after": "case-closed"},
            },
        ],
    )
    rows = {r["purpose_code"]: r["f_retention"] for r in ropa_rows(pack)}
    assert (
        "Order files" in rows["youth-justice"] and "Prevention files" not in rows["youth-justice"]
    )
    assert (
        "Prevention files: 12 months after the date the service ended, then reviewed"
        in rows["prevention"]
    )
    assert "Order files" not in rows["prevention"]
    assert "Order files" in rows["statistics"] and "Prevention files" in rows["statistics"]
    orders, magpan = pack.retention
    assert rule_applies(orders, pack.purposes[0]) and not rule_applies(magpan, pack.purposes[0])


def test_transfers_and_joint_controllers(build: Callable[..., Pack]) -> None:
    pack = build(
        controllers=[
            {
                "code": "test-council",
                "name": "Test Council",
                "address": "1 High Street",
                "dpo": {"email": "dpo@test.example"},
            },
            {"code": "police", "name": "Test Police", "role": "joint-controller"},
        ],
        recipients=[
            {
                "code": "cloud",
                "name": "Supplier",
                "kind": "processor",
                "country": "Ireland",
                "transfer_safeguard": "UK adequacy regulations",
                "shares": [{"categories": ["identity"], "conditions": ["necessary-for-service"]}],
            },
        ],
        transfers_outside_uk=True,
    )
    row = ropa_rows(pack)[0]
    assert row["a_controller"] == "Test Council, 1 High Street"
    assert row["a_joint_controllers"] == "Test Police"
    assert row["a_dpo"] == "Test Council: dpo@test.example"
    assert row["e_transfers_outside_uk"] == (
        "Outside the UK, under safeguards; Supplier, Ireland: UK adequacy regulations"
    )
    assert "Supplier (an organisation that works on our behalf" in row["d_recipients"]


@pytest.mark.parametrize("path", PACK_FILES, ids=[p.stem for p in PACK_FILES])
def test_pack_record_is_complete(path: Path) -> None:
    result = load_file(path)
    assert result.pack is not None, result.problems
    rows = list(csv.DictReader(io.StringIO(ropa_csv(result.pack))))
    assert len(rows) == len(result.pack.purposes)
    for row in rows:
        for column in ARTICLE_30:
            assert row[column].strip(), (path.name, row["purpose_code"], column)
