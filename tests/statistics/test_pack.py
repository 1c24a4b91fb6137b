"""The pack's statistics section: checked at its lines, read into profiles, printed in the
notice and reported by the conformance report."""

from __future__ import annotations

from safehold.policy.conformance import conformance
from safehold.policy.loader import load_bytes
from safehold.policy.notice import statistics_blocks
from safehold.statistics.disclosure import DEFAULT, Profile
from safehold.statistics.profiles import opted_out, profile_for
from tests.builders import PACKS
from tests.policy.helpers import load_pack

CAMBRIDGESHIRE = (PACKS / "cambridgeshire-yos.yaml").read_text()


def _with(section: str) -> list[str]:
    text = CAMBRIDGESHIRE.split("\nstatistics:")[0] + "\n" + section
    result = load_bytes(text.encode())
    return [f"{p.line}: {p.message}" for p in result.errors]


def test_unknown_outputs_and_preferences_are_errors_at_their_line() -> None:
    lines = len(CAMBRIDGESHIRE.split("\nstatistics:")[0].splitlines()) + 1
    errors = _with(
        "statistics:\n"
        "  outputs:\n"
        "    - output: open-case\n"
        "      suppression: {threshold: 5}\n"
        "  opt_outs:\n"
        "    - preference: nhs-opt-out\n"
        "      outputs: [closures, nope]\n"
    )
    assert any(
        e.startswith(f"{lines + 2}: ")
        and "no statistics output 'open-case'" in e
        and "did you mean 'open-cases'" in e
        for e in errors
    ), errors
    assert any(e.startswith(f"{lines + 5}: ") and "'nhs-opt-out'" in e for e in errors), errors
    assert any(e.startswith(f"{lines + 6}: ") and "'nope'" in e for e in errors), errors


def test_a_bad_profile_is_an_error_naming_the_field() -> None:
    errors = _with("statistics:\n  suppression: {threshold: 0, anchor: ons}\n")
    assert any("threshold" in e for e in errors), errors
    assert any("anchor" in e for e in errors), errors


def test_the_shipped_packs_profiles() -> None:
    cambs = load_pack("cambridgeshire-yos").pack
    assert cambs is not None
    assert profile_for(cambs, "open-cases") == Profile(
        threshold=10, secondary=True, exempt=frozenset({"grand-total"})
    )
    nhs = profile_for(cambs, "health-screening")
    assert (nhs.threshold, nhs.rounding, nhs.symbol, nhs.secondary) == (8, 5, "*", False)
    assert opted_out(cambs, "health-screening") == ["national-data-opt-out"]
    assert opted_out(cambs, "open-cases") == []
    leics = load_pack("leicestershire-cfws").pack
    assert leics is not None and profile_for(leics, "closures").symbol == "c"
    luton = load_pack("luton-yps").pack
    assert luton is not None and profile_for(luton, "referrals").symbol == "<10"


def test_the_notice_prints_the_promise_and_the_report_enforces_it() -> None:
    cambs = load_pack("cambridgeshire-yos").pack
    assert cambs is not None
    words = " ".join(getattr(b, "text", "") for b in statistics_blocks(cambs))
    assert "never about one" in words and "Numbers from 1 to 9" in words
    assert "NHS National Data Opt-out" in words
    report = {s.id: s for s in conformance(cambs).statements}
    assert report["statistics:suppression"].status == "enforced"
    assert report["statistics:opt-out:national-data-opt-out"].status == "enforced"
    assert DEFAULT.threshold == 10


def test_the_notice_names_the_dated_statuses_and_the_report_enforces_each() -> None:
    cambs = load_pack("cambridgeshire-yos").pack
    leics = load_pack("leicestershire-cfws").pack
    assert cambs is not None and leics is not None
    words = " ".join(getattr(b, "text", "") for b in statistics_blocks(cambs))
    assert "accommodation" in words and "on the day their order" in words
    early = " ".join(getattr(b, "text", "") for b in statistics_blocks(leics))
    assert "secure housing" in early and "outcomes achieved" in early
    for pack in (cambs, leics):
        report = {s.id: s for s in conformance(pack).statements}
        for kind in pack.statuses:
            assert report[f"status:{kind.code}"].status == "enforced", kind.code
