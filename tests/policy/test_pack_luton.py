"""The Luton Youth Partnership Service pack states its booklet, statement by statement.

Source: ../shared/notices/luton-yps.txt. Each test quotes the sentence it checks.
"""

from __future__ import annotations

import pytest

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
    recipients_of,
    shares_of,
)

PACK = "luton-yps"

HEALTH = ("health", "chat")
ADDRESS = ["The Albany, Ground Floor", "4 Cardiff Road", "Luton", "LU1 1PP"]

# "we may need to share information about you with professionals from other agencies such as:
# Luton Council, Health Services, Police, Social Care, Schools and Colleges and Accommodation
# providers. Courts, Crown Prosecution Service, Probation Service. Community organisations
# commissioned to deliver services." (Courts are tested on their own, below.)
AGENCIES = (
    "luton-council",
    "health-services",
    "police",
    "social-care",
    "schools-colleges",
    "accommodation-providers",
    "cps",
    "probation-service",
    "commissioned-organisations",
)


def test_loads_with_only_the_booklets_gaps(pack_result):
    """The booklet names no DPO, does not mention the ICO, and states no period for looked
    after children's records: each is a warning, nothing is an error."""
    assert_only_warnings(
        pack_result,
        "does not state the supervisory authority",
        "Data Protection Officer's contact details",
        "states no retention period",
    )


# --- the front page -------------------------------------------------------------------------


def test_front_page(pack: Pack):
    """'Youth Partnership Service. Working together to empower, support and safeguard children
    and young people in Luton ... Sharing Information Within the Youth Partnership Service
    (YPS) and with Other Agencies. Information for children, young people and their
    parents/guardians'"""
    assert "Within the Youth Partnership Service (YPS) and with Other Agencies" in pack.notice.title
    assert "empower, support and safeguard" in normalised(pack.notice.summary)
    assert codes(pack.subjects) == {"young-person", "parent"}


def test_partnership(pack: Pack):
    """''A partnership between Luton Council, Bedfordshire Police, BLMK Clinical Commission
    Group, The Probation Service and Luton Social Care''"""
    assert [(p.name, p.kind) for p in pack.partners] == [
        ("Luton Council", "council"),
        ("Bedfordshire Police", "police"),
        ("BLMK Clinical Commission Group", "health"),
        ("The Probation Service", "probation"),
        ("Luton Social Care", "social-care"),
    ]
    assert by_code(pack.controllers, "luton-council").name == "Luton Council"


def test_service_address(pack: Pack):
    """'Luton Youth Partnership Service, The Albany, Ground Floor, 4 Cardiff Road, Luton, LU1
    1PP  Tel: 01582 547900 Email: yos@luton.gov.uk'"""
    yps = by_code(pack.contacts, "yps")
    assert yps.post.splitlines() == ["Luton Youth Partnership Service", *ADDRESS]
    assert [p.number for p in yps.phone] == ["01582 547900"]
    assert yps.email == "yos@luton.gov.uk"


# --- sharing information within the YPS -----------------------------------------------------


def test_shared_within_the_service(pack: Pack):
    """'Luton Youth Partnership Service (YPS) aims to provide you with the best possible service
    and to do this we will need to share information about you with professionals within the
    service.'"""
    assert "professionals within the service" in normalised(pack.notice.wording["intro"])
    internal = by_code(pack.recipients, "yps-professionals")
    assert internal.kind == RecipientKind.INTERNAL
    assert all(conditions(s) == {"necessary-for-service"} for s in internal.shares)


def test_staff_roles(pack: Pack):
    """'Within the YPS we have a range of staff such as: Youth Justice Officers, Youth Workers,
    Police Officers, Health Workers, Education Workers, Victim Support Workers, Probation
    Officers.'"""
    assert {
        "youth-justice-officer",
        "youth-worker",
        "police-officer",
        "health-worker",
        "education-worker",
        "victim-support-worker",
        "probation-officer",
    } <= codes(pack.roles)
    assert (
        by_code(pack.roles, "youth-justice-officer").name == "Youth Justice Officer (Case Manager)"
    )
    # Each of them holds cases (a case is allocated to them); the managers, the head of
    # service and the analyst do not, so allocation never offers them.
    assert {r.code for r in pack.roles if r.holds_cases} == {
        "youth-justice-officer",
        "youth-worker",
        "police-officer",
        "health-worker",
        "education-worker",
        "victim-support-worker",
        "probation-officer",
    }


