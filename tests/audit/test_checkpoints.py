"""Signed checkpoints outside the database catch what the chain alone cannot: its end cut off,
or the chain rewritten from some entry on and hashed again (docs/adr/0011)."""

from __future__ import annotations

import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.db import transaction

from safehold.audit import checkpoints
from safehold.audit.chain import HASHED_FIELDS, entry_hash
from safehold.audit.models import AuditEvent, ChainHead
from safehold.audit.services import append, verify_chain
from tests.audit.conftest import entry
from tests.audit.dba import as_dba

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def every_four(settings: Any) -> None:
    """A checkpoint whenever an append crosses a multiple of four entries, and never by time."""
    settings.AUDIT_CHECKPOINT_EVERY = 4
    settings.AUDIT_CHECKPOINT_SECONDS = 1e9


@pytest.fixture
def commit(django_capture_on_commit_callbacks: Any) -> Callable[..., list[AuditEvent]]:
    """append(), with its on-commit hooks run as a real commit would run them."""

    def appended(*people: int) -> list[AuditEvent]:
        with django_capture_on_commit_callbacks(execute=True):
            return append([entry(person_id=p) for p in people])

    return appended


@pytest.fixture
def chain(every_four: None, commit: Callable[..., list[AuditEvent]]) -> list[AuditEvent]:
    """Ten entries in batches of 3, 4 and 3: checkpoints at entries 7 and 10."""
    return [*commit(1, 2, 3), *commit(4, 5, 6, 7), *commit(8, 9, 10)]


def lines() -> list[dict[str, Any]]:
    return [json.loads(line) for line in checkpoints.checkpoint_file().read_text().splitlines()]


def verify_output() -> str:
    out = StringIO()
    call_command("audit", "verify", stdout=out, stderr=StringIO())
    return out.getvalue()


def rehash_from(seq: int, **changes: Any) -> None:
    """What someone with the database and the hash function does: change entry `seq`, hash it
    and every later entry again, and move the head, so the chain alone is intact."""
    with as_dba():
        prev = AuditEvent.objects.get(seq=seq - 1).hash
        for event in AuditEvent.objects.filter(seq__gte=seq).order_by("seq"):
            if event.seq == seq:
                for name, value in changes.items():
                    setattr(event, name, value)
            event.prev_hash = prev
            event.hash = prev = entry_hash(prev, [getattr(event, f) for f in HASHED_FIELDS])
            event.save()
        ChainHead.objects.update(hash=prev)


def test_appends_sign_the_head_outside_the_database(chain, settings) -> None:
    file = checkpoints.checkpoint_file()
    assert file.parent == Path(settings.AUDIT_CHECKPOINT_DIR)
    assert [(c["seq"], c["hash"]) for c in lines()] == [(7, chain[6].hash), (10, chain[9].hash)]
    result = verify_chain()
    assert result.ok and (result.checkpoints, result.checkpointed_seq) == (2, 10)
    assert "Checked against 2 signed checkpoints" in verify_output()


def test_a_rolled_back_append_signs_nothing(every_four, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as hooks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        append([entry(person_id=p) for p in range(5)])
        raise RuntimeError("the work being logged failed")
    assert hooks == [] and not checkpoints.checkpoint_file().exists()


def test_a_cut_off_end_with_the_head_moved_back_is_caught(chain) -> None:
    with as_dba():
        AuditEvent.objects.filter(seq__gte=9).delete()
        ChainHead.objects.update(seq=8, hash=chain[7].hash)
    assert verify_chain(signed=False).ok  # what verify saw before: nothing wrong
    problem = verify_chain().problem
    assert problem is not None and (problem.seq, problem.kind) == (9, "truncated")
    assert "entries 9-10 are missing: the checkpoint of entry 10 signed at" in problem.detail
    with pytest.raises(CommandError, match="audit chain broken at entry 9: truncated"):
        verify_output()


def test_a_rewritten_and_rehashed_chain_is_caught_at_the_first_checkpoint_after(chain) -> None:
    rehash_from(3, purpose="made-up")
    assert verify_chain(signed=False).ok
    problem = verify_chain().problem
    assert problem is not None and (problem.seq, problem.kind) == (7, "anchor")
    assert "not the one in the checkpoint of entry 7" in problem.detail


def test_a_rewritten_tail_past_the_last_checkpoint_is_not_caught(chain, commit) -> None:
    # The limit, stated in the ADR: entries after the last checkpoint are anchored by nothing.
    commit(11)
    rehash_from(11, purpose="made-up")
    assert verify_chain().ok


def test_a_checkpoint_line_altered_or_unreadable_is_reported(chain) -> None:
    file = checkpoints.checkpoint_file()
    first, second = file.read_text().splitlines()
    altered = json.loads(first) | {"hash": "f" * 64}
    file.write_text("\n".join([json.dumps(altered), second, "not json", ""]))
    result = verify_chain()
    assert not result.ok and result.problem is None
    assert result.checkpoint_problems == (
        f"{file.name} line 1: its signature does not verify: altered or forged",
        f"{file.name} line 3: not a checkpoint",
    )
    with pytest.raises(CommandError, match="its checkpoints cannot all be trusted"):
        verify_output()


def test_checkpoints_of_an_earlier_key_verify_only_if_trusted(chain, settings, tmp_path) -> None:
    old = Path(settings.AUDIT_CHECKPOINT_KEY_FILE)
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "new.key")
    problems = verify_chain().checkpoint_problems
    assert len(problems) == 2 and "signed with a key that is not trusted" in problems[0]
    public = tmp_path / "old.pub"
    public.write_text(checkpoints.public_pem(checkpoints._load_key(str(old), False).public_key()))
    settings.AUDIT_CHECKPOINT_TRUSTED_KEYS = [str(public)]
    assert verify_chain().ok


