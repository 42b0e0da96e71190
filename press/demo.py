"""Generated demo press releases, at any scale (seed_demo).

Everything a release needs is decided in memory from the trees, which are read
once: ``plan_releases()`` is a pure, seeded generator of planned records, and
``generate_releases()`` writes them in batches with ``bulk_create`` only: per
batch, one slug check, one insert for the releases and one per link table. The
number of queries depends on the batch size, never on the number of releases.

The text is assembled from phrase lists keyed by the shipped trees' stable
``key``s (a node renamed in the admin keeps its key), with generic fallbacks
for nodes the lists do not know, so any tree works. Node names are escaped
where they enter the HTML body; nothing else reaches it.
"""

from __future__ import annotations

import bisect
import html
import re
import time
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate, islice
from random import Random

from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from osce_cms.content import bump_content_version
from taxonomy.models import Chairpersonship, Location, Meeting, Structure, Topic

from .models import OldSlug, PressRelease, ReleaseType

FIRST_DAY = date(2004, 1, 1)
#: In every 100 consecutive releases, at random places: 3 drafts and 1
#: scheduled (published with a time to come), so that even a small run has both.
STATUS_BLOCK = ["draft"] * 3 + ["scheduled"] + ["published"] * 96
SCHEDULE_HORIZON = timedelta(days=60)
#: Releases of a decision-making body are mostly about a meeting; the others
#: now and then: about 20% of all releases get one.
BODY_MEETING_SHARE = 0.6
MEETING_SHARE = 0.18
#: Link rows per INSERT (Django splits further where the backend needs it).
LINK_BATCH = 10_000
#: Slugs checked against existing ones per query.
SLUG_CHECK_CHUNK = 500
#: The relations written for each release.
RELATIONS = ("sources", "structures", "topics", "locations", "meetings")


class MissingTaxonomy(CommandError):
    """The trees a release is tagged with are empty: nothing to generate from."""


# --- Phrase lists, keyed by the shipped data's node keys -----------------------

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
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
]

#: Datelines by country key; the first is the capital.
CITIES = {
    "albania": ["Tirana", "Shkodër", "Durrës", "Vlorë", "Korçë", "Elbasan"],
    "andorra": ["Andorra la Vella"],
    "armenia": ["Yerevan", "Gyumri", "Vanadzor"],
    "austria": ["Vienna", "Graz", "Salzburg", "Innsbruck", "Linz"],
    "azerbaijan": ["Baku", "Ganja", "Sumgait"],
    "belgium": ["Brussels", "Antwerp", "Ghent"],
    "belarus": ["Minsk", "Brest", "Grodno", "Gomel"],
    "bosnia-and-herzegovina": ["Sarajevo", "Banja Luka", "Mostar", "Tuzla", "Brčko", "Bihać"],
    "bulgaria": ["Sofia", "Plovdiv", "Varna"],
    "canada": ["Ottawa", "Toronto", "Montreal"],
    "croatia": ["Zagreb", "Split", "Rijeka", "Osijek", "Vukovar"],
    "cyprus": ["Nicosia", "Limassol"],
    "czechia": ["Prague", "Brno"],
    "denmark": ["Copenhagen", "Aarhus"],
    "estonia": ["Tallinn", "Tartu", "Narva"],
    "finland": ["Helsinki", "Tampere", "Turku"],
    "france": ["Paris", "Strasbourg", "Lyon"],
    "georgia": ["Tbilisi", "Batumi", "Kutaisi", "Gori", "Zugdidi"],
    "germany": ["Berlin", "Bonn", "Munich", "Hamburg"],
    "greece": ["Athens", "Thessaloniki"],
    "holy-see": ["Vatican City"],
    "hungary": ["Budapest", "Debrecen"],
    "iceland": ["Reykjavik"],
    "ireland": ["Dublin", "Cork"],
    "italy": ["Rome", "Milan", "Turin"],
    "kazakhstan": ["Astana", "Almaty", "Shymkent", "Aktobe", "Karaganda"],
    "kyrgyzstan": ["Bishkek", "Osh", "Jalal-Abad", "Karakol", "Batken"],
    "latvia": ["Riga", "Daugavpils"],
    "liechtenstein": ["Vaduz"],
    "lithuania": ["Vilnius", "Kaunas"],
    "luxembourg": ["Luxembourg"],
    "malta": ["Valletta"],
    "moldova": ["Chisinau", "Tiraspol", "Comrat", "Balti", "Cahul"],
    "monaco": ["Monaco"],
    "mongolia": ["Ulaanbaatar"],
    "montenegro": ["Podgorica", "Budva", "Nikšić", "Bar", "Cetinje"],
    "the-netherlands": ["The Hague", "Amsterdam", "Rotterdam"],
    "north-macedonia": ["Skopje", "Tetovo", "Ohrid", "Bitola", "Kumanovo"],
    "norway": ["Oslo", "Bergen"],
    "poland": ["Warsaw", "Kraków", "Gdańsk", "Łódź"],
    "portugal": ["Lisbon", "Porto"],
    "romania": ["Bucharest", "Cluj-Napoca", "Iași"],
    "russian-federation": ["Moscow", "St Petersburg", "Rostov-on-Don", "Kazan"],
    "san-marino": ["San Marino"],
    "serbia": ["Belgrade", "Novi Sad", "Niš", "Novi Pazar", "Bujanovac", "Kragujevac"],
    "slovakia": ["Bratislava", "Košice"],
    "slovenia": ["Ljubljana", "Maribor"],
    "spain": ["Madrid", "Barcelona", "Seville"],
    "sweden": ["Stockholm", "Gothenburg", "Malmö"],
    "switzerland": ["Bern", "Geneva", "Zurich", "Basel"],
    "tajikistan": ["Dushanbe", "Khujand", "Kulob", "Khorog", "Bokhtar"],
    "turkiye": ["Ankara", "Istanbul", "Izmir"],
    "turkmenistan": ["Ashgabat", "Mary", "Turkmenabat", "Dashoguz", "Balkanabat"],
    "ukraine": ["Kyiv", "Kharkiv", "Odesa", "Lviv", "Dnipro", "Kramatorsk"],
    "united-kingdom": ["London", "Edinburgh", "Belfast"],
    "united-states-of-america": ["Washington", "New York"],
    "uzbekistan": ["Tashkent", "Samarkand", "Bukhara", "Fergana", "Nukus"],
    "afghanistan": ["Kabul"],
    "australia": ["Canberra", "Sydney"],
    "japan": ["Tokyo"],
    "republic-of-korea": ["Seoul"],
    "thailand": ["Bangkok"],
    "algeria": ["Algiers"],
    "egypt": ["Cairo"],
    "jordan": ["Amman"],
    "morocco": ["Rabat"],
    "tunisia": ["Tunis"],
    "kosovo": ["Pristina", "Prizren", "Mitrovica", "Gjilan/Gnjilane", "Peja/Peć"],
}

#: Where a structure that is not a field operation sits (default Vienna).
SEATS = {
    ODIHR: "Warsaw",
    HCNM: "The Hague",
    "parliamentary-assembly": "Copenhagen",
    "court-of-conciliation-and-arbitration": "Geneva",
    "documentation-centre-in-prague": "Prague",
}

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

