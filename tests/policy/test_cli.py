"""The `safehold pack` commands, run as a user would run them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from safehold.policy.models import PackVersion
from tests.builders import MINIMAL, PACK_FILES, PACKS, REPO


def safehold(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """The real console entry point, without a secret key or DEBUG: offline commands need neither."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SAFEHOLD_", "DJANGO_"))}
    return subprocess.run(
        [sys.executable, "-m", "safehold", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_accepts_the_shipped_packs() -> None:
    done = safehold("pack", "check", *map(str, PACK_FILES))
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(": valid") == len(PACK_FILES)
    assert "Traceback" not in done.stderr


def test_check_rejects_a_broken_pack_with_every_problem(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        MINIMAL.replace("keep: {birthday: 25}", "keep: {for: 5 yaers, after: case-closed}")
        .replace("conditions: [required-by-law]", "conditions: [whenever]")
        .replace(
            "special_category_conditions: [substantial-public-interest, sch1-p2-6]",
            "special_category_conditions: []",
        )
    )
    done = safehold("pack", "check", str(broken))
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.startswith(f"{broken}:")]
    errors = [line for line in lines if ": error: " in line]
    assert len(errors) == 3, done.stderr
    for line in errors:
        _file, line_no, col, _ = line.split(":", 3)
        assert int(line_no) > 0 and int(col) > 0
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "content",
    [b"", b"key: [unclosed", b"\xff\xfe\x00bad", b"# padding\n" * (1024 * 1024 + 1)],
    ids=["empty", "malformed", "binary", "ten-megabytes"],
)
def test_bad_input_exits_non_zero_without_a_traceback(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    done = safehold("pack", "check", str(path))
    assert done.returncode != 0
    assert f"{path}:1:" in done.stderr or f"{path}:" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_load_then_load_again(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(PACKS / "cambridgeshire-yos.yaml")
    call_command("pack", "load", path)
    call_command("pack", "load", path)
    out = capsys.readouterr().out
    assert "Loaded cambridgeshire-yos as version 1." in out
    assert "unchanged: already stored as version 1" in out
    assert PackVersion.objects.count() == 1
    call_command("pack", "versions", "cambridgeshire-yos")
    assert capsys.readouterr().out.startswith("v1\t")


@pytest.mark.django_db
def test_load_refuses_an_invalid_pack(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(MINIMAL.replace("public-task", "public-taks"))
    with pytest.raises(CommandError, match="nothing was loaded"):
        call_command("pack", "load", str(path))
    assert not PackVersion.objects.exists()


def test_schema_export_matches_the_committed_schema(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("pack", "schema")
    exported = json.loads(capsys.readouterr().out)
    committed = json.loads((PACKS / "pack.schema.json").read_text())
    assert exported == committed, "run: safehold pack schema > packs/pack.schema.json"


def test_committed_schema_accepts_the_shipped_packs() -> None:
    import jsonschema
    import yaml

    schema = json.loads((PACKS / "pack.schema.json").read_text())
    for path in PACK_FILES:
        document = json.loads(json.dumps(yaml.safe_load(path.read_text()), default=str))
        jsonschema.Draft202012Validator(schema).validate(document)