@pytest.mark.parametrize("category", HEALTH)
def test_health_read_by_health_workers_and_the_case_manager(pack: Pack, category: str):
    """Health detail is read inside the service by YPS Health Workers and the allocated Case
    Manager; the Head of Service reads it only to answer requests to see information."""
    assert readers(pack, category) == {
        "youth-justice-officer": {"allocated"},
        "health-worker": {"team"},
        "head-of-service": {"controller"},
    }


def test_role_grants_fit_the_role(pack: Pack):
    """Each professional reads what their work needs (and only the Case Manager's allocation
    covers everything)."""
    assert readers(pack, "education")["education-worker"] == {"allocated"}
    assert readers(pack, "offending")["police-officer"] == {"allocated"}
    assert readers(pack, "reports")["probation-officer"] == {"allocated"}
    assert "victim-support-worker" in readers(pack, "offending")
    assert by_code(pack.roles, "head-of-service").approves_disclosures
    assert by_code(pack.roles, "performance-analyst").statistics_only


# --- sharing information with other agencies ------------------------------------------------


@pytest.mark.parametrize("code", AGENCIES)
def test_agencies_are_told_we_are_working_with_you(pack: Pack, code: str):
    """'The information we share will tell professionals in other agencies that we are
    working with you, so that we can all coordinate the work that we do and ensure you get the
    best service. Any further information about you that those people request from us will
    only be given if you agree or if the law requires us to.'"""
    recipient = by_code(pack.recipients, code)
    first, further = recipient.shares[:2]
    assert set(first.categories) == {"identity", "involvement"}
    assert conditions(first) == {"necessary-for-service"}
    assert first.purposes == further.purposes == ["coordinate-agencies"]
    assert conditions(further) == {"consent", "required-by-law"}
    assert not set(HEALTH) & set(further.categories)


def test_that_we_are_working_with_you_is_the_case(pack: Pack):
    """'The information we share will tell professionals in other agencies that we are
    working with you': the case (which service, since when, until when) and the names that
    identify you, but not where you live, which is held with your family's details."""
    assert holders(pack, "case.") == {"involvement"}
    assert holder(pack, "person.given_name") == "identity"
    for field in ("person.address", "person.postcode", "person.phone", "person.email"):
        assert holder(pack, field) == "family"
    assert holders(pack, "relationship.") == {"family"}


def test_agreeing_to_further_information(pack: Pack):
    """'... will only be given if you agree or if the law requires us to.'"""
    consent = by_code(pack.preferences, "further-information-to-agencies")
    assert consent.kind == "consent"
    assert consent.withdrawable
    assert consent.allows is not None
    assert consent.allows.purposes == ["coordinate-agencies"]
    assert not set(HEALTH) & set(consent.allows.categories)


def test_anonymous_data(pack: Pack):
    """'Sometimes we also supply data to other agencies but this does not contain any
    information that would allow them to identify you, it is anonymous.'"""
    assert by_code(pack.purposes, "anonymous-data").identifiable == "anonymised"
    (share,) = by_code(pack.recipients, "other-agencies-anonymous").shares
    assert share.identifiable == "anonymised"
    assert by_code(pack.commitments, "anonymous-data-only").stated_only


# --- courts ---------------------------------------------------------------------------------


def test_health_in_court_reports_only_if_relevant(pack: Pack):
    """'We do not normally refer to health issues in reports to the Courts unless it is
    relevant for the Court to know in order to understand your offending or to ensure you get
    the most suitable sentence.'"""
    courts = by_code(pack.recipients, "courts")
    reports, health = courts.shares
    assert conditions(reports) == {"required-by-law"}
    assert not set(HEALTH) & set(reports.categories)
    assert set(health.categories) == set(HEALTH)
    assert conditions(health) == {"professional-judgement"}
    assert "most suitable sentence" in normalised(health.note)
    assert by_code(pack.commitments, "health-in-court-reports-only-if-relevant").stated_only