CENTRAL_ASIA = ["kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"]
SOUTH_CAUCASUS = ["armenia", "azerbaijan", "georgia"]
SOUTH_EAST_EUROPE = [
    "albania", "bosnia-and-herzegovina", "montenegro", "north-macedonia", "serbia", "kosovo",
]

#: Meeting key -> ({event name: where}). Where: a city; "chair" (the chairing
#: country); "weekly" (Vienna, a regular plenary); a location group key or a
#: list of country keys (held in one of them).
MEETINGS = {
    "summit-meetings": {"OSCE Summit": "chair"},
    "review-conferences": {"OSCE Review Conference": "Vienna"},
    "ministerial-council-meetings": {"OSCE Ministerial Council": "chair"},
    "plenary-meetings-of-the-permanent-council": {"Permanent Council": "weekly"},
    "plenary-meetings-of-the-forum-for-security-co-operation": {
        "Forum for Security Co-operation": "weekly",
    },
    "security-review-conferences": {"Annual Security Review Conference": "Vienna"},
    "annual-implementation-assessment-meetings": {
        "Annual Implementation Assessment Meeting": "Vienna",
    },
    "economic-and-environmental-forum": {"OSCE Economic and Environmental Forum": "Prague"},
    "economic-and-environmental-dimension-implementation-meetings": {
        "Economic and Environmental Dimension Implementation Meeting": "Vienna",
    },
    "human-rights-meetings": {
        "Human Dimension Implementation Meeting": "Warsaw",
        "Human Dimension Conference": "Warsaw",
        "Supplementary Human Dimension Meeting": "Vienna",
    },
    "media-conferences": {
        "Central Asia Media Conference": CENTRAL_ASIA,
        "South Caucasus Media Conference": SOUTH_CAUCASUS,
        "South East Europe Media Conference": SOUTH_EAST_EUROPE,
    },
    "cyberict-security-conferences": {"OSCE-wide Conference on Cyber/ICT Security": "Vienna"},
    "conference-of-the-alliance-against-trafficking-in-persons": {
        "Alliance against Trafficking in Persons Conference": "Vienna",
    },
    "gender-equality-conferences": {"OSCE Gender Equality Review Conference": "Vienna"},
    "annual-osce-mediterranean-conferences": {
        "OSCE Mediterranean Conference": "mediterranean-partners-for-co-operation",
    },
    "annual-osce-asian-conferences": {"OSCE Asian Conference": "asian-partners-for-co-operation"},
}

#: What a field of work is about, as it reads inside a sentence.
TOPIC_PHRASES = {
    "arms-control": [
        "small arms and light weapons control", "the safe storage of conventional ammunition",
        "confidence- and security-building measures", "the destruction of surplus ammunition",
    ],
    "border-management": [
        "border security and management", "co-operation between border agencies",
        "the detection of forged travel documents", "integrated border management",
    ],
    "combating-trafficking-in-human-beings": [
        "combating trafficking in human beings", "the identification of trafficking victims",
        "preventing labour exploitation", "assistance to victims of trafficking",
    ],
    "conflict-prevention-and-resolution": [
        "conflict prevention", "confidence-building across the dividing lines",
        "early warning and early action", "mediation and dialogue facilitation",
        "the settlement process",
    ],
    "countering-terrorism": [
        "preventing violent extremism that leads to terrorism",
        "countering the financing of terrorism", "the protection of critical infrastructure",
        "community policing approaches to preventing terrorism",
    ],
    "cyberict-security": [
        "cyber security confidence-building measures", "responses to cyber incidents",
        "the protection of critical information infrastructure",
    ],
    "democratization": [
        "democratic governance", "the participation of citizens in public life",
        "strengthening the role of parliament", "dialogue between political parties",
    ],
    "economic-activities": [
        "economic connectivity", "trade facilitation", "good governance in the economy",
        "women's economic empowerment",
    ],
    "education": [
        "education for peace and security", "multilingual education", "civic education",
        "human rights education in schools",
    ],
    "elections": [
        "electoral reform", "the training of election officials",
        "transparency in campaign finance", "the follow-up of election recommendations",
    ],
    "environmental-activities": [
        "environmental security", "hazardous waste management", "the work of the Aarhus Centres",
        "disaster risk reduction",
    ],
    "climate-change": [
        "the security implications of climate change", "climate resilience",
        "climate-related security risks",
    ],
    "environmental-good-governance": [
        "public participation in environmental decision-making",
        "access to environmental information",
    ],
    "water-management": [
        "transboundary water co-operation", "the management of shared water resources",
        "water governance",
    ],
    "gender-equality": [
        "gender equality", "women's participation in peace processes",
        "preventing and combating violence against women", "women's leadership",
    ],
    "good-governance": [
        "anti-corruption efforts", "combating money laundering",
        "transparency in public procurement", "asset declarations for public officials",
    ],
    "human-rights": [
        "the protection of human rights defenders", "freedom of peaceful assembly",
        "the prevention of torture", "human rights in the security sector",
    ],
    "media-freedom-and-development": [
        "media freedom", "freedom of expression online", "media literacy",
        "access to information",
    ],
    "safety-of-journalists": [
        "the safety of journalists", "the safety of female journalists online",
        "ending impunity for crimes against journalists",
    ],
    "media-laws": ["media legislation", "the decriminalization of defamation"],
    "media-pluralism": ["media pluralism", "independent public service broadcasting"],
    "media-self-regulation": ["media self-regulation", "professional standards in journalism"],
    "migration": ["migration governance", "labour migration", "the integration of migrants"],
    "national-minority-issues": [
        "the integration of diverse societies", "minority language education",
        "the participation of national minorities in public life", "inter-ethnic relations",
    ],
    "policing": [
        "community policing", "police reform", "the investigation of cybercrime",
        "combating organized crime", "police accountability",
    ],
    "reform-and-co-operation-in-the-security-sector": [
        "security sector governance and reform", "parliamentary oversight of the security sector",
        "democratic control of the armed forces",
    ],
    "roma-and-sinti": [
        "Roma and Sinti inclusion", "access to civil registration for Roma",
        "the participation of Roma and Sinti in public life",
    ],
    "rule-of-law": [
        "judicial independence", "fair trial standards", "access to justice",
        "criminal justice reform", "the execution of court decisions",
    ],
    "tolerance-and-non-discrimination": [
        "combating hate crime", "tolerance and non-discrimination", "interfaith dialogue",
        "responses to hate speech",
    ],
    "youth": [
        "youth engagement in security", "young people's participation in decision-making",
        "youth leadership",
    ],
}

