"""The Leicestershire Children and Family Wellbeing Service pack states its notice, statement
by statement.

Source: ../shared/notices/leicestershire-cfws.txt. Each test quotes the sentence it checks.
"""

from __future__ import annotations

import pytest

from safehold.policy.law import Applies, Right
from safehold.policy.schema import Action, Pack, RecipientKind
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
)

PACK = "leicestershire-cfws"

# "We will only do this when it is necessary in order to offer you this service, or if we are
# required to do so by law. ... When it is necessary, we may disclose your personal
# information to the following organisations:"
RECIPIENTS = {
    "dfe-government": "Department for Education and other government agencies",
    "childrens-social-care": "Children's Social Care and other relevant internal departments",
    "safeguarding-boards": "Safeguarding Boards",
    "health-agencies": "Health Agencies",
    "courts": "Courts",
    "probation": "Probation",
    "therapists-specialist-teachers": (
        "Speech and language therapists, Occupational Therapists and Specialist teachers"
    ),
    "education-providers": (
        "Education Providers including early years providers, pre- and post-16, and "
        "Transport Operators"
    ),
    "other-local-authorities": "Other Local Authorities and district authorities",
    "other-yots": "Other Youth Offending Teams",
    "youth-justice-board": "Youth Justice Board",
    "youth-custody-service": "Youth Custody Services",
    "referral-agencies": (
        "Other appropriate agencies that we would refer on to for further services that we do "
        "not provide"
    ),
    "pupil-referral-units": "Pupil Referral Units",
    "voluntary-sector": "Voluntary Sector Partners",
    "awarding-bodies": "Qualification awarding bodies",
    "funding-bodies": "Funding bodies",
    "elected-members": "Elected members",
}

# "Why do we need this?": the opening sentence and every bullet.
PURPOSES = {
    "understand-needs": "help us understand what the needs of the family are",
    "provide-services": "text service through notify.gov.uk",
    "specific-functions": "Enable us to carry out specific functions for which we are responsible.",
    "safe-quality-service": "To help us to ensure we are providing a safe, high quality service.",
    "assess-quality": "Assess the quality of our services.",
    "evaluate-improve": "Evaluate and improve our performance and our policies on children's services.",
    "statistics": "Derive statistics which inform decisions about future delivery of services.",
    "statutory-reporting": "Fulfil our statutory requirements e.g. reporting to Government.",
    "research-consultation": "Carry out research including consultations.",
    "equality-monitoring": "Carry out Equality Monitoring.",
    "programme-eligibility": "Identify families eligible for inclusion in Government funded Programme.",
    "programme-tracking": "Tracking of families included on Government Funded Programme.",
    "programme-payment-by-results": "Government funded Programme payment by results claims.",
    "programme-spot-checks": "Government funded Programme spot checks.",
    "prevent-offending": "Prevent offending and reoffending by young people.",
    "support-victims": "Work with and support victims of youth crime",
}

# "under various UK laws including but not limited to:"
LEGISLATION = {
    "The Children Act",
    "The Children & Families Act",
    "The Localism Act",
    "Crime and Disorder Act 1998",
    "Criminal Justice Act 2003",
    "Legal Aid Sentencing and Punishment of Offenders Act 2012",
    "Police and Criminal Evidence Act 1994",  # sic: the notice's year
    "Victim Code of Practice",
    "Limitation Act 1980",
}


def test_loads_with_only_the_retention_gap(pack_result):
    """The notice publishes no retention period (it points to its Retention Schedule)."""
    assert_only_warnings(
        pack_result,
        "states no retention period",
        "no record field is behind the category 'programme-records'",
    )


# --- title ----------------------------------------------------------------------------------


def test_title_and_summary(pack: Pack):
    """'Leicestershire County Council Fair Processing Notice'; 'This notice is to tell you about
    why we need your information and how we will handle it. This notice is for the Children
    and Family Wellbeing Service'"""
    assert pack.notice.title == "Leicestershire County Council Fair Processing Notice"
    assert "Children and Family Wellbeing Service" in pack.notice.summary
    assert by_code(pack.controllers, "leicestershire-cc").name == "Leicestershire County Council"


# --- what information do we need from you? --------------------------------------------------


def test_depends_on_the_service(pack: Pack):
    """'The information we need to know will depend on the service that you have accessed
    within the Children and Family Wellbeing Service. We need to know some or all of the
    following sorts of information about you and your children.'"""
    assert "depend on the service that you have accessed" in normalised(
        pack.notice.wording["what-we-hold"]
    )
    assert {"parent-carer", "child"} <= codes(pack.subjects)


