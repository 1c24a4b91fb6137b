"""The statutory clock, worked as the ICO computes it (issue 11's cases), and the command that
prints it with no database."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from safehold.rights.clock import ClockError, Pause, add_months, bank_holiday, compute


@pytest.mark.parametrize(
    ("received", "due"),
    [
        # 31 January: the last day of February, in a leap year and a common one.
        (date(2024, 1, 31), date(2024, 2, 29)),  # Thursday
        (date(2025, 1, 31), date(2025, 2, 28)),  # Friday
        # 28 February 2026 is a Saturday: Monday 2 March.
        (date(2026, 1, 31), date(2026, 3, 2)),
        # Received on a Saturday: the clock runs from that day all the same.
        (date(2026, 11, 7), date(2026, 12, 7)),
        # Received the day before a bank holiday (Summer bank holiday, 31 August 2026): the
        # holiday does not move the start, only a due date falling on one.
        (date(2026, 8, 30), date(2026, 9, 30)),
        # Due Sunday 30 August, then the bank holiday: Tuesday 1 September.
        (date(2026, 7, 30), date(2026, 9, 1)),
        # Christmas Day, a weekend, then Boxing Day's substitute Monday: Tuesday 29 December.
        (date(2026, 11, 25), date(2026, 12, 29)),
        # A one-off bank holiday (the Coronation, Monday 8 May 2023) from the library.
        (date(2023, 4, 8), date(2023, 5, 9)),
        # An ordinary weekday.
        (date(2026, 3, 10), date(2026, 4, 10)),
    ],
)
def test_one_month_to_the_corresponding_date_or_the_next_working_day(
    received: date, due: date
) -> None:
    assert compute(received).due == due


def test_the_calendar_date_a_weekend_or_bank_holiday_moved() -> None:
    found = compute(date(2026, 11, 25))
    assert (found.moved_from, bank_holiday(date(2026, 12, 25))) == (
        date(2026, 12, 25),
        "Christmas Day",
    )
    assert compute(date(2026, 3, 10)).moved_from is None


def test_the_controllers_nation_has_its_own_bank_holidays() -> None:
    # 2 January is a bank holiday in Scotland only.
    received = date(2025, 12, 2)
    assert compute(received).due == date(2026, 1, 2)
    assert compute(received, nation="wales").due == date(2026, 1, 2)
    assert compute(received, nation="scotland").due == date(2026, 1, 5)
    # St Patrick's Day (Tuesday 17 March 2026) in Northern Ireland.
    assert compute(date(2026, 2, 17), nation="northern-ireland").due == date(2026, 3, 18)
    with pytest.raises(ClockError, match="'mars' is not a nation"):
        compute(received, nation="mars")


def test_add_months_keeps_the_day_or_takes_the_last() -> None:
    assert add_months(date(2026, 12, 31), 2) == date(2027, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2027, 11, 29), 3) == date(2028, 2, 29)


def test_a_pause_stops_the_clock_and_it_resumes_with_the_days_it_had_left() -> None:
    received = date(2026, 3, 10)  # due 10 April
    paused = compute(received, pauses=[Pause(date(2026, 3, 12))])
    assert (paused.due, paused.paused_since, paused.days_left) == (None, date(2026, 3, 12), 29)
    # Resumed on 20 March: 29 days left, so due 18 April (a Saturday): Monday 20 April.
    resumed = compute(received, pauses=[Pause(date(2026, 3, 12), date(2026, 3, 20))])
    assert resumed.due == date(2026, 4, 20)
    assert resumed.moved_from == date(2026, 4, 18)
    # Two pauses add up: 8 days and 3 days.
    twice = compute(
        received,
        pauses=[
            Pause(date(2026, 3, 12), date(2026, 3, 20)),
            Pause(date(2026, 3, 25), date(2026, 3, 28)),
        ],
    )
    assert twice.due == date(2026, 4, 21)


def test_pauses_the_law_does_not_allow_are_refused() -> None:
    received = date(2026, 3, 10)
    with pytest.raises(ClockError, match="before the request was received"):
        compute(received, pauses=[Pause(date(2026, 3, 1), date(2026, 3, 12))])
    with pytest.raises(ClockError, match="ends on 2026-03-11, before it starts"):
        compute(received, pauses=[Pause(date(2026, 3, 12), date(2026, 3, 11))])
    with pytest.raises(ClockError, match="before the previous pause ended"):
        compute(
            received,
            pauses=[
                Pause(date(2026, 3, 12), date(2026, 3, 20)),
                Pause(date(2026, 3, 15), date(2026, 3, 22)),
            ],
        )
    with pytest.raises(ClockError, match="has run out cannot be paused"):
        compute(received, pauses=[Pause(date(2026, 4, 14))])


def test_an_extension_told_in_time_adds_two_months() -> None:
    received = date(2026, 1, 31)
    # Three months from receipt: 30 April 2026 (a Thursday).
    found = compute(received, extension_told=date(2026, 2, 20))
    assert (found.due, found.one_month, found.extended) == (
        date(2026, 4, 30),
        date(2026, 3, 2),
        True,
    )
    # Told on the last day of the first month (moved to Monday 2 March): still in time.
    assert compute(received, extension_told=date(2026, 3, 2)).due == date(2026, 4, 30)
    # An extension and a pause: the pause's 10 days count too.
    paused = compute(
        received,
        pauses=[Pause(date(2026, 2, 2), date(2026, 2, 12))],
        extension_told=date(2026, 3, 5),
    )
    assert paused.due == date(2026, 5, 11)  # 10 May is a Sunday


def test_an_extension_told_too_late_is_refused() -> None:
    with pytest.raises(ClockError, match="must be told within the first month"):
        compute(date(2026, 1, 31), extension_told=date(2026, 3, 3))
    with pytest.raises(ClockError, match="before the request was received"):
        compute(date(2026, 1, 31), extension_told=date(2026, 1, 30))


def test_the_command_prints_the_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    call_command("rights", "due", "--received", "2024-01-31")
    assert capsys.readouterr().out.strip() == "2024-02-29"
    call_command("rights", "due", "--received", "2026-01-31")
    out = capsys.readouterr().out
    assert out.startswith("2026-03-02")
    assert "2026-02-28 is a weekend in England and Wales" in out
    call_command("rights", "due", "--received", "2026-01-31", "--extended")
    assert capsys.readouterr().out.strip() == "2026-04-30"
    call_command("rights", "due", "--received", "2026-03-10", "--paused", "2026-03-12:2026-03-20")
    assert capsys.readouterr().out.startswith("2026-04-20")
    call_command("rights", "due", "--received", "2026-03-10", "--paused", "2026-03-12:")
    assert "paused since 2026-03-12: 29 days left" in capsys.readouterr().out
    call_command("rights", "due", "--received", "2025-12-02", "--nation", "scotland")
    assert "(New Year Holiday) in Scotland" in capsys.readouterr().out
    with pytest.raises(CommandError, match="must be told within the first month"):
        call_command("rights", "due", "--received", "2026-01-31", "--extended", "2026-03-03")


def test_the_command_needs_no_database(tmp_path: object) -> None:
    """Run as anyone would, with a database that cannot be reached."""
    result = subprocess.run(
        [sys.executable, "-m", "safehold", "rights", "due", "--received", "2026-11-25"],
        capture_output=True,
        text=True,
        env={
            "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
            "PATH": "/usr/bin:/bin",
        },
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2026-12-29")
    bad = subprocess.run(
        [sys.executable, "-m", "safehold", "rights", "due", "--received", "2026-02-30"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin"},
        check=False,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "'2026-02-30' is not a date: write YYYY-MM-DD" in bad.stderr