def test_court_report_copy_before_court(pack: Pack):
    """'You will be given a copy of your court report before it goes to the court so you will
    know what is written in it and can discuss it with your Case Manager.'"""
    commitment = by_code(pack.commitments, "report-copy-before-court")
    assert commitment.stated_only
    assert all(s.explained_to_subject for s in by_code(pack.recipients, "courts").shares)


# --- health information about you -----------------------------------------------------------


def test_health_shared_within_the_service(pack: Pack):
    """'Information about your health will normally be shared within the service to ensure you
    get the best possible service from us and that we take account of your health needs.'"""
    (share,) = shares_of(by_code(pack.recipients, "yps-professionals"), "health")
    assert share.purposes == ["health-needs"]
    assert "take account of your health needs" in normalised(share.note)


def test_chat(pack: Pack):
    """'we also use another assessment tool called CHAT (Comprehensive Health Assessment
    Tool). You can read about CHAT online at: http://www.ohrn.nhs.uk/OHRNResearch/CHAT'"""
    chat = by_code(pack.categories, "chat")
    assert chat.special_category
    assert "Comprehensive Health Assessment Tool" in chat.name
    assert any("http://www.ohrn.nhs.uk/OHRNResearch/CHAT" in r for r in pack.notice.further_reading)
    assert "chat" in by_code(pack.purposes, "health-needs").categories
    assert holder(pack, "assessment.health_findings") == "chat"


def test_health_on_our_case_files(pack: Pack):
    """'As well as writing things you tell us about your health on our case files'"""
    assert holder(pack, "person.health_needs") == "health"


@pytest.mark.parametrize("category", HEALTH)
def test_health_outside_the_service(pack: Pack, category: str):
    """'information about your health will not be shared outside of the service except with
    other health care professionals, your social worker if you have one and your GP; who may
    need to know in order to provide you with health care services.' (And, below, the parents
    of a young person living at home and, where relevant, the court.)"""
    assert recipients_of(pack, category) == {
        "yps-professionals",
        "health-services",
        "social-worker",
        "gp",
        "parents",
        "courts",
    }
    for code in ("health-services", "social-worker", "gp"):
        (share,) = shares_of(by_code(pack.recipients, code), category)
        assert conditions(share) == {"necessary-for-service"}
        assert share.purposes == ["health-needs"]
    assert by_code(pack.commitments, "health-outside-service").stated_only


def test_health_shared_with_parents_at_home(pack: Pack):
    """'If you still live at home we would normally share information about your health with
    your parents. If you would rather we didn't do this please discuss this with your Case
    Manager.'"""
    parents = by_code(pack.recipients, "parents")
    assert parents.kind == RecipientKind.PERSON
    (share,) = parents.shares
    assert set(share.categories) == set(HEALTH)
    assert conditions(share) == {"always"}
    assert "lives-at-home" in codes(pack.flags)
    assert share.if_ is not None and share.if_.model_dump() == {"flag": "lives-at-home"}

    preference = by_code(pack.preferences, "health-not-shared-with-parents")
    assert preference.given_by == ["young-person"]
    assert preference.ask == "your Case Manager"
    assert preference.withholds is not None
    assert set(preference.withholds.categories) == set(HEALTH)
    assert preference.withholds.recipients == ["parents"]


def test_a_health_issue_you_would_rather_we_did_not_share(pack: Pack):
    """'If you have a health issue that you would rather we don't share please discuss this
    with your Case Manager.'"""
    preference = by_code(pack.preferences, "health-issue-not-shared")
    assert preference.kind == "preference"
    assert preference.ask == "your Case Manager"
    assert preference.withholds is not None
    assert set(preference.withholds.categories) == set(HEALTH)
    assert preference.withholds.recipients == []  # from everyone


# --- looked after children ------------------------------------------------------------------