def test_the_checkpoint_command_verifies_since_the_last_one_before_signing(
    every_four, commit
) -> None:
    commit(1, 2)
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert (
        "Checkpoint of entry 2 signed" in out.getvalue() and "2 entries verified" in out.getvalue()
    )
    append([entry(person_id=p) for p in (3, 4, 5)])  # not committed: no automatic checkpoint
    with as_dba():
        AuditEvent.objects.filter(seq=4).update(purpose="made-up")
    with pytest.raises(CommandError, match="audit chain broken at entry 4: edited"):
        call_command("audit", "checkpoint", stdout=StringIO(), stderr=StringIO())
    assert [c["seq"] for c in lines()] == [2]  # nothing signed over the edit


def test_an_empty_log_is_not_signed() -> None:
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    assert "empty: nothing to sign" in out.getvalue()
    assert not checkpoints.checkpoint_file().exists()


def test_a_log_emptied_whole_is_caught_by_its_checkpoints(chain) -> None:
    with as_dba():
        AuditEvent.objects.all().delete()
        ChainHead.objects.all().delete()
    problem = verify_chain().problem
    assert problem is not None and (problem.seq, problem.kind) == (1, "truncated")


def test_in_development_and_tests_a_key_is_made_in_the_data_dir(settings, tmp_path) -> None:
    settings.AUDIT_CHECKPOINT_KEY_FILE = str(tmp_path / "data" / "audit-checkpoint.key")
    checkpoints.write(1, "a" * 64)
    key = Path(settings.AUDIT_CHECKPOINT_KEY_FILE)
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert verify_chain().checkpoint_problems == ()  # that key signed it


def test_without_a_key_appends_go_on_and_say_why_nothing_was_signed(
    every_four, commit, settings, caplog
) -> None:
    settings.AUDIT_CHECKPOINT_KEY_FILE = ""
    settings.AUDIT_CHECKPOINT_KEY_GENERATE = False
    with caplog.at_level(logging.ERROR, logger="safehold.audit"):
        assert len(commit(1, 2, 3, 4)) == 4
    [record] = caplog.records
    assert "SAFEHOLD_AUDIT_KEY_FILE is not set" in record.getMessage() and not record.exc_info
    with pytest.raises(CommandError, match="no checkpoint written: SAFEHOLD_AUDIT_KEY_FILE"):
        call_command("audit", "checkpoint", stdout=StringIO())


def test_a_production_server_without_a_key_will_not_start(tmp_path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SAFEHOLD_") and k != "DJANGO_SETTINGS_MODULE"
    }
    env |= {"SAFEHOLD_SECRET_KEY": "x" * 50, "SAFEHOLD_DATA_DIR": str(tmp_path)}
    started = subprocess.run(
        [sys.executable, "-c", "import safehold.wsgi"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert started.returncode != 0
    assert "SAFEHOLD_AUDIT_KEY_FILE is not set" in started.stderr
    assert "Traceback" not in started.stderr


def test_check_deploy_names_a_missing_key(settings) -> None:
    settings.AUDIT_CHECKPOINT_KEY_FILE = ""
    with pytest.raises(SystemCheckError, match=r"safehold\.audit\.E001.*SAFEHOLD_AUDIT_KEY_FILE"):
        call_command("check", "--deploy", stdout=StringIO(), stderr=StringIO())


def test_keygen_makes_a_key_and_never_overwrites_one(tmp_path) -> None:
    out = StringIO()
    call_command("audit", "keygen", str(tmp_path / "k"), stdout=out)
    assert out.getvalue().startswith("-----BEGIN PUBLIC KEY-----")
    with pytest.raises(CommandError, match="exists: not overwriting"):
        call_command("audit", "keygen", str(tmp_path / "k"), stdout=StringIO())
