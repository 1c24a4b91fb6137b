"""Web pages. The public privacy notices need no sign-in."""

from django.urls import path, register_converter

from safehold.web import (
    account,
    audit,
    breakglass,
    cases,
    dpo,
    edits,
    events,
    facts,
    find,
    people,
    retention,
    rights,
    sharing,
    statistics,
    statuses,
    views,
)
from safehold.web.converters import IdConverter

register_converter(IdConverter, "id")

app_name = "web"
urlpatterns = [
    path("privacy/", views.privacy_index, name="privacy-index"),
    path("privacy/<slug:code>/", views.privacy_notice, name="privacy-notice"),
    path("privacy/<slug:code>/print/", views.privacy_notice_print, name="privacy-notice-print"),
    path(
        "privacy/<slug:code>/young-people/",
        views.privacy_notice_young_people,
        name="privacy-notice-young-people",
    ),
    path(
        "privacy/<slug:code>/record-of-processing.csv",
        views.record_of_processing_csv,
        name="privacy-ropa-csv",
    ),
    path(
        "privacy/<slug:code>/record-of-processing.json",
        views.record_of_processing_json,
        name="privacy-ropa-json",
    ),
    # Staff sign-in, two-factor and sign-out (account.py).
    path("sign-in/", account.sign_in, name="sign-in"),
    path("sign-in/two-factor/", account.two_factor, name="two-factor"),
    path("sign-in/two-factor/set-up/", account.two_factor_set_up, name="two-factor-set-up"),
    path("sign-out/", account.sign_out, name="sign-out"),
    path("signed-out/", account.signed_out, name="signed-out"),
    # Break glass (breakglass.py) and who has seen a record (audit.py).
    path("cases/<id:case_id>/break-glass/", breakglass.break_glass, name="break-glass"),
    path("break-glass/", breakglass.review_list, name="break-glass-review"),
    path("break-glass/<id:glass_id>/", breakglass.review_use, name="break-glass-use"),
    path("people/<id:person_id>/audit/", audit.who_has_seen, name="person-audit"),
    # Caseloads, young people and the records of their cases (cases.py, people.py).
    # The root sends each role to its work (staff.landing_url); a case worker's is here.
    path("", cases.home, name="home"),
    path("caseload/", cases.caseload, name="caseload"),
    path("team/", cases.team_caseload, name="team-caseload"),
    # Aggregate statistics: a statistics-only role's home (statistics.py).
    path("statistics/", statistics.statistics, name="statistics"),
    path("statistics/returns/", statistics.case_level_returns, name="statistics-returns"),
    path("statistics/<slug:code>/", statistics.output, name="statistics-output"),
    path("statistics/<slug:code>/<slug:fmt>/", statistics.download, name="statistics-download"),
    path("team/cases/<id:case_id>/allocate/", cases.allocate, name="allocate"),
    path("people/find/", find.find, name="find-person"),
    path("people/new/", people.new_person, name="person-new"),
    path("people/<id:person_id>/", people.person, name="person"),
    path("people/<id:person_id>/cases/new/", people.new_case, name="case-new"),
    *(
        path(
            f"cases/<id:case_id>/{kind}s/new/",
            cases.new_record,
            {"kind": kind},
            name=f"{kind}-new",
        )
        for kind in cases.RECORDS
    ),
    # Correcting what is recorded, and closing a case (edits.py).
    path("people/<id:person_id>/edit/", edits.edit_person, name="person-edit"),
    path("cases/<id:case_id>/close/", edits.close_case, name="case-close"),
    path("cases/<id:case_id>/facts/", facts.case_facts, name="case-facts"),
    path("cases/<id:case_id>/statuses/", statuses.case_statuses, name="case-statuses"),
    path(
        "cases/<id:case_id>/statuses/<slug:kind>/",
        statuses.record_status,
        name="case-status-record",
    ),
    path(
        "cases/<id:case_id>/statuses/<slug:kind>/<id:status_id>/edit/",
        statuses.change_status,
        name="case-status-change",
    ),
    path("cases/<id:case_id>/events/", events.case_events, name="case-events"),
    path("people/<id:person_id>/flags/<id:flag_id>/edit/", edits.edit_flag, name="flag-edit"),
    path(
        "people/<id:person_id>/relationships/<id:relationship_id>/edit/",
        edits.edit_relationship,
        name="relationship-edit",
    ),
    path(
        "cases/<id:case_id>/victims/<id:link_id>/edit/",
        edits.edit_victim_link,
        name="victimlink-edit",
    ),
    path(
        "cases/<id:case_id>/plans/<id:plan_id>/actions/<id:action_id>/edit/",
        edits.edit_plan_action,
        name="planaction-edit",
    ),
    *(
        path(
            f"cases/<id:case_id>/{kind}s/<id:record_id>/edit/",
            edits.edit_record,
            {"kind": kind},
            name=f"{kind}-edit",
        )
        for kind in cases.RECORDS
    ),
    # The data protection officer's home (dpo.py) and retention (retention.py).
    path("data-protection/", dpo.home, name="dpo-home"),
    path("data-protection/conformance/", dpo.conformance, name="dpo-conformance"),
    # Sharing and consent (sharing.py): a person's consents and shared-with, sharing from a
    # case, one disclosure and its package, and the DPO's disclosure log.
    path("people/<id:person_id>/sharing/", sharing.person_sharing, name="person-sharing"),
    path("people/<id:person_id>/consents/new/", sharing.consent_new, name="consent-new"),
    path(
        "people/<id:person_id>/consents/<id:record_id>/withdraw/",
        sharing.consent_withdraw,
        name="consent-withdraw",
    ),
    path("cases/<id:case_id>/share/", sharing.case_share, name="case-share"),
    path("disclosures/<id:disclosure_id>/", sharing.disclosure, name="disclosure"),
    path(
        "disclosures/<id:disclosure_id>/package.json",
        sharing.disclosure_package,
        name="disclosure-package",
    ),
    path("data-protection/disclosures/", sharing.disclosure_log, name="disclosure-log"),
    path("data-protection/extracts/", sharing.extract_runs, name="extract-runs"),
    # Rights requests on the statutory clock (rights.py).
    path("data-protection/requests/", rights.requests, name="rights-requests"),
    path("data-protection/requests/new/", rights.new_request, name="rights-request-new"),
    path("data-protection/requests/chart/", rights.chart, name="rights-chart"),
    path("data-protection/requests/<id:request_id>/", rights.request_page, name="rights-request"),
    *(
        path(
            f"data-protection/requests/<id:request_id>/{step}/",
            rights.request_step,
            {"step": step},
            name=f"rights-request-{step}",
        )
        for step in rights.STEPS
    ),
    path(
        "data-protection/requests/<id:request_id>/bundle/",
        rights.bundle_review,
        name="rights-bundle",
    ),
    path(
        "data-protection/requests/<id:request_id>/bundle/approve/",
        rights.bundle_approve,
        name="rights-bundle-approve",
    ),
    path(
        "data-protection/requests/<id:request_id>/bundle/release/",
        rights.bundle_release,
        name="rights-bundle-release",
    ),
    *(
        path(
            f"data-protection/requests/<id:request_id>/bundle.{fmt}",
            rights.bundle_file,
            {"fmt": fmt},
            name=f"rights-bundle-{fmt}",
        )
        for fmt in ("html", "json", "pdf")
    ),
    path("retention/", retention.summary, name="retention"),
    path("retention/queue/", retention.queue, name="retention-queue"),
    path("retention/holds/", retention.holds, name="retention-holds"),
    path("retention/service-dates/", retention.service_dates, name="retention-service-dates"),
    path("retention/holds/<id:hold_id>/lift/", retention.lift_hold, name="retention-hold-lift"),
    path("retention/destruction-records/", retention.disposals, name="retention-disposals"),
]
