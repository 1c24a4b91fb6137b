"""The notice as a structured document: spans, paragraphs, facts, tables and sections, and
the variants it is printed in. Every rendering is of one such document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, Literal

Variant = Literal["full", "print", "young-person"]
VARIANTS: tuple[Variant, ...] = ("full", "print", "young-person")

TEMPLATES: dict[Variant, str] = {
    "full": "policy/notice.html",
    "print": "policy/notice_print.html",
    "young-person": "policy/notice_young_person.html",
}

# --- the document -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """A piece of text, optionally a link."""

    text: str
    href: str | None = None

    def plain(self) -> str:
        if self.href and self.href.removeprefix("mailto:") != self.text:
            return f"{self.text} ({self.href})"
        return self.text

    def markdown(self) -> str:
        text = md_escape(self.text)
        return f"[{text}]({self.href})" if self.href else text


@dataclass(frozen=True)
class Fact:
    key: str
    lines: list[Span]


@dataclass(frozen=True)
class Para:
    kind: ClassVar[str] = "para"
    text: str


@dataclass(frozen=True)
class Heading:
    kind: ClassVar[str] = "heading"
    text: str


@dataclass(frozen=True)
class Bullets:
    kind: ClassVar[str] = "bullets"
    items: list[Span]
    intro: str | None = None


@dataclass(frozen=True)
class Facts:
    """Key and value pairs: a summary list, or a summary card when it has a title."""

    kind: ClassVar[str] = "facts"
    rows: list[Fact]
    title: str | None = None


@dataclass(frozen=True)
class Table:
    kind: ClassVar[str] = "table"
    head: list[str]
    rows: list[list[str]]
    caption: str | None = None

    def without_empty_columns(self) -> Table:
        """The table without columns that no row fills in (the first column always stays)."""
        keep = [
            i for i in range(len(self.head)) if i == 0 or any(row[i].strip() for row in self.rows)
        ]
        return Table(
            [self.head[i] for i in keep],
            [[row[i] for i in keep] for row in self.rows],
            self.caption,
        )

    def params(self) -> dict[str, object]:
        """The table as `govukTable` parameters (text only, so the macro escapes it)."""
        return {
            "caption": self.caption,
            "captionClasses": "govuk-table__caption--m",
            "firstCellIsHeader": True,
            "head": [{"text": h} for h in self.head],
            "rows": [[{"text": c} for c in row] for row in self.rows],
        }


@dataclass(frozen=True)
class Inset:
    kind: ClassVar[str] = "inset"
    text: str


@dataclass(frozen=True)
class WarningText:
    """A gap or a caution the reader must not miss."""

    kind: ClassVar[str] = "warning"
    text: str


Block = Para | Heading | Bullets | Facts | Table | Inset | WarningText


@dataclass(frozen=True)
class Section:
    id: str
    heading: str
    wording: list[str] = field(default_factory=list)
    """The pack's own words for this section, paragraph by paragraph."""
    blocks: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class NoticeDocument:
    code: str
    name: str
    title: str
    variant: Variant
    summary: list[str]
    published: date | None
    sections: list[Section]

    @property
    def published_words(self) -> str | None:
        return date_words(self.published) if self.published else None


def date_words(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def md_escape(text: str) -> str:
    for char in ("\\", "*", "_", "[", "]", "|", "`"):
        text = text.replace(char, "\\" + char)
    return text
