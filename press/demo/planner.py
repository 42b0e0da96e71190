"""Planning: release after release decided from one seeded random stream; no queries."""

from __future__ import annotations

import bisect
import hashlib
import html
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from random import Random

from django.utils import timezone

from press.models import PressRelease, slug_base
from taxonomy import clock

from .context import Node
from .images import IMAGE_CREDIT, IMAGE_SHARE, pick_image
from .tags import (
    _SINCE,
    _SUCCEEDED,
    _UNTIL_MONTH,
    _YEAR,
    ACTIVE_FIELD_WEIGHT,
    BUSY_COUNTRIES,
    CLOSED_FIELD_WEIGHT,
    FIELD_TOPICS,
    SMM,
    SOURCE_MEETINGS,
    SOURCE_TOPICS,
    SOURCE_WEIGHTS,
    SOURCES,
)
from .text import (
    AUDIENCES,
    BACKGROUNDS,
    CITIES,
    CLOSINGS,
    COUNTRY_SENTENCES,
    CRISES,
    DETAILS,
    DURATIONS,
    ELECTION_ASSESSMENTS,
    ELECTION_CONCERNS,
    ELECTIONS,
    EVENTS,
    EXTRA_STRUCTURE_SENTENCES,
    FEATURE_TITLES,
    FIELD_PRESS_STATEMENTS,
    HCNM_GUIDELINES,
    INCIDENTS,
    INTERNATIONAL_DAYS,
    LEADS,
    MEDIA_CONCERNS,
    MEDIA_PROGRESS,
    MEETING_SENTENCES,
    MEETING_TITLES,
    MEETINGS,
    MONTHS,
    OFFICIALS,
    OTHER_TYPE_WEIGHT,
    PARTNER_ORGANIZATIONS,
    PARTNER_QUOTES,
    PARTNERS,
    PRESS_STATEMENTS,
    QUOTES,
    REPORT_LEADS,
    REPORT_PARAGRAPHS,
    SEATS,
    SHAPES,
    SPEECH_CLOSING,
    SPEECH_KINDS,
    SPEECH_OPENING,
    SPEECH_PARAGRAPHS,
    STATEMENT_PARAGRAPHS,
    SUMMARIES,
    TITLES,
    TOPIC_AUDIENCES,
    TOPIC_PARTNERS,
    TOPIC_PHRASES,
    TOPIC_SENTENCES,
    TYPE_WEIGHTS,
    WEEKLY_MEETING_TITLES,
    _cap,
    _in_text,
    _join,
    _phrase,
    _Slots,
)

FIRST_DAY = date(2004, 1, 1)
#: In every 100 consecutive releases, at random places: 3 drafts and 1
#: scheduled (published with a time to come), so that even a small run has both.
STATUS_BLOCK = ["draft"] * 3 + ["scheduled"] + ["published"] * 96
SCHEDULE_HORIZON = timedelta(days=60)
#: The share of published releases dated within RECENT of today.
RECENT_SHARE = 0.25
RECENT = timedelta(days=365)
#: Releases of a decision-making body are mostly about a meeting; the others
#: now and then: about 20% of all releases get one.
BODY_MEETING_SHARE = 0.8
MEETING_SHARE = 0.26


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
    countries: tuple[int, ...]
    meetings: tuple[int, ...]
    #: The lead image: an index into the image pool (None: no image), its alt text, its credit.
    image: int | None = None
    image_alt: str = ""
    image_credit: str = ""


@dataclass(frozen=True, slots=True)
class Source:
    """How a structure speaks when it issues a release."""

    node: Node
    kind: str
    display: str
    role: str
    weight: float
    since: date | None
    until: date | None
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


def _last_day(year, month=12):
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def operating_dates(node, structures, _seen=()):
    """When a structure worked: (first day, last day); either may be None (open, unknown).

    The node's own opening and closing days where the data file gives them;
    otherwise what its description says: "established in 1997", "from 1993
    to 2001", "its mandate ended in March 2022", "closed in 2011" or
    "succeeded the Mission to Croatia". An active node has no last day; a
    closed one without any year is taken to have closed before the demo's
    first day, so it never publishes.
    """
    text = node.description
    since = node.opened_on
    if since is None:
        match = _SINCE.search(text)
        since = date(int(match.group(1)), 1, 1) if match else None
    if since is None and (match := _SUCCEEDED.search(text)) and node.id not in _seen:
        predecessor = structures.by_name.get(match.group(1).strip())
        if predecessor is not None:
            _, ended = operating_dates(predecessor, structures, (*_seen, node.id))
            since = ended + timedelta(days=1) if ended else None
    if node.is_active:
        return since, None
    if node.closed_on is not None:
        return since, node.closed_on
    if match := _UNTIL_MONTH.search(text):
        return since, _last_day(int(match.group(2)), MONTHS.index(match.group(1)) + 1)
    years = [int(year) for year in _YEAR.findall(text)]
    return since, _last_day(max(years)) if years else FIRST_DAY - timedelta(days=1)


