"""Path converters for the pages' URLs."""

from __future__ import annotations

from safehold.records.validation import MAX_ID


class IdConverter:
    """`<id:case_id>`: a record's id, 1 to PostgreSQL's bigint. Django's `int` takes any
    number of digits, and a larger one overflows the database's integer (a 500); past the
    bigint nothing can exist, so the page is simply not found."""

    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError(value)  # Django: no match, so 404
        return number

    def to_url(self, value: int) -> str:
        return str(value)
