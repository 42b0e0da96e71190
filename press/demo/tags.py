"""Who issues releases, about which fields of work and meetings: keyed by node keys."""

from __future__ import annotations

import re

CTHB = (
    "office-of-the-special-representative-and-co-ordinator-"
    "for-combating-trafficking-in-human-beings"
)
OCEEA = "office-of-the-co-ordinator-of-osce-economic-and-environmental-activities"
ODIHR = "office-for-democratic-institutions-and-human-rights"
HCNM = "high-commissioner-on-national-minorities"
RFOM = "representative-on-freedom-of-the-media"
REPRESENTATIVES = "personal-and-special-representatives-of-the-chairperson-in-office"
SMM = "special-monitoring-mission-to-ukraine"

# fmt: off
#: Countries outside the field operations' hosts where the newsroom is busy.
BUSY_COUNTRIES = {"ukraine", "georgia", "armenia", "azerbaijan", "belarus"}

#: Structure key -> (kind, display name or None for "OSCE <name>", speaker role or None).
SOURCES = {
    "chairpersonship": ("chair", "OSCE Chairpersonship", "OSCE Chairperson-in-Office"),
    "troika": ("troika", "OSCE Troika", "OSCE Chairperson-in-Office"),
    REPRESENTATIVES: (
        "rep",
        "Special Representative of the OSCE Chairperson-in-Office",
        "Special Representative of the OSCE Chairperson-in-Office",
    ),
    "summits": ("body", "OSCE Summit", "OSCE Chairperson-in-Office"),
    "ministerial-council": ("body", None, "OSCE Chairperson-in-Office"),
    "permanent-council": ("body", None, "Chair of the Permanent Council"),
    "forum-for-security-co-operation": ("body", None, "Chair of the Forum"),
    "secretariat": ("secretariat", None, "OSCE Secretary General"),
    "secretary-general": ("secretariat", None, "OSCE Secretary General"),
    "conflict-prevention-centre": (
        "secretariat", None, "Director of the OSCE Conflict Prevention Centre",
    ),
    "transnational-threats-department": (
        "secretariat", None, "Co-ordinator of OSCE Activities to Address Transnational Threats",
    ),
    CTHB: (
        "secretariat",
        "OSCE Special Representative for Combating Trafficking in Human Beings",
        "OSCE Special Representative for Combating Trafficking in Human Beings",
    ),
    OCEEA: (
        "secretariat",
        "Office of the Co-ordinator of OSCE Economic and Environmental Activities",
        "Co-ordinator of OSCE Economic and Environmental Activities",
    ),
    ODIHR: ("odihr", "ODIHR", "ODIHR Director"),
    HCNM: (
        "hcnm",
        "OSCE High Commissioner on National Minorities",
        "OSCE High Commissioner on National Minorities",
    ),
    RFOM: (
        "rfom",
        "OSCE Representative on Freedom of the Media",
        "OSCE Representative on Freedom of the Media",
    ),
    "parliamentary-assembly": (
        "pa", "OSCE Parliamentary Assembly", "President of the OSCE Parliamentary Assembly",
    ),
    "court-of-conciliation-and-arbitration": ("court", None, "President of the Court"),
}

#: How often a structure is the source, by key. A weight of 0 keeps an inner
#: node out of the sources; it is still tagged, as a parent, now and then.
SOURCE_WEIGHTS = {
    ODIHR: 14, "chairpersonship": 12, RFOM: 7, "parliamentary-assembly": 6,
    "secretary-general": 5, HCNM: 4, "conflict-prevention-centre": 3,
    "transnational-threats-department": 3, OCEEA: 3, "permanent-council": 3, CTHB: 2,
    REPRESENTATIVES: 2, "gender-issues-programme": 2, "ministerial-council": 2,
    "forum-for-security-co-operation": 2, "secretariat": 1, "opportunities-for-youth": 1,
    "office-of-the-secretary-general": 1, "troika": 0.5, "summits": 0.3,
    "documentation-centre-in-prague": 0.5, "department-of-human-resources": 0.3,
    "department-of-management-and-finance": 0.3, "office-of-internal-oversight": 0.3,
    "court-of-conciliation-and-arbitration": 0.3, "institutions": 0,
    "decision-making-bodies": 0, "field-operations": 0, "closed-field-activities": 0,
}
ACTIVE_FIELD_WEIGHT = 6
CLOSED_FIELD_WEIGHT = 3

#: Fields of work of a field operation (repeats weigh more).
FIELD_TOPICS = [
    "rule-of-law", "rule-of-law", "policing", "policing", "border-management",
    "good-governance", "human-rights", "elections", "media-freedom-and-development",
    "gender-equality", "gender-equality", "youth", "combating-trafficking-in-human-beings",
    "environmental-activities", "water-management", "arms-control", "democratization",
    "education", "national-minority-issues", "reform-and-co-operation-in-the-security-sector",
    "economic-activities", "countering-terrorism", "tolerance-and-non-discrimination",
    "conflict-prevention-and-resolution", "migration", "roma-and-sinti",
    "safety-of-journalists", "climate-change",
]

