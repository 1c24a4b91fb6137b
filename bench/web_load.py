"""Load test: the caseload and young person pages under concurrent case managers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo .venv/bin/python bench/web_load.py

Serves Safehold with gunicorn (production settings, DEBUG off) on the database
bench/demo_bench.py keeps (`bench_demo`, 100,000 people; built if absent), prepares one
two-factor-verified session for each of `--users` case managers, and drives them with locust
(headless; `--think` seconds between pages, none by default) for `--seconds`. Prints p50, p95 and requests per second for each
page. Target: p95 <= 150 ms at 20 users. Needs the bench extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import demo_bench  # noqa: E402

WORK = Path("/tmp/safehold-bench/web")  # noqa: S108 - scratch files
TARGET_P95_MS = 150.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--people", type=int, default=100_000, help="if the database is built")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a user waits between pages (0: none, to saturate the server)",
    )
    args = parser.parse_args()

    url = demo_bench.bench_url()
    if not url.startswith("postgres"):
        raise SystemExit(
            "set DATABASE_URL to a PostgreSQL server: this benchmark is for PostgreSQL"
        )
    env = demo_bench.environment(url) | {
        "DJANGO_SETTINGS_MODULE": "safehold.settings",
        "SAFEHOLD_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS to redirect to, and cookies must travel without it.
        "SAFEHOLD_SSL_REDIRECT": "0",
        "SAFEHOLD_SECURE_COOKIES": "0",
        "SAFEHOLD_DATA_DIR": str(WORK),
        # Production refuses to start without the audit checkpoint key: one for the bench.
        "SAFEHOLD_AUDIT_KEY_FILE": str(WORK / "audit-checkpoint.key"),
    }
    WORK.mkdir(parents=True, exist_ok=True)
    if not (WORK / "audit-checkpoint.key").exists():
        subprocess.run(  # noqa: S603 - our own command
            [str(REPO / ".venv/bin/safehold"), "audit", "keygen", env["SAFEHOLD_AUDIT_KEY_FILE"]],
            env=os.environ | env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    os.environ.update(env)
    import django

    django.setup()
    if not populated():
        print(f"building {url} with {args.people:,} people")
        demo_bench.fresh(url)
        demo_bench.generate(url, args.people, [])
    subprocess.run(  # noqa: S603 - our own command
        [str(REPO / ".venv/bin/safehold"), "collectstatic", "--no-input", "-v0"],
        env=env,
        check=True,
    )
    sessions = prepare(args.users)
    sessions_file = WORK / "sessions.json"
    sessions_file.write_text(json.dumps(sessions))
    print(f"{len(sessions)} case managers, {sum(len(s['people']) for s in sessions)} young people")

    server = subprocess.Popen(  # noqa: S603 - our own command
        [
            str(REPO / ".venv/bin/gunicorn"),
            "safehold.wsgi",
            f"--workers={args.workers}",
            f"--threads={args.threads}",
            f"--bind=127.0.0.1:{args.port}",
            "--log-level=warning",
        ],
        env=env,
        cwd=REPO,
    )
    try:
        wait_for(f"http://127.0.0.1:{args.port}/privacy/")
        warm_up(f"http://127.0.0.1:{args.port}", sessions, args.workers * args.threads * 4)
        stats = WORK / "locust"
        subprocess.run(  # noqa: S603 - our own command
            [
                str(REPO / ".venv/bin/locust"),
                "-f",
                str(REPO / "bench/locustfile.py"),
                "--headless",
                f"--users={args.users}",
                f"--spawn-rate={args.users}",
                f"--run-time={args.seconds}s",
                f"--host=http://127.0.0.1:{args.port}",
                f"--csv={stats}",
                "--only-summary",
                "--loglevel=WARNING",
            ],
            env=env
            | {
                "SAFEHOLD_WEB_SESSIONS": str(sessions_file),
                "SAFEHOLD_THINK_SECONDS": str(args.think),
            },
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    report(Path(f"{stats}_stats.csv"), args)


def populated() -> bool:
    from django.db import DatabaseError

    from safehold.records.models import Person

    try:
        return Person.objects.exists()
    except DatabaseError:
        return False


def prepare(users: int) -> list[dict[str, Any]]:
    """A verified session per case manager with open cases, and the people on their caseload."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.db.models import Count
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from safehold.access.models import User
    from safehold.records.models import Case

    busiest = (
        Case.objects.filter(closed_on__isnull=True, allocated_to__isnull=False)
        .values("allocated_to")
        .annotate(n=Count("pk"))
        .order_by("-n", "allocated_to")
        .values_list("allocated_to", flat=True)[:users]
    )
    sessions = []
    for user in User.objects.filter(pk__in=list(busiest)):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="bench", defaults={"confirmed": True}
        )
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        people = list(
            Case.objects.filter(allocated_to=user, closed_on__isnull=True).values_list(
                "person_id", flat=True
            )[:50]
        )
        sessions.append({"session": store.session_key, "people": people})
    return sessions


def wait_for(address: str) -> None:
    for _ in range(100):
        try:
            with urllib.request.urlopen(address, timeout=2):  # noqa: S310 - loopback
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {address}")


def warm_up(base: str, sessions: list[dict[str, Any]], rounds: int) -> None:
    """Each worker parses the pack and compiles its templates on its first requests: a cost
    of starting, not of serving, so it is paid before the measurement starts."""
    for i in range(rounds):
        mine = sessions[i % len(sessions)]
        for path in ("/", f"/people/{mine['people'][0]}/"):
            request = urllib.request.Request(  # noqa: S310 - loopback
                base + path, headers={"Cookie": f"sessionid={mine['session']}"}
            )
            with urllib.request.urlopen(request, timeout=30):  # noqa: S310 - loopback
                pass


def report(path: Path, args: argparse.Namespace) -> None:
    with path.open() as handle:
        rows = list(csv.DictReader(handle))
    print(
        f"{args.users} users, think {args.think:g} s, {args.seconds} s, "
        f"gunicorn {args.workers}x{args.threads}"
    )
    for row in rows:
        name = row["Name"] or "all"
        p95 = float(row["95%"])
        verdict = ""
        if row["Name"] == "Aggregated":
            verdict = f"  (target p95 <= {TARGET_P95_MS:.0f} ms: " + (
                "met)" if p95 <= TARGET_P95_MS else "MISSED)"
            )
        print(
            f"{name:>14}: {int(row['Request Count']):6d} requests, {int(row['Failure Count'])} "
            f"failed, p50 {float(row['50%']):5.0f} ms, p95 {p95:5.0f} ms, "
            f"{float(row['Requests/s']):6.1f} req/s{verdict}"
        )


if __name__ == "__main__":
    main()