TOPIC_AUDIENCES = {
    "arms-control": ["military officers", "defence officials"],
    "border-management": ["border guards", "customs officers"],
    "combating-trafficking-in-human-beings": ["labour inspectors", "social workers", "prosecutors"],
    "countering-terrorism": ["police officers", "community leaders", "prison staff"],
    "cyberict-security": ["cyber security experts", "national points of contact"],
    "democratization": ["parliamentarians", "municipal officials"],
    "education": ["teachers", "students", "school directors"],
    "elections": ["election officials", "political party representatives", "citizen observers"],
    "gender-equality": ["women leaders", "women entrepreneurs", "women police officers"],
    "good-governance": ["public officials", "financial investigators", "auditors"],
    "human-rights": ["human rights defenders", "ombudsperson staff", "lawyers"],
    "media-freedom-and-development": ["journalists", "media professionals", "editors"],
    "safety-of-journalists": ["journalists", "editors", "police officers"],
    "migration": ["migration officials", "local authorities"],
    "national-minority-issues": ["teachers", "local officials", "community leaders"],
    "policing": ["police officers", "police trainers", "crime investigators"],
    "roma-and-sinti": ["Roma activists", "Roma mediators"],
    "rule-of-law": ["judges and prosecutors", "defence lawyers", "court staff"],
    "tolerance-and-non-discrimination": ["police officers", "civil society representatives"],
    "youth": ["young leaders", "students", "youth activists"],
}
AUDIENCES = [
    "civil society representatives", "public officials", "local government officials",
    "young people", "experts", "students", "representatives of state institutions",
]

TOPIC_PARTNERS = {
    "border-management": ["the State Border Service", "the customs administration"],
    "combating-trafficking-in-human-beings": ["the national anti-trafficking co-ordinator"],
    "education": ["the Ministry of Education"],
    "elections": ["the Central Election Commission"],
    "environmental-activities": ["the Ministry of Environment", "the local Aarhus Centre"],
    "climate-change": ["the Ministry of Environment"],
    "water-management": ["the Ministry of Environment"],
    "human-rights": ["the Office of the Ombudsperson"],
    "media-freedom-and-development": ["the journalists' association", "the media regulator"],
    "safety-of-journalists": ["the journalists' association"],
    "policing": ["the Ministry of Internal Affairs", "the police academy"],
    "countering-terrorism": ["the Ministry of Internal Affairs"],
    "rule-of-law": ["the Ministry of Justice", "the Judicial Training Centre"],
    "good-governance": ["the Anti-Corruption Agency", "the Financial Intelligence Unit"],
    "democratization": ["the Parliament"],
    "youth": ["the Ministry of Youth and Sport"],
    "gender-equality": ["the Gender Equality Council"],
}
PARTNERS = [
    "the Ministry of Foreign Affairs", "local authorities", "civil society organizations",
    "the Parliament", "the national authorities",
]
PARTNER_ORGANIZATIONS = [
    "the United Nations Development Programme", "the Council of Europe", "the European Union",
    "UNHCR", "UN Women", "the International Organization for Migration",
    "the United Nations Office on Drugs and Crime", "UNECE", "INTERPOL",
]
OFFICIALS = [
    "Minister of Foreign Affairs", "Minister of Internal Affairs", "Minister of Justice",
    "Speaker of Parliament", "Ombudsperson", "Prosecutor General", "Deputy Prime Minister",
]
EVENTS = [
    "workshop", "round table", "training course", "conference", "seminar", "study visit",
    "public discussion", "expert meeting", "summer school", "regional conference",
    "simulation exercise",
]
DURATIONS = ["one-day", "two-day", "two-day", "three-day", "three-day", "five-day", "week-long"]

#: (name, plural?): the verb agrees.
ELECTIONS = [
    ("parliamentary elections", True), ("early parliamentary elections", True),
    ("presidential election", False), ("early presidential election", False),
    ("local elections", True), ("municipal elections", True),
    ("constitutional referendum", False),
]
ELECTION_ASSESSMENTS = [
    "competitive and well run",
    "efficiently administered but lacking genuine competition",
    "competitive but marred by the misuse of administrative resources",
    "peaceful and well organized, but held in a polarized environment",
    "offering voters a genuine choice",
    "calm, but fundamental freedoms were restricted",
]
HCNM_GUIDELINES = [
    "the Ljubljana Guidelines on Integration of Diverse Societies",
    "the Hague Recommendations regarding the Education Rights of National Minorities",
    "the Oslo Recommendations regarding the Linguistic Rights of National Minorities",
    "the Bolzano/Bozen Recommendations on National Minorities in Inter-State Relations",
    "the Tallinn Guidelines on National Minorities and the Media in the Digital Age",
    "the Graz Recommendations on Access to Justice and National Minorities",
]
MEDIA_CONCERNS = [
    "the detention of journalists", "draft amendments to the media law",
    "the blocking of online media", "attacks on journalists",
    "pressure on independent broadcasters",
    "criminal defamation proceedings against journalists",
]
MEDIA_PROGRESS = [
    "the decriminalization of defamation", "the adoption of a new access to information law",
    "the release of a detained journalist", "progress on the safety of journalists",
]
CRISES = ["the situation", "escalating tensions", "the recent violence", "the security situation"]
INCIDENTS = [
    "monitors observe damage to civilian infrastructure",
    "monitors follow up on reports of shelling",
    "patrol restricted at a checkpoint",
    "monitors facilitate repairs to a water pipeline",
    "monitors visit a hospital after reports of casualties",
]
SPEECH_KINDS = ["Opening remarks", "Keynote address", "Closing remarks", "Address",
                "Welcome remarks"]
#: International days by field of work: (name, month, day).
INTERNATIONAL_DAYS = {
    "gender-equality": (
        "the International Day for the Elimination of Violence against Women", 11, 25,
    ),
    "media-freedom-and-development": ("World Press Freedom Day", 5, 3),
    "safety-of-journalists": (
        "the International Day to End Impunity for Crimes against Journalists", 11, 2,
    ),
    "roma-and-sinti": ("International Roma Day", 4, 8),
    "combating-trafficking-in-human-beings": (
        "the World Day against Trafficking in Persons", 7, 30,
    ),
    "human-rights": ("Human Rights Day", 12, 10),
    "youth": ("International Youth Day", 8, 12),
    "good-governance": ("International Anti-Corruption Day", 12, 9),
    "democratization": ("the International Day of Democracy", 9, 15),
    "environmental-activities": ("World Environment Day", 6, 5),
    "tolerance-and-non-discrimination": ("the International Day for Tolerance", 11, 16),
}

#: Release type slug -> weight; types not listed get OTHER_TYPE_WEIGHT.
TYPE_WEIGHTS = {
    "press-release": 55, "news": 20, "press-statement": 7, "statement": 5, "feature": 5,
    "speech": 3, "daily-report": 3, "spot-report": 2,
}
OTHER_TYPE_WEIGHT = 2

