"""The database itself refuses to change or remove audit entries.

Triggers, not permissions, because the migrating role usually owns the table and owners bypass
grants. Emptying an *empty* log is allowed, so test databases can still be flushed; removing the
chain head is refused while the log has entries; the head only moves forward.

SQLite remakes a table to alter it, which drops its triggers: a later migration that alters
audit_event or audit_chainhead must create these triggers again. `safehold audit verify` reports
any that are missing.
"""

from django.db import migrations

SQLITE = [
    """
    CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event
    BEGIN SELECT RAISE(ABORT, 'audit_event is append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_chainhead_no_delete BEFORE DELETE ON audit_chainhead
    WHEN EXISTS (SELECT 1 FROM audit_event)
    BEGIN SELECT RAISE(ABORT, 'audit_chainhead is append-only: DELETE refused'); END
    """,
    """
    CREATE TRIGGER audit_chainhead_forward_only BEFORE UPDATE ON audit_chainhead
    WHEN NEW.id <> OLD.id OR NEW.seq < OLD.seq
    BEGIN SELECT RAISE(ABORT, 'audit_chainhead is append-only: it only moves forward'); END
    """,
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
    "DROP TRIGGER IF EXISTS audit_chainhead_no_delete",
    "DROP TRIGGER IF EXISTS audit_chainhead_forward_only",
]

POSTGRESQL = [
    """
    CREATE FUNCTION audit_event_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM audit_event) THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'audit_event is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_event_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_event
    FOR EACH STATEMENT EXECUTE FUNCTION audit_event_refuse_change()
    """,
    """
    CREATE FUNCTION audit_chainhead_guard() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' THEN
            IF NEW.id <> OLD.id OR NEW.seq < OLD.seq THEN
                RAISE EXCEPTION 'audit_chainhead is append-only: it only moves forward'
                    USING ERRCODE = 'restrict_violation';
            END IF;
            RETURN NEW;
        END IF;
        IF EXISTS (SELECT 1 FROM audit_event) THEN
            RAISE EXCEPTION 'audit_chainhead is append-only: % refused', TG_OP
                USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NULL;
    END;
    $$
    """,
    """
    CREATE TRIGGER audit_chainhead_guard
    BEFORE UPDATE OR DELETE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_chainhead_guard()
    """,
    """
    CREATE TRIGGER audit_chainhead_no_truncate
    BEFORE TRUNCATE ON audit_chainhead
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chainhead_guard()
    """,
]

POSTGRESQL_REVERSE = [
    "DROP TRIGGER IF EXISTS audit_chainhead_no_truncate ON audit_chainhead",
    "DROP TRIGGER IF EXISTS audit_chainhead_guard ON audit_chainhead",
    "DROP FUNCTION IF EXISTS audit_chainhead_guard()",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_event",
    "DROP FUNCTION IF EXISTS audit_event_refuse_change()",
]


def run(statements: dict[str, list[str]]):
    def apply(apps, schema_editor):
        for sql in statements.get(schema_editor.connection.vendor, []):
            # params=None: the PL/pgSQL bodies contain '%', which must not be read as a placeholder.
            schema_editor.execute(sql, params=None)

    return apply


class Migration(migrations.Migration):

    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRESQL_REVERSE}),
            elidable=False,
        ),
    ]
