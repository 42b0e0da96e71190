"""Planning: release after release decided from one seeded random stream; no queries."""

from __future__ import annotations

import bisect
import html
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from datetime import time as dtime
from itertools import accumulate
from random import Random

from django.utils import timezone
from django.utils.text import slugify

from press.models import PressRelease

from .context import Node
from .tags import (
    _SINCE,
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
    CONTEXTS,
    CRISES,
    DURATIONS,
    ELECTION_ASSESSMENTS,
    ELECTIONS,
    EVENTS,
    FEATURE_TITLES,
    FIELD_PRESS_STATEMENTS,
    HCNM_GUIDELINES,
    INCIDENTS,
    INTERNATIONAL_DAYS,
    LEADS,
    MEDIA_CONCERNS,
    MEDIA_PROGRESS,
    MEETING_TITLES,
    MEETINGS,
    MONTHS,
    OFFICIALS,
    OTHER_TYPE_WEIGHT,
    PARTNER_ORGANIZATIONS,
    PARTNER_PARAGRAPHS,
    PARTNERS,
    PRESS_STATEMENTS,
    QUOTES,
    REPORT_PARAGRAPHS,
    SEATS,
    SPEECH_CLOSING,
    SPEECH_KINDS,
    SPEECH_OPENING,
    SPEECH_PARAGRAPHS,
    SUMMARIES,
    TITLES,
    TOPIC_AUDIENCES,
    TOPIC_PARTNERS,
    TOPIC_PHRASES,
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
#: Releases of a decision-making body are mostly about a meeting; the others
#: now and then: about 20% of all releases get one.
BODY_MEETING_SHARE = 0.6
MEETING_SHARE = 0.18


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