def test_looked_after_social_worker_copies(pack: Pack):
    """'If you have been Looked After by a Local Authority (eg: you have been Accommodated or
    on a Care Order) your Social Worker will be given a copy of some documents about you such
    as any Pre Sentence Reports we write or a copy of your Intervention Plans.'"""
    assert "Care Order" in by_code(pack.flags, "looked-after").description
    (share,) = [
        s for s in by_code(pack.recipients, "social-worker").shares if "reports" in s.categories
    ]
    assert {"reports", "plans"} <= set(share.categories)
    assert share.purposes == ["looked-after-liaison"]
    assert share.if_ is not None and share.if_.model_dump() == {"flag": "looked-after"}
    assert "Looked After" in share.note
    assert holders(pack, "report.") == {"reports"}
    assert holders(pack, "plan.") == {"plans"}
    assert holders(pack, "personflag.") == {"care-status"}
    commitment = by_code(pack.commitments, "looked-after-social-worker-copies")
    assert commitment.stated_only


# --- how information is stored --------------------------------------------------------------


def test_stored_securely(pack: Pack):
    """'Information held by the YPS is stored securely within our computer system or in paper
    files and only authorised staff are able to access that information.'"""
    assert "computer system or in paper files" in " ".join(m.text for m in pack.security_measures)
    assert "Only authorised staff" in " ".join(m.text for m in pack.security_measures)
    assert (
        by_code(pack.commitments, "authorised-staff-only").enforced_by == "gate-role-and-allocation"
    )


def test_services_distinguish_the_retention_groups(pack: Pack):
    """The three groups of 'How Information is Stored' are services of their own."""
    assert codes(pack.services) == {
        "court-sentenced",
        "diversion",
        "youth-caution",
        "youth-conditional-caution",
        "magpan-prevention",
    }
    assert "Multi-Agency Gangs Panel (MAGPan)" in by_code(pack.services, "magpan-prevention").name


@pytest.mark.parametrize(
    ("code", "services", "keep", "sentence"),
    [
        pytest.param(
            "sentenced",
            ["court-sentenced"],
            {"earliest": [{"for": "5 years", "after": "case-closed"}, {"birthday": 18}]},
            "up to 5 years after you have stopped receiving a service from us or until your "
            "18th birthday (whichever happens first)",
            id="1) sentenced by the courts",
        ),
        pytest.param(
            "diversion-caution",
            ["diversion", "youth-caution", "youth-conditional-caution"],
            {"earliest": [{"for": "3 years", "after": "case-closed"}, {"birthday": 18}]},
            "up to 3 years after you have stopped receiving a service from us or until your "
            "18th birthday (whichever happens first)",
            id="2) Diversion, Caution or Conditional Caution",
        ),
        pytest.param(
            "magpan-prevention",
            ["magpan-prevention"],
            {"for": "12 months", "after": "case-closed"},
            "up to 12 months after you have stopped receiving a service from us",
            id="3) MAGPan prevention intervention",
        ),
    ],
)
def test_retention_by_service(pack: Pack, code, services, keep, sentence):
    """'Information is usually held for up to ... but in some cases this may be longer and
    will depend upon the type of service you receive from us.'"""
    rule = by_code(pack.retention, code)
    assert rule.services == services
    assert rule.unit == Unit.CASE_FILE
    assert plain(rule.keep) == keep
    assert sentence in normalised(rule.statement)
    assert "may be longer" in normalised(rule.statement)
    assert rule.action == Action.REVIEW


def test_looked_after_records_in_line_with_the_children_act(pack: Pack):
    """'We retain original written records, or a copy of it, in some other accessible form
    (such as on computer files) in line with the Children Act 2004.'"""
    rule = by_code(pack.retention, "looked-after")
    keep = plain(rule.keep)
    assert keep["if"] == {"flag": "looked-after"}
    assert "Children Act 2004" in keep["then"]["no_period_stated"]
    assert rule.legislation == ["children-act-2004"]


# --- requesting to see information ----------------------------------------------------------


def test_information_given_without_asking(pack: Pack):
    """'We have a policy of sharing with you the majority of information we hold about you
    without you asking for it. For example you should be given copies of any Pre Sentence
    Reports, Referral Order Panel Reports, Intervention Plans etc.'"""
    proactive = normalised(pack.rights.proactive_disclosure)
    for document in ("Pre Sentence Reports", "Referral Order Panel Reports", "Intervention Plans"):
        assert document in proactive
    assert by_code(pack.commitments, "proactive-copies").stated_only