def test_identity_contact_education(pack: Pack):
    """'name, contact details including your mobile phone number, child's name, child's date
    of birth, educational records, school attended, any special requirements, etc. We may
    also collect your / the young person's email address'"""
    assert {"name", "child's name", "child's date of birth"} <= set(
        by_code(pack.categories, "identity").examples
    )
    assert {"mobile phone number", "email address"} <= set(
        by_code(pack.categories, "contact").examples
    )
    assert by_code(pack.categories, "education").examples == [
        "educational records",
        "school attended",
    ]
    assert by_code(pack.categories, "special-requirements").name == "Any special requirements"
    for field in ("person.given_name", "person.family_name", "person.date_of_birth"):
        assert holder(pack, field) == "identity"
    for field in ("person.address", "person.postcode", "person.phone", "person.email"):
        assert holder(pack, field) == "contact"
    assert holder(pack, "person.school") == "education"


def test_gender_ethnicity_health(pack: Pack):
    """'gender, ethnicity, any health or disability needs'"""
    assert not by_code(pack.categories, "gender").special_category
    assert by_code(pack.categories, "ethnicity").special_category
    assert by_code(pack.categories, "health").special_category
    assert "disability" in by_code(pack.categories, "health").name
    assert holder(pack, "person.sex") == "gender"
    assert holder(pack, "person.ethnicity") == "ethnicity"
    assert holder(pack, "person.health_needs") == "health"
    assert holder(pack, "assessment.health_findings") == "health"


def test_contacts_and_assessments(pack: Pack):
    """'details of each contact that we have with you and your child, including visits,
    telephone calls, any groupwork accessed or intervention carried out; details of any
    assessments carried out;'"""
    assert by_code(pack.categories, "contact-records").examples == [
        "visits",
        "telephone calls",
        "any groupwork accessed",
        "any intervention carried out",
    ]
    assert "assessments" in codes(pack.categories)
    assert holders(pack, "contact.") == {"contact-records"}
    # "intervention carried out": plans and their actions
    assert holders(pack, "plan.") == holders(pack, "planaction.") == {"contact-records"}
    for field in ("assessment.kind", "assessment.completed_on", "assessment.summary"):
        assert holder(pack, field) == "assessments"


def test_offences(pack: Pack):
    """'details relating to offences, anti-social behaviour and court information (mainly for
    any Youth Justice and Community Safety team services accessed)'"""
    offending = by_code(pack.categories, "offending")
    assert offending.criminal_offence
    assert "anti-social behaviour" in offending.name
    assert "Youth Justice and Community Safety" in offending.description
    # "court information": outcomes and reports to court
    for prefix in ("offence.", "outcome.", "report."):
        assert holders(pack, prefix) == {"offending"}


def test_victims(pack: Pack):
    """'we also collect details about victims to fulfil our obligations to offer support to
    victims of youth crime (for Youth Justice)'"""
    assert by_code(pack.categories, "victim-details").subjects == ["victim"]
    assert "victim-support" in codes(pack.services)
    assert holders(pack, "victimlink.") == {"victim-details"}


def test_special_and_criminal_categories(pack: Pack):
    assert {c.code for c in pack.categories if c.special_category} == {"ethnicity", "health"}
    assert {c.code for c in pack.categories if c.criminal_offence} == {"offending"}


# --- why do we need this? -------------------------------------------------------------------


def test_targeted_support(pack: Pack):
    """'The Children and Family Wellbeing Service provides targeted support to children, young
    people and families who may have needs that cannot be met by universal services alone.
    By universal we mean organisations and agencies like GPs, Schools, etc.'"""
    service = by_code(pack.services, "family-wellbeing")
    assert "Targeted support to children, young people and families" in normalised(
        service.description
    )
    assert "GPs, Schools" in service.description
    assert "By universal we mean" in normalised(pack.notice.wording["why"])


@pytest.mark.parametrize(("code", "words"), PURPOSES.items(), ids=list(PURPOSES))
def test_every_reason_is_a_purpose(pack: Pack, code: str, words: str):
    """Every bullet of 'In addition, we may need this information to:'"""
    assert words in normalised(by_code(pack.purposes, code).description)


def test_no_other_purposes(pack: Pack):
    """'We do not plan to ... use it for anything else.'"""
    assert codes(pack.purposes) == set(PURPOSES)


def test_lawful_basis_of_every_purpose(pack: Pack):
    """'In this case we are using our legal obligations or our official authority or
    performance of a public task as the lawful condition for us to do this.'"""
    for purpose in pack.purposes:
        assert set(purpose.lawful_basis) == {"legal-obligation", "public-task"}, purpose.code


