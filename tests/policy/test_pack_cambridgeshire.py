"""The Cambridgeshire Youth Offending Service pack states its notice, statement by statement.

Source: ../shared/notices/cambridgeshire-yos.txt. Each test quotes the sentence it checks.
"""

from __future__ import annotations

from safehold.policy.law import Applies, Right
from safehold.policy.schema import Action, Pack, RecipientKind, Unit
from tests.policy.helpers import (
    assert_only_warnings,
    by_code,
    codes,
    conditions,
    holder,
    holders,
    legislation_titles,
    normalised,
    plain,
    readers,
)

PACK = "cambridgeshire-yos"


def test_loads_without_errors_and_warns_of_what_it_assumes(pack_result):
    """The notice states no lawful basis for four purposes and names employment details that
    no field holds: `pack check` says so."""
    assert_only_warnings(
        pack_result,
        "no record field is behind the category 'employment'",
        *["is assumed: its lawful basis or conditions are not in the published notice"] * 4,
    )


# --- the title and introduction --------------------------------------------------------------


def test_title(pack: Pack):
    """'Youth Offending service privacy notice'"""
    assert pack.notice.title == "Youth Offending service privacy notice"


def test_data_protection_act_compliance(pack: Pack):
    """'Everything we do with information about people ... has to comply with the Data
    Protection Act.'"""
    assert "has to comply with the Data Protection Act" in normalised(pack.notice.summary)
    assert "Data Protection Act 2018" in legislation_titles(pack)


def test_contact_the_dpo_if_unclear(pack: Pack):
    """'If anything in this notice is not clear ... get in contact with the Data Protection
    Officer using the details at the end.'"""
    assert "Data Protection Officer" in pack.notice.wording["intro"]
    assert "questions" in by_code(pack.contacts, "dpo").for_


# --- what information do we hold? -----------------------------------------------------------


def test_personal_and_special_category_information(pack: Pack):
    """'The Youth Offending Service collects and process personal information and special
    categories of information.'"""
    assert any(c.special_category for c in pack.categories)
    assert any(not c.special_category for c in pack.categories)


def test_whom_we_hold_information_about(pack: Pack):
    """'We hold information about young offenders, their family members and the
    professionals working with them, information about victims of crime and details of
    volunteers who help us manage and deliver our service.'"""
    assert codes(pack.subjects) == {
        "young-person",
        "family-member",
        "professional",
        "victim",
        "volunteer",
    }


def test_what_information_we_hold(pack: Pack):
    """'We hold information such as names, addresses and contact details, the details of
    offences and the response to these, details of the support and intervention we or our
    partners offer, and information ... such as health, education or employment needs. We
    make records of the contact that we have with those we support or work with.'"""
    assert codes(pack.categories) == {
        "identity",
        "contact",
        "offending",
        "support",
        "health",
        "education",
        "employment",
        "contact-records",
        "care-status",  # assumed: the retention rule turns on it (below)
        "ethnicity",  # assumed: Article 9 data Safehold records, though the notice is silent
    }
    assert by_code(pack.categories, "offending").criminal_offence
    assert by_code(pack.categories, "health").special_category
    special = {c.code for c in pack.categories if c.special_category}
    criminal = {c.code for c in pack.categories if c.criminal_offence}
    assert special == {"health", "ethnicity"}
    assert criminal == {"offending"}


def test_what_each_record_field_is(pack: Pack):
    """The notice's kinds of information, as the fields Safehold records: 'names, addresses
    and contact details, the details of offences and the response to these, details of the
    support and intervention we or our partners offer, ... health, education or employment
    needs. We make records of the contact that we have with those we support or work with.'"""
    for field in ("person.given_name", "person.family_name", "person.preferred_name"):
        assert holder(pack, field) == "identity"
    for field in ("person.address", "person.postcode", "person.phone", "person.email"):
        assert holder(pack, field) == "contact"
    assert holders(pack, "offence.") == {"offending"}
    assert holders(pack, "outcome.") == {"offending"}  # "the response to these"
    assert holders(pack, "plan.") == holders(pack, "planaction.") == {"support"}
    assert holder(pack, "person.health_needs") == "health"
    assert holder(pack, "assessment.health_findings") == "health"
    assert holder(pack, "person.school") == "education"
    assert holders(pack, "contact.") == {"contact-records"}
    assert by_code(pack.categories, "employment").holds == []  # no such field yet


