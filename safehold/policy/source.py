"""A parsed pack document (plain data, and where each part of it was written) and the
problems found in it, each at its line and column: what the loader makes and the checks read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

PathKey = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    line: int
    column: int
    level: Literal["error", "warning"]
    message: str
    path: PathKey = field(default=(), compare=False)

    def format(self, filename: str) -> str:
        return f"{filename}:{self.line}:{self.column}: {self.level}: {self.message}"


@dataclass
class Source:
    """A parsed pack document: plain data, plus where each part of it was written."""

    data: Any
    positions: dict[PathKey, tuple[int, int]]
    rejected: set[PathKey] = field(default_factory=set)  # already reported while parsing

    def position(self, path: PathKey) -> tuple[int, int]:
        # The nearest enclosing position: a missing field is reported at its parent.
        for end in range(len(path), -1, -1):
            if path[:end] in self.positions:
                return self.positions[path[:end]]
        return (1, 1)

    def resolve(self, loc: tuple[Any, ...]) -> PathKey:
        """Map a pydantic error location onto the document, skipping union tags."""
        cur: Any = self.data
        path: list[str | int] = []
        for part in loc:
            if (isinstance(cur, dict) and part in cur) or (
                isinstance(cur, list) and isinstance(part, int) and 0 <= part < len(cur)
            ):
                path.append(part)
                cur = cur[part]
        return tuple(path)
