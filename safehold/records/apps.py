from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created


def trigram_threshold(sender: Any, connection: Any, **kwargs: Any) -> None:
    """PostgreSQL: the word similarity at which `%>` matches, the same as SQLite's (two
    letters wrong in a two-word name still match; records/search.py)."""
    if connection.vendor != "postgresql":
        return
    from safehold.records.search import WORD_SIMILARITY

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pg_trgm.word_similarity_threshold', %s, false)",
            [str(WORD_SIMILARITY)],
        )


class RecordsConfig(AppConfig):
    name = "safehold.records"
    label = "records"
    verbose_name = "What information we hold"

    def ready(self) -> None:
        connection_created.connect(trigram_threshold, dispatch_uid="records-trigram-threshold")