# --- why do we have it -----------------------------------------------------------------------


def test_statutory_duties_under_the_crime_and_disorder_act(pack: Pack):
    """'The Youth Offending Service is delivered to meet statutory duties under the Crime and
    Disorder Act 1998.'"""
    assert "Crime and Disorder Act 1998" in legislation_titles(pack)
    purpose = by_code(pack.purposes, "statutory-youth-justice")
    assert "cda-1998" in purpose.legislation
    assert {"public-task", "legal-obligation"} <= set(purpose.lawful_basis)
    assert {"substantial-public-interest", "sch1-p2-6"} <= set(purpose.special_category_conditions)
    assert "official-authority" in purpose.criminal_offence_conditions
    assert purpose.law_enforcement
    assert purpose.assumed  # the notice states no Article 6, 9 or 10 condition


def test_partners(pack: Pack):
    """'This requires the participation of partners including the council, police, health and
    probation services.'"""
    assert {p.kind for p in pack.partners} == {"council", "police", "health", "probation"}


def test_services(pack: Pack):
    """'We assess and supervise young people (10-18) subject to Court Orders, pre-Court
    Disposals (ie Youth Cautions and Conditional Cautions), handle Court bail and those
    referred by other agency who identify young people at risk of offending.'"""
    youth = {"court-orders", "pre-court", "court-bail", "prevention"}
    assert youth <= codes(pack.services)
    for code in youth:
        service = by_code(pack.services, code)
        assert (service.age_min, service.age_max) == (10, 18)
        assert service.statutory_basis == ["cda-1998"]
    assert "Conditional Cautions" in by_code(pack.services, "pre-court").description
    assert set(by_code(pack.purposes, "statutory-youth-justice").services) == youth


def test_victims_and_volunteers_have_purposes(pack: Pack):
    """'information about victims of crime and details of volunteers'"""
    assert by_code(pack.purposes, "victim-support").subjects == ["victim"]
    assert by_code(pack.purposes, "volunteer-management").subjects == ["volunteer"]


def test_only_the_details_needed(pack: Pack):
    """'Whenever we use information, we always limit this to only the details that are
    needed and we ensure that it is used safely and securely.'"""
    assert by_code(pack.commitments, "minimum-necessary").enforced_by == "gate-redacts-by-category"
    assert "only the details that are needed" in pack.notice.wording["security"]


def test_security(pack: Pack):
    """'We require anyone we share information with, or who uses it on our behalf, to do so
    too. All staff receive training on data protection and information security and
    information is stored within secure IT systems.'"""
    security = " ".join(m.text for m in pack.security_measures)
    assert "training on data protection and information security" in security
    assert "secure IT systems" in security
    assert "on our behalf" in security


# --- who we share information with -----------------------------------------------------------


def test_shared_between_council_departments(pack: Pack):
    """'information is shared between different departments. This arrangement covers all
    children's services including children's social care, early help, schools and other
    specialist services'"""
    council = by_code(pack.recipients, "council-childrens-services")
    assert council.kind == RecipientKind.INTERNAL
    assert council.examples == [
        "children's social care",
        "early help",
        "schools",
        "other specialist services",
    ]
    assert conditions(council.shares[0]) == {"necessary-for-service"}


def test_police_when_risk_or_crime(pack: Pack):
    """'Information will also be shared with other services (such as the Police) in
    particular circumstances, which are when there is a risk to the safety of you or other
    people or for the prevention and detection of crime.'"""
    police = by_code(pack.recipients, "police")
    assert [conditions(s) for s in police.shares] == [{"safeguarding-risk", "crime-prevention"}]


