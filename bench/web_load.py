"""Load test: the caseload and young person pages under concurrent case managers, this tree
beside a baseline revision served from the same database in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/demo .venv/bin/python bench/web_load.py

Serves Safehold twice with gunicorn (production settings, DEBUG off) on the database
bench/demo_bench.py keeps (`bench_demo`, 100,000 people; built if absent): this tree, and the
baseline revision (`--baseline`, default 5704ec6, the commit issue 9 measures against;
`--baseline ''` for this tree alone) unpacked from git under the scratch directory and run
with this tree's virtualenv. It prepares one two-factor-verified session for each of
`--users` case managers for each server (each names its own sign-in backend), and drives
them with locust (headless; `--think` seconds between pages, none by default) for
`--seconds`, the two servers in turn, `--rounds` times, alternating which goes first, so
load from elsewhere falls on both alike. Prints p50, p95 and requests per second for each
page, round and server, and this tree's requests per second over the baseline's. Targets:
at least 2x the baseline's requests per second with no think time; p95 <= 150 ms at 20
users with a person's think time (`--think 2`). Needs the bench extra:
`.venv/bin/pip install --require-hashes -r requirements/bench.txt`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if not {"--prepare-sessions", "--measure-cpu"} & set(sys.argv):  # there, the server's own code
    sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import demo_bench  # noqa: E402

# Scratch files; SAFEHOLD_BENCH_WORK for another place (two checkouts benchmarking at once).
WORK = Path(os.environ.get("SAFEHOLD_BENCH_WORK", "/tmp/safehold-bench/web"))  # noqa: S108
TARGET_P95_MS = 150.0
TARGET_SPEEDUP = 2.0


@dataclass
class Server:
    name: str
    tree: Path
    port: int
    env: dict[str, str]
    sessions: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60, help="per server and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--people", type=int, default=100_000, help="if the database is built")
    parser.add_argument("--port", type=int, default=8765, help="this tree's; the baseline's +1")
    parser.add_argument("--baseline", default="5704ec6", help="git revision ('' for none)")
    parser.add_argument(
        "--baseline-database",
        help="the baseline's copy of the database (default: `<bench database>_base`, made "
        "from the bench database with the baseline's own packs loaded if absent)",
    )
    parser.add_argument("--prepare-sessions", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--cpu",
        type=int,
        default=0,
        help="instead of the load: N requests of each page in one process per server, through "
        "Django's test client, and the server's own CPU per page (load from elsewhere moves "
        "this far less than requests per second)",
    )
    parser.add_argument("--measure-cpu", type=Path, help=argparse.SUPPRESS)
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a user waits between pages (0: none, to saturate the server)",
    )
    args = parser.parse_args()
    if args.measure_cpu:
        measure_cpu(args.measure_cpu, args.cpu)
        return
    if args.prepare_sessions:
        # Inside one server's environment: its own code, its own database.
        write_sessions(args.prepare_sessions, args.users)
        return

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

    servers = [server("this tree", REPO, args.port, env, "this")]
    if args.baseline:
        tree = unpack(args.baseline)
        base_url = baseline_database(url, args.baseline_database, tree, env)
        servers.append(
            server(
                f"baseline {args.baseline}",
                tree,
                args.port + 1,
                env | {"DATABASE_URL": base_url},
                "baseline",
            )
        )
    for each in servers:
        subprocess.run(
            [sys.executable, "-m", "django", "collectstatic", "--no-input", "-v0"],
            env=each.env,
            cwd=each.tree,
            check=True,
        )
        each.sessions = WORK / f"sessions-{each.port}.json"
        in_server(each, "--prepare-sessions", str(each.sessions), f"--users={args.users}")
        found = json.loads(each.sessions.read_text())
        print(
            f"{each.name}: {len(found)} case managers, "
            f"{sum(len(s['people']) for s in found)} young people"
        )
    if args.cpu:
        cpu_per_page(servers, args)
        return
    print(
        f"{args.users} users, think {args.think:g} s, {args.seconds} s per server and round, "
        f"{args.rounds} rounds, gunicorn {args.workers}x{args.threads}"
    )

    results: dict[str, list[dict[str, dict[str, str]]]] = {s.name: [] for s in servers}
    try:
        for each in servers:
            each.process = subprocess.Popen(  # noqa: S603 - our own command
                [
                    str(REPO / ".venv/bin/gunicorn"),
                    "safehold.wsgi",
                    f"--workers={args.workers}",
                    f"--threads={args.threads}",
                    f"--bind=127.0.0.1:{each.port}",
                    f"--pythonpath={each.tree}",
                    "--log-level=warning",
                    # Gunicorn 27's control socket is one path per user: two servers (and
                    # other checkouts' benches) would fight over it.
                    "--no-control-socket",
                ],
                env=each.env,
                cwd=each.tree,
            )
        for each in servers:
            wait_for(f"{each.base}/privacy/")
            assert each.sessions is not None
            warm_up(
                each.base,
                json.loads(each.sessions.read_text()),
                args.workers * args.threads * 4,
            )
        for round_ in range(args.rounds):
            order = servers if round_ % 2 == 0 else servers[::-1]
            for each in order:
                load = os.getloadavg()[0]
                rows = drive(each, args, WORK / f"locust-{each.port}-{round_}")
                results[each.name].append(rows)
                report(f"round {round_ + 1}, {each.name} (load {load:.1f})", rows)
    finally:
        for each in servers:
            if each.process is not None:
                each.process.terminate()
                each.process.wait(timeout=30)
    summary(results, args)


def server(name: str, tree: Path, port: int, env: dict[str, str], scratch: str) -> Server:
    data = WORK / scratch
    data.mkdir(parents=True, exist_ok=True)
    return Server(
        name,
        tree,
        port,
        env | {"SAFEHOLD_DATA_DIR": str(data), "PYTHONPATH": str(tree)},
    )


def unpack(rev: str) -> Path:
    """The baseline's source at `rev`, from git, with this tree's built static assets (they
    are built by npm, not kept in git)."""
    tree = WORK / f"tree-{rev}"
    if not (tree / "safehold").exists():
        tree.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(  # noqa: S603 - git, with the revision given on our command line
            ["git", "archive", rev],  # noqa: S607
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        subprocess.run(  # noqa: S603
            ["tar", "-x", "-C", str(tree)],  # noqa: S607
            input=archive.stdout,
            check=True,
        )
        shutil.copytree(
            REPO / "safehold" / "static", tree / "safehold" / "static", dirs_exist_ok=True
        )
    return tree


def write_sessions(out: Path, users: int) -> None:
    """Sessions for the server whose environment this runs in, signed in through the backend
    its own settings name last (ModelBackend or its successor), written to `out`."""
    import django

    django.setup()
    from django.conf import settings

    import safehold

    if not Path(safehold.__file__).resolve().is_relative_to(Path.cwd().resolve()):
        raise SystemExit(f"would prepare with {safehold.__file__}, not the code in {Path.cwd()}")
    out.write_text(json.dumps(prepare(users, settings.AUTHENTICATION_BACKENDS[-1])))


def baseline_database(url: str, name: str | None, tree: Path, env: dict[str, str]) -> str:
    """The baseline's database: the same rows as the bench database, copied, under the
    policy packs of the baseline's own revision (an older revision cannot read the packs a
    newer one stored: their schema grew). Made once, kept with the bench database."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    name = name or f"{parts.path.lstrip('/')}_base"
    copy = urlunsplit(parts._replace(path=f"/{name}"))
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return copy
        print(f"copying {parts.path.lstrip('/')} to {name} for the baseline")
        from django.db import connections

        connections.close_all()  # a template database must have no connections
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{parts.path.lstrip("/")}"')
    for pack in sorted((tree / "packs").glob("*.yaml")):
        subprocess.run(  # noqa: S603 - the baseline's own command
            [sys.executable, "-m", "django", "pack", "load", str(pack)],
            env=env | {"DATABASE_URL": copy, "PYTHONPATH": str(tree)},
            cwd=tree,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    return copy


def drive(each: Server, args: argparse.Namespace, stats: Path) -> dict[str, dict[str, str]]:
    assert each.sessions is not None and each.process is not None
    before = cpu_split(each.process.pid)
    subprocess.run(  # noqa: S603 - our own command
        [
            str(REPO / ".venv/bin/locust"),
            "-f",
            str(REPO / "bench/locustfile.py"),
            "--headless",
            f"--users={args.users}",
            f"--spawn-rate={args.users}",
            f"--run-time={args.seconds}s",
            f"--host={each.base}",
            f"--csv={stats}",
            "--only-summary",
            "--loglevel=WARNING",
        ],
        env=os.environ
        | {
            "SAFEHOLD_WEB_SESSIONS": str(each.sessions),
            "SAFEHOLD_THINK_SECONDS": str(args.think),
        },
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    spent = {k: v - before[k] for k, v in cpu_split(each.process.pid).items()}
    with Path(f"{stats}_stats.csv").open() as handle:
        rows = {row["Name"] or "all": row for row in csv.DictReader(handle)}
    done = int(rows.get("Aggregated", {}).get("Request Count", 0)) or 1
    print(
        "  CPU per request: "
        + ", ".join(
            f"{name} {spent[name] * 1000 / done:.1f} ms"
            for name in ("server", "database and the rest", "load generator")
        )
        + f"; idle {spent['idle'] / (spent['idle'] + spent['busy']):.0%} of the machine"
    )
    return rows


def cpu_split(server: int) -> dict[str, float]:
    """CPU seconds so far: the server (gunicorn and its workers), the load generator (locust,
    a child of this script once it has ended), everything else busy (the database, mostly),
    and the machine's idle time; what bounds requests per second on a small machine."""
    import resource

    import psutil

    tree = psutil.Process(server)
    served = sum(sum(p.cpu_times()[:2]) for p in [tree, *tree.children(recursive=True)])
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = children.ru_utime + children.ru_stime
    machine = psutil.cpu_times()
    idle = machine.idle + getattr(machine, "iowait", 0.0)
    busy = (
        sum(machine) - idle - getattr(machine, "guest", 0.0) - getattr(machine, "guest_nice", 0.0)
    )
    return {
        "server": served,
        "load generator": load,
        "database and the rest": busy - served - load,
        "busy": busy,
        "idle": idle,
    }


def populated() -> bool:
    from django.db import DatabaseError

    from safehold.records.models import Person

    try:
        return Person.objects.exists()
    except DatabaseError:
        return False


def prepare(users: int, backend: str) -> list[dict[str, Any]]:
    """A verified session per case manager with open cases, and the people on their caseload,
    signed in through `backend`."""
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
        store[BACKEND_SESSION_KEY] = backend
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store[DEVICE_ID_SESSION_KEY] = device.persistent_id
        store.create()
        people = list(
            # Not a restricted case or person (Article 18): their page refuses a case manager,
            # rightly, and a refusal would count as a failed request.
            Case.objects.filter(
                allocated_to=user,
                closed_on__isnull=True,
                restricted=False,
                person__restricted=False,
            ).values_list("person_id", flat=True)[:50]
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


def in_server(each: Server, *arguments: str) -> str:
    """This script run again in a server's environment (its own code and database): what it
    prints."""
    return subprocess.run(  # noqa: S603 - this script, in the server's environment
        [sys.executable, str(Path(__file__).resolve()), *arguments],
        env=each.env,
        cwd=each.tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def cpu_per_page(servers: list[Server], args: argparse.Namespace) -> None:
    """Each server's CPU per page, measured in a process of its own, the servers in turn,
    twice, alternating which goes first; the lower of each server's two."""
    found: dict[str, dict[str, float]] = {}
    for round_ in range(2):
        for each in servers if round_ == 0 else servers[::-1]:
            assert each.sessions is not None
            done = in_server(each, "--measure-cpu", str(each.sessions), f"--cpu={args.cpu}")
            measured = json.loads(done.strip().splitlines()[-1])
            print(
                f"round {round_ + 1}, {each.name} (load {os.getloadavg()[0]:.1f}): "
                + ", ".join(f"{page} {ms:.1f} ms" for page, ms in measured.items())
            )
            best = found.setdefault(each.name, measured)
            for page, ms in measured.items():
                best[page] = min(best[page], ms)
    for name, pages in found.items():
        print(f"{name:>20}: " + ", ".join(f"{p} {ms:.1f} ms CPU" for p, ms in pages.items()))
    if len(found) == 2:
        this, base = found.values()
        print(
            "baseline / this tree, CPU per page: "
            + ", ".join(f"{p} {base[p] / this[p]:.2f}x" for p in this)
        )


def measure_cpu(sessions: Path, requests: int) -> None:
    """In the server's environment: `requests` of each page, with the first session, through
    the whole middleware stack, after a warm-up; prints the CPU milliseconds per page as JSON."""
    import django

    django.setup()
    from django.test import Client

    session = json.loads(sessions.read_text())[0]
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies["sessionid"] = session["session"]
    people = session["people"]
    pages = {
        "caseload": lambda i: "/",
        "young person": lambda i: f"/people/{people[i % len(people)]}/",
    }
    spent = dict.fromkeys(pages, 0.0)
    for i in range(requests + 20):
        for page, url in pages.items():
            started = time.process_time()
            response = client.get(url(i), follow=True)  # as locust does
            if i >= 20:
                spent[page] += time.process_time() - started
            # The page itself, not the sign-in page a session that is not valid is sent to.
            if response.status_code != 200 or "sign-in" in response.request["PATH_INFO"]:
                raise SystemExit(f"{page}: {response.status_code} {response.request['PATH_INFO']}")
    print(json.dumps({page: ms * 1000 / requests for page, ms in spent.items()}))


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


def report(title: str, rows: dict[str, dict[str, str]]) -> None:
    print(title)
    for name, row in rows.items():
        print(
            f"{name:>14}: {int(row['Request Count']):6d} requests, {int(row['Failure Count'])} "
            f"failed, p50 {float(row['50%']):5.0f} ms, p95 {float(row['95%']):5.0f} ms, "
            f"{float(row['Requests/s']):6.1f} req/s"
        )


def summary(results: dict[str, list[dict[str, dict[str, str]]]], args: argparse.Namespace) -> None:
    """Each server's requests per second and p95 over its rounds, and the ratio."""
    print("over all rounds:")
    rates = {}
    for name, rounds in results.items():
        totals = [r["Aggregated"] for r in rounds if "Aggregated" in r]
        rate = sum(float(t["Requests/s"]) for t in totals) / max(1, len(totals))
        p95 = max((float(t["95%"]) for t in totals), default=0.0)
        failed = sum(int(t["Failure Count"]) for t in totals)
        rates[name] = rate
        verdict = ""
        if args.think:
            verdict = f"  (target p95 <= {TARGET_P95_MS:.0f} ms: " + (
                "met)" if p95 <= TARGET_P95_MS else "MISSED)"
            )
        print(
            f"{name:>22}: {rate:6.1f} req/s (mean of rounds), worst round p95 {p95:5.0f} ms, "
            f"{failed} failed{verdict}"
        )
    names = list(rates)
    if len(names) == 2 and rates[names[1]]:
        ratio = rates[names[0]] / rates[names[1]]
        verdict = "met" if ratio >= TARGET_SPEEDUP else "MISSED"
        print(f"this tree / baseline: {ratio:.2f}x requests per second (target >= 2x: {verdict})")


if __name__ == "__main__":
    main()
