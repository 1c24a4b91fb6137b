"""Reading a pack file: YAML with every position remembered, validated into a `Pack`.

A DPO edits packs by hand, so every problem is reported at once with its line and column,
in words about the notice rather than about Python. Hostile or broken files (huge, binary,
deeply nested, alias bombs) are refused with a clear message, never a traceback or a hang.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from safehold.policy.checks import check
from safehold.policy.schema import Pack

# A parsed document and its problems live in `source`, which `checks` reads too: loading calls
# the checks, the checks never call loading (no cycle). Importable from here as before.
from safehold.policy.source import PathKey, Problem, Source

DEFAULT_MAX_BYTES = 1024 * 1024
DEFAULT_MAX_NODES = 50_000
MAX_DEPTH = 64


@dataclass
class LoadResult:
    pack: Pack | None
    source: Source | None
    problems: list[Problem]
    text: str = ""

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "warning"]

    @property
    def ok(self) -> bool:
        return self.pack is not None and not self.errors


class _TooLarge(Exception):
    pass


class _CountingLoader(yaml.SafeLoader):
    """Counts nodes as they are composed, so a huge document is refused as it is read."""

    max_nodes = DEFAULT_MAX_NODES

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise _TooLarge(self.nodes)
        return super().compose_node(parent, index)


def _error(message: str, line: int = 1, column: int = 1) -> Problem:
    return Problem(line, column, "error", message)


def _too_large(size: int, max_bytes: int) -> Problem:
    return _error(
        f"the file is {size / 1024 / 1024:.1f} MiB; a pack may be at most "
        f"{max_bytes / 1024 / 1024:.1f} MiB. Is this the right file?"
    )


def parse(
    raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_nodes: int = DEFAULT_MAX_NODES
) -> tuple[Source | None, list[Problem], str]:
    """Turn the bytes of a pack file into plain data with positions, or say why not."""
    if len(raw) > max_bytes:
        return None, [_too_large(len(raw), max_bytes)], ""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return (
            None,
            [
                _error(
                    f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read); "
                    "save it as UTF-8 and try again",
                    line,
                    column,
                )
            ],
            "",
        )
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        return None, [_error("the file contains a NUL character: is it a binary file?", line)], text
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        return (
            None,
            [
                _error(
                    "the file is empty: a pack starts with 'schema_version: 1' and the notice's facts"
                )
            ],
            text,
        )

    loader = _CountingLoader(text)
    loader.max_nodes = max_nodes
    try:
        node = loader.get_single_node()
    except _TooLarge:
        return (
            None,
            [
                _error(
                    f"the pack has more than {max_nodes:,} entries; a privacy notice never needs that "
                    "many. Is this the right file?"
                )
            ],
            text,
        )
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = exc.problem or "it is not valid YAML"
        context = f" ({exc.context})" if exc.context else ""
        return None, [_error(f"this is not valid YAML: {what}{context}", line, column)], text
    except yaml.YAMLError as exc:
        return None, [_error(f"this is not valid YAML: {exc}")], text
    except RecursionError:
        return None, [_error("the YAML is nested too deeply to be a pack")], text
    finally:
        loader.dispose()

    if node is None:
        return None, [_error("the file is empty: a pack starts with 'schema_version: 1'")], text

    walker = _Walker(loader, max_nodes)
    problems: list[Problem] = []
    try:
        data = walker.build(node, (), problems)
    except _TooLarge:
        return (
            None,
            [
                _error(
                    f"the pack expands to more than {max_nodes:,} entries (through YAML aliases); "
                    "write the entries out instead"
                )
            ],
            text,
        )
    if not isinstance(data, dict):
        problems.append(
            _error("a pack is a set of named sections ('schema_version: 1', 'code: ...', ...)")
        )
        return None, problems, text
    return Source(data, walker.positions, walker.rejected), problems, text


_PLAIN_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("map", "seq", "str", "int", "float", "bool", "null", "timestamp")
)


class _Walker:
    def __init__(self, loader: yaml.SafeLoader, max_nodes: int) -> None:
        self.loader = loader
        self.positions: dict[PathKey, tuple[int, int]] = {(): (1, 1)}
        self.rejected: set[PathKey] = set()
        self.budget = max_nodes

    def build(self, node: yaml.Node, path: PathKey, problems: list[Problem], depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise _TooLarge
        if depth > MAX_DEPTH:
            raise _TooLarge
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.positions.setdefault(path, (line, col))
        if node.tag not in _PLAIN_TAGS:
            # Only plain data: a tag could ask the loader to build objects, or hide meaning.
            problems.append(
                _error(f"the YAML tag '{node.tag}' is not allowed in a pack", line, col)
            )
            self.rejected.add(path)
            return None
        if isinstance(node, yaml.MappingNode):
            result: dict[Any, Any] = {}
            seen: dict[Any, int] = {}
            previous: yaml.Node | None = None
            for key_node, value_node in node.value:
                line, col = key_node.start_mark.line + 1, key_node.start_mark.column + 1
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag not in _PLAIN_TAGS:
                    problems.append(_error("a field name must be plain text", line, col))
                    continue
                key = self.loader.construct_object(key_node)
                if not isinstance(key, str | int | bool) or key is None:
                    problems.append(_error("a field name must be plain text", line, col))
                    continue
                key = str(key) if not isinstance(key, str) else key
                if key in seen:
                    problems.append(
                        _error(
                            f"'{key}' is written twice in the same section (first at line "
                            f"{seen[key]}); only one can count",
                            line,
                            col,
                        )
                    )
                    continue
                seen[key] = line
                self.positions[(*path, key)] = (line, col)
                if _split_by_comma(node, key_node, value_node):
                    # `{name: Health, examples: doctors, midwives}`: YAML reads 'midwives'
                    # as a field with no value. Say so here, not "not something a pack can say".
                    before = self.loader.construct_object(previous) if previous else None
                    after = f" after '{before}'" if isinstance(before, str) else ""
                    problems.append(
                        _error(
                            f"'{key}' has no value: inside {{ }} a comma ends a value, so the "
                            f"text{after} was cut at the comma before '{key}'. Put text that "
                            f'contains a comma in quotes, e.g. "..., {key}"',
                            line,
                            col,
                        )
                    )
                    self.rejected.add((*path, key))
                previous = value_node
                result[key] = self.build(value_node, (*path, key), problems, depth + 1)
            return result
        if isinstance(node, yaml.SequenceNode):
            return [
                self.build(item, (*path, i), problems, depth + 1)
                for i, item in enumerate(node.value)
            ]
        return self.loader.construct_object(node)


def _split_by_comma(mapping: yaml.MappingNode, key: yaml.Node, value: yaml.Node) -> bool:
    """A key with no value and no colon inside a flow mapping: the tail of text a comma cut."""
    return (
        bool(mapping.flow_style)
        and isinstance(key, yaml.ScalarNode)
        and key.style is None
        and isinstance(value, yaml.ScalarNode)
        and value.tag == "tag:yaml.org,2002:null"
        and value.value == ""
        and value.start_mark.index == value.end_mark.index
    )


# --- validation -------------------------------------------------------------------------------


@cache
def _all_field_names() -> frozenset[str]:
    names: set[str] = set()
    seen: set[type[BaseModel]] = set()

    def visit(model: type[BaseModel]) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
            for arg in _types_in(info.annotation):
                if isinstance(arg, type) and issubclass(arg, BaseModel):
                    visit(arg)

    visit(Pack)
    return frozenset(names)


def _types_in(annotation: Any) -> Iterator[Any]:
    yield annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        yield from _types_in(arg)
    for arg in getattr(annotation, "__metadata__", ()) or ():
        yield from _types_in(arg)
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        yield from _types_in(origin)


def _describe(err: Any, path: PathKey) -> str:
    kind = err["type"]
    loc = err["loc"]
    field_name = next((p for p in reversed(loc) if isinstance(p, str)), "value")
    value = err.get("input")
    ctx = err.get("ctx") or {}
    if kind == "missing":
        return f"'{field_name}' is required here but is missing"
    if kind == "extra_forbidden":
        hint = difflib.get_close_matches(str(field_name), _all_field_names(), n=1)
        suggestion = f"; did you mean '{hint[0]}'?" if hint else ""
        return f"'{field_name}' is not something a pack can say here{suggestion}"
    if kind == "string_pattern_mismatch" and "a-z0-9" in str(ctx.get("pattern", "")):
        return (
            f"'{value}' is not a valid code for '{field_name}': use lower-case letters, digits "
            "and hyphens, e.g. 'youth-caution'"
        )
    if kind in {"literal_error", "enum"}:
        return f"'{value}' is not allowed for '{field_name}': use {ctx.get('expected')}"
    if kind == "too_short":
        return f"'{field_name}' needs at least {ctx.get('min_length', 1)} entry"
    if kind in {"list_type"}:
        return f"'{field_name}' should be a list (one entry per line, each starting with '- ')"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return f"'{field_name}' should be a set of named fields, not '{value}'"
    if kind in {"string_type"}:
        return f"'{field_name}' should be text, not {value!r}"
    if kind in {"bool_type", "bool_parsing"}:
        return f"'{field_name}' should be yes or no (true or false), not {value!r}"
    if kind in {"int_type", "int_parsing", "int_from_float"}:
        return f"'{field_name}' should be a whole number, not {value!r}"
    if kind in {
        "date_type",
        "date_parsing",
        "date_from_datetime_parsing",
        "date_from_datetime_inexact",
    }:
        return f"'{field_name}' should be a date written like 2024-03-31, not {value!r}"
    if kind == "string_too_long":
        return f"'{field_name}' is too long (at most {ctx.get('max_length')} characters)"
    if kind == "string_too_short":
        return f"'{field_name}' must not be empty"
    if kind in {"greater_than_equal", "less_than_equal"}:
        return f"'{field_name}': {err['msg'][0].lower()}{err['msg'][1:]}"
    message = str(err["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return f"'{field_name}': {message}" if field_name != "value" else message


def validate(source: Source) -> tuple[Pack | None, list[Problem]]:
    try:
        return Pack.model_validate(source.data), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            path = source.resolve(err["loc"])
            if path in source.rejected:
                continue
            line, column = source.position(path)
            problems.append(Problem(line, column, "error", _describe(err, path), path))
        return None, problems


def load_bytes(
    raw: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_nodes: int = DEFAULT_MAX_NODES
) -> LoadResult:
    """Parse, validate and cross-check a pack; every problem found, sorted by position."""
    source, problems, text = parse(raw, max_bytes=max_bytes, max_nodes=max_nodes)
    if source is None:
        return LoadResult(None, None, sorted(problems), text)
    pack, schema_problems = validate(source)
    problems += schema_problems
    problems += check(source)
    problems = sorted(set(problems))
    return LoadResult(
        pack if not any(p.level == "error" for p in problems) else None, source, problems, text
    )


def load_file(path: str | Path, **limits: int) -> LoadResult:
    path = Path(path)
    max_bytes = limits.get("max_bytes", DEFAULT_MAX_BYTES)
    try:
        size = path.stat().st_size
        if size > max_bytes:  # refused before reading, so a huge file costs nothing
            return LoadResult(None, None, [_too_large(size, max_bytes)])
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadResult(None, None, [_error(f"there is no file at {path}")])
    except IsADirectoryError:
        return LoadResult(None, None, [_error(f"{path} is a folder, not a pack file")])
    except PermissionError:
        return LoadResult(None, None, [_error(f"{path} cannot be read (permission denied)")])
    return load_bytes(raw, **limits)