#: Fields of work by source key (repeats weigh more); others use FIELD_TOPICS.
SOURCE_TOPICS = {
    ODIHR: [
        "elections", "elections", "elections", "elections", "human-rights", "human-rights",
        "democratization", "democratization", "tolerance-and-non-discrimination",
        "roma-and-sinti", "rule-of-law", "gender-equality", "migration",
    ],
    HCNM: [
        "national-minority-issues", "national-minority-issues", "national-minority-issues",
        "education", "conflict-prevention-and-resolution", "tolerance-and-non-discrimination",
    ],
    RFOM: [
        "media-freedom-and-development", "media-freedom-and-development",
        "safety-of-journalists", "safety-of-journalists", "media-laws", "media-pluralism",
        "media-self-regulation",
    ],
    "chairpersonship": [
        "conflict-prevention-and-resolution", "conflict-prevention-and-resolution",
        "conflict-prevention-and-resolution", "human-rights", "countering-terrorism",
        "economic-activities", "climate-change", "gender-equality", "youth", "cyberict-security",
    ],
    "troika": ["conflict-prevention-and-resolution", "economic-activities"],
    REPRESENTATIVES: [
        "conflict-prevention-and-resolution", "tolerance-and-non-discrimination", "youth",
        "roma-and-sinti", "gender-equality",
    ],
    "summits": ["conflict-prevention-and-resolution", "human-rights", "economic-activities"],
    "ministerial-council": [
        "conflict-prevention-and-resolution", "human-rights", "countering-terrorism",
        "economic-activities", "combating-trafficking-in-human-beings",
    ],
    "permanent-council": [
        "conflict-prevention-and-resolution", "conflict-prevention-and-resolution",
        "human-rights", "countering-terrorism", "media-freedom-and-development",
    ],
    "forum-for-security-co-operation": [
        "arms-control", "arms-control", "arms-control",
        "reform-and-co-operation-in-the-security-sector", "cyberict-security",
    ],
    "secretariat": ["conflict-prevention-and-resolution", "good-governance", "gender-equality"],
    "secretary-general": [
        "conflict-prevention-and-resolution", "gender-equality", "climate-change", "youth",
        "countering-terrorism", "economic-activities",
    ],
    "office-of-the-secretary-general": ["good-governance", "gender-equality"],
    "conflict-prevention-centre": [
        "conflict-prevention-and-resolution", "conflict-prevention-and-resolution",
        "conflict-prevention-and-resolution", "arms-control", "arms-control", "border-management",
    ],
    "transnational-threats-department": [
        "countering-terrorism", "countering-terrorism", "policing", "policing",
        "border-management", "border-management", "cyberict-security", "cyberict-security",
    ],
    CTHB: [
        "combating-trafficking-in-human-beings", "combating-trafficking-in-human-beings",
        "combating-trafficking-in-human-beings", "migration", "gender-equality",
    ],
    OCEEA: [
        "economic-activities", "economic-activities", "good-governance", "good-governance",
        "environmental-activities", "climate-change", "water-management",
        "environmental-good-governance",
    ],
    "gender-issues-programme": ["gender-equality"],
    "opportunities-for-youth": ["youth", "youth", "education"],
    "department-of-human-resources": ["gender-equality", "youth"],
    "department-of-management-and-finance": ["good-governance"],
    "office-of-internal-oversight": ["good-governance"],
    "documentation-centre-in-prague": ["education"],
    "parliamentary-assembly": [
        "democratization", "elections", "elections", "human-rights",
        "conflict-prevention-and-resolution", "migration", "climate-change",
    ],
    "court-of-conciliation-and-arbitration": ["conflict-prevention-and-resolution", "rule-of-law"],
}

#: Meetings by source key; sources not listed may attend any meeting.
SOURCE_MEETINGS = {
    ODIHR: ["human-rights-meetings"],
    HCNM: ["human-rights-meetings"],
    RFOM: ["media-conferences"],
    "chairpersonship": ["ministerial-council-meetings", "summit-meetings", "review-conferences"],
    "secretary-general": [
        "annual-osce-mediterranean-conferences", "annual-osce-asian-conferences",
        "ministerial-council-meetings", "security-review-conferences",
    ],
    "conflict-prevention-centre": ["security-review-conferences"],
    "transnational-threats-department": ["cyberict-security-conferences"],
    CTHB: ["conference-of-the-alliance-against-trafficking-in-persons"],
    OCEEA: [
        "economic-and-environmental-forum",
        "economic-and-environmental-dimension-implementation-meetings",
    ],
    "gender-issues-programme": ["gender-equality-conferences"],
    "ministerial-council": ["ministerial-council-meetings"],
    "summits": ["summit-meetings", "review-conferences"],
    "permanent-council": ["plenary-meetings-of-the-permanent-council"],
    "forum-for-security-co-operation": [
        "plenary-meetings-of-the-forum-for-security-co-operation",
        "annual-implementation-assessment-meetings", "security-review-conferences",
    ],
}
# fmt: on

_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SINCE = re.compile(r"\b(?:established|deployed|opened|from)\b[^.;]*?\b((?:19|20)\d{2})\b")
_SUCCEEDED = re.compile(r"\bsucceeded the ([^.;,]+)")
_UNTIL_MONTH = re.compile(
    r"\b(?:ended|closed|discontinued)\b[^.;]*?\bin (January|February|March|April|May|June|July|"
    r"August|September|October|November|December) ((?:19|20)\d{2})\b"
)
