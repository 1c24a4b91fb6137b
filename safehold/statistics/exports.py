"""A protected result as CSV, XLSX (openpyxl) or JSON: only published figures, the symbol
where one is hidden, and the words that say how the table was protected."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from safehold.statistics.disclosure import Figure, Published
from safehold.statistics.runs import Result

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}


def filename(result: Result, fmt: str) -> str:
    return f"{result.output.code}-{result.quarter.code}.{fmt}"


def _value(figure: Figure | None) -> int | str:
    if figure is None:
        return ""
    return figure.symbol if figure.value is None else figure.value


def grid(result: Result) -> list[list[int | str]]:
    """The table as rows of cells, headings first, totals last."""
    table: Published = result.table
    head: list[int | str] = [result.by.name, *table.columns]
    if table.row_totals is not None:
        head.append("Total")
    rows: list[list[int | str]] = [head]
    for r, label in enumerate(table.rows):
        line: list[int | str] = [label, *(_value(f) for f in table.cells[r])]
        if table.row_totals is not None:
            line.append(_value(table.row_totals[r]))
        rows.append(line)
    if table.column_totals is not None:
        line = ["Total", *(_value(f) for f in table.column_totals)]
        if table.row_totals is not None:
            line.append(_value(table.total))
        rows.append(line)
    return rows


def notes(result: Result) -> list[str]:
    lines = [
        f"{result.output.title}, {result.quarter.label}: {result.output.description}",
        f"{result.controller}; {result.service_name}.",
        result.profile.describe(),
        *result.table.notes,
    ]
    if result.opted_out:
        lines.append(f"People who opted out are left out: {', '.join(result.opted_out)}.")
    return lines


def as_csv(result: Result) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(grid(result))
    writer.writerow([])
    for line in notes(result):
        writer.writerow([line])
    return out.getvalue().encode("utf-8")


def as_xlsx(result: Result) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = result.quarter.code
    rows = grid(result)
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.append([])
    for line in notes(result):
        sheet.append([line])
    series = book.create_sheet("By quarter")
    series.append(["Quarter", result.output.counts.capitalize()])
    for label, figures in zip(result.series.rows, result.series.cells, strict=True):
        series.append([label, _value(figures[0])])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def as_json(result: Result) -> bytes:
    rows = grid(result)
    body: dict[str, Any] = {
        "output": result.output.code,
        "title": result.output.title,
        "period": result.quarter.code,
        "period_label": result.quarter.label,
        "controller": result.controller,
        "service": result.service,
        "rows_by": result.by.code,
        "columns_by": result.split.code if result.split else None,
        "suppression": {
            "threshold": result.profile.threshold,
            "rounding": result.profile.rounding,
            "symbol": result.profile.symbol,
            "secondary": result.profile.secondary,
            "exempt": sorted(result.profile.exempt),
        },
        "withheld": result.table.withheld,
        "head": rows[0],
        "rows": rows[1:],
        "by_quarter": [
            {"period": q.code, "value": _value(row[0])}
            for q, row in zip(result.quarters, result.series.cells, strict=True)
        ],
        "notes": notes(result),
    }
    return json.dumps(body, indent=2).encode("utf-8")


def render(result: Result, fmt: str) -> bytes:
    return {"csv": as_csv, "xlsx": as_xlsx, "json": as_json}[fmt](result)
