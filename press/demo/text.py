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