# Titles by kind of source: (template, dateline, gist). Datelines: "here" (a
# city of the country), "capital", "seat" (the source's seat), "vienna",
# "chair" (the chairing country's capital). The gist picks the summary and the
# lead that fit the title. {Name} is {name} capitalized.
TITLES = {
    "field": [
        ("{source} supports {activity} in {city}", "here", "event"),
        ("{source} trains {audience} on {activity}", "here", "event"),
        ("{source} and {partner} hold {event} on {activity} in {city}", "here", "event"),
        ("{source} and {partner} join forces on {activity}", "here", "project"),
        ("{Event} on {activity} held in {city} with OSCE support", "here", "event"),
        ("{Audience} from across {country} discuss {activity} at OSCE-supported {event}", "here",
         "event"),
        ("{source} launches project on {activity}", "here", "project"),
        ("{source} hands over equipment to {partner} in {city}", "here", "project"),
        ("Head of {source} meets {official} in {city}", "here", "visit"),
        ("Head of {source} presents report to OSCE Permanent Council", "vienna", "meeting"),
    ],
    "odihr": [
        ("ODIHR trains {audience} on {activity} in {city}", "here", "event"),
        ("ODIHR Director visits {country}, discusses {activity}", "capital", "visit"),
        ("ODIHR publishes report on {activity}", "seat", "publication"),
        ("ODIHR and authorities of {country} discuss {activity}", "capital", "visit"),
        ("ODIHR launches guide on {activity}", "seat", "publication"),
    ],
    "election": [
        ("ODIHR opens election observation mission for {election} in {country}", "capital",
         "election"),
        ("ODIHR deploys limited election observation mission to {country}", "capital",
         "election"),
        ("ODIHR Needs Assessment Mission to visit {country} ahead of {election}", "seat",
         "election"),
        ("{Election} in {country} {was} {assessment}, international observers say", "capital",
         "observed"),
        ("ODIHR publishes final report on {election} in {country}", "seat", "observed"),
    ],
    "hcnm": [
        ("OSCE High Commissioner on National Minorities visits {country}", "capital", "visit"),
        ("High Commissioner on National Minorities discusses {activity} in {city}", "here",
         "visit"),
        ("OSCE High Commissioner presents {guidelines} in {city}", "here", "publication"),
        ("High Commissioner calls for dialogue on {activity} in {country}", "seat", "statement"),
    ],
    "rfom": [
        ("OSCE media freedom representative concerned about {media_concern} in {country}",
         "seat", "statement"),
        ("OSCE Representative on Freedom of the Media welcomes {media_progress} in {country}",
         "seat", "statement"),
        ("OSCE media freedom representative condemns attack on journalist in {country}", "seat",
         "statement"),
        ("OSCE Representative on Freedom of the Media presents regular report", "seat",
         "meeting"),
        ("OSCE media freedom representative visits {country}, discusses {activity}", "capital",
         "visit"),
    ],
    "chair": [
        ("OSCE Chairperson-in-Office visits {country}", "capital", "visit"),
        ("OSCE Chairperson-in-Office discusses {activity} during visit to {country}", "capital",
         "visit"),
        ("OSCE Chair concerned about {crisis} in {country}, calls for restraint", "chair",
         "statement"),
        ("OSCE Chairpersonship welcomes progress on {activity} in {country}", "chair",
         "statement"),
        ("OSCE Chairpersonship hosts conference on {activity} in {chair_city}", "chair", "event"),
    ],
    "troika": [("OSCE Troika meets in {chair_city} to discuss {activity}", "chair", "visit")],
    "rep": [
        ("Special Representative of the OSCE Chairperson-in-Office visits {country}", "capital",
         "visit"),
        ("OSCE Special Representative discusses {activity} in {city}", "here", "visit"),
    ],
    "body": [
        ("{source} discusses {activity}", "vienna", "meeting"),
        ("{source} adopts decision on {activity}", "vienna", "meeting"),
        ("{source} hears report on {activity} in {country}", "vienna", "meeting"),
    ],
    "secretariat": [
        ("{source} hosts {event} on {activity} in Vienna", "vienna", "event"),
        ("{source} publishes handbook on {activity}", "vienna", "publication"),
        ("{source} supports {country} in strengthening {activity}", "capital", "project"),
        ("{role} addresses {event} on {activity} in {city}", "here", "event"),
        ("OSCE and {organization} step up co-operation on {activity}", "vienna", "project"),
        ("{role} visits {country}, discusses {activity}", "capital", "visit"),
    ],
    "pa": [
        ("OSCE PA President visits {country}, discusses {activity}", "capital", "visit"),
        ("OSCE Parliamentary Assembly opens Annual Session in {city}", "here", "meeting"),
        ("OSCE parliamentarians observe {election} in {country}", "capital", "observed"),
        ("OSCE PA Winter Meeting in Vienna focuses on {activity}", "vienna", "meeting"),
        ("OSCE PA Special Representative visits {country} to discuss {activity}", "capital",
         "visit"),
    ],
    "court": [
        ("{source} holds meeting in Geneva", "seat", "meeting"),
        ("{source} discusses {activity} with legal experts", "seat", "meeting"),
    ],
    "generic": [
        ("{source} supports {activity} in {country}", "capital", "project"),
        ("{source} holds {event} on {activity} in {city}", "here", "event"),
    ],
}
MEETING_TITLES = [
    "{meeting} opens in {city}",
    "{meeting} concludes in {city}",
    "{role} addresses {meeting} in {city}",
    "{meeting} in {city} focuses on {activity}",
    "Participants at {meeting} discuss {activity}",
]
WEEKLY_MEETING_TITLES = [
    "{role} addresses the {meeting}",
    "{meeting} discusses {activity}",
    "{meeting} holds special session on {activity}",
]
FEATURE_TITLES = [
    "How {audience} in {city} are making a difference for {activity}",
    "Meet the {audience} of {city}",
    "{Activity} in {country}: a closer look",
    "Ten years on: what OSCE support for {activity} changed in {country}",
    "Stories from the field: {activity} in {city}",
]
PRESS_STATEMENTS = [
    "{role} concerned about {crisis} in {country}",
    "{role} welcomes progress on {activity} in {country}",
    "{role} condemns attack in {country}, calls for swift investigation",
    "{role} calls for dialogue in {country}",
]
#: A field operation works with its host country: it welcomes, it does not condemn.
FIELD_PRESS_STATEMENTS = [
    "{role} welcomes progress on {activity} in {country}",
    "{role} welcomes adoption of new legislation on {activity}",
]

