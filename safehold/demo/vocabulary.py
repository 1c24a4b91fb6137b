"""The made-up words of the demo: names, places and phone numbers from Faker (`Pools`), the
kinds of work a service does, and what its contacts, assessments, plans and offences say.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from faker import Faker

# --- vocabulary ------------------------------------------------------------------------------

# (weight, ONS 2021 ethnic group) roughly as in a youth justice caseload in England.
ETHNICITIES = (
    (64, "White: English, Welsh, Scottish, Northern Irish or British"),
    (1, "White: Irish"),
    (1, "White: Gypsy or Irish Traveller"),
    (5, "White: Any other White background"),
    (4, "Mixed: White and Black Caribbean"),
    (1, "Mixed: White and Black African"),
    (1, "Mixed: White and Asian"),
    (2, "Mixed: Any other Mixed or multiple ethnic background"),
    (3, "Asian or Asian British: Indian"),
    (4, "Asian or Asian British: Pakistani"),
    (1, "Asian or Asian British: Bangladeshi"),
    (1, "Asian or Asian British: Any other Asian background"),
    (3, "Black or Black British: African"),
    (3, "Black or Black British: Caribbean"),
    (1, "Black or Black British: Any other Black background"),
    (1, "Other ethnic group: Arab"),
    (1, "Other ethnic group: Any other ethnic group"),
    (3, "Not stated"),
)
HEALTH_NEEDS = (
    "ADHD (diagnosed); takes methylphenidate",
    "Asthma; carries an inhaler",
    "Autism spectrum condition",
    "Speech, language and communication needs",
    "Anxiety; referred to CAMHS",
    "Low mood; CAMHS assessment pending",
    "Type 1 diabetes",
    "Epilepsy; medication managed by GP",
    "Dyslexia",
    "Cannabis use; referred to the substance misuse worker",
    "History of self-harm; safety plan in place",
    "Hearing impairment",
)
STREET_TYPES = ("Road", "Street", "Close", "Avenue", "Lane", "Drive", "Way", "Crescent", "Grove")
TOWN_ENDINGS = ("ton", "ford", "ham", "bury", "field", "ley", "worth", "by", "wick", "stead")
SCHOOL_KINDS = (
    "Academy",
    "High School",
    "Community College",
    "School",
    "Church of England Academy",
)
TOPICS = (
    "the referral order contract",
    "victim awareness",
    "consequences of offending",
    "school attendance",
    "curfew compliance",
    "cannabis use",
    "peer relationships",
    "emotional wellbeing",
    "the safety plan",
    "college and training options",
    "the reparation project",
    "staying safe online",
    "knife crime awareness",
    "managing anger",
    "healthy relationships",
)
CONTACT_NOTES = {
    "home-visit": (
        "Home visit. {yp} was at home with {parent}. We talked about {topic}.",
        "Home visit; {yp} not in at the agreed time. Spoke to {parent} and rebooked.",
        "Home visit with {yp} and {parent}: reviewed progress on {topic}.",
    ),
    "office": (
        "Office appointment. {yp} attended on time; session on {topic}.",
        "{yp} attended the office late; short session on {topic}.",
        "Office appointment missed. Warning letter sent; {parent} informed.",
    ),
    "phone": (
        "Phone call with {parent} about {topic}.",
        "Phone call to {yp} to confirm next appointment.",
        "{parent} phoned: worried about {topic}. Advice given.",
    ),
    "group": (
        "Group session on {topic}. {yp} took part well.",
        "Group session on {topic}. {yp} was quiet but stayed to the end.",
    ),
    "school": (
        "School visit; met {yp} with the pastoral lead. Attendance this term {pct}%.",
        "Meeting at school about {topic}; {parent} attended.",
    ),
    "other": (
        "Reparation session at the community garden with {yp}: {hours} hours completed.",
        "Accompanied {yp} to a CAMHS appointment.",
        "Met {yp} in town to talk about {topic}.",
    ),
}
# (weight, kind) of contacts.
CONTACT_KINDS = (
    (30, "home-visit"),
    (30, "office"),
    (20, "phone"),
    (8, "group"),
    (7, "school"),
    (5, "other"),
)
ACTIONS = (
    "Attend weekly supervision appointments",
    "Complete reparation hours",
    "Attend victim awareness sessions",
    "Referral to CAMHS",
    "Re-engage with school",
    "Apply for a college course",
    "Referral to the substance misuse service",
    "Family to attend a parenting programme",
    "Complete the knife crime awareness programme",
    "Register with a GP and a dentist",
    "Write a letter of apology to the victim",
    "Agree a plan for evenings and weekends",
    "Join a local sports club",
)
# (type, description, gravity score, has a personal victim)
OFFENCES = (
    ("Theft", "Theft of a {item} from {place}", 2, True),
    ("Shoplifting", "Theft from a shop: {item} valued at £{value}", 2, False),
    ("Criminal damage", "Criminal damage to {property}, value £{value}", 2, True),
    ("Common assault", "Assault by beating of another young person", 3, True),
    ("Assault occasioning actual bodily harm", "Assault occasioning actual bodily harm", 5, True),
    ("Robbery", "Robbery of a {item} from another young person", 6, True),
    ("Burglary (dwelling)", "Burglary of a dwelling; a {item} was taken", 6, True),
    (
        "Possession of a bladed article",
        "Possession of a bladed article in a public place",
        5,
        False,
    ),
    ("Possession of cannabis", "Possession of a class B controlled drug (cannabis)", 1, False),
    (
        "Possession with intent to supply",
        "Possession with intent to supply a class A drug",
        6,
        False,
    ),
    ("Public order", "Using threatening or abusive words or behaviour", 2, False),
    (
        "Taking a vehicle without consent",
        "Taking a motor vehicle without the owner's consent",
        3,
        True,
    ),
    ("Driving without insurance", "Driving a motor vehicle without insurance", 2, False),
    ("Arson", "Arson: setting fire to {property}", 5, True),
)
ITEMS = (
    "mobile phone",
    "bicycle",
    "wallet",
    "games console",
    "bottle of vodka",
    "pair of trainers",
)
PLACES = ("a car", "a garden shed", "a school changing room", "a bus stop", "a park")
PROPERTIES = ("a bus shelter", "a car", "a school window", "a garden fence", "a park bench")
LEVELS = ("low", "medium", "high")
MENTAL_HEALTH = ("no concerns", "low mood", "anxiety", "trauma symptoms")
SUBSTANCE_USE = ("none reported", "cannabis weekly", "alcohol at weekends")
STRENGTHS = ("close family", "engaged at school", "supportive grandparents", "plays football")
# Ages of young people, as often as they turn up: mostly 14 to 17.
YOUNG_AGES = (10, 11, 12, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 16, 17, 17, 17, 18)
YRO_REQUIREMENTS = (
    "supervision",
    "activity requirement of 30 days",
    "unpaid work of 40 hours",
    "curfew 19:00 to 07:00 with electronic monitoring",
    "drug treatment",
    "education requirement",
    "prohibited activity: no contact with co-defendants",
)
BAIL_CONDITIONS = (
    "reside at the home address",
    "curfew 20:00 to 07:00",
    "not to contact prosecution witnesses",
    "report to the police station weekly",
    "not to enter the town centre",
)


@dataclass(frozen=True)
class Pools:
    """Names, places and phone numbers from Faker, drawn once and sampled from thereafter."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    streets: tuple[str, ...]
    towns: tuple[str, ...]
    postcodes: tuple[str, ...]
    landlines: tuple[str, ...]
    mobiles: tuple[str, ...]
    schools: tuple[str, ...]

    @classmethod
    @functools.lru_cache(maxsize=4)
    def of(cls, seed: int) -> Pools:
        """The pools for a seed: always the same, so drawn once per process."""
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        rng = random.Random(seed)  # noqa: S311 - synthetic data, not secrets
        surnames = tuple(fake.last_name() for _ in range(3_000))
        stems = [name.split("-")[0] for name in surnames]
        towns = tuple(sorted({rng.choice(stems) + rng.choice(TOWN_ENDINGS) for _ in range(60)}))
        return cls(
            male=tuple(fake.first_name_male() for _ in range(2_000)),
            female=tuple(fake.first_name_female() for _ in range(2_000)),
            surnames=surnames,
            streets=tuple(f"{rng.choice(stems)} {rng.choice(STREET_TYPES)}" for _ in range(2_000)),
            towns=towns,
            postcodes=tuple(fake.postcode() for _ in range(5_000)),
            landlines=tuple(fake.phone_number() for _ in range(1_000)),
            mobiles=tuple(fake.cellphone_number() for _ in range(1_000)),
            schools=tuple(
                f"{rng.choice(towns + tuple(stems[:40]))} {rng.choice(SCHOOL_KINDS)}"
                for _ in range(80)
            ),
        )