def as_of(source, day):
    """(display, role) of ``source`` as it was called on ``day``: a 2010 release of the
    Programme Office in Astana comes from the "OSCE Centre in Astana"."""
    name = source.node.name_on(day)
    if name == source.node.name or source.node.key in SOURCES:
        return source.display, source.role
    display = name if name.startswith("OSCE") else f"OSCE {name}"
    return display, source.role.replace(source.display, display)


class Planner:
    """Decides release after release from one seeded random stream; no queries."""

    def __init__(self, context, *, seed, now):
        self.ctx = ctx = context
        self.rng = Random(seed)
        self.now = now
        self.tz = timezone.get_current_timezone()
        self.today = timezone.localdate(now, self.tz)
        self.statuses = []
        self.bodies = set()
        self.types = _Weighted(
            ctx.types, [TYPE_WEIGHTS.get(slug, OTHER_TYPE_WEIGHT) for _, slug in ctx.types]
        )

        # Countries are the leaves of the country tree. Hosts of field operations and a
        # few busy countries weigh more, partners less: facets get a shape.
        tree = ctx.countries
        hosts = {node.country_id for node in ctx.structures.nodes if node.country_id}
        # Former States (closed) are history: no release of today names them.
        self.countries = [
            node for node in tree.nodes if node.id not in tree.children and node.is_active
        ]
        states = tree.by_key.get("participating-states")
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
            if node.country_id:
                kind = "field"
            elif node.parent_id and structures.root_key(node) == "secretariat":
                kind = "secretariat"
            else:
                kind = "generic"
        if display is None:
            display = node.name if node.name.startswith("OSCE") else f"OSCE {node.name}"
        if role is None:
            role = f"Head of the {display}" if kind == "field" else f"Director of the {display}"
        since, until = operating_dates(node, structures)
        if node.key in SOURCE_WEIGHTS:
            weight = SOURCE_WEIGHTS[node.key]
        elif kind == "field":
            weight = ACTIVE_FIELD_WEIGHT if until is None else CLOSED_FIELD_WEIGHT
        else:
            weight = 0.5 if node.id in structures.children else 1
        if until is not None and until < FIRST_DAY:
            weight = 0
        country = self.ctx.countries.by_id.get(node.country_id)
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
        """A publication time in the past, a working-hours time.

        Uniform over the years, except that a share of the releases falls in
        the last year: a newsroom's front page shows this week's news.
        """
        first = FIRST_DAY if since is None else max(FIRST_DAY, since)
        last = self.today - timedelta(days=1)
        if until is not None:
            last = min(last, until)
        if self.rng.random() < RECENT_SHARE:
            first = max(first, last - RECENT)
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
            # Drafts and scheduled releases are written now: by a structure that works now.
            source = (self.current_field_sources if reporting else self.current_sources).pick(rng)
            published_at = None
            if status == "scheduled":
                horizon = int(SCHEDULE_HORIZON.total_seconds())
                published_at = self.now + timedelta(seconds=rng.randrange(3600, horizon))
        node = source.node
        day = timezone.localtime(published_at or self.now, self.tz).date()
        chair = ctx.countries.by_id.get(ctx.chairs.get(day.year))

        # Fields of work: the first sets the vocabulary; a sub-topic speaks
        # in its own words and is tagged with its parent.
        pool = self.source_topics.get(node.key) or self.field_topics
        topic = rng.choice(pool)
        topics = [topic.id]
        children = ctx.topics.children.get(topic.id)
        if children and rng.random() < 0.35:
            topic = rng.choice(children)
            topics.insert(0, topic.id)
        second = rng.choice(pool) if rng.random() < 0.6 else rng.choice(self.field_topics)

        # A field operation speaks about the country it works in.
        country = ctx.countries.by_id.get(node.country_id) if source.kind == "field" else None
        if country is None or country.id in ctx.countries.children:
            country = self.country_picker.pick(rng)

        slots = self.slots(source, topic, second, country, chair, day)
        meeting = meeting_country = None
        share = BODY_MEETING_SHARE if source.kind == "body" else MEETING_SHARE
        if ctx.meetings.nodes and rng.random() < share:
            meeting = rng.choice(self.source_meetings.get(node.key) or ctx.meetings.nodes)
            meeting_country = self.meeting_slots(meeting, slots, chair)

        title, dateline, gist = self.title(type_slug, source, slots, meeting)
        if meeting is not None and gist not in ("meeting", "speech"):
            # The title is about something else: no meeting in the text, none in the tags.
            meeting = meeting_country = None
            slots.update(meeting=None, event_name=slots["event_topic"])
        slots["forum"] = slots["meeting"] or slots["source"]
        slots["contribution"] = (
            f", with a contribution from {slots['the_source']}" if slots["meeting"] else ""
        )
        slots["city"] = {
            "vienna": "Vienna",
            "seat": source.seat,
            "capital": self.city(country, capital=True),
            "chair": slots["chair_city"],
            "meeting": slots.get("meeting_city"),
        }.get(dateline, slots["city"])
        if slots["day_override"] and status == "published":
            moved = self.at(date(day.year, *slots["day_override"]))
            if moved < self.now and self._operating(source, moved.date()):
                published_at = moved
                day = moved.date()
        extra = self.extra_structure(source, gist)
        summary, body = self.text(gist, slots, source, day, extra)
        text = f"{title} {body}"

        # Tags say what the text says: a second field of work, the chairing
        # country or a partner group only when the text names them.
        if slots["activity2"] in body:
            topics.append(second.id)
        tagged_countries = [country.id]
        if meeting_country is not None:
            tagged_countries.insert(0, meeting_country.id)
        if chair is not None and slots["chair"] and slots["chair"] in text:
            tagged_countries.append(chair.id)
        if meeting is None and source.kind in ("body", "chair") and rng.random() < 0.2:
            participating = ctx.countries.by_key.get("participating-states")
            if participating is not None:
                tagged_countries.append(participating.id)  # an OSCE-wide matter
        structures = [node.id]
        if extra is not None:
            structures.append(extra.id)

        image = alt = credit = None
        if rng.random() < IMAGE_SHARE:
            image, alt = pick_image(rng, topic.key)
            credit = IMAGE_CREDIT

        Status = PressRelease.Status
        return PlannedRelease(
            title=title[:300],
            slug_base=slug_base(title, 180),
            type_id=type_id,
            status=Status.DRAFT if status == "draft" else Status.PUBLISHED,
            published_at=published_at,
            place=slots["city"][:200],
            summary=summary,
            body=body,
            sources=(node.id,),
            structures=tuple(dict.fromkeys(structures)),
            topics=tuple(dict.fromkeys(topics))[:3],
            countries=tuple(dict.fromkeys(tagged_countries))[:3],
            meetings=(meeting.id,) if meeting else (),
            image=image,
            image_alt=alt or "",
            image_credit=credit or "",
        )

    @staticmethod
    def _operating(source, day):
        return (source.since is None or day >= source.since) and (
            source.until is None or day <= source.until
        )

    def extra_structure(self, source, gist):
        """A second structure now and then: the parent node, or one the text then names."""
        draw = self.rng.random()
        parent = self.ctx.structures.by_id.get(source.node.parent_id)
        if source.kind == "field" and gist in ("event", "project") and draw < 0.12:
            return self.cpc
        if gist == "observed" and draw < 0.4:
            return self.pa  # observed together
        if source.kind == "chair" and gist == "visit" and draw < 0.1:
            return self.secretary_general
        return parent if draw > 0.8 else None

    def slots(self, source, topic, second, country, chair, day):
        rng = self.rng
        activity = rng.choice(TOPIC_PHRASES.get(topic.key) or [_phrase(topic.name)])
        activity2 = rng.choice(TOPIC_PHRASES.get(second.key) or [_phrase(second.name)])
        if activity2 == activity:
            activity2 = rng.choice(TOPIC_PHRASES["human-rights"])
        others = [
            name
            for name in dict.fromkeys(rng.choice(self.participating).name for _ in range(4))
            if name != country.name
        ] + ["Austria", "Norway"]
        election, plural = rng.choice(ELECTIONS)
        event = rng.choice(EVENTS)
        international_day = INTERNATIONAL_DAYS.get(topic.key)
        group = source.kind
        if group == "odihr" and topic.key == "elections":
            group = "election"
        media = group == "rfom"
        # Years in the text stay within the source's own life.
        earliest = FIRST_DAY.year - 10 if source.since is None else source.since.year
        display, role = as_of(source, day)
        return _Slots(
            group=group,
            source=display,
            the_source=display if source.kind == "odihr" else f"the {display}",
            role=role,
            activity=activity,
            activity2=activity2,
            country=_in_text(country.name),
            country2=_in_text(others[0]),
            country3=_in_text(others[1]),
            city=self.city(country),
            chair=_in_text(chair.name) if chair else None,
            chair_city=self.city(chair, capital=True) if chair else "Vienna",
            audience=rng.choice(TOPIC_AUDIENCES.get(topic.key) or AUDIENCES),
            partner=rng.choice(TOPIC_PARTNERS.get(topic.key) or PARTNERS),
            organization=rng.choice(PARTNER_ORGANIZATIONS),
            official=rng.choice(OFFICIALS),
            event=event,
            event_name=f"{event} on {activity}",
            event_topic=f"{event} on {activity}",
            days=rng.choice(DURATIONS),
            n=rng.randrange(12, 150),
            core=rng.randrange(9, 16),
            long_term=rng.randrange(12, 36, 2),
            big_n=rng.choice((500, 800, 1000, 1500, 2000, 3000)),
            election=election,
            was="were" if plural else "was",
            assessment=rng.choice(ELECTION_ASSESSMENTS),
            election_concern=rng.choice(ELECTION_CONCERNS),
            observers="ODIHR observers",
            guidelines=rng.choice(HCNM_GUIDELINES),
            media_concern=(media_concern := rng.choice(MEDIA_CONCERNS)),
            media_progress=(media_progress := rng.choice(MEDIA_PROGRESS)),
            concern=media_concern if media else rng.choice(CRISES),
            progress=media_progress if media else f"progress on {activity}",
            attack="the attack on a journalist" if media else "the attack",
            crisis=rng.choice(CRISES),
            incident=rng.choice(INCIDENTS),
            date=day,
            year0=max(earliest, day.year - rng.randrange(3, 15)),
            next_year=day.year + 1,
            donors=_join(sorted({_in_text(name) for name in others[:3]})),
            project=f"{_cap(activity)} in {_in_text(country.name)}",
            occasion=international_day[0] if international_day else None,
            international_day=international_day[1:] if international_day else None,
            about=f"{activity} in {_in_text(country.name)}",
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
        elif isinstance(where, list) or where in self.ctx.countries.by_key:
            country = self._member(where)
        if country is not None:
            city = self.city(country, capital=True)
        else:
            city = "Vienna" if where in ("chair", "weekly") or not isinstance(where, str) else where
        place = city if country is None else f"{city}, {_in_text(country.name)}"
        if country is not None and city == country.name:
            place = city  # Luxembourg, Monaco
        slots.update(
            meeting=name,
            meeting_city=city,
            meeting_place=place,
            meeting_weekly=where == "weekly",
            event_name=name,
        )
        return country

    def _member(self, keys):
        """One of these countries, or a country in this group of countries."""
        tree = self.ctx.countries
        if isinstance(keys, str):
            members = tree.children.get(tree.by_key[keys].id, [])
        else:
            members = tree.keyed(keys)
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
                slots["about"] = slots["occasion"]
            return f"Statement by the {slots['role']} on {slots['about']}", "seat", "issued"
        if type_slug == "press-statement":
            templates = FIELD_PRESS_STATEMENTS if source.kind == "field" else PRESS_STATEMENTS
            template, gist = rng.choice(templates)
            return template.format_map(slots), "seat", gist
        if type_slug == "feature" and source.kind not in ("body", "court", "troika", "chair"):
            return rng.choice(FEATURE_TITLES).format_map(slots), "here", "feature"
        if meeting is not None and rng.random() < 0.75:
            templates = WEEKLY_MEETING_TITLES if slots["meeting_weekly"] else MEETING_TITLES
            slots["city"] = slots["meeting_city"]
            return rng.choice(templates).format_map(slots), "meeting", "meeting"
        if source.kind == "chair" and slots["chair"] and rng.random() < 0.08:
            slots["day_override"] = (1, rng.randrange(2, 16))
            title = f"{_cap(slots['chair'])} takes over OSCE Chairpersonship, outlines priorities"
            return title, "chair", "priorities"
        template, dateline, gist = rng.choice(TITLES.get(slots["group"]) or TITLES["generic"])
        if gist == "observed" and source.kind == "pa":
            slots["observers"] = "observers from the OSCE Parliamentary Assembly and ODIHR"
        return template.format_map(slots), dateline, gist

    def text(self, gist, slots, source, day, extra):
        """A one-sentence summary and a body of 3-6 paragraphs of safe HTML.

        The body opens with a dateline ("CHISINAU, 12 March 2025 –") and never
        repeats the summary. The paragraphs are plain text until the end; the
        templates hold no markup, so escaping each finished paragraph is all
        the HTML needs. A body already written (same template, same words)
        is drawn again: no two releases read the same.
        """
        for _ in range(8):
            summary, paragraphs = self._paragraphs(gist, slots, source, extra)
            dateline = f"{slots['city'].upper()}, {day.day} {MONTHS[day.month - 1]} {day.year} – "
            paragraphs[0] = dateline + paragraphs[0]
            body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
            digest = hashlib.blake2b(body.encode(), digest_size=16).digest()
            if digest not in self.bodies:
                break
        self.bodies.add(digest)
        return summary, body

    def _paragraphs(self, gist, slots, source, extra):
        summary, paragraphs = self._draw(gist, slots, extra)
        # Whatever was drawn, the country and the field of work tagged are named.
        text = " ".join(paragraphs).lower()
        missing = []
        if slots["activity"].lower() not in text and gist not in ("election", "observed"):
            missing.append(TOPIC_SENTENCES)  # an election speaks of itself
        if slots["country"].lower() not in text:
            missing.append(COUNTRY_SENTENCES)
        if slots["meeting"] and slots["meeting_place"].lower() not in text:
            missing.append(MEETING_SENTENCES)
        for sentences in missing:
            kind = gist if gist in ("speech", "report") else SHAPES.get(gist, "default")
            sentence = _cap((sentences.get(kind) or sentences["default"]).format_map(slots))
            paragraphs[1] = f"{paragraphs[1]} {sentence}"
        return summary, paragraphs

    def _draw(self, gist, slots, extra):
        rng = self.rng

        def fill(template):
            return _cap(template.format_map(slots))

        summary = fill(rng.choice(SUMMARIES[gist]))
        if gist == "speech":
            kept = sorted({1, *rng.sample(range(len(SPEECH_PARAGRAPHS)), rng.randint(0, 2))})
            middle = [fill(SPEECH_PARAGRAPHS[i]) for i in kept]
            return summary, [SPEECH_OPENING, *middle, SPEECH_CLOSING]
        if gist == "issued":
            lead = fill("The {role} issued the following statement today on {about}:")
            kept = sorted(rng.sample(range(len(STATEMENT_PARAGRAPHS)), rng.randint(2, 3)))
            return summary, [lead, *(fill(STATEMENT_PARAGRAPHS[i]) for i in kept)]
        if gist == "report":
            lead = fill(rng.choice(REPORT_LEADS))
            return summary, [lead, *map(fill, rng.sample(REPORT_PARAGRAPHS, rng.randint(2, 3)))]
        shape = SHAPES[gist]
        paragraphs = [fill(rng.choice(LEADS.get(gist) or LEADS[shape]))]
        details = fill(rng.choice(DETAILS.get(shape) or DETAILS["event"]))
        if extra is not None and extra.key in EXTRA_STRUCTURE_SENTENCES:
            details += " " + EXTRA_STRUCTURE_SENTENCES[extra.key]
        paragraphs.append(details)
        quotes = QUOTES.get(gist) or QUOTES.get(shape) or QUOTES["default"]
        paragraphs.append(fill(rng.choice(quotes)))
        optional = [
            rng.choice(BACKGROUNDS.get(shape) or BACKGROUNDS["default"]),
            rng.choice(CLOSINGS.get(shape) or CLOSINGS["default"]),
        ]
        if shape in ("event", "project", "publication", "visit"):
            optional.insert(0, rng.choice(PARTNER_QUOTES))
        wanted = rng.randint(1, len(optional))
        picked = sorted(rng.sample(range(len(optional)), wanted))
        paragraphs += [fill(optional[i]) for i in picked]
        return summary, paragraphs


def plan_releases(count, *, context, seed=1, now=None):
    """Yield ``count`` planned releases; the same seed and ``now`` give the same records.

    Pure: it makes no queries, everything comes from ``context`` (``load_context()``).
    The planner is made here, in the caller's thread (its time zone and
    ``now``); the records may then be drawn in any one thread.
    """
    planner = Planner(context, seed=seed, now=now or clock.now())
    return (planner.plan() for _ in range(count))