#: One-sentence summaries by gist.
SUMMARIES = {
    "event": [
        "{The_source} organized a {days} {event} on {activity} in {city} for {n} {audience}.",
        "Some {n} {audience} took part in a {days} {event} on {activity}, held in {city} by "
        "{the_source} together with {partner}.",
        "{Activity} was the focus of a {days} {event} in {city}, supported by {the_source}.",
    ],
    "project": [
        "The project will support {partner} in its work on {activity} over the next two years, "
        "with funding from {donors}.",
        "{The_source} continues to support {partner} in its work on {activity}, part of its "
        "long-standing work in {country}.",
    ],
    "visit": [
        "The {role} met the {official} and representatives of civil society in {city} to discuss "
        "{activity} and further co-operation with the OSCE.",
        "During the visit, the {role} discussed {activity} and the OSCE's support to {country} "
        "with the authorities and civil society.",
    ],
    "publication": [
        "The publication offers practical guidance on {activity} to policymakers and "
        "practitioners across the OSCE region.",
        "{The_source} today published recommendations on {activity}, based on research and "
        "consultations in several participating States.",
    ],
    "statement": [
        "The {role} called on all sides in {country} to respect their OSCE commitments and "
        "offered the support of the OSCE.",
        "The {role} said that {activity} remained a priority and that the OSCE stood ready to "
        "assist {country}.",
    ],
    "meeting": [
        "Representatives of the participating States, the Partners for Co-operation and civil "
        "society discussed {activity} and {activity2}.",
        "Discussions in {city} focused on {activity}, with statements by many participating "
        "States.",
    ],
    "election": [
        "The mission will assess the conduct of the {election} against OSCE commitments and "
        "other international obligations and standards for democratic elections, as well as "
        "national legislation.",
    ],
    "observed": [
        "Observers from the OSCE participating States assessed the {election} in {country} "
        "against OSCE commitments and international standards.",
    ],
    "feature": [
        "{Audience} in {city} explain how their work on {activity} has changed, and what they "
        "still need.",
        "A look at how OSCE support for {activity} works in practice in {country}.",
    ],
    "priorities": [
        "{Chair} took over the OSCE Chairpersonship and presented its priorities for the year, "
        "among them {activity}.",
    ],
    "speech": ["The {role} addressed the {event_name} in {city}, highlighting {activity}."],
    "issued": ["The {role} issued the following statement."],
    "report": ["This report is for the media and the general public."],
}
#: The sentence after the summary in the first paragraph, by gist.
LEADS = {
    "event": [
        "The {event} brought together {n} {audience} from across {country}.",
        "It was organized together with {partner} and took place in {city}.",
        "The {days} {event} was opened by the {role} and representatives of {partner}.",
    ],
    "other": [
        "The discussions also covered {activity2}.",
        "{Partner} and representatives of civil society also took part.",
        "It is part of the OSCE's long-standing engagement in {country}.",
    ],
}
#: The second paragraph, by the shape of the lead.
CONTEXTS = {
    "event": [
        "Participants discussed {activity} and {activity2}, shared good practices from across "
        "the OSCE region and identified the next steps for turning commitments into practice.",
        "Experts from {country2} and {country3} presented their experience with {activity}, "
        "followed by practical exercises based on real cases.",
        "The agenda covered the relevant OSCE commitments, the national legal framework and the "
        "lessons learned since {year0}.",
        "Discussions focused on how {activity} contributes to comprehensive security, and on the "
        "role of {audience} in making it work.",
    ],
    "other": [
        "{Activity} has been among the priorities of the OSCE's work with {country} since "
        "{year0}.",
        "The participating States have repeatedly committed themselves to {activity}, most "
        "recently at the Ministerial Council.",
        "The {role} also discussed {activity2} and the next steps in the OSCE's co-operation with "
        "{partner}.",
    ],
}
QUOTES = [
    "“{Activity} is not a technical issue: it is about trust between institutions and the people "
    "they serve,” said the {role}.",
    "“We are proud to support {partner} in this effort and will continue to do so,” said the "
    "{role}. “{Activity} is a shared responsibility.”",
    "“Progress on {activity} depends on the people in this room,” said the {role}. “The OSCE "
    "stands ready to help.”",
    "The {role} underlined that {activity} remains a priority for the OSCE and its participating "
    "States.",
]
PARTNER_PARAGRAPHS = [
    "{Partner} thanked the OSCE for its long-standing support and said the recommendations "
    "would feed into the work on {activity2}.",
    "Representatives of {partner} welcomed the co-operation and expressed interest in "
    "continuing it in {next_year}.",
]
BACKGROUNDS = [
    "The {event} was part of the extra-budgetary project “{project}”, funded by {donors}.",
    "Since {year0}, the OSCE has supported {country} in {activity}, including through training, "
    "expert advice and support for legislation.",
    "This activity is part of a series that has reached more than {big_n} {audience} since "
    "{year0}.",
]
CLOSINGS = [
    "The OSCE will continue to support {country} in implementing its commitments on {activity}.",
    "A report with the main findings and recommendations will be made available in the coming "
    "weeks.",
]
SPEECH_OPENING = "Excellencies, ladies and gentlemen, dear colleagues,"
SPEECH_PARAGRAPHS = [
    "It is an honour to address the {event_name} today in {city}. Let me begin by thanking "
    "{partner} for hosting us and for the excellent co-operation.",
    "{Activity} lies at the heart of our comprehensive approach to security. Our commitments in "
    "this area are clear; what matters now is their implementation.",
    "Since {year0} we have learned that progress on {activity2} is possible when institutions, "
    "civil society and the international community work together.",
]
SPEECH_CLOSING = "Let me close by assuring you of the continued support of the OSCE. Thank you."
REPORT_PARAGRAPHS = [
    "The Mission's monitors continued to observe the situation in and around {city} and "
    "facilitated contacts between the sides.",
    "The Mission continued to monitor the implementation of agreed measures and to follow up "
    "on reports of damage to civilian infrastructure.",
    "The monitors' freedom of movement was restricted on several occasions.",
]
# fmt: on

_NEEDS_THE = ("United ", "Russian ", "Republic ", "Holy ", "Czech ", "Kyrgyz ")
_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_SINCE = re.compile(r"\b(?:established|deployed|opened)\b[^.;]*?\bin ((?:19|20)\d{2})\b")


# --- The trees, read once -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    key: str
    name: str
    parent_id: int | None
    is_active: bool
    description: str = ""
    location_id: int | None = None


@dataclass
class Tree:
    """One tree in memory, in tree order."""

    nodes: list[Node]
    by_id: dict[int, Node] = field(init=False)
    by_key: dict[str, Node] = field(init=False)
    children: dict[int, list[Node]] = field(init=False)

    def __post_init__(self):
        self.by_id = {node.id: node for node in self.nodes}
        self.by_key = {node.key: node for node in self.nodes}
        self.children = {}
        for node in self.nodes:
            if node.parent_id is not None:
                self.children.setdefault(node.parent_id, []).append(node)

    def root_key(self, node):
        while node.parent_id is not None:
            node = self.by_id[node.parent_id]
        return node.key

    def keyed(self, keys):
        return [self.by_key[key] for key in keys if key in self.by_key]


@dataclass
class Context:
    """Everything generation reads from the database."""

    topics: Tree
    locations: Tree
    structures: Tree
    meetings: Tree
    types: list[tuple[int, str]]  # (pk, slug)
    chairs: dict[int, int]  # year -> location pk


def load_context(using="default"):
    """Read the four trees, the release types and the chairpersonships: six queries."""

    def tree(model, *extra):
        fields = ("id", "key", "name", "parent_id", "is_active", "description", *extra)
        rows = model._base_manager.using(using).order_by("tree_id", "lft").values_list(*fields)
        return Tree([Node(*row) for row in rows])

    context = Context(
        topics=tree(Topic),
        locations=tree(Location),
        structures=tree(Structure, "location_id"),
        meetings=tree(Meeting),
        types=list(ReleaseType.objects.using(using).order_by("pk").values_list("pk", "slug")),
        chairs=dict(Chairpersonship.objects.using(using).values_list("year", "country_id")),
    )
    if not (context.topics.nodes and context.locations.nodes and context.structures.nodes):
        raise MissingTaxonomy(
            "The taxonomy trees are empty: run `python manage.py load_taxonomy` first."
        )
    if not context.types:
        raise CommandError("There are no release types: run `python manage.py migrate` first.")
    return context


# --- Planning -----------------------------------------------------------------


@dataclass(slots=True)
class PlannedRelease:
    """One release to create; the link fields hold node pks."""

    title: str
    slug_base: str
    type_id: int
    status: str
    published_at: datetime | None
    place: str
    summary: str
    body: str
    sources: tuple[int, ...]
    structures: tuple[int, ...]
    topics: tuple[int, ...]
    locations: tuple[int, ...]
    meetings: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Source:
    """How a structure speaks when it issues a release."""

    node: Node
    kind: str
    display: str
    role: str
    weight: float
    since: int | None
    until: int | None
    seat: str