def service_kind(code: str) -> str | None:
    """What sort of work a pack service is, from its code, so its records look like it; None
    for services that are not casework with a young person or a victim (volunteering)."""
    rules = (
        ("victim", ("victim",)),
        ("bail", ("bail", "remand")),
        (None, ("volunteer",)),
        ("out-of-court", ("caution", "diversion", "pre-court", "out-of-court", "triage")),
        ("court", ("court", "sentence", "youth-justice", "order")),
    )
    for kind, words in rules:
        if any(word in code for word in words):
            return kind
    return "prevention"  # prevention, early help and other support


# (kind, weight) of a young person's case; only the kinds the controller has are used.
YOUNG_CASE_KINDS = (("court", 30), ("out-of-court", 30), ("bail", 7), ("prevention", 33))
DURATION_DAYS = {
    "court": (120, 420),
    "out-of-court": (30, 120),
    "bail": (20, 90),
    "prevention": (60, 270),
    "victim": (30, 180),
}
CONTACTS = {
    "court": (10, 30),
    "out-of-court": (4, 12),
    "bail": (4, 10),
    "prevention": (5, 18),
    "victim": (1, 6),
}
ASSESSMENTS = {
    "court": (("assetplus", 1.0), ("assetplus", 0.4), ("chat", 0.6)),
    "out-of-court": (("assetplus", 0.5), ("chat", 0.25)),
    "bail": (("assetplus", 0.6),),
    "prevention": (("early-help", 0.9), ("chat", 0.15)),
    "victim": (),
}
PLANS = {
    "court": (("intervention", 1.0), ("safety", 0.35)),
    "out-of-court": (("intervention", 0.6),),
    "bail": (("safety", 0.5),),
    "prevention": (("family", 0.8), ("intervention", 0.2)),
    "victim": (("safety", 0.25),),
}


def weighted(pairs: Iterable[tuple[Any, int]]) -> tuple[list[Any], list[int]]:
    pairs = list(pairs)
    return [v for v, _ in pairs], list(itertools.accumulate(w for _, w in pairs))


def pick(rng: random.Random, table: tuple[list[Any], list[int]]) -> Any:
    values, cumulative = table
    return values[bisect.bisect(cumulative, rng.random() * cumulative[-1])]


ETHNICITY_TABLE = weighted((name, w) for w, name in ETHNICITIES)
CONTACT_TABLE = weighted((kind, w) for w, kind in CONTACT_KINDS)
VICTIM_OFFENCES = frozenset(name for name, _text, _gravity, victim in OFFENCES if victim)


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))
