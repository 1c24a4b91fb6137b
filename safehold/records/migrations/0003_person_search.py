"""Find a person by name with the database's own fuzzy matching (docs/adr/0009).

PostgreSQL: the pg_trgm extension and a GIN trigram index on the normalised full name, the
same expression `records.search.full_name` queries. SQLite: an FTS5 table with the trigram
tokenizer holding each person's normalised name, kept in step by triggers, so that every
write (the gate's, the demo's bulk INSERT, a disposal) keeps it true without Python.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

# Each word padded as pg_trgm pads it ("  john  smith "), so that the trigrams match the
# first letters of a word as pg_trgm's do.
SQLITE_NAME = (
    "'  ' || lower(replace(trim({p}.given_name || ' ' || {p}.preferred_name || ' ' || "
    "{p}.family_name), ' ', '  ')) || ' '"
)
SQLITE_FORWARDS = [
    "CREATE VIRTUAL TABLE records_person_search USING fts5(name, tokenize='trigram')",
    # How many names hold each trigram: the search picks the query's rarest.
    "CREATE VIRTUAL TABLE records_person_search_terms USING fts5vocab(records_person_search, row)",
    "INSERT INTO records_person_search (rowid, name) SELECT id, "
    + SQLITE_NAME.format(p="records_person")
    + " FROM records_person",
    "CREATE TRIGGER records_person_search_insert AFTER INSERT ON records_person BEGIN "
    "INSERT INTO records_person_search (rowid, name) VALUES (new.id, "
    + SQLITE_NAME.format(p="new")
    + "); END",
    "CREATE TRIGGER records_person_search_update AFTER UPDATE OF given_name, preferred_name, "
    "family_name ON records_person BEGIN UPDATE records_person_search SET name = "
    + SQLITE_NAME.format(p="new")
    + " WHERE rowid = old.id; END",
    "CREATE TRIGGER records_person_search_delete AFTER DELETE ON records_person BEGIN "
    "DELETE FROM records_person_search WHERE rowid = old.id; END",
]
SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS records_person_search_insert",
    "DROP TRIGGER IF EXISTS records_person_search_update",
    "DROP TRIGGER IF EXISTS records_person_search_delete",
    "DROP TABLE IF EXISTS records_person_search_terms",
    "DROP TABLE IF EXISTS records_person_search",
]
# Must be character for character the expression records.search.full_name() builds.
POSTGRES_FORWARDS = [
    "CREATE INDEX IF NOT EXISTS records_person_name_trgm ON records_person USING gin "
    "((lower(given_name || ' ' || preferred_name || ' ' || family_name)) gin_trgm_ops)",
    # pg_trgm declares the function behind %> as cheap as an integer comparison, so the planner
    # would rather filter a whole controller's people by it than use the index (270 ms against
    # 30 ms at 100,000 people). Trigram extraction is not cheap: say so. Only the extension's
    # owner may; elsewhere the search is still right, only slower.
    "DO $$ BEGIN ALTER FUNCTION word_similarity_commutator_op(text, text) COST 100; "
    "EXCEPTION WHEN insufficient_privilege THEN "
    "RAISE NOTICE 'pg_trgm: not the owner, word_similarity_commutator_op keeps its cost'; END $$",
]
POSTGRES_BACKWARDS = ["DROP INDEX IF EXISTS records_person_name_trgm"]


def forwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRES_FORWARDS}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = {"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRES_BACKWARDS}
    for sql in statements.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ("records", "0002_edit_history"),
    ]

    operations = [
        # Does nothing on SQLite.
        TrigramExtension(),
        migrations.RunPython(forwards, backwards),
    ]
