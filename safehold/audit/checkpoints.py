"""Signed checkpoints of the chain head, kept outside the database (docs/adr/0011).

The chain proves that no entry was changed *relative to the ones after it*; someone who can
write to the database can still cut its end off, or rewrite it from some entry on and hash it
all again. So, as transparency logs sign their tree heads, the application signs the head it
has just written (seq and hash) with an Ed25519 key the database does not hold, and appends
that to a file outside the database. `verify` then checks the chain against every checkpoint:
an entry whose hash is not the signed one was rewritten, a signed entry that is gone was cut.

One line of JSON per checkpoint in `AUDIT_CHECKPOINT_DIR/<log>.checkpoints`, where <log> names
the database, so that two databases never share a file:

    {"log": "postgresql-safehold", "seq": 1000, "hash": "...", "at": "2026-...Z",
     "key": "<base64 raw public key>", "sig": "<base64 signature of the statement>"}

Checkpoints are taken after the commit of any append that crosses a multiple of
AUDIT_CHECKPOINT_EVERY entries, or that comes AUDIT_CHECKPOINT_SECONDS after this process's
last checkpoint, and by `safehold audit checkpoint` (run it from cron), which first verifies
the entries since the last checkpoint, so it never signs a head it has not checked.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import functools
import json
import logging
import os
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import connection

logger = logging.getLogger("safehold.audit")

STATEMENT = "safehold-audit-checkpoint/v1"
HASH = re.compile(r"[0-9a-f]{64}\Z")


class CheckpointKeyError(Exception):
    """The signing key is not configured or cannot be read: the message says what to do."""


@dataclass(frozen=True, slots=True)
class Checkpoint:
    log: str
    seq: int
    hash: str
    at: str
    key: str
    sig: str

    def line(self) -> bytes:
        fields = {k: getattr(self, k) for k in ("log", "seq", "hash", "at", "key", "sig")}
        return (json.dumps(fields, separators=(",", ":")) + "\n").encode("ascii")

    def __str__(self) -> str:
        return f"the checkpoint of entry {self.seq} signed at {self.at}"


def statement(log: str, seq: int, digest: str, at: str) -> bytes:
    """The bytes signed: what, of which log, up to where, and when."""
    return json.dumps([STATEMENT, log, seq, digest, at], separators=(",", ":")).encode("ascii")


# --- configuration ------------------------------------------------------------------------


def log_name() -> str:
    """This database's name for its checkpoint file: the vendor and the database name (a
    SQLite file's stem)."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor == "sqlite" and not name.startswith("file:"):
        name = Path(name).stem
    return f"{connection.vendor}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-.')[:100]}"


def checkpoint_file() -> Path:
    return Path(settings.AUDIT_CHECKPOINT_DIR) / f"{log_name()}.checkpoints"


def key_problem() -> str | None:
    """What is wrong with the signing key's configuration, in words for an operator."""
    try:
        signing_key()
    except CheckpointKeyError as exc:
        return str(exc)
    return None


def signing_key() -> Ed25519PrivateKey:
    path = settings.AUDIT_CHECKPOINT_KEY_FILE
    if not path:
        raise CheckpointKeyError(
            "SAFEHOLD_AUDIT_KEY_FILE is not set: the audit log's checkpoints must be signed with "
            "a key the database does not hold. Create one with `safehold audit keygen FILE` and "
            "point SAFEHOLD_AUDIT_KEY_FILE at it (docs/adr/0011-audit-checkpoints.md)."
        )
    return _load_key(str(path), bool(settings.AUDIT_CHECKPOINT_KEY_GENERATE))