def test_courts_inspectorates_regulators_complaints(pack: Pack):
    """'We also share information with Courts, inspectorates of our service, regulatory
    bodies or people with authority to investigate complaints.'"""
    for code in ("courts", "inspectorates", "regulators", "complaint-investigators"):
        recipient = by_code(pack.recipients, code)
        assert [conditions(s) for s in recipient.shares] == [{"required-by-law"}]


def test_nhs_with_reasons_explained(pack: Pack):
    """'At times YOS staff may think it would improve the support for you and your family to
    ask for or share information with other services (such as the NHS). In those cases, the
    reasons for this will be explained to you.'"""
    nhs = by_code(pack.recipients, "nhs")
    (share,) = nhs.shares
    assert conditions(share) == {"professional-judgement"}
    assert share.explained_to_subject
    # Enforced by the share rules: the notice says the reasons are explained, not that
    # agreement is asked, so no consent is waited for and none is offered; the member of
    # staff states the reasons (a share explained to the person needs one), or shares under
    # safeguarding, which needs one too.
    assert by_code(pack.commitments, "explain-sharing").enforced_by == "share-decided-and-logged"
    assert share.gateways == ["better-support", "safeguarding"]
    assert by_code(pack.gateways, "better-support").kind == "service"
    assert share.consent is None and share.override is None
    assert not [p for p in pack.preferences if p.kind == "consent"]


def test_business_planning_and_research(pack: Pack):
    """'Data about you may also be used for business planning and research purposes and the
    wider County Council ... This will always be done in a way that does not identify
    individuals unless that is strictly necessary.'"""
    purpose = by_code(pack.purposes, "planning-research")
    assert purpose.identifiable == "pseudonymised"
    (share,) = by_code(pack.recipients, "wider-council-planning").shares
    assert share.identifiable == "anonymised"
    assert share.purposes == ["planning-research"]
    assert by_code(pack.commitments, "no-identification-in-research").stated_only


def test_information_sharing_framework(pack: Pack):
    """'All information sharing is done with reference to the principles set out in the
    Cambridgeshire and Peterborough Information Sharing Framework.'"""
    framework = by_code(pack.legislation, "cp-isf")
    assert framework.title == "Cambridgeshire and Peterborough Information Sharing Framework"
    assert framework.kind == "framework"
    assert "Information Sharing Framework" in pack.notice.wording["sharing"]


def test_staff_see_only_their_allocation(pack: Pack):
    """'we always limit this to only the details that are needed': outside allocation a case
    manager reads only identity, contact and offending."""
    assert readers(pack, "health") == {
        "youth-justice-officer": {"allocated"},
        "team-manager": {"team"},
        "data-protection-officer": {"controller"},
    }


# --- how long we keep hold of information ----------------------------------------------------


def test_only_as_long_as_needed(pack: Pack):
    """'We only keep information for as long as it is needed or to comply with the law.'"""
    assert pack.notice.wording["retention"].startswith("We only keep information")


def test_case_files_25_years(pack: Pack):
    """'Young Offenders case files are kept for 25years'"""
    rule = by_code(pack.retention, "case-file")
    assert rule.unit == Unit.CASE_FILE
    assert plain(rule.keep) == {"birthday": 25}
    assert rule.action == Action.DESTROY


def test_looked_after_or_cp_plan_75_years(pack: Pack):
    """'but if a young person is looked after by the Local Authority or has been subject of a
    Child Protection Plan then records will be kept for 75 years.'"""
    rule = by_code(pack.retention, "case-file-looked-after-or-cp")
    assert plain(rule.keep) == {
        "if": {"any": [{"flag": "looked-after"}, {"flag": "child-protection-plan"}]},
        "then": {"birthday": 75},
    }
    assert codes(pack.flags) == {"looked-after", "child-protection-plan"}
    # Held, so the rule can be applied: in a category of its own, which the statutory
    # purpose uses.
    assert holders(pack, "personflag.") == {"care-status"}
    assert "care-status" in by_code(pack.purposes, "statutory-youth-justice").categories


