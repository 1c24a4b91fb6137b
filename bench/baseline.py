"""The code a benchmark compares itself with, loaded from git into the same process.

A figure measured on this shared machine varies by tens of percent from one run to the next
(other work comes and goes), so a benchmark that says "faster than main" measures main's code
in the same run, interleaved with the new, on the same data:

    old = baseline.load("main", "safehold.audit.chain", "safehold.audit.services")
    old["safehold.audit.services"].append(batch)

Each named module is compiled from its text at that revision (`git show REV:path`), in order,
and while the later ones are executed the earlier ones stand in for their names, so the old
services module imports the old chain module; everything else it imports is today's. The
modules are not left in sys.modules.
"""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT = "main"


def describe(rev: str) -> str:
    """The revision as `rev (abbreviated commit)`."""
    commit = subprocess.run(  # noqa: S603 - git, with the revision given on our command line
        ["git", "rev-parse", "--short", rev],  # noqa: S607
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    return f"{rev} ({commit})"


def source(rev: str, module: str) -> str | None:
    """The module's text at rev, or None if it did not exist then (a package's __init__ too)."""
    for path in (module.replace(".", "/") + ".py", module.replace(".", "/") + "/__init__.py"):
        shown = subprocess.run(  # noqa: S603 - git, with the revision given on our command line
            ["git", "show", f"{rev}:{path}"],  # noqa: S607
            cwd=REPO,
            capture_output=True,
            text=True,
        )
        if shown.returncode == 0:
            return shown.stdout
    return None


def load(rev: str, *modules: str) -> dict[str, types.ModuleType]:
    loaded: dict[str, types.ModuleType] = {}
    saved = {name: sys.modules.get(name) for name in modules}
    # `from package import module` finds the module as an attribute of its package: the old
    # one stands there too while the others are executed.
    parents = {name: sys.modules.get(name.rpartition(".")[0]) for name in modules}
    attributes = {
        name: getattr(parent, name.rpartition(".")[2], None)
        for name, parent in parents.items()
        if parent is not None
    }
    try:
        for name in modules:
            text = source(rev, name)
            if text is None:
                raise LookupError(f"{name} does not exist at {rev}")
            module = types.ModuleType(name)
            module.__file__ = f"{rev}:{name.replace('.', '/')}.py"
            module.__package__ = name.rpartition(".")[0]
            sys.modules[name] = module  # dataclasses and the like look their module up
            if parents[name] is not None:
                setattr(parents[name], name.rpartition(".")[2], module)
            exec(compile(text, module.__file__, "exec"), module.__dict__)  # noqa: S102 - our own code
            loaded[name] = module
    finally:
        for name, before_attribute in attributes.items():
            if before_attribute is not None:
                setattr(parents[name], name.rpartition(".")[2], before_attribute)
            elif hasattr(parents[name], name.rpartition(".")[2]):
                # Not imported before: the old module must not stay as the package's
                # attribute, or today's `from package import module` finds it there.
                delattr(parents[name], name.rpartition(".")[2])
        for name, before in saved.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
    return loaded
