"""The mechanisms that enforce what a pack states, each with the tests that prove it.

A pack names a mechanism by code (a commitment's `enforced_by`); the conformance report
(`conformance.py`) attributes every other statement of a pack to one of these by its kind.
Every test named here must exist: `tests/policy/test_conformance.py` reads each node id and
fails on one that does not, so the report can never cite a phantom test.

Only what the code really does belongs here: what is not built yet is "stated only" until
it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "gate grant",
    "retention rule",
    "share rule",
    "rights workflow",
    "check",
    "audit",
    "sign-in",
    "statistics",
]


@dataclass(frozen=True)
class Mechanism:
    code: str
    kind: Kind
    summary: str
    tests: tuple[str, ...]


def _index(*items: Mechanism) -> dict[str, Mechanism]:
    return {item.code: item for item in items}


MECHANISMS: dict[str, Mechanism] = _index(
    Mechanism(
        "gate-redacts-by-category",
        "gate grant",
        "The access gate shows a field only to a role the pack grants its data category; "
        "every other field is withheld with the rule.",
        (
            "tests/access/test_gate.py::test_every_role_category_and_distance",
            "tests/access/test_gate.py::test_records_of_a_case_are_redacted_and_audited",
        ),
    ),
    Mechanism(
        "gate-role-and-allocation",
        "gate grant",
        "The access gate opens a case only at the distance (allocated, team, service, "
        "controller) the role's grants allow; anything else is refused or needs break-glass.",
        (
            "tests/access/test_gate.py::test_every_role_category_and_distance",
            "tests/access/test_gate_pages.py::"
            "test_young_person_out_of_reach_is_refused_with_break_glass_if_it_would_help",
            "tests/access/test_gate.py::test_break_glass_needs_a_reason_expires_and_is_flagged",
        ),
    ),
    Mechanism(
        "audit-every-access",
        "audit",
        "Every read, write and refusal is appended to the hash-chained audit log with its rule; "
        "an edited, deleted or forged entry is named.",
        (
            "tests/access/test_gate.py::test_reads_and_refusals_are_audited_with_the_rule",
            "tests/audit/test_tamper.py::test_an_edited_field_is_named_as_edited",
            "tests/audit/test_tamper.py::test_a_deleted_entry_is_named_by_the_gap",
        ),
    ),
    Mechanism(
        "retention-rule",
        "retention rule",
        "Each unit's keep-until date is computed from the pack's rules; disposal is approved "
        "by the DPO, then whole or not at all, with a destruction record.",
        (
            "tests/retention/test_rules.py::test_design_forms",
            "tests/retention/test_rules.py::test_longest_wins_and_names_its_rule",
            "tests/retention/test_sweep.py::test_destroys_a_case_file_whole_and_records_it",
        ),
    ),
    Mechanism(
        "retention-gap-held",
        "retention rule",
        "Where no period is stated the unit is held for review and shown as a gap, never "
        "kept silently forever.",
        (
            "tests/retention/test_rules.py::test_a_gap_in_any_applying_rule_is_a_gap_of_the_unit",
            "tests/retention/test_rules.py::test_no_rule_is_a_gap",
        ),
    ),
    Mechanism(
        "rights-request-suspends-disposal",
        "rights workflow",
        "An open rights request or a legal hold suspends the disposal of the person's records.",
        (
            "tests/retention/test_sweep.py::test_an_open_rights_request_suspends_disposal",
            "tests/retention/test_sweep.py::test_a_legal_hold_suspends_disposal",
        ),
    ),
    Mechanism(
        "two-factor-sign-in",
        "sign-in",
        "Staff sign in with a password (hashed with Argon2) and a code from an authenticator "
        "app before any staff page or personal data; repeated wrong passwords lock the "
        "username, and a session ends after inactivity.",
        (
            "tests/web/test_account.py::test_every_staff_page_needs_the_second_factor",
            "tests/web/test_account.py::test_repeated_wrong_passwords_lock_the_username",
            "tests/web/test_account.py::test_session_expires_after_inactivity",
            "tests/web/test_account.py::test_production_hashes_passwords_with_argon2",
        ),
    ),
    Mechanism(
        "check-conditions",
        "check",
        "`safehold pack check` refuses special category or criminal offence data used without "
        "an Article 9 or Article 10 condition.",
        ("tests/policy/test_conformance.py::test_check_refuses_special_data_without_a_condition",),
    ),
    Mechanism(
        "check-transfer-scope",
        "check",
        "`safehold pack check` refuses a recipient outside the territorial scope the notice "
        "states.",
        ("tests/policy/test_conformance.py::test_a_recipient_outside_the_stated_scope_is_refused",),
    ),
    Mechanism(
        "notice-printed-from-pack",
        "check",
        "The notice, its young person's version and the record of processing are all printed "
        "from the pack, so they cannot say different things.",
        (
            "tests/policy/test_notice.py::test_print_has_the_same_facts_and_a_print_button",
            "tests/policy/test_notice.py::test_states_every_retention_period",
        ),
    ),
    Mechanism(
        "statistics-disclosure-control",
        "statistics",
        "Every statistics output is protected by the pack's suppression profile before it "
        "leaves the system: small numbers hidden, hidden so that none can be worked out from "
        "the totals, rounded where the profile says; every run audited as an aggregate use.",
        (
            "tests/statistics/test_disclosure.py::"
            "test_no_small_figure_is_published_and_no_hidden_one_can_be_worked_out",
            "tests/statistics/test_runs.py::"
            "test_every_run_is_audited_as_an_aggregate_use_naming_no_one",
        ),
    ),
    Mechanism(
        "statistics-opt-out",
        "statistics",
        "People whose opt-out of secondary use is in force are left out, in SQL, of the "
        "statistics outputs it covers.",
        (
            "tests/statistics/test_runs.py::"
            "test_people_who_opted_out_are_left_out_of_the_outputs_it_covers",
        ),
    ),
    Mechanism(
        "dated-status-history",
        "statistics",
        "A status the pack declares is recorded on a case through the gate, by the category "
        "the pack gives it, with the dates it began and ended; a new value ends the old one, "
        "so the history stays; the indicators count each child's status on the day the order "
        "ended, in SQL, protected by disclosure control.",
        (
            "tests/statistics/test_statuses.py::"
            "test_recording_a_value_ends_the_one_in_force_and_audits_both",
            "tests/statistics/test_statuses.py::"
            "test_accommodation_is_each_childs_state_at_the_end_and_the_start",
        ),
    ),
    Mechanism(
        "rights-statutory-clock",
        "rights workflow",
        "Every rights request carries its due date by the ICO's rule (one month to the "
        "corresponding date, the last day where there is none, the next working day after a "
        "weekend or the pack's nation's bank holidays; two months more only if told in the "
        "first month; paused while identity or clarification is awaited), and the DPO's pages "
        "list what is overdue.",
        (
            "tests/rights/test_clock.py::test_one_month_to_the_corresponding_date_or_the_next_working_day",
            "tests/rights/test_clock.py::test_an_extension_told_too_late_is_refused",
            "tests/rights/test_clock.py::test_a_pause_stops_the_clock_and_it_resumes_with_the_days_it_had_left",
            "tests/web/test_rights.py::test_open_requests_by_due_date_with_each_view",
        ),
    ),
    Mechanism(
        "rights-access-bundle-reviewed",
        "rights workflow",
        "A copy of someone's information is compiled through the gate; every other person "
        "found in it is decided by a reviewer with a legal ground before release, a second "
        "person approves where the pack requires it, and the release is audited.",
        (
            "tests/rights/test_bundle.py::test_the_bundle_holds_every_record_and_proposes_every_third_party",
            "tests/rights/test_bundle.py::test_nothing_is_released_unreviewed_and_the_log_matches",
        ),
    ),
    Mechanism(
        "share-decided-and-logged",
        "share rule",
        "A disclosure goes only to a recipient the pack declares, for a purpose and categories "
        "one of its shares names, under a gateway that share names, in its time conditions, by "
        "a role granted 'share'; anything else is refused. Every decision, shared or not, is "
        "explained, kept in the disclosure log and audited.",
        (
            "tests/sharing/test_gate_share.py::test_a_share_outside_the_pack_is_refused",
            "tests/sharing/test_gate_share.py::test_a_refused_share_is_logged_with_its_reason",
            "tests/sharing/test_gate_share.py::test_override_needs_a_reason_and_a_second_person",
            "tests/sharing/test_share_matrix.py::test_share_matrix",
        ),
    ),
    Mechanism(
        "consent-enforced",
        "share rule",
        "A share that depends on consent needs the person's current consent: a refusal names "
        "the missing consent, and a withdrawal stops the next share and the next extract.",
        (
            "tests/sharing/test_gate_share.py::test_a_share_needing_consent_names_the_consent",
            "tests/sharing/test_gate_share.py::test_a_withdrawal_stops_the_next_share",
            "tests/sharing/test_extracts.py::test_a_withdrawal_removes_the_person_from_the_next_run",
        ),
    ),
    Mechanism(
        "objection-honoured",
        "share rule",
        "An objection or preference stops the shares it withholds, except under a law or court "
        "order; an objection to direct marketing stops it whatever the gateway.",
        (
            "tests/sharing/test_gate_share.py::test_an_objection_stops_what_it_withholds",
            "tests/sharing/test_gate_share.py::test_direct_marketing_objection_is_absolute",
        ),
    ),
    Mechanism(
        "objection-stops-processing",
        "rights workflow",
        "An objection (a rights request, or one recorded with the person's consents) to "
        "processing the pack marks objectable stops it for that person through the gate at "
        "once: their cases under it are refused naming the objection, shares and regular "
        "returns for it leave them out; other processing continues. Upheld it stays stopped, "
        "overruled with its reason it resumes; direct marketing stops for good.",
        (
            "tests/rights/test_objection.py::"
            "test_an_objection_stops_objectable_processing_and_the_rest_continues",
            "tests/rights/test_objection.py::"
            "test_a_decided_objection_upheld_stays_stopped_overruled_resumes",
            "tests/rights/test_objection.py::"
            "test_direct_marketing_stops_at_once_and_cannot_be_overruled",
            "tests/rights/test_objection.py::"
            "test_an_objection_recorded_with_consents_stops_shares_and_returns_until_withdrawn",
        ),
    ),
    Mechanism(
        "recurring-extract",
        "share rule",
        "A recurring extract carries only the pack's items for people in scope with the "
        "consents it needs and no objection, pseudonymised by a keyed hash stable per recipient "
        "(the key is not in the database), as one disclosure per run listing whom it covered.",
        (
            "tests/sharing/test_extracts.py::test_an_extract_is_one_disclosure_listing_whom",
            "tests/sharing/test_extracts.py::test_pseudonyms_are_stable_per_recipient_and_keyed",
        ),
    ),
)
