"""The subjects of list events (docs/adr/0024): one row per person, case or record a list showed,
covered by its event's hash, and refused any change by the database as the events are.

Only a new table: audit_event and audit_chainhead are not altered, so their triggers (0002) stay
as they were on SQLite too. Emptying an empty table is allowed, as for events, so a test
database can still be flushed.
"""

from django.db import migrations, models

SQLITE = [
    """
    CREATE TRIGGER audit_subject_no_update BEFORE UPDATE ON audit_subject
    BEGIN SELECT RAISE(ABORT, 'audit_subject is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_subject_no_delete BEFORE DELETE ON audit_subject
    BEGIN SELECT RAISE(ABORT, 'audit_subject is append-only: DELETE refused'); END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_subject_no_update",
    "DROP TRIGGER IF EXISTS audit_subject_no_delete",
]

POSTGRESQL = [
    """
    CREATE FUNCTION audit_subject_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM audit_subject) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit_subject is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_subject_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_subject
    FOR EACH STATEMENT EXECUTE FUNCTION audit_subject_refuse_change()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_subject_append_only ON audit_subject",
    "DROP FUNCTION IF EXISTS audit_subject_refuse_change()",
]


def run(statements: dict[str, list[str]]):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            # params=None: the PL/pgSQL bodies contain '%', not a placeholder.
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_aggregate"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditSubject",
            fields=[
                ("pk", models.CompositePrimaryKey("event", "position", serialize=False)),
                (
                    "event",
                    models.ForeignKey(
                        db_column="seq",
                        db_constraint=False,
                        db_index=False,
                        on_delete=models.DO_NOTHING,
                        related_name="subjects",
                        to="audit.auditevent",
                    ),
                ),
                ("position", models.IntegerField(help_text="Its place in the event's list, from 0.")),
                ("person_id", models.BigIntegerField(blank=True, null=True)),
                ("case_id", models.BigIntegerField(blank=True, null=True)),
                ("record_id", models.BigIntegerField(blank=True, null=True)),
            ],
            options={
                "db_table": "audit_subject",
                "ordering": ("event_id", "position"),
                "indexes": [
                    models.Index(
                        condition=models.Q(("person_id__isnull", False)),
                        fields=["person_id", "event"],
                        name="audit_subject_person_idx",
                    ),
                    models.Index(
                        condition=models.Q(("case_id__isnull", False)),
                        fields=["case_id", "event"],
                        name="audit_subject_case_idx",
                    ),
                ],
            },
        ),
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
            elidable=False,
        ),
    ]
