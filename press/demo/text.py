"""The phrase lists a release's title, summary and body are assembled from."""

from __future__ import annotations

from .tags import HCNM, ODIHR

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


CENTRAL_ASIA = ["kazakhstan", "kyrgyzstan", "tajikistan", "turkmenistan", "uzbekistan"]
SOUTH_CAUCASUS = ["armenia", "azerbaijan", "georgia"]
SOUTH_EAST_EUROPE = [
    "albania", "bosnia-and-herzegovina", "montenegro", "north-macedonia", "serbia", "kosovo",
]

#: Meeting key -> ({event name: where}). Where: a city; "chair" (the chairing
#: country); "weekly" (Vienna, a regular plenary); a country group key or a
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
        ("Head of {source} presents report to OSCE Permanent Council", "vienna", "presented"),
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
        ("High Commissioner calls for dialogue on {activity} in {country}", "seat", "dialogue"),
    ],
    "rfom": [
        ("OSCE media freedom representative concerned about {media_concern} in {country}",
         "seat", "concern"),
        ("OSCE Representative on Freedom of the Media welcomes {media_progress} in {country}",
         "seat", "welcome"),
        ("OSCE media freedom representative condemns attack on journalist in {country}", "seat",
         "condemn"),
        ("OSCE Representative on Freedom of the Media presents regular report", "vienna",
         "presented"),
        ("OSCE media freedom representative visits {country}, discusses {activity}", "capital",
         "visit"),
    ],
    "chair": [
        ("OSCE Chairperson-in-Office visits {country}", "capital", "visit"),
        ("OSCE Chairperson-in-Office discusses {activity} during visit to {country}", "capital",
         "visit"),
        ("OSCE Chair concerned about {crisis} in {country}, calls for restraint", "chair",
         "concern"),
        ("OSCE Chairpersonship welcomes progress on {activity} in {country}", "chair",
         "welcome"),
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
#: (title, gist): the summary and the body follow what the title says.
PRESS_STATEMENTS = [
    ("{role} concerned about {crisis} in {country}", "concern"),
    ("{role} welcomes progress on {activity} in {country}", "welcome"),
    ("{role} condemns attack in {country}, calls for swift investigation", "condemn"),
    ("{role} calls for dialogue in {country}", "dialogue"),
]
#: A field operation works with its host country: it welcomes, it does not condemn.
FIELD_PRESS_STATEMENTS = [
    ("{role} welcomes progress on {activity} in {country}", "welcome"),
    ("{role} welcomes adoption of new legislation on {activity}", "welcome"),
]

#: Kinds of text: the gist of a title -> the shape of its body.
SHAPES = {
    "event": "event", "project": "project", "feature": "event", "visit": "visit",
    "publication": "publication", "concern": "statement", "welcome": "statement",
    "condemn": "statement", "dialogue": "statement", "meeting": "meeting",
    "election": "election", "observed": "observed", "priorities": "meeting",
    "presented": "meeting",
}

#: One-sentence summaries by gist: what a listing card shows. The body never
#: repeats them: its lead tells the same news in its own words.
SUMMARIES = {
    "event": [
        "{The_source} held a {days} {event} on {activity} in {city} for {n} {audience}.",
        "Some {n} {audience} took part in a {days} {event} on {activity}, organized by "
        "{the_source} and {partner}.",
        "A {days} {event} in {city} looked at {activity} and at what {audience} can do for it.",
    ],
    "project": [
        "A new project of {the_source} will help {partner} with {activity} over the next two "
        "years.",
        "Equipment and training materials handed over to {partner} will support its work on "
        "{activity}.",
    ],
    "visit": [
        "The {role} met the {official} and representatives of civil society to discuss "
        "{activity}.",
        "{Activity} and co-operation with the OSCE were at the centre of the {role}'s talks in "
        "{country}.",
    ],
    "publication": [
        "A new publication offers practical guidance on {activity} to policymakers and "
        "practitioners across the OSCE region.",
        "Recommendations on {activity}, based on research and consultations in several "
        "participating States, are now available.",
    ],
    "concern": ["The {role} called for restraint and offered the support of the OSCE."],
    "presented": [
        "The report covers the work of the past months, among it {activity} and {activity2}.",
    ],
    "welcome": ["The {role} welcomed the step and offered continued OSCE support."],
    "condemn": ["The {role} called for a swift, thorough and transparent investigation."],
    "dialogue": ["The {role} urged all sides to resolve their differences through dialogue."],
    "meeting": [
        "Representatives of the participating States and civil society discussed {activity} "
        "and {activity2}.",
        "{Activity} was the focus of the discussions, with statements by many participating "
        "States.",
    ],
    "election": [
        "The mission will assess the {election} against OSCE commitments and other international "
        "standards for democratic elections, as well as national legislation.",
    ],
    "observed": [
        "Observers from the OSCE participating States assessed the {election} against OSCE "
        "commitments and international standards.",
    ],
    "feature": [
        "{Audience} in {city} explain how their work on {activity} has changed, and what they "
        "still need.",
        "A look at how OSCE support for {activity} works in practice in {country}.",
    ],
    "priorities": [
        "The incoming Chairpersonship presented its priorities for the year, among them "
        "{activity}.",
    ],
    "speech": [
        "The {role} called for renewed attention to {activity2} and thanked {partner} for the "
        "co-operation.",
        "Speaking in {city}, the {role} said that commitments on {activity2} must now be put "
        "into practice.",
    ],
    "issued": ["The {role} issued a statement on {about}."],
    "report": ["This report is for the media and the general public."],
}
#: The first paragraph, after the dateline: the news, naming who speaks.
LEADS = {
    "event": [
        "{The_source} today concluded a {days} {event} on {activity} for {n} {audience} from "
        "across {country}, organized together with {partner}.",
        "Some {n} {audience} met in {city} this week for a {days} {event} on {activity}, "
        "organized by {the_source} in co-operation with {partner}.",
        "How can {audience} contribute to {activity}? This question was at the centre of a "
        "{days} {event} that {the_source} held for {n} participants from across {country}.",
    ],
    "project": [
        "{The_source} and {partner} today launched a two-year project to strengthen {activity} "
        "in {country}, funded by {donors}.",
        "{The_source} today handed over equipment and training materials to {partner}, part of "
        "its support for {activity} in {country}.",
    ],
    "feature": [
        "For the {audience} of {city}, {activity} is not an abstract idea but part of their "
        "daily work, which {the_source} has supported for years.",
        "In {city}, a group of {audience} has spent the past months putting what they learned "
        "with {the_source} about {activity} into practice.",
    ],
    "visit": [
        "During a {days} visit to {country}, the {role} held talks with the {official}, "
        "representatives of {partner} and civil society on {activity} and the work of "
        "{the_source}.",
        "The {role} met the {official} in {city} today to discuss {activity}, continuing the "
        "dialogue between {the_source} and the authorities of {country}.",
    ],
    "publication": [
        "{The_source} today published a new guide on {activity}, drawing on consultations with "
        "{audience} in {country} and other participating States.",
        "Practical recommendations on {activity} are at the heart of a report that {the_source} "
        "presented today to {audience} and representatives of {partner}.",
    ],
    "concern": [
        "The {role} today expressed deep concern about {concern} in {country}, calling on all "
        "those involved to exercise restraint and to return to dialogue.",
        "Deeply concerned about {concern} in {country}, the {role} today called on all sides "
        "to refrain from any action that could lead to further escalation.",
    ],
    "welcome": [
        "The {role} today welcomed {progress} in {country}, calling it an important step "
        "towards meeting the country's OSCE commitments.",
        "Welcoming {progress} in {country}, the {role} today said that it showed what "
        "determined institutions can achieve.",
    ],
    "condemn": [
        "The {role} today condemned {attack} in {country} and called on the authorities to "
        "bring those responsible to justice.",
        "Condemning {attack} in {country}, the {role} today urged the authorities to investigate "
        "it swiftly and thoroughly.",
    ],
    "dialogue": [
        "The {role} today called on all sides in {country} to engage in an inclusive dialogue "
        "on {activity}.",
    ],
    "meeting": [
        "{Activity} was at the centre of the discussions at the {forum} in {city} today, with "
        "statements by the participating States and the Partners for Co-operation{contribution}.",
        "Delegations at the {forum} today turned to {activity}{contribution}.",
    ],
    "presented": [
        "The {role} today presented the regular report of {the_source} to the OSCE Permanent "
        "Council in Vienna, focusing on {activity} in {country}.",
    ],
    "priorities": [
        "{Chair} today took over the OSCE Chairpersonship, presenting to the participating "
        "States the priorities it will pursue during its year at the helm of the organization.",
    ],
    "election": [
        "Following an invitation from the authorities of {country}, {the_source} today opened "
        "an election observation mission for the {election}.",
        "{The_source} today deployed an election observation mission to {country} for the "
        "{election}, following an invitation from the authorities.",
    ],
    "observed": [
        "The {election} in {country} {was} {assessment}, {observers} said in a statement "
        "released today.",
        "According to {observers}, the {election} in {country} {was} {assessment}.",
    ],
}
#: The second paragraph, by shape.
DETAILS = {
    "event": [
        "Participants discussed {activity} and {activity2}, worked through practical exercises "
        "based on real cases and agreed on a set of recommendations for {partner}.",
        "Experts from {country2} and {country3} shared their experience with {activity}, and "
        "participants drafted an action plan for the coming year.",
        "The programme covered international standards, the national legal framework and good "
        "practice from across the OSCE region, with a special focus on {activity2}.",
    ],
    "project": [
        "The project will provide training for {audience}, expert advice on legislation and "
        "support for {activity2}.",
        "The support includes training for {n} {audience}, who will pass on what they learn to "
        "their colleagues across {country}.",
    ],
    "visit": [
        "Discussions focused on {activity} and {activity2}, and on how the OSCE can support the "
        "authorities in implementing their commitments.",
        "The {role} also met representatives of civil society organizations working on "
        "{activity2} and of {partner}.",
    ],
    "publication": [
        "The publication sets out {n} recommendations, from legislation and institutional "
        "arrangements to training and public awareness, with examples of good practice from "
        "{country2} and {country3}.",
        "It was prepared with the help of an expert group and reviewed by {audience} from "
        "several participating States; it also covers {activity2}.",
    ],
    "statement": [
        "The {role} recalled that all participating States have committed themselves to "
        "{activity}, and that the OSCE stands ready to support {country} in meeting these "
        "commitments.",
        "The OSCE will continue to follow developments closely and remains in contact with the "
        "authorities of {country} and with {partner}.",
    ],
    "meeting": [
        "Delegations discussed {activity} and {activity2}, and many called for the full "
        "implementation of existing OSCE commitments.",
        "Speakers included representatives of the participating States, the Partners for "
        "Co-operation, international organizations and civil society, who focused on "
        "{activity2}.",
    ],
    "election": [
        "The mission consists of a core team of {core} experts based in {city} and {long_term} "
        "long-term observers who will be deployed across {country}.",
        "The mission will follow the campaign, the work of the election administration, media "
        "coverage and the resolution of election disputes.",
    ],
    "observed": [
        "Observers noted that fundamental freedoms were generally respected, but that "
        "{election_concern}.",
        "On election day, observers visited polling stations across {country}; voting was "
        "assessed positively in most of them, while counting was assessed negatively in a "
        "number of stations, owing to {election_concern}.",
    ],
}
#: Quotes, by shape; a role, never a named person.
QUOTES = {
    "default": [
        "“{Activity} is not a technical issue: it is about trust between institutions and the "
        "people they serve,” said the {role}.",
        "“We are proud to support {partner} in this effort,” said the {role}. “{Activity} is a "
        "shared responsibility, and today showed how much can be achieved together.”",
        "“Progress on {activity} depends on people like those in this room,” said the {role}. "
        "“The OSCE will continue to stand by them.”",
        "“What we heard here will shape our work in {next_year},” said the {role}.",
        "The {role} said: “{Activity} is one of the foundations of comprehensive security. Our "
        "task now is to turn commitments into practice.”",
    ],
    "concern": [
        "“I call on all those concerned to act responsibly and to make full use of the OSCE's "
        "tools for dialogue,” the {role} said.",
        "“The OSCE stands ready to assist,” the {role} said. “Dialogue remains the only way "
        "forward.”",
    ],
    "dialogue": [
        "“Differences are best settled at the table, and the OSCE offers one,” the {role} said.",
        "“The OSCE stands ready to assist,” the {role} said. “Dialogue remains the only way "
        "forward.”",
    ],
    "welcome": [
        "“This is an important step, and the OSCE will continue to support the authorities in "
        "putting it into practice,” said the {role}.",
        "“Today's decision shows what can be achieved when institutions and civil society work "
        "together,” the {role} said.",
    ],
    "condemn": [
        "“Violence has no place in a society governed by the rule of law. Those responsible "
        "must be brought to justice,” the {role} said.",
    ],
    "election": [
        "“An election is more than what happens on election day,” said the Head of the "
        "mission. “We will follow the whole process, and we will report on it impartially.”",
    ],
    "observed": [
        "“Voters deserve accurate information and a level playing field,” said the Head of the "
        "ODIHR mission. “Our recommendations are meant to help.”",
        "“This election showed both the strengths and the weaknesses of the process,” said the "
        "Special Co-ordinator who led the short-term observers.",
    ],
}
#: Optional paragraphs after the quote, by shape ("default" for the others).
PARTNER_QUOTES = [
    "“The support of the OSCE has helped us to make {activity} part of our everyday work,” "
    "said a representative of {partner}.",
    "A representative of {partner} thanked the OSCE for its long-standing support and said the "
    "recommendations would feed into the work on {activity2}.",
]
BACKGROUNDS = {
    "event": [
        "The {event} was part of the extra-budgetary project “{project}”, funded by {donors}.",
        "This activity is part of a series that has reached more than {big_n} {audience} since "
        "{year0}.",
    ],
    "default": [
        "Since {year0}, the OSCE has supported {country} in {activity}, through training, expert "
        "advice and support for legislation.",
        "The OSCE participating States have committed themselves to {activity} in several "
        "decisions of the Ministerial Council.",
    ],
}
CLOSINGS = {
    "statement": [
        "The {role} will continue to follow the situation closely.",
    ],
    "election": [
        "The mission will issue a statement of preliminary findings and conclusions on the day "
        "after the vote.",
        "A final report with recommendations will be published some two months after the end "
        "of the electoral process.",
    ],
    "default": [
        "A report with the main findings and recommendations will be made available in the "
        "coming weeks.",
        "Follow-up activities are planned for {next_year}.",
        "The OSCE will continue to support {country} in implementing its commitments on "
        "{activity}.",
    ],
}
#: Sentences for a meeting or a second structure named in the tags.
MEETING_SENTENCES = {
    "speech": "It is a pleasure to be with you here in {meeting_place}.",
    "default": "The {meeting} took place in {meeting_place}.",
}
EXTRA_STRUCTURE_SENTENCES = {
    "conflict-prevention-centre": "The OSCE Conflict Prevention Centre in Vienna supported the "
    "preparations.",
    "parliamentary-assembly": "The observation was a common endeavour of ODIHR and the OSCE "
    "Parliamentary Assembly.",
    "secretary-general": "The OSCE Secretary General also took part.",
}
ELECTION_CONCERNS = [
    "the misuse of administrative resources blurred the line between state and party",
    "media coverage favoured the incumbents",
    "voter lists contained inaccuracies",
    "procedural safeguards were not consistently followed",
    "pressure on public employees was reported",
]
SPEECH_OPENING = "Excellencies, ladies and gentlemen, dear colleagues,"
SPEECH_PARAGRAPHS = [
    "It is an honour to address the {event_name} today. Let me begin by thanking {partner} for "
    "hosting us and for the excellent co-operation.",
    "{Activity} lies at the heart of our comprehensive approach to security. Our commitments in "
    "this area are clear; what matters now is their implementation.",
    "Since {year0} we have learned that progress on {activity2} is possible when institutions, "
    "civil society and the international community work together.",
]
SPEECH_CLOSING = "Let me close by assuring you of the continued support of the OSCE. Thank you."
STATEMENT_PARAGRAPHS = [
    "“{Activity} is a commitment that all OSCE participating States have made. Today I call on "
    "them to renew it and to implement it in full.”",
    "“Much has been achieved since {year0}, but much remains to be done, and the OSCE's "
    "institutions and field operations stand ready to help.”",
    "“The OSCE will continue to support the participating States, civil society and everyone "
    "working for {activity}.”",
]
REPORT_LEADS = [
    "The {source} recorded the following: {incident} near {city}.",
    "The {source}'s monitors continued to observe the situation in and around {city}.",
]
REPORT_PARAGRAPHS = [
    "The monitors facilitated contacts between the sides and followed up on reports of damage "
    "to civilian infrastructure.",
    "The Mission continued to monitor the implementation of agreed measures.",
    "The monitors' freedom of movement was restricted on several occasions.",
    "The monitors met local officials and residents to discuss the situation.",
]
#: Added when the paragraphs drawn do not name the country or the field of
#: work a release is tagged with: the tags always match the text.
COUNTRY_SENTENCES = {
    "meeting": "Several delegations referred to recent developments in {country}.",
    "speech": "Let me thank our hosts in {country} for their hospitality.",
    "report": "The monitors continued to follow the situation across {country}.",
    "default": "The experience of {country} was among the examples discussed.",
}
TOPIC_SENTENCES = {
    "speech": "Let me say a word about {activity}, which remains one of our priorities.",
    "report": "The monitors also followed issues related to {activity}.",
    "default": "The {role} recalled the OSCE's commitments on {activity}.",
}
# fmt: on

_NEEDS_THE = ("United ", "Russian ", "Republic ", "Holy ", "Czech ", "Kyrgyz ")


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
