"""Small packs built in code, for tests that need a valid pack and one thing wrong with it."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from safehold.records.fields import CRIMINAL_OFFENCE_FIELDS, FIELDS, SPECIAL_CATEGORY_FIELDS

REPO = Path(__file__).resolve().parents[1]
PACKS = REPO / "packs"
PACK_FILES = sorted(PACKS.glob("*.yaml"))

MINIMAL = """\
schema_version: 1
code: test-yjs
name: Test Youth Justice Service
notice:
  title: Test privacy notice
controllers:
  - code: test-council
    name: Test Council
    dpo: {email: dpo@test.example, phone: "01234 567890"}
supervisory_authority: {name: Information Commissioner's Office, website: https://ico.org.uk}
legislation:
  - {code: cda-1998, title: Crime and Disorder Act 1998}
services:
  - {code: court-orders, name: Court orders, controller: test-council, statutory_basis: [cda-1998]}
subjects:
  - {code: young-person, name: Young people}
categories:
  - {code: identity, name: Names, holds: IDENTITY_FIELDS}
  - {code: health, name: Health, special_category: true, holds: HEALTH_FIELDS}
  - {code: offending, name: Offences, criminal_offence: true, holds: OFFENDING_FIELDS}
purposes:
  - code: youth-justice
    name: Youth justice
    categories: [identity, health, offending]
    lawful_basis: [public-task]
    special_category_conditions: [substantial-public-interest, sch1-p2-6]
    criminal_offence_conditions: [official-authority]
recipients:
  - code: courts
    name: Courts
    shares: [{categories: ["*"], purposes: [youth-justice], conditions: [required-by-law]}]
retention:
  - code: case-file
    name: Case files
    statement: Case files are kept until the 25th birthday.
    unit: case-file
    keep: {birthday: 25}
    action: destroy
"""


def _holds(names: Iterable[str]) -> str:
    return "[" + ", ".join(sorted(names)) + "]"


MINIMAL = (
    MINIMAL.replace("HEALTH_FIELDS", _holds(SPECIAL_CATEGORY_FIELDS))
    .replace("OFFENDING_FIELDS", _holds(CRIMINAL_OFFENCE_FIELDS))
    .replace("IDENTITY_FIELDS", _holds(FIELDS - SPECIAL_CATEGORY_FIELDS - CRIMINAL_OFFENCE_FIELDS))
)


def minimal(**changes: object) -> str:
    """The minimal pack with top-level sections replaced (None removes one)."""
    data = yaml.safe_load(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False)
