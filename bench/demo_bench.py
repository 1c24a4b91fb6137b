"""Benchmark `safehold demo`: the wall time to generate a synthetic population on a fresh database.

    .venv/bin/python bench/demo_bench.py --people 100000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo .venv/bin/python bench/demo_bench.py

It makes a fresh database of its own: on SQLite a file under /tmp (`--sqlite-path`), on
PostgreSQL (when DATABASE_URL points at a server) a database `bench_demo` on that server,
dropped and created again. It migrates it and loads the packs in packs/ (not timed), then times
`safehold demo --people N` as a user would run it, in a subprocess, and prints the figures.
`--keep` leaves the database for bench/caseload_bench.py; otherwise it is dropped at the end.
Target: 100,000 people (about a million case records) in at most 120 s.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parents[1]
SAFEHOLD = REPO / ".venv" / "bin" / "safehold"
# BENCH_DEMO_DATABASE: another name, so that two checkouts can keep one each on one server.
BENCH_DATABASE = os.environ.get("BENCH_DEMO_DATABASE", "bench_demo")
# BENCH_DEMO_SQLITE: another file, for the same reason.
SQLITE_PATH = Path(
    os.environ.get("BENCH_DEMO_SQLITE", "/tmp/safehold-bench/demo.sqlite3")  # noqa: S108 - scratch
)
TARGET_SECONDS = 120.0


def bench_url(sqlite_path: Path = SQLITE_PATH) -> str:
    """The benchmark database's URL: `bench_demo` beside DATABASE_URL's, or a SQLite file."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))
    return f"sqlite:///{sqlite_path}"


def environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAFEHOLD_DEBUG")}
    env["DATABASE_URL"] = url
    env.setdefault("SAFEHOLD_SECRET_KEY", "bench-only-not-secret")
    env["SAFEHOLD_LOG_LEVEL"] = "WARNING"
    return env


def _admin(url: str, sql: str) -> None:
    """Run a statement on the server's maintenance database (CREATE/DROP DATABASE)."""
    import psycopg

    parts = urlsplit(url)
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def drop(url: str) -> None:
    if url.startswith("sqlite"):
        path = Path(urlsplit(url).path)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _admin(url, f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')


def fresh(url: str) -> None:
    """An empty, migrated database with the packs loaded."""
    drop(url)
    if url.startswith("sqlite"):
        Path(urlsplit(url).path).parent.mkdir(parents=True, exist_ok=True)
    else:
        _admin(url, f'CREATE DATABASE "{BENCH_DATABASE}"')
    env = environment(url)
    run([str(SAFEHOLD), "migrate", "--no-input", "-v0"], env)
    for pack in sorted((REPO / "packs").glob("*.yaml")):
        run([str(SAFEHOLD), "pack", "load", str(pack)], env)


def run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603 - our own command
        command, env=env, cwd=REPO, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"failed: {' '.join(command)}")
    return done.stdout


def generate(url: str, people: int, extra: list[str]) -> float:
    """Time `safehold demo` on the database; print its output; return the wall seconds."""
    command = [str(SAFEHOLD), "demo", "--people", str(people), *extra]
    started = time.perf_counter()
    output = run(command, environment(url))
    seconds = time.perf_counter() - started
    sys.stdout.write(output)
    return seconds


def size_bytes(url: str) -> int:
    if url.startswith("sqlite"):
        path = urlsplit(url).path
        return sum(
            Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists()
        )
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT pg_database_size(current_database())").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--pack", help="only this pack (default: every pack in packs/)")
    parser.add_argument("--chunk", type=int, help="people per chunk (default: the command's)")
    parser.add_argument("--sqlite-path", type=Path, default=SQLITE_PATH)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()

    url = bench_url(args.sqlite_path)
    vendor = "sqlite" if url.startswith("sqlite") else "postgresql"
    print(f"database: {vendor}, scratch {url}")
    fresh(url)
    extra = []
    if args.pack:
        extra += ["--pack", args.pack]
    if args.chunk:
        extra += ["--chunk", str(args.chunk)]
    try:
        seconds = generate(url, args.people, extra)
        verdict = "met" if seconds <= TARGET_SECONDS else "MISSED"
        print(
            f"demo: {args.people:,} people in {seconds:.1f}s wall "
            f"({args.people / seconds:,.0f} people/s; target <= {TARGET_SECONDS:.0f}s {verdict})"
        )
        print(f"database size: {size_bytes(url) / 2**20:,.0f} MiB")
    finally:
        if args.keep:
            print(f"kept: DATABASE_URL={url}")
        else:
            drop(url)


if __name__ == "__main__":
    main()