def test_sensitive_data_for_health_or_social_care(pack: Pack):
    """'In this case we are processing your sensitive personal data because of health or
    social care requirements under various UK laws'"""
    special = {c.code for c in pack.categories if c.special_category}
    for purpose in pack.purposes:
        if special & set(purpose.categories):
            assert {"health-social-care", "sch1-p1-2"} <= set(
                purpose.special_category_conditions
            ), purpose.code


def test_offence_data_under_official_authority(pack: Pack):
    """'our official authority' read as Article 10's official authority (stated as assumed)."""
    for purpose in pack.purposes:
        if "offending" in purpose.categories:
            assert "official-authority" in purpose.criminal_offence_conditions, purpose.code
            assert purpose.assumed, purpose.code


def test_text_service_through_notify(pack: Pack):
    """'Provide you and your family with a number of services which will include a text
    service through notify.gov.uk'"""
    notify = by_code(pack.recipients, "gov-uk-notify")
    assert notify.kind == RecipientKind.PROCESSOR
    (share,) = notify.shares
    assert set(share.categories) == {"identity", "contact"}
    assert share.purposes == ["provide-services"]
    assert conditions(share) == {"necessary-for-service"}


def test_government_funded_programme(pack: Pack):
    """'Identify families eligible ...; Tracking of families ...; payment by results claims;
    spot checks'"""
    for code in (
        "programme-eligibility",
        "programme-tracking",
        "programme-payment-by-results",
        "programme-spot-checks",
    ):
        assert by_code(pack.purposes, code).services == ["government-programme"]


def test_youth_justice_and_victims(pack: Pack):
    """'Prevent offending and reoffending by young people'; 'Work with and support victims of
    youth crime'"""
    prevent = by_code(pack.purposes, "prevent-offending")
    assert prevent.services == ["youth-justice"]
    assert prevent.law_enforcement
    victims = by_code(pack.purposes, "support-victims")
    assert victims.subjects == ["victim"]
    assert "victim-code" in victims.legislation


def test_every_law_cited(pack: Pack):
    """'The Children Act and The Children & Families Act; The Localism Act; Crime and Disorder
    Act 1998; Criminal Justice Act 2003; Legal Aid Sentencing and Punishment of Offenders Act
    2012; Police and Criminal Evidence Act 1994; Victim Code of Practice; Limitation Act
    1980'"""
    assert legislation_titles(pack) == LEGISLATION
    assert by_code(pack.legislation, "victim-code").kind == "code-of-practice"


def test_every_law_is_relied_on(pack: Pack):
    cited = {code for p in pack.purposes for code in p.legislation}
    cited |= {code for s in pack.services for code in s.statutory_basis}
    cited |= {code for r in pack.retention for code in r.legislation}
    assert cited == codes(pack.legislation)


# --- who will we share this with? -----------------------------------------------------------


def test_every_recipient_listed(pack: Pack):
    """The notice's eighteen organisations, and GOV.UK Notify for the text service."""
    assert {r.code: r.name for r in pack.recipients if r.code != "gov-uk-notify"} == RECIPIENTS


@pytest.mark.parametrize("code", RECIPIENTS)
def test_only_when_necessary_or_required_by_law(pack: Pack, code: str):
    """'We will only do this when it is necessary in order to offer you this service, or if we
    are required to do so by law.'"""
    for share in by_code(pack.recipients, code).shares:
        assert conditions(share) == {"necessary-for-service", "required-by-law"}


def test_internal_departments(pack: Pack):
    """'Children's Social Care and other relevant internal departments'"""
    assert by_code(pack.recipients, "childrens-social-care").kind == RecipientKind.INTERNAL


def test_no_other_sharing(pack: Pack):
    """'We do not plan to share it with anyone else or use it for anything else.'"""
    assert "We do not plan to share it with anyone else" in normalised(
        pack.notice.wording["sharing"]
    )
    assert by_code(pack.commitments, "no-other-sharing-or-use").stated_only


# --- how will we keep it secure? ------------------------------------------------------------


def test_security(pack: Pack):
    """'We will take all reasonable steps to prevent the loss, misuse or alteration of your
    personal information. Only the people who need to see your personal information will be
    allowed access to it.'"""
    assert [m.text for m in pack.security_measures[:2]] == [
        "We will take all reasonable steps to prevent the loss, misuse or alteration of your "
        "personal information.",
        "Only the people who need to see your personal information will be allowed access to it.",
    ]
    assert (
        by_code(pack.commitments, "need-to-know-access").enforced_by == "gate-role-and-allocation"
    )


