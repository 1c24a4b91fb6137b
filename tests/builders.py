"""Small packs built in code, for tests that need a valid pack and one thing wrong with it."""

from __future__ import annotations

from pathlib import Path

import yaml

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
  - {code: identity, name: Names}
  - {code: health, name: Health, special_category: true}
  - {code: offending, name: Offences, criminal_offence: true}
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


def minimal(**changes: object) -> str:
    """The minimal pack with top-level sections replaced (None removes one)."""
    data = yaml.safe_load(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return yaml.safe_dump(data, sort_keys=False)
