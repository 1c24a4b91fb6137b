"""The privacy notice, printed from the pack.

`notice_document` turns a pack into a structured document: sections in the order a
privacy notice is read, each with the pack's own words first (when it has them) and then
the facts the system enforces. The HTML variants, the Markdown and the plain text are all
renderings of that one document, so they can never say different things.

Variants:

- ``full``: the public web page;
- ``print``: the same facts laid out as a printable booklet;
- ``young-person``: plain words, short sentences, spoken to the young person.

Where each part is:

- `document`      the document's blocks (`Span`, `Para`, `Facts`, `Table`, `Section`, ...)
                  and the variants
- `words`         how the pack's codes read: section order, labels, contacts, the pack's
                  own wording for a section (`NoticeIndex`: the pack looked up by code)
- `full`          the full notice's sections (and the printed booklet's)
- `young_person`  the young person's sections, in plain words
- `render`        `notice_document`, and the HTML, Markdown and plain-text renderings
"""

from safehold.policy.notice.document import (
    TEMPLATES,
    VARIANTS,
    Block,
    NoticeDocument,
    Section,
    Variant,
)
from safehold.policy.notice.full import (
    outside_uk_statement,
    service_role_words,
    statistics_blocks,
)
from safehold.policy.notice.render import (
    document_markdown,
    document_text,
    notice_document,
    notice_links,
    notice_text,
    render_html,
    render_markdown,
)
from safehold.policy.notice.words import (
    AS_STATED,
    NOT_STATED,
    RECIPIENT_KIND_WORDS,
    SECTION_ORDER,
    category_label,
    contact_lines,
    contact_summary,
    is_uk,
    provision_label,
    provision_plain,
    supervisory_authority,
)
from safehold.policy.notice.young_person import about_the_young_person

__all__ = [
    "AS_STATED",
    "NOT_STATED",
    "RECIPIENT_KIND_WORDS",
    "SECTION_ORDER",
    "TEMPLATES",
    "VARIANTS",
    "Block",
    "NoticeDocument",
    "Section",
    "Variant",
    "about_the_young_person",
    "category_label",
    "contact_lines",
    "contact_summary",
    "document_markdown",
    "document_text",
    "is_uk",
    "notice_document",
    "notice_links",
    "notice_text",
    "outside_uk_statement",
    "provision_label",
    "provision_plain",
    "render_html",
    "render_markdown",
    "service_role_words",
    "statistics_blocks",
    "supervisory_authority",
]
