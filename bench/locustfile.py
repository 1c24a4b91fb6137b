"""Locust users for bench/web_load.py: case managers opening their caseload and young people.

Each simulated user takes one prepared, two-factor-verified session (the sign-in itself is not
what is measured) and alternates between the caseload page and the page of a young person on
that caseload, with no think time or with SAFEHOLD_THINK_SECONDS between pages. They use
locust's FastHttpUser (geventhttpclient), whose own CPU per request is a fraction of the
`requests` library's: on a small machine the load generator shares the cores with the server
and the database it measures (bench/web_load.py prints each one's CPU per request).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, constant, task

with open(os.environ["SAFEHOLD_WEB_SESSIONS"]) as handle:
    SESSIONS = json.load(handle)
_next = itertools.cycle(range(len(SESSIONS)))
_lock = threading.Lock()


THINK = float(os.environ.get("SAFEHOLD_THINK_SECONDS", "0"))


class CaseManager(FastHttpUser):
    # No think time saturates the server (its throughput); a few seconds, as a person reading
    # a page would take, measures the latency 20 people working at once would see.
    wait_time = between(THINK / 2, THINK * 1.5) if THINK else constant(0)

    def on_start(self) -> None:
        with _lock:
            mine = SESSIONS[next(_next)]
        self.headers = {"Cookie": f"sessionid={mine['session']}"}
        self.people = mine["people"]

    @task
    def caseload(self) -> None:
        with self.client.get(
            "/", name="caseload", headers=self.headers, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200 or "govuk-table" not in response.text:
                response.failure(f"caseload: {response.status_code}")

    @task
    def young_person(self) -> None:
        person = random.choice(self.people)  # noqa: S311 - load, not security
        with self.client.get(
            f"/people/{person}/",
            name="young person",
            headers=self.headers,
            # A session that is not valid is sent to the sign-in page: a failure, not a page.
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"young person: {response.status_code}")