def test_requests_in_writing_to_the_head_of_service(pack: Pack):
    """'please write to the 'Head of the Youth Partnership Service' at the address on the
    front page of this booklet.' 'All requests for information should be made in writing ...
    Your Case Manager can help you write this down.'"""
    assert pack.rights.request_to == "head-of-yps"
    head = by_code(pack.contacts, "head-of-yps")
    assert head.name == "Head of the Youth Partnership Service"
    assert {"rights-requests", "data-protection"} <= set(head.for_)
    assert head.post.splitlines()[-4:] == ADDRESS
    assert pack.rights.in_writing is True
    assert pack.rights.help_from == "Your Case Manager can help you write this down."
    assert "such as a particular report" in normalised(pack.notice.wording["rights"])


def test_exemptions(pack: Pack):
    """'However, it is important to remember that there are 'exemptions' within the Data
    Protection Act which may allow us to refuse to comply with your request in certain
    circumstances.'"""
    assert "may allow us to refuse" in normalised(pack.rights.exemptions_note)


# --- further information: the legal grounds -------------------------------------------------


def test_public_task(pack: Pack):
    """'We have legal grounds to process this information because it is necessary for the
    performance of a task carried out in the public interest.'"""
    assert all(p.lawful_basis == ["public-task"] for p in pack.purposes)


def test_legislation(pack: Pack):
    """'The tasks we carry out in the public interest are under the: Children Act 2004, Crime
    (Sentences) Act 1997, Crime and Disorder Act 1998, Criminal Justice Act 2003' and 'GDPR
    Data Protection 2018'"""
    assert legislation_titles(pack) == {
        "Children Act 2004",
        "Crime (Sentences) Act 1997",
        "Crime and Disorder Act 1998",
        "Criminal Justice Act 2003",
        "General Data Protection Regulation (UK GDPR)",
        "Data Protection Act 2018",
    }
    tasks = {"children-act-2004", "crime-sentences-act-1997", "cda-1998", "cja-2003"}
    assert tasks == {code for p in pack.purposes for code in p.legislation}


def test_special_category_and_criminal_convictions_data(pack: Pack):
    """'We have legal grounds to process (including share) special category data and criminal
    convictions data where we are exercising a statutory function and where it is necessary
    in the case of substantial public interest.'"""
    special = {c.code for c in pack.categories if c.special_category}
    criminal = {c.code for c in pack.categories if c.criminal_offence}
    assert special == {*HEALTH, "ethnicity"}  # ethnicity: assumed, the booklet is silent
    assert criminal == {"offending", "reports"}
    for purpose in pack.purposes:
        if special & set(purpose.categories):
            assert set(purpose.special_category_conditions) == {
                "substantial-public-interest",
                "sch1-p2-6",
            }
        if criminal & set(purpose.categories):
            assert {"official-authority", "sch1-p2-6"} <= set(purpose.criminal_offence_conditions)


def test_purposes(pack: Pack):
    """The services, the health needs, coordinating with other agencies, reports to court,
    the looked after child's social worker, and anonymous data."""
    assert codes(pack.purposes) == {
        "supervise-sentences",
        "out-of-court-disposals",
        "magpan-prevention",
        "health-needs",
        "coordinate-agencies",
        "court-reports",
        "looked-after-liaison",
        "anonymous-data",
    }
    assert by_code(pack.purposes, "supervise-sentences").law_enforcement


def test_acknowledgement(pack: Pack):
    """'We will ask you and your parent(s) to sign to say you have received this booklet and
    you understand it. Please ask your Case Manager if you have any questions'"""
    ack = pack.notice.acknowledgement
    assert ack.required is True
    assert ack.by == ["young-person", "parent"]
    assert "sign to say you have received this booklet" in normalised(ack.text)
    assert by_code(pack.commitments, "booklet-acknowledged").stated_only


def test_authorised_staff_only_is_enforced_by_two_factor_sign_in(pack: Pack):
    """'Only authorised staff are able to access that information': kept by sign-in, and the
    conformance report says so."""
    from safehold.policy.conformance import conformance

    measure = next(m for m in pack.security_measures if "authorised staff" in m.text)
    assert measure.enforced_by == "two-factor-sign-in"
    report = {s.id: s for s in conformance(pack).statements}
    assert report["security:2"].status == "enforced"
