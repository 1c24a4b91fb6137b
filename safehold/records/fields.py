"""Every field of personal data Safehold stores, by `record.field`.

A pack assigns each to one of its data categories (`categories[].holds`); the gate reads,
writes and redacts by category. A field no category holds is withheld from everyone. A test
fails when a model gains a field of personal data that is not listed here.
"""

from __future__ import annotations

RECORD_FIELDS: dict[str, tuple[str, ...]] = {
    "person": (
        "given_name",
        "family_name",
        "preferred_name",
        "date_of_birth",
        "sex",
        "ethnicity",
        "address",
        "postcode",
        "phone",
        "email",
        "school",
        "health_needs",
        "last_contact_on",
    ),
    "personflag": ("flag", "holds", "started_on", "ended_on"),
    # The dates of events a pack declares for a person or a case (sharing.RecordedEvent).
    "recordedevent": ("event", "on"),
    "relationship": ("kind", "lives_with"),
    "case": ("service", "opened_on", "closed_on", "closed_reason"),
    "contact": ("kind", "occurred_at", "notes"),
    "assessment": ("kind", "completed_on", "summary", "health_findings"),
    "plan": ("kind", "starts_on", "review_on", "summary"),
    "planaction": ("description", "due_on", "done_on"),
    "offence": ("committed_on", "description", "offence_type", "gravity"),
    "victimlink": (
        "contact_consent",
        "consent_recorded_on",
        "restorative_justice",
        "rj_recorded_on",
    ),
    "outcome": ("kind", "starts_on", "ends_on", "requirements"),
    "report": ("kind", "due_on", "body", "copy_given_on"),
}

FIELDS: frozenset[str] = frozenset(
    f"{record}.{name}" for record, names in RECORD_FIELDS.items() for name in names
)

# Fields whose content the law classes, whatever a pack calls them: racial or ethnic origin
# and health are special category data (UK GDPR Article 9); offences and their outcomes are
# criminal offence data (Article 10). A pack must hold them in categories marked so.
SPECIAL_CATEGORY_FIELDS: frozenset[str] = frozenset(
    {"person.ethnicity", "person.health_needs", "assessment.health_findings"}
)
CRIMINAL_OFFENCE_FIELDS: frozenset[str] = frozenset(
    {f"offence.{name}" for name in RECORD_FIELDS["offence"]}
    | {f"outcome.{name}" for name in RECORD_FIELDS["outcome"]}
)