class _Weighted:
    """A weighted choice with precomputed cumulative weights: one bisect a draw."""

    def __init__(self, items, weights):
        pairs = [(item, weight) for item, weight in zip(items, weights, strict=True) if weight > 0]
        self.items = [item for item, _ in pairs]
        self.cumulative = list(accumulate(weight for _, weight in pairs))

    def __bool__(self):
        return bool(self.items)

    def pick(self, rng):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


class _Slots(dict):
    """Template slots for ``str.format_map``: ``{Name}`` is ``{name}`` capitalized."""

    def __missing__(self, key):
        value = self.get(key[:1].lower() + key[1:])
        if value is None:
            raise KeyError(key)
        return _cap(str(value))


def _cap(text):
    return text[:1].upper() + text[1:]


def _phrase(name):
    """A node name inside a sentence: "Climate change" -> "climate change"."""
    return name[:1].lower() + name[1:] if name[1:2].islower() else name


def _in_text(name):
    """A country's name inside a sentence: "the Russian Federation", "Albania"."""
    return f"the {name}" if name.startswith(_NEEDS_THE) else name


def _join(names):
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class Planner:
    """Decides release after release from one seeded random stream; no queries."""

    def __init__(self, context, *, seed, now):
        self.ctx = ctx = context
        self.rng = Random(seed)
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(now, self.tz)
        self.statuses = []
        self.types = _Weighted(
            ctx.types, [TYPE_WEIGHTS.get(slug, OTHER_TYPE_WEIGHT) for _, slug in ctx.types]
        )

        # Countries are the location leaves. Hosts of field operations and a
        # few busy countries weigh more, partners less: facets get a shape.
        locations = ctx.locations
        hosts = {node.location_id for node in ctx.structures.nodes if node.location_id}
        self.countries = [node for node in locations.nodes if node.id not in locations.children]
        states = locations.by_key.get("participating-states")
        self.participating = [
            node for node in self.countries if states is None or node.parent_id == states.id
        ] or self.countries
        participating = {node.id for node in self.participating}

        def country_weight(node):
            if node.id in hosts:
                return 4
            if node.key in BUSY_COUNTRIES:
                return 3
            return 1 if node.id in participating else 0.5

        self.country_picker = _Weighted(self.countries, map(country_weight, self.countries))

        infos = [self._source(node) for node in ctx.structures.nodes]
        if not any(info.weight for info in infos):
            # A tree the lists know nothing about: every node may be a source.
            infos = [replace(info, weight=1) for info in infos]

        def weighted(keep, boost=lambda info: 1):
            return _Weighted(
                infos, [info.weight * boost(info) if keep(info) else 0 for info in infos]
            )

        # Closed operations only publish in the past; daily and spot reports
        # come from field operations, mostly the monitoring mission.
        self.sources = weighted(lambda info: True)
        self.current_sources = weighted(lambda info: info.until is None) or self.sources
        is_field = lambda info: info.kind == "field"  # noqa: E731
        smm_boost = lambda info: 10 if info.node.key == SMM else 1  # noqa: E731
        self.field_sources = weighted(is_field, smm_boost) or self.sources
        self.current_field_sources = (
            weighted(lambda info: is_field(info) and info.until is None, smm_boost)
            or self.current_sources
        )

        topics = ctx.topics
        self.field_topics = topics.keyed(FIELD_TOPICS) or topics.nodes
        self.source_topics = {
            key: topics.keyed(keys) or self.field_topics for key, keys in SOURCE_TOPICS.items()
        }
        self.source_meetings = {
            key: ctx.meetings.keyed(keys) for key, keys in SOURCE_MEETINGS.items()
        }
        self.cpc = ctx.structures.by_key.get("conflict-prevention-centre")
        self.pa = ctx.structures.by_key.get("parliamentary-assembly")
        self.secretary_general = ctx.structures.by_key.get("secretary-general")

    def _source(self, node):
        structures = self.ctx.structures
        kind, display, role = SOURCES.get(node.key, (None, None, None))
        if kind is None:
            if node.location_id:
                kind = "field"
            elif node.parent_id and structures.root_key(node) == "secretariat":
                kind = "secretariat"
            else:
                kind = "generic"
        if display is None:
            display = node.name if node.name.startswith("OSCE") else f"OSCE {node.name}"
        if role is None:
            role = f"Head of the {display}" if kind == "field" else f"Director of the {display}"
        # Descriptions say when a field operation opened and closed; a closed
        # one only publishes within those years.
        match = _SINCE.search(node.description)
        since = int(match.group(1)) if match else None
        until = None
        if not node.is_active:
            years = [int(year) for year in _YEAR.findall(node.description)]
            until = max(years) if years else 2021
        if node.key in SOURCE_WEIGHTS:
            weight = SOURCE_WEIGHTS[node.key]
        elif kind == "field":
            weight = ACTIVE_FIELD_WEIGHT if until is None else CLOSED_FIELD_WEIGHT
        else:
            weight = 0.5 if node.id in structures.children else 1
        if until is not None and until < FIRST_DAY.year:
            weight = 0
        country = self.ctx.locations.by_id.get(node.location_id)
        if kind == "field" and country is not None:
            seat = CITIES.get(country.key, [country.name])[0]
        else:
            seat = SEATS.get(node.key, "Vienna")
        return Source(node, kind, display, role, weight, since, until, seat)

    # -- small draws --

    def city(self, country, *, capital=False):
        cities = CITIES.get(country.key)
        if not cities:
            return country.name
        if capital or len(cities) == 1 or self.rng.random() < 0.55:
            return cities[0]
        return self.rng.choice(cities[1:])

    def moment(self, since=None, until=None):
        """A publication time in the past: a uniform day, a working-hours time."""
        first = FIRST_DAY if since is None else max(FIRST_DAY, date(since, 1, 1))
        last = self.today - timedelta(days=1)
        if until is not None:
            last = min(last, date(until, 12, 31))
        first = min(first, last)
        return self.at(first + timedelta(days=self.rng.randrange((last - first).days + 1)))

    def at(self, day):
        seconds = self.rng.randrange(7 * 3600, 20 * 3600)
        clock = dtime(seconds // 3600, seconds // 60 % 60, seconds % 60)
        return datetime.combine(day, clock, tzinfo=self.tz)

    # -- one release --

    def plan(self):
        rng = self.rng
        ctx = self.ctx
        if not self.statuses:
            self.statuses = STATUS_BLOCK.copy()
            rng.shuffle(self.statuses)
        status = self.statuses.pop()
        type_id, type_slug = self.types.pick(rng)
        reporting = type_slug in ("daily-report", "spot-report")
        if status == "published":
            source = (self.field_sources if reporting else self.sources).pick(rng)
            published_at = self.moment(source.since, source.until)
        else:
            source = (self.current_field_sources if reporting else self.current_sources).pick(rng)
            published_at = None
            if status == "scheduled":
                horizon = int(SCHEDULE_HORIZON.total_seconds())
                published_at = self.now + timedelta(seconds=rng.randrange(3600, horizon))
        node = source.node
        day = timezone.localtime(published_at or self.now, self.tz).date()
        chair = ctx.locations.by_id.get(ctx.chairs.get(day.year))

        # Fields of work: the first sets the vocabulary.
        pool = self.source_topics.get(node.key) or self.field_topics
        topic = rng.choice(pool)
        topics = [topic.id]
        for _ in range(rng.choice((0, 0, 1, 1, 2))):
            extra = rng.choice(pool) if rng.random() < 0.6 else rng.choice(ctx.topics.nodes)
            topics.append(extra.id)
        children = ctx.topics.children.get(topic.id)
        if children and rng.random() < 0.35:
            topics.insert(1, rng.choice(children).id)

        # A field operation speaks about its own country, most of the time.
        country = None
        if source.kind == "field" and rng.random() < 0.9:
            country = ctx.locations.by_id.get(node.location_id)
        if country is None or country.id in ctx.locations.children:
            country = self.country_picker.pick(rng)

        slots = self.slots(source, topic, country, chair, day)
        meeting = meeting_country = None
        share = BODY_MEETING_SHARE if source.kind == "body" else MEETING_SHARE
        if ctx.meetings.nodes and rng.random() < share:
            meeting = rng.choice(self.source_meetings.get(node.key) or ctx.meetings.nodes)
            meeting_country = self.meeting_slots(meeting, slots, chair)

        title, dateline, gist = self.title(type_slug, source, slots, meeting)
        slots["city"] = {
            "vienna": "Vienna",
            "seat": source.seat,
            "capital": self.city(country, capital=True),
            "chair": slots["chair_city"],
            "meeting": slots.get("meeting_city"),
        }.get(dateline, slots["city"])
        if slots["day_override"] and status == "published":
            moved = self.at(date(day.year, *slots["day_override"]))
            if moved < self.now:
                published_at = moved
        summary, body = self.text(gist, slots, node)

        locations = [country.id]
        if meeting_country is not None:
            locations.insert(0, meeting_country.id)
        if source.kind in ("chair", "troika") and chair is not None and rng.random() < 0.6:
            locations.append(chair.id)
        if rng.random() < 0.25:
            locations.append(self.country_picker.pick(rng).id)
        if country.parent_id is not None and rng.random() < 0.08:
            locations.append(country.parent_id)  # "Participating States", a partner group
        structures = [node.id]
        extra = self.extra_structure(source, slots)
        if extra is not None:
            structures.append(extra.id)

        Status = PressRelease.Status
        return PlannedRelease(
            title=title[:300],
            slug_base=slugify(title)[:180].strip("-") or "release",
            type_id=type_id,
            status=Status.DRAFT if status == "draft" else Status.PUBLISHED,
            published_at=published_at,
            place=slots["city"][:200],
            summary=summary,
            body=body,
            sources=(node.id,),
            structures=tuple(dict.fromkeys(structures)),
            topics=tuple(dict.fromkeys(topics))[:3],
            locations=tuple(dict.fromkeys(locations))[:3],
            meetings=(meeting.id,) if meeting else (),
        )

    def extra_structure(self, source, slots):
        """A second structure now and then: a parent node, a partner structure."""
        rng = self.rng
        structures = self.ctx.structures
        parent = structures.by_id.get(source.node.parent_id)
        draw = rng.random()
        if source.kind == "field":
            return self.cpc if draw < 0.15 else parent if draw < 0.25 else None
        if slots["group"] == "election":
            return self.pa if draw < 0.3 else None  # observed together
        if source.kind == "chair":
            return self.secretary_general if draw < 0.1 else None
        if parent is not None and draw < 0.2:
            return parent
        return rng.choice(structures.nodes) if draw > 0.9 else None

    def slots(self, source, topic, country, chair, day):
        rng = self.rng
        activity = rng.choice(TOPIC_PHRASES.get(topic.key) or [_phrase(topic.name)])
        second = rng.choice(self.field_topics)
        activity2 = rng.choice(TOPIC_PHRASES.get(second.key) or [_phrase(second.name)])
        if activity2 == activity:
            activity2 = rng.choice(TOPIC_PHRASES["human-rights"])
        others = [rng.choice(self.participating).name for _ in range(3)]
        election, plural = rng.choice(ELECTIONS)
        event = rng.choice(EVENTS)
        international_day = INTERNATIONAL_DAYS.get(topic.key)
        group = source.kind
        if group == "odihr" and topic.key == "elections":
            group = "election"
        return _Slots(
            group=group,
            source=source.display,
            the_source=source.display if source.kind == "odihr" else f"the {source.display}",
            role=source.role,
            activity=activity,
            activity2=activity2,
            country=_in_text(country.name),
            country2=_in_text(others[0]),
            country3=_in_text(others[1] if others[1] != others[0] else others[2]),
            city=self.city(country),
            chair=_in_text(chair.name) if chair else None,
            chair_city=self.city(chair, capital=True) if chair else "Vienna",
            audience=rng.choice(TOPIC_AUDIENCES.get(topic.key) or AUDIENCES),
            partner=rng.choice(TOPIC_PARTNERS.get(topic.key) or PARTNERS),
            organization=rng.choice(PARTNER_ORGANIZATIONS),
            official=rng.choice(OFFICIALS),
            event=event,
            event_name=f"{event} on {activity}",
            days=rng.choice(DURATIONS),
            n=rng.randrange(12, 150),
            big_n=rng.choice((500, 800, 1000, 1500, 2000, 3000)),
            election=election,
            was="were" if plural else "was",
            assessment=rng.choice(ELECTION_ASSESSMENTS),
            guidelines=rng.choice(HCNM_GUIDELINES),
            media_concern=rng.choice(MEDIA_CONCERNS),
            media_progress=rng.choice(MEDIA_PROGRESS),
            crisis=rng.choice(CRISES),
            incident=rng.choice(INCIDENTS),
            date=day,
            year0=max(FIRST_DAY.year - 10, day.year - rng.randrange(3, 15)),
            next_year=day.year + 1,
            donors=_join([_in_text(name) for name in sorted(set(others))]),
            project=f"{_cap(activity)} in {_in_text(country.name)}",
            occasion=international_day[0] if international_day else None,
            international_day=international_day[1:] if international_day else None,
            day_override=None,
            meeting=None,
        )

    def meeting_slots(self, meeting, slots, chair):
        """Name the meeting and where it is held; return its country, if any."""
        rng = self.rng
        names = MEETINGS.get(meeting.key) or {meeting.name: "Vienna"}
        name = rng.choice(list(names))
        where = names[name]
        country = None
        if where == "chair":
            country = chair
        elif isinstance(where, list) or where in self.ctx.locations.by_key:
            country = self._member(where)
        if country is not None:
            city = self.city(country, capital=True)
        else:
            city = "Vienna" if where in ("chair", "weekly") or not isinstance(where, str) else where
        slots.update(
            meeting=name, meeting_city=city, meeting_weekly=where == "weekly", event_name=name
        )
        return country

    def _member(self, keys):
        """One of these countries, or a country in this location group."""
        locations = self.ctx.locations
        if isinstance(keys, str):
            members = locations.children.get(locations.by_key[keys].id, [])
        else:
            members = locations.keyed(keys)
        return self.rng.choice(members) if members else None

    def title(self, type_slug, source, slots, meeting):
        """The title, its dateline and its gist; may move the date to a fitting day."""
        rng = self.rng
        if type_slug == "daily-report":
            day = slots["date"] - timedelta(days=1)
            when = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
            title = (
                f"Latest from the {slots['source']}, based on information received as of "
                f"19:30, {when}"
            )
            return title, "here", "report"
        if type_slug == "spot-report":
            title = (
                f"Spot report by the {slots['source']}: {slots['incident']} near {slots['city']}"
            )
            return title, "here", "report"
        if type_slug == "speech":
            name = slots["meeting"] or slots["event_name"]
            title = f"{rng.choice(SPEECH_KINDS)} by the {slots['role']} at the {name}"
            return title, "meeting" if meeting else "here", "speech"
        if type_slug == "statement":
            if slots["occasion"]:
                slots["day_override"] = slots["international_day"]
                about = slots["occasion"]
            else:
                about = f"{slots['activity']} in {slots['country']}"
            return f"Statement by the {slots['role']} on {about}", "seat", "issued"
        if type_slug == "press-statement":
            templates = FIELD_PRESS_STATEMENTS if source.kind == "field" else PRESS_STATEMENTS
            return rng.choice(templates).format_map(slots), "seat", "statement"
        if type_slug == "feature":
            return rng.choice(FEATURE_TITLES).format_map(slots), "here", "feature"
        if meeting is not None and rng.random() < 0.6:
            templates = WEEKLY_MEETING_TITLES if slots["meeting_weekly"] else MEETING_TITLES
            slots["city"] = slots["meeting_city"]
            return rng.choice(templates).format_map(slots), "meeting", "meeting"
        if source.kind == "chair" and slots["chair"] and rng.random() < 0.08:
            slots["day_override"] = (1, rng.randrange(2, 16))
            title = f"{_cap(slots['chair'])} takes over OSCE Chairpersonship, outlines priorities"
            return title, "chair", "priorities"
        template, dateline, gist = rng.choice(TITLES.get(slots["group"]) or TITLES["generic"])
        return template.format_map(slots), dateline, gist

    def text(self, gist, slots, node):
        """A one-sentence summary and a body of 3-6 paragraphs of safe HTML.

        The paragraphs are plain text until the end; the templates hold no
        markup, so escaping each finished paragraph is all the HTML needs.
        """
        rng = self.rng
        summary = _cap(rng.choice(SUMMARIES[gist]).format_map(slots))
        if gist == "speech":
            middle = rng.sample(SPEECH_PARAGRAPHS, rng.randint(1, 3))
            paragraphs = [SPEECH_OPENING, *(p.format_map(slots) for p in middle), SPEECH_CLOSING]
        elif gist == "report":
            paragraphs = [summary, *(p.format_map(slots) for p in rng.sample(REPORT_PARAGRAPHS, 2))]
        else:
            shape = "event" if gist in ("event", "feature", "project") else "other"
            lead = f"{summary} {rng.choice(LEADS[shape]).format_map(slots)}"
            context = " ".join(p.format_map(slots) for p in rng.sample(CONTEXTS[shape], 2))
            optional = [
                rng.choice(QUOTES),
                rng.choice(PARTNER_PARAGRAPHS),
                rng.choice(BACKGROUNDS),
                rng.choice(CLOSINGS),
            ]
            if node.description:
                optional.append(None)  # the source's own description, as written
            wanted = min(rng.randint(1, 4), len(optional))
            picked = [optional[i] for i in sorted(rng.sample(range(len(optional)), wanted))]
            paragraphs = [lead, context]
            paragraphs += [node.description if p is None else p.format_map(slots) for p in picked]
        escape = html.escape
        return summary, "".join(f"<p>{escape(_cap(p), quote=False)}</p>" for p in paragraphs)


def plan_releases(count, *, context, seed=1, now=None):
    """Yield ``count`` planned releases; the same seed and ``now`` give the same records.

    Pure: it makes no queries, everything comes from ``context`` (``load_context()``).
    """
    planner = Planner(context, seed=seed, now=now or timezone.now())
    for _ in range(count):
        yield planner.plan()


# --- Writing ------------------------------------------------------------------


def _link_fields(relation):
    """The through model of a relation and its two column attnames."""
    field = PressRelease._meta.get_field(relation)
    through = field.remote_field.through
    release = through._meta.get_field(field.m2m_field_name()).attname
    node = through._meta.get_field(field.m2m_reverse_field_name()).attname
    return through, release, node


def _free_slugs(slugs, taken):
    """Rename, in place, the slugs a release or an old address already uses.

    Generated slugs end in a running number above every existing id, so a
    clash needs a hand-made slug that looks just like one: rare, but possible.
    """
    while True:
        clashes = set()
        for start in range(0, len(slugs), SLUG_CHECK_CHUNK):
            part = slugs[start : start + SLUG_CHECK_CHUNK]
            for model in (PressRelease, OldSlug):
                clashes.update(model.objects.filter(slug__in=part).values_list("slug", flat=True))
        if not clashes:
            return
        for index, slug in enumerate(slugs):
            if slug in clashes:
                n = 2
                while f"{slug}-{n}" in taken:
                    n += 1
                slugs[index] = f"{slug}-{n}"
                taken.add(slugs[index])


def _write_batch(plans, first_number, taken, links):
    slugs = [f"{plan.slug_base}-{first_number + i}" for i, plan in enumerate(plans)]
    taken.update(slugs)
    _free_slugs(slugs, taken)
    releases = [
        PressRelease(
            title=plan.title,
            slug=slug,
            type_id=plan.type_id,
            status=plan.status,
            published_at=plan.published_at,
            place=plan.place,
            summary=plan.summary,
            body=plan.body,
        )
        for plan, slug in zip(plans, slugs, strict=True)
    ]
    # PostgreSQL and SQLite >= 3.35 return the new pks from the bulk insert
    # (can_return_rows_from_bulk_insert): the links below rely on them.
    PressRelease.objects.bulk_create(releases)
    for relation, (through, release_field, node_field) in links.items():
        rows = [
            through(**{release_field: release.pk, node_field: node_id})
            for release, plan in zip(releases, plans, strict=True)
            for node_id in getattr(plan, relation)
        ]
        if rows:
            through.objects.bulk_create(rows, batch_size=LINK_BATCH)


def generate_releases(count, *, seed=1, batch_size=2000, stdout=None) -> int:
    """Create ``count`` generated releases, ``batch_size`` a transaction; return the number."""
    if count < 1:
        return 0
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    started = time.monotonic()
    context = load_context()
    plans = plan_releases(count, context=context, seed=seed)
    links = {relation: _link_fields(relation) for relation in RELATIONS}
    # Slugs end in a running number above every existing id: a second run
    # with the same seed (the same titles) still gets new slugs.
    number = (PressRelease.objects.aggregate(top=Max("pk"))["top"] or 0) + 1
    taken = set()
    created = 0
    while batch := list(islice(plans, batch_size)):
        with transaction.atomic():
            _write_batch(batch, number + created, taken, links)
        created += len(batch)
        if stdout is not None:
            stdout.write(f"{created}/{count} releases…")
    # bulk_create sends no signals: invalidate the cached pages once, here.
    bump_content_version()
    if stdout is not None:
        elapsed = time.monotonic() - started
        stdout.write(
            f"Created {created} releases in {elapsed:.1f} s "
            f"({created / max(elapsed, 1e-6):.0f} releases/s)."
        )
    return created
