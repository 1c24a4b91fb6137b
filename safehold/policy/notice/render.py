"""Building the document for a variant and rendering it: HTML through the templates, Markdown
and plain text.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse

from safehold.policy.notice.document import (
    TEMPLATES,
    VARIANTS,
    Block,
    Bullets,
    Facts,
    Heading,
    Inset,
    NoticeDocument,
    Para,
    Table,
    Variant,
    WarningText,
    md_escape,
)
from safehold.policy.notice.full import full_sections
from safehold.policy.notice.words import paragraphs_of
from safehold.policy.notice.young_person import young_person_sections
from safehold.policy.schema import (
    Pack,
)

# --- building and rendering ---------------------------------------------------------------------


def notice_document(pack: Pack, variant: Variant = "full") -> NoticeDocument:
    if variant not in VARIANTS:
        raise ValueError(f"unknown notice variant {variant!r}; use one of {', '.join(VARIANTS)}")
    if variant == "young-person":
        sections = young_person_sections(pack)
        summary: list[str] = []
    else:
        sections = full_sections(pack, variant)
        summary = paragraphs_of(pack.notice.summary)
    return NoticeDocument(
        code=pack.code,
        name=pack.name,
        title=pack.notice.title,
        variant=variant,
        summary=summary,
        published=pack.notice.published,
        sections=sections,
    )


def notice_links(code: str) -> dict[str, str]:
    """Web addresses of the notice's variants and its record of processing, where routed."""
    names = {
        "full": "web:privacy-notice",
        "print": "web:privacy-notice-print",
        "young-person": "web:privacy-notice-young-people",
        "ropa-csv": "web:privacy-ropa-csv",
        "ropa-json": "web:privacy-ropa-json",
        "index": "web:privacy-index",
    }
    links: dict[str, str] = {}
    for key, name in names.items():
        try:
            links[key] = reverse(name) if key == "index" else reverse(name, args=[code])
        except NoReverseMatch:
            continue
    return links


def render_html(pack: Pack, variant: Variant = "full", *, csp_nonce: str = "") -> str:
    """The notice as a complete web page; `csp_nonce` lets its inline scripts run under the
    response's Content-Security-Policy."""
    document = notice_document(pack, variant)
    context = {"notice": document, "links": notice_links(pack.code), "cspNonce": csp_nonce}
    return render_to_string(TEMPLATES[variant], context)


# --- Markdown and plain text ------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return md_escape(" ".join(text.split()))


def _markdown_block(block: Block) -> list[str]:
    if isinstance(block, Para):
        return [md_escape(block.text), ""]
    if isinstance(block, Heading):
        return [f"### {md_escape(block.text)}", ""]
    if isinstance(block, Bullets):
        lines = [md_escape(block.intro), ""] if block.intro else []
        return [*lines, *(f"- {item.markdown()}" for item in block.items), ""]
    if isinstance(block, Facts):
        lines = [f"#### {md_escape(block.title)}", ""] if block.title else []
        for fact in block.rows:
            values = [span.markdown() for span in fact.lines]
            if len(values) == 1:
                lines.append(f"- **{md_escape(fact.key)}:** {values[0]}")
            else:
                lines.append(f"- **{md_escape(fact.key)}:**")
                lines += [f"  - {value}" for value in values]
        return [*lines, ""]
    if isinstance(block, Table):
        lines = [f"*{md_escape(block.caption)}*", ""] if block.caption else []
        lines.append("| " + " | ".join(_md_cell(h) for h in block.head) + " |")
        lines.append("|" + "|".join(" --- " for _ in block.head) + "|")
        lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in block.rows]
        return [*lines, ""]
    if isinstance(block, Inset):
        return [f"> {md_escape(block.text)}", ""]
    return [f"> **Warning:** {md_escape(block.text)}", ""]


def document_markdown(document: NoticeDocument) -> str:
    lines = [f"# {md_escape(document.title)}", "", f"*{md_escape(document.name)}*", ""]
    for paragraph in document.summary:
        lines += [md_escape(paragraph), ""]
    for section in document.sections:
        lines += [f"## {md_escape(section.heading)}", ""]
        for paragraph in section.wording:
            lines += [md_escape(paragraph), ""]
        for block in section.blocks:
            lines += _markdown_block(block)
    return "\n".join(lines).rstrip() + "\n"


def render_markdown(pack: Pack, variant: Variant = "full") -> str:
    """The notice in Markdown (the full notice unless another variant is asked for)."""
    return document_markdown(notice_document(pack, variant))


def _text_block(block: Block) -> list[str]:
    if isinstance(block, Para | Inset):
        return [block.text, ""]
    if isinstance(block, WarningText):
        return [f"Warning: {block.text}", ""]
    if isinstance(block, Heading):
        return [block.text, ""]
    if isinstance(block, Bullets):
        lines = [block.intro] if block.intro else []
        return [*lines, *(f"  * {item.plain()}" for item in block.items), ""]
    if isinstance(block, Facts):
        lines = [block.title] if block.title else []
        for fact in block.rows:
            lines.append(f"  {fact.key}: {'; '.join(span.plain() for span in fact.lines)}")
        return [*lines, ""]
    lines = [block.caption] if block.caption else []
    for row in block.rows:
        lines.append(
            "  " + "; ".join(f"{h}: {c}" for h, c in zip(block.head, row, strict=False) if c)
        )
    return [*lines, ""]


def document_text(document: NoticeDocument) -> str:
    lines = [document.title, document.name, ""]
    lines += [p for paragraph in document.summary for p in (paragraph, "")]
    for section in document.sections:
        lines += [section.heading, "=" * len(section.heading), ""]
        lines += [p for paragraph in section.wording for p in (paragraph, "")]
        for block in section.blocks:
            lines += _text_block(block)
    return "\n".join(lines).rstrip() + "\n"


def notice_text(pack: Pack, variant: Variant = "full") -> str:
    """The notice as plain text (the full notice unless another variant is asked for)."""
    return document_text(notice_document(pack, variant))