@functools.cache
def _load_key(path: str, generate: bool) -> Ed25519PrivateKey:
    file = Path(path)
    if generate and not file.exists():
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            create_key(file)
    try:
        key = serialization.load_pem_private_key(file.read_bytes(), password=None)
    except OSError as exc:
        raise CheckpointKeyError(
            f"the audit checkpoint key {path} cannot be read ({exc.strerror}): set "
            "SAFEHOLD_AUDIT_KEY_FILE to a key made by `safehold audit keygen FILE`"
        ) from None
    except (ValueError, TypeError):
        raise CheckpointKeyError(
            f"the audit checkpoint key {path} is not an unencrypted PEM private key"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError(f"the audit checkpoint key {path} is not an Ed25519 key")
    return key


def create_key(file: Path) -> Ed25519PublicKey:
    """A new Ed25519 key in `file`, readable by its owner only; never overwrites one."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    return key.public_key()


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _raw(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode("ascii")


def trusted_keys() -> tuple[dict[str, Ed25519PublicKey], list[str]]:
    """The public keys checkpoints may be signed with (base64 raw -> key): the signing key's
    own and any earlier ones listed in AUDIT_CHECKPOINT_TRUSTED_KEYS; and what went wrong."""
    keys: dict[str, Ed25519PublicKey] = {}
    problems: list[str] = []
    try:
        own = signing_key().public_key()
        keys[_raw(own)] = own
    except CheckpointKeyError as exc:
        problems.append(str(exc))
    for path in settings.AUDIT_CHECKPOINT_TRUSTED_KEYS:
        try:
            key = serialization.load_pem_public_key(Path(path).read_bytes())
        except (OSError, ValueError) as exc:
            problems.append(f"trusted key {path} cannot be read: {exc}")
            continue
        if isinstance(key, Ed25519PublicKey):
            keys[_raw(key)] = key
        else:
            problems.append(f"trusted key {path} is not an Ed25519 public key")
    if keys:
        problems = []  # a verifier holding only public keys is fine without the private one
    return keys, problems


# --- writing ------------------------------------------------------------------------------

# When this process last wrote a checkpoint (time.monotonic()); 0: never, so the first append
# of a process is checkpointed.
_last = [0.0]


def due(before: int, after: int) -> bool:
    """Should an append that moved the head from `before` to `after` be checkpointed?"""
    every = settings.AUDIT_CHECKPOINT_EVERY
    return (
        before // every != after // every
        or time.monotonic() - _last[0] >= settings.AUDIT_CHECKPOINT_SECONDS
    )


def write(seq: int, digest: str, *, sync: bool = False) -> Checkpoint:
    """Sign (seq, digest) as this log's head and append it to the checkpoint file; `sync`:
    and wait until it is on disk."""
    key = signing_key()
    log = log_name()
    at = datetime.now(UTC).isoformat(timespec="microseconds")
    signature = key.sign(statement(log, seq, digest, at))
    checkpoint = Checkpoint(
        log=log,
        seq=seq,
        hash=digest,
        at=at,
        key=_raw(key.public_key()),
        sig=base64.b64encode(signature).decode("ascii"),
    )
    file = checkpoint_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    # O_APPEND: every writer adds to the end, never over what is there; the lock keeps lines of
    # processes writing at once from interleaving. No fsync after appends: on ext4 it waits for
    # every dirty page of the file system, the database's too (a 40% slower append benchmark),
    # and a checkpoint lost in a power cut only leaves the end of the chain less anchored.
    fd = os.open(file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, checkpoint.line())
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)
    _last[0] = time.monotonic()
    return checkpoint


def write_after_commit(seq: int, digest: str) -> None:
    """The on-commit hook of `append`. The entries are committed whatever happens here, so a
    failure is logged (once, plainly) rather than raised into the request that appended;
    `safehold audit verify` shows how far the chain runs past its last checkpoint."""
    try:
        write(seq, digest)
    except (CheckpointKeyError, OSError) as exc:
        _last[0] = time.monotonic()  # not again on every append: once per interval
        logger.error("audit checkpoint of entry %s not written: %s", seq, exc)


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Loaded:
    """The valid checkpoints by entry, and every line that is not one."""

    by_seq: dict[int, Checkpoint]
    problems: tuple[str, ...]
    file: Path


def load(file: Path | None = None) -> Loaded:
    file = file or checkpoint_file()
    try:
        lines = file.read_bytes().splitlines()
    except FileNotFoundError:
        return Loaded({}, (), file)
    keys, problems = trusted_keys()
    return _check(lines, keys, problems, file)


def _check(
    lines: Iterable[bytes], keys: dict[str, Ed25519PublicKey], problems: list[str], file: Path
) -> Loaded:
    log = log_name()
    by_seq: dict[int, Checkpoint] = {}
    first_line: dict[int, int] = {}
    for number, line in enumerate(lines, start=1):
        where = f"{file.name} line {number}"
        try:
            data = json.loads(line)
            checkpoint = Checkpoint(**{k: data[k] for k in Checkpoint.__slots__})
            valid = (
                isinstance(checkpoint.seq, int)
                and checkpoint.seq >= 1
                and all(isinstance(getattr(checkpoint, k), str) for k in ("log", "at", "key"))
                and HASH.match(str(checkpoint.hash)) is not None
            )
            signature = base64.b64decode(str(checkpoint.sig), validate=True)
        except (ValueError, KeyError, TypeError):
            problems.append(f"{where}: not a checkpoint")
            continue
        if not valid:
            problems.append(f"{where}: not a checkpoint")
            continue
        if checkpoint.log != log:
            problems.append(f"{where}: a checkpoint of another log ({checkpoint.log})")
            continue
        key = keys.get(checkpoint.key)
        if key is None:
            if keys:
                problems.append(f"{where}: signed with a key that is not trusted")
            continue
        try:
            key.verify(
                signature,
                statement(checkpoint.log, checkpoint.seq, checkpoint.hash, checkpoint.at),
            )
        except InvalidSignature:
            problems.append(f"{where}: its signature does not verify: altered or forged")
            continue
        earlier = by_seq.get(checkpoint.seq)
        if earlier is not None and earlier.hash != checkpoint.hash:
            # Both genuinely signed: the log held two different entries at one place.
            problems.append(
                f"{where}: entry {checkpoint.seq} was signed with another hash on line "
                f"{first_line[checkpoint.seq]}: the chain was rewritten between them"
            )
            continue
        by_seq.setdefault(checkpoint.seq, checkpoint)
        first_line.setdefault(checkpoint.seq, number)
    return Loaded(by_seq, tuple(problems), file)