def test_not_sent_outside_the_uk(pack: Pack):
    """'We will not send your information outside of the UK.'"""
    assert pack.transfers_outside_uk is False
    assert {r.country for r in pack.recipients} == {"United Kingdom"}
    assert by_code(pack.commitments, "uk-only").enforced_by == "check-transfer-scope"


# --- how long will we keep it for? ----------------------------------------------------------


def test_retention_schedule_states_no_period(pack: Pack):
    """'We will only keep this information for as long as necessary or as the law requires.
    ... Retention periods have been set out in our Retention Schedule and we will retain
    information accordingly.'"""
    (rule,) = pack.retention
    assert "Retention Schedule" in plain(rule.keep)["no_period_stated"]
    assert "depend on the service that is accessed" in normalised(rule.statement)
    assert rule.action == Action.REVIEW
    assert rule.services == []  # every service


# --- what if something changes? -------------------------------------------------------------


def test_changes_of_circumstance(pack: Pack):
    """'If the information you provided changes or your circumstances change, please contact:
    childrenandfamilywellbeingservice@leics.gov.uk or call Children and Family Wellbeing
    Service on 0116 3058727.'"""
    contact = by_code(pack.contacts, "cfws")
    assert "changes" in contact.for_
    assert contact.email == "childrenandfamilywellbeingservice@leics.gov.uk"
    assert [p.number for p in contact.phone] == ["0116 3058727"]


def test_we_will_contact_you_if_sharing_changes(pack: Pack):
    """'If we need to change something like who we want to share this information with, we
    will contact you to let you know.'"""
    assert "we will contact you to let you know" in normalised(pack.notice.changes)
    assert by_code(pack.commitments, "tell-of-sharing-changes").stated_only


# --- what are your rights? ------------------------------------------------------------------


def test_rights(pack: Pack):
    """'You may request to see a copy of the personal information we hold about you. The law
    also provides you with other rights regarding your information including some around;
    correction of inaccurate data, objection to processing, moving your information to
    somewhere else, and in some cases, getting your information deleted.'"""
    assert {e.right: e.applies for e in pack.rights.exceptions} == {
        Right.RECTIFICATION: Applies.YES,
        Right.OBJECTION: Applies.LIMITED,
        Right.PORTABILITY: Applies.LIMITED,
        Right.ERASURE: Applies.LIMITED,
    }
    assert pack.rights.request_to == "information-governance"


def test_information_governance_and_dpo(pack: Pack):
    """'If you are unhappy with the way your data is being handled or if you need to contact
    Leicestershire County Council's Data Protection Officer, please contact the Information
    Governance Team: informationgovernance@leics.gov.uk'"""
    dpo = by_code(pack.controllers, "leicestershire-cc").dpo
    assert dpo is not None
    assert (dpo.team, dpo.email) == (
        "Information Governance Team",
        "informationgovernance@leics.gov.uk",
    )
    ig = by_code(pack.contacts, "information-governance")
    assert {"complaints", "data-protection"} <= set(ig.for_)
    assert ig.email == dpo.email


def test_ico(pack: Pack):
    """'The Information Commissioners Office, Wycliffe House, Water Lane, Wilmslow, Cheshire.
    SK9 5AF  Telephone: 0303 123 1113 (local rate) or 01625 545 745 (national rate)  Website:
    www.ico.org.uk  Email: casework@ico.org.uk'"""
    ico = pack.supervisory_authority
    assert ico is not None
    assert ico.post.splitlines() == [
        "Wycliffe House",
        "Water Lane",
        "Wilmslow",
        "Cheshire",
        "SK9 5AF",
    ]
    assert [(p.number, p.label) for p in ico.phone] == [
        ("0303 123 1113", "local rate"),
        ("01625 545 745", "national rate"),
    ]
    assert ico.website == "www.ico.org.uk"
    assert ico.email == "casework@ico.org.uk"


def test_complain_to_the_council_first(pack: Pack):
    """'The Information Commissioners Office does like to see that you have raised a complaint
    with the Council first and received a response before contacting them.'"""
    assert pack.supervisory_authority is not None
    assert pack.supervisory_authority.complain_first is True
    assert "raised a complaint with the Council first" in normalised(
        pack.supervisory_authority.note
    )


def test_workers_hold_cases_and_managers_allocate_them(pack: Pack):
    """Family, youth justice and victim workers are allocated cases; the team manager
    allocates them; information governance and the analysts hold none."""
    assert {r.code for r in pack.roles if r.holds_cases} == {
        "family-worker",
        "youth-justice-officer",
        "victim-worker",
    }
    assert {r.code for r in pack.roles if r.allocates_cases} == {"team-manager"}