def test_other_information_6_years(pack: Pack):
    """'We keep information which is not part of case files for up to 6 years.'"""
    rule = by_code(pack.retention, "non-case-file")
    assert rule.unit == Unit.NON_CASE
    assert plain(rule.keep) == {"for": "6 years", "after": "record-updated"}


# --- what rights you have --------------------------------------------------------------------


def test_rights_exceptions(pack: Pack):
    """'Right to data portability (in some cases ...)'; 'Right to object (generally to make a
    complaint about any aspect of our use of your data)'"""
    exceptions = {e.right: e.applies for e in pack.rights.exceptions}
    assert exceptions == {Right.PORTABILITY: Applies.LIMITED, Right.OBJECTION: Applies.YES}


def test_automated_decisions(pack: Pack):
    """'Right to have explained if there will be any automated decision-making, including
    profiling, based on your data and for the logic behind this to be explained to you.'"""
    assert pack.automated_decisions.used is False
    assert "automated decision-making" in pack.automated_decisions.statement


def test_requests_to_the_dpo(pack: Pack):
    """'Any such request can be submitted to the Data Protection Officer. Whether we can agree
    to your request will depend on the specific circumstances and if we cannot then we will
    explain the reasons why.'"""
    assert pack.rights.request_to == "dpo"
    assert by_code(pack.commitments, "explain-refusals").stated_only


def test_national_data_opt_out(pack: Pack):
    """'the NHS National Data Opt-out Programme gives you the right to opt out of your
    confidential patient information being used for reasons other than their individual care
    and treatment (such as for research and planning purposes).'"""
    opt_out = by_code(pack.preferences, "national-data-opt-out")
    assert opt_out.kind == "opt-out"
    assert opt_out.withholds is not None
    assert opt_out.withholds.categories == ["health"]
    assert opt_out.withholds.purposes == ["planning-research"]
    assert opt_out.url == "https://www.nhs.uk/your-nhs-data-matters/"
    assert "NHS National Data Opt-out" in legislation_titles(pack)


# --- complaints and the DPO ------------------------------------------------------------------


def test_complaints_to_dpo_and_ico(pack: Pack):
    """'you can make a complaint to the Data Protection Officer. You can also report your
    concerns to the Information Commissioner's Office.'"""
    assert "complaints" in by_code(pack.contacts, "dpo").for_
    assert pack.supervisory_authority is not None
    assert pack.supervisory_authority.name == "Information Commissioner's Office"


def test_dpo_contact_details(pack: Pack):
    """'Email: Data.protection@cambridgeshire.gov.uk  Tel: 01223 699137  Post: Information and
    Records Team, OCT1224, Cambridgeshire County Council, Shire Hall, Cambridge, CB3 0AP'"""
    dpo = by_code(pack.controllers, "cambridgeshire-cc").dpo
    assert dpo is not None
    assert dpo.email == "Data.protection@cambridgeshire.gov.uk"
    assert [p.number for p in dpo.phone] == ["01223 699137"]
    assert dpo.post == (
        "Information and Records Team, OCT1224, Cambridgeshire County Council, Shire Hall, "
        "Cambridge, CB3 0AP"
    )
    contact = by_code(pack.contacts, "dpo")
    assert (contact.email, contact.post) == (dpo.email, dpo.post)


def test_no_transfers_outside_the_uk(pack: Pack):
    assert pack.transfers_outside_uk is False
    assert {r.country for r in pack.recipients} == {"United Kingdom"}


def test_case_managers_hold_cases_and_managers_allocate_them(pack: Pack):
    """The YOS case manager is allocated young people; the team manager allocates, and with
    the Data Protection Officer holds no caseload of their own."""
    assert {r.code: r.holds_cases for r in pack.roles} == {
        "youth-justice-officer": True,
        "team-manager": False,
        "data-protection-officer": False,
    }
    assert {r.code for r in pack.roles if r.allocates_cases} == {"team-manager"}
