"""Synthetic data at city scale: `mitmachstadt seed --ideas N --comments M --reactions K ...`.

The rows are what the services would have written (authors, versions, transitions, follows,
official answers, exact counters and ranking scores, the search index), but they go into the
database in large batches: COPY on PostgreSQL, executemany on SQLite, with ids assigned here so
that no row has to be read back. Counters are computed while the rows are generated, never by
calling a service per row; that is what makes 100,000 ideas, a million comments and five million
reactions a matter of minutes. Everything is marked as demo data and is deterministic per seed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from mitmachstadt.accounts.models import Membership, Role, User
from mitmachstadt.geo.geometry import point_in_geometry
from mitmachstadt.geo.models import District
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import scoring, search
from mitmachstadt.ideas.models import (
    Comment,
    Follow,
    Idea,
    IdeaAuthor,
    IdeaVersion,
    OfficialAnswer,
    Reaction,
    Transition,
)
from mitmachstadt.ideas.states import PUBLIC_STATES, State
from mitmachstadt.ideas.workflow import TRANSITIONS
from mitmachstadt.tenants.models import Municipality
from mitmachstadt.tenants.services import (
    cluster_create,
    field_of_action_create,
    municipality_create,
)

from . import accounts as demo_accounts
from .seed_ideas import ACTOR_ROLE, DEFAULT_REASONS, PATHS

BATCH = 20_000
SCALE_SLUG = "scale-{n}"
STAFF_ROLES = ("moderator", "reviewer", "committee_clerk", "municipality_admin")
STAFF_NAMES = {
    "moderator": "Moderation",
    "reviewer": "Prüfung",
    "committee_clerk": "Ausschussbüro",
    "municipality_admin": "Verwaltung",
}
# Share of ideas per state; the rest of the pool is "submitted". Drafts and withdrawn ideas are
# private; hidden ideas are public states with the moderation flag.
STATE_SHARES: dict[str, float] = {
    State.DRAFT: 0.03,
    State.IN_REVIEW: 0.10,
    State.CANDIDATE: 0.04,
    State.RETURNED: 0.25,
    State.REVISION_REQUESTED: 0.01,
    State.IN_DEVELOPMENT: 0.02,
    State.IN_IMPLEMENTATION: 0.015,
    State.COMPLETED: 0.015,
    State.SCALED_CITYWIDE: 0.003,
    State.DISCONTINUED: 0.007,
    State.MERGED: 0.03,
    State.WITHDRAWN: 0.02,
}
HIDDEN_SHARE = 0.005
ANSWER_SHARE = 0.65
SHOWCASE_COMMENTS = 200  # the benchmark's "idea page with 200 comments"
COMMENT_POOL = 20_000
HISTORY_DAYS = 3 * 365


# --- German-like text -----------------------------------------------------------------------

# (singular, plural, gender) of things citizens ask their town for.
NOUNS: tuple[tuple[str, str, str], ...] = (
    ("Radweg", "Radwege", "m"),
    ("Spielplatz", "Spielplätze", "m"),
    ("Bushaltestelle", "Bushaltestellen", "f"),
    ("Parkplatz", "Parkplätze", "m"),
    ("Sitzbank", "Sitzbänke", "f"),
    ("Trinkbrunnen", "Trinkbrunnen", "m"),
    ("Fahrradständer", "Fahrradständer", "m"),
    ("Ladesäule", "Ladesäulen", "f"),
    ("Straßenlaterne", "Straßenlaternen", "f"),
    ("Zebrastreifen", "Zebrastreifen", "m"),
    ("Grünfläche", "Grünflächen", "f"),
    ("Hundewiese", "Hundewiesen", "f"),
    ("Jugendtreff", "Jugendtreffs", "m"),
    ("Bücherschrank", "Bücherschränke", "m"),
    ("Mülleimer", "Mülleimer", "m"),
    ("Blühwiese", "Blühwiesen", "f"),
    ("Obstbaum", "Obstbäume", "m"),
    ("Fahrradstraße", "Fahrradstraßen", "f"),
    ("Mobilstation", "Mobilstationen", "f"),
    ("Carsharing-Station", "Carsharing-Stationen", "f"),
    ("WLAN-Hotspot", "WLAN-Hotspots", "m"),
    ("Infotafel", "Infotafeln", "f"),
    ("Bürgerbüro", "Bürgerbüros", "n"),
    ("Wochenmarkt", "Wochenmärkte", "m"),
    ("Gemeinschaftsgarten", "Gemeinschaftsgärten", "m"),
    ("Repair-Café", "Repair-Cafés", "n"),
    ("Co-Working-Space", "Co-Working-Spaces", "m"),
    ("Lernwerkstatt", "Lernwerkstätten", "f"),
    ("Sporthalle", "Sporthallen", "f"),
    ("Skateanlage", "Skateanlagen", "f"),
    ("Toilette", "Toiletten", "f"),
    ("Ampel", "Ampeln", "f"),
    ("Querungshilfe", "Querungshilfen", "f"),
    ("Lastenrad", "Lastenräder", "n"),
    ("Stadtbaum", "Stadtbäume", "m"),
    ("Regenwassertonne", "Regenwassertonnen", "f"),
    ("Solaranlage", "Solaranlagen", "f"),
    ("Luftsensor", "Luftsensoren", "m"),
    ("Online-Formular", "Online-Formulare", "n"),
    ("Terminbuchung", "Terminbuchungen", "f"),
    ("Veranstaltungskalender", "Veranstaltungskalender", "m"),
    ("Nachbarschaftsplattform", "Nachbarschaftsplattformen", "f"),
    ("Mitfahrbank", "Mitfahrbänke", "f"),
    ("Schulweg", "Schulwege", "m"),
    ("Baumpatenschaft", "Baumpatenschaften", "f"),
    ("Wasserspielplatz", "Wasserspielplätze", "m"),
    ("Fahrradreparaturstation", "Fahrradreparaturstationen", "f"),
    ("Bürgersprechstunde", "Bürgersprechstunden", "f"),
    ("Digitalwerkstatt", "Digitalwerkstätten", "f"),
    ("Leihbibliothek", "Leihbibliotheken", "f"),
)
ARTICLES = {
    "nom": {"m": "der", "f": "die", "n": "das"},
    "acc": {"m": "den", "f": "die", "n": "das"},
    "dat": {"m": "dem", "f": "der", "n": "dem"},
}
# (infinitive, with "zu")
VERBS: tuple[tuple[str, str], ...] = (
    ("erneuern", "zu erneuern"),
    ("ausbauen", "auszubauen"),
    ("einrichten", "einzurichten"),
    ("verbessern", "zu verbessern"),
    ("sanieren", "zu sanieren"),
    ("erweitern", "zu erweitern"),
    ("begrünen", "zu begrünen"),
    ("digitalisieren", "zu digitalisieren"),
    ("beleuchten", "zu beleuchten"),
    ("barrierefrei gestalten", "barrierefrei zu gestalten"),
    ("sicherer machen", "sicherer zu machen"),
    ("neu planen", "neu zu planen"),
)
ADJECTIVES = (
    "sicher",
    "barrierefrei",
    "digital",
    "grün",
    "neu",
    "modern",
    "öffentlich",
    "kostenlos",
    "beleuchtet",
    "überdacht",
    "nachhaltig",
    "klimafreundlich",
    "familienfreundlich",
)
GROUPS = (
    "Familien",
    "Kinder",
    "Jugendliche",
    "Seniorinnen und Senioren",
    "Pendlerinnen und Pendler",
    "Menschen mit Behinderung",
    "Studierende",
    "Vereine",
    "Radfahrende",
    "Zugezogene",
    "Alleinerziehende",
    "Schulklassen",
)
PLACES = (
    "in der Innenstadt",
    "am Bahnhof",
    "im Stadtpark",
    "an der Gesamtschule",
    "rund um den Marktplatz",
    "entlang der Hauptstraße",
    "im Neubaugebiet",
    "am Rathaus",
    "an der Berliner Straße",
    "beim Freibad",
    "am Friedhof",
    "vor der Stadtbibliothek",
    "an der Grundschule",
    "im Gewerbegebiet",
    "am Kirchplatz",
)
FIRST_NAMES = (
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Finn",
    "Greta",
    "Hannes",
    "Ida",
    "Jonas",
    "Karla",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rosa",
    "Samir",
    "Tara",
    "Umut",
    "Vera",
    "Willi",
    "Yasemin",
    "Zoe",
)
TOWN_NAMES = (
    "Musterstadt",
    "Lindenau",
    "Birkenfelde",
    "Neustadt am Feld",
    "Eichental",
    "Mühlhausen an der Aue",
    "Rosenheide",
    "Bergkirchen",
    "Seeburg",
    "Wiesental",
)
DISTRICT_NAMES = (
    "Innenstadt",
    "Nordstadt",
    "Südstadt",
    "Oststadt",
    "Weststadt",
    "Altstadt",
    "Bahnhofsviertel",
    "Heide",
    "Lindenhof",
    "Mühlenfeld",
    "Eichholz",
    "Kirchdorf",
    "Sundern",
    "Feldmark",
    "Brink",
    "Holte",
    "Am Stadtpark",
    "Sonnenhang",
    "Auenviertel",
)
FIELDS = (
    ("lernende-stadt", "Lernende Stadt"),
    ("kulturelle-vielfalt", "Kulturelle Vielfalt"),
    ("mitmachstadt", "Mitmachstadt"),
    ("gutes-stadtklima", "Gutes Stadtklima"),
    ("vernetzte-mobilitaet", "Vernetzte Mobilität"),
    ("zukunft-der-arbeit", "Zukunft der Arbeit"),
    ("wohlergehen-fuer-alle", "Wohlergehen für alle"),
    ("zukunft-im-quartier", "Zukunft im Quartier"),
    ("guter-service", "Guter Service"),
)
CLUSTERS = (
    ("netzwerk", "Netzwerk Stadt"),
    ("gruenes-labor", "Grünes Labor"),
    ("stadt-auf-abruf", "Stadt auf Abruf"),
    ("mobilitaetsknoten", "Mobilitätsknoten"),
    ("quartier", "Zukunft im Quartier"),
)
ANSWERS = (
    "Vielen Dank für Ihre Idee! Das Team Digitale Agenda hat sie aufgenommen und prüft sie "
    "anhand der Auswahlkriterien.",
    "Danke für den Vorschlag. Die Fachabteilung schaut sich die Umsetzbarkeit an und meldet "
    "sich hier wieder.",
    "Vielen Dank! Ein ähnliches Vorhaben ist bereits in Planung; wir verknüpfen die Ideen.",
)


class TextGenerator:
    """German-like sentences about a town's streets, parks and services (fast, seeded)."""

    def __init__(
        self, rng: random.Random, districts: Sequence[str] = (), fields: Sequence[str] = ()
    ):
        self.rng = rng
        self.places = [*PLACES, *(f"im Stadtteil {name}" for name in districts)]
        self.districts = [f"im Stadtteil {name}" for name in districts] or ["in der Innenstadt"]
        self.fields = list(fields) or ["Mitmachstadt"]

    def _noun(self) -> tuple[str, str, str]:
        return self.rng.choice(NOUNS)

    def _article(self, case: str, noun: tuple[str, str, str], *, capital: bool = False) -> str:
        article = ARTICLES[case][noun[2]]
        return f"{article.title() if capital else article} {noun[0]}"

    def title(self) -> str:
        r = self.rng
        noun = self._noun()
        form = r.randrange(6)
        if form == 0:
            text = f"{r.choice(ADJECTIVES).title()}e {noun[1]} {r.choice(self.places)}"
        elif form == 1:
            text = f"Mehr {noun[1]} {r.choice(self.places)}"
        elif form == 2:
            text = f"{noun[1]} für {r.choice(GROUPS)}"
        elif form == 3:
            text = f"{noun[0]} {r.choice(self.places)} {r.choice(VERBS)[0]}"
        elif form == 4:
            text = f"{r.choice(ADJECTIVES).title()}e {noun[1]} für {r.choice(GROUPS)}"
        else:
            other = self._noun()
            text = f"{noun[1]} und {other[1]} {r.choice(self.places)}"
        return text[:160]

    def sentence(self) -> str:
        r = self.rng
        noun = self._noun()
        form = r.randrange(14)
        if form == 0:
            return (
                f"Ich schlage vor, {self._article('acc', noun)} {r.choice(self.places)} "
                f"{r.choice(VERBS)[1]}."
            )
        if form == 1:
            return f"Viele {r.choice(GROUPS)} wünschen sich mehr {noun[1]}."
        if form == 2:
            return (
                f"{self._article('nom', noun, capital=True)} {r.choice(self.places)} ist in "
                "einem schlechten Zustand."
            )
        if form == 3:
            return "Mit wenig Aufwand könnte die Stadt hier viel erreichen."
        if form == 4:
            return f"Davon würden vor allem {r.choice(GROUPS)} profitieren."
        if form == 5:
            return f"Gerade abends ist es {r.choice(self.places)} oft unübersichtlich."
        if form == 6:
            return f"Eine digitale Karte könnte zeigen, wo es schon {noun[1]} gibt."
        if form == 7:
            return "Andere Städte haben damit gute Erfahrungen gemacht."
        if form == 8:
            return f"Die Kosten wären überschaubar, der Nutzen für {r.choice(GROUPS)} groß."
        if form == 9:
            return f"Wichtig ist, dass {self._article('nom', noun)} barrierefrei erreichbar ist."
        if form == 10:
            return (
                f"Ich wohne seit {r.randint(2, 40)} Jahren {r.choice(self.places)} und sehe "
                "das Problem täglich."
            )
        if form == 11:
            return f"Außerdem sollten {r.choice(ADJECTIVES)}e {noun[1]} eingeplant werden."
        if form == 12:
            return f"Die Idee passt gut zum Handlungsfeld {r.choice(self.fields)}."
        return (
            "Eine Umfrage in der Nachbarschaft hat gezeigt, dass viele Menschen "
            f"{self._article('acc', noun)} nutzen würden."
        )

    def comment_sentence(self) -> str:
        r = self.rng
        noun = self._noun()
        form = r.randrange(14)
        if form == 0:
            return "Gute Idee, das unterstütze ich!"
        if form == 1:
            return f"Finde ich super, {r.choice(self.places)} fehlt so etwas wirklich."
        if form == 2:
            return f"Ich sehe das anders: {noun[1]} gibt es {r.choice(self.places)} schon genug."
        if form == 3:
            return "Wer soll das bezahlen?"
        if form == 4:
            return f"Das wäre auch für {r.choice(GROUPS)} eine große Hilfe."
        if form == 5:
            return f"Könnte man das mit {self._article('dat', noun)} verbinden?"
        if form == 6:
            return "Wir haben im Verein schon Erfahrungen damit gesammelt und helfen gern."
        if form == 7:
            return "Bitte auch an die Barrierefreiheit denken."
        if form == 8:
            return f"Auch {r.choice(self.districts)} wäre das sinnvoll."
        if form == 9:
            return f"Ein Pilotprojekt {r.choice(self.places)} wäre ein guter Anfang."
        if form == 10:
            return "Danke für den Vorschlag, ich bin dabei!"
        if form == 11:
            return f"Ich wohne {r.choice(self.places)}, und das Problem kenne ich gut."
        if form == 12:
            return "Hat die Verwaltung dazu schon etwas gesagt?"
        return "Das sehe ich kritisch, weil die Folgekosten hoch sind."

    def idea_text(self) -> str:
        r = self.rng
        paragraphs = [
            " ".join(self.sentence() for _ in range(r.randint(2, 4)))
            for _ in range(r.randint(1, 3))
        ]
        return "\n\n".join(paragraphs)

    def comment_text(self) -> str:
        return " ".join(self.comment_sentence() for _ in range(self.rng.randint(1, 3)))


def paragraphs_html(text: str) -> str:
    """What core.markup.render_markdown makes of plain paragraphs, without the parser's cost.

    Only for generated text without Markdown syntax (the tests compare both on samples).
    """
    return "".join(
        f"<p>{html.escape(p, quote=False)}</p>\n" for p in text.split("\n\n") if p.strip()
    )


# --- Bulk writing -------------------------------------------------------------------------


def _adapt_datetime_sqlite(value: dt.datetime | None) -> str | None:
    # Django stores aware datetimes on SQLite as naive UTC text (see adapt_datetimefield_value).
    if value is None:
        return None
    return str(value.astimezone(dt.UTC).replace(tzinfo=None))


class BulkWriter:
    """Inserts plain row tuples fast: COPY on PostgreSQL, batched executemany on SQLite."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.rows_written = 0
        self._models: list[type[models.Model]] = []

    def adapt_datetime(self, value: dt.datetime) -> Any:
        """A datetime as this database takes it (for rows inserted without conversion)."""
        if self.vendor == "sqlite":
            return (
                str(value.replace(tzinfo=None))
                if value.tzinfo is dt.UTC
                else (_adapt_datetime_sqlite(value))
            )
        return value

    def columns(self, model: type[models.Model], names: Sequence[str]) -> list[str]:
        out = []
        for name in names:
            field_ = model._meta.get_field(name)
            assert isinstance(field_, models.Field)
            out.append(str(field_.column))
        return out

    def next_id(self, model: type[models.Model]) -> int:
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
            return int(cursor.fetchone()[0]) + 1

    def insert(
        self,
        model: type[models.Model],
        names: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        datetime_columns: Sequence[int] = (),
    ) -> int:
        """Insert `rows` (tuples in the order of field `names`); returns the number of rows."""
        if model not in self._models:
            self._models.append(model)
        table = connection.ops.quote_name(model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns(model, names))
        count = 0
        if self.vendor == "postgresql":
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
                    count += 1
            # Ids were assigned here: move the table's sequence past them at once, so that rows
            # created normally afterwards (even within the same transaction) never collide.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), [model]):
                    cursor.execute(statement)
        else:
            placeholders = ", ".join("?" for _ in names)
            sql = f"INSERT INTO {table} ({cols}) VALUES ({placeholders})"  # noqa: S608
            convert = list(datetime_columns)
            for batch in _batches(rows, BATCH):
                if convert:
                    batch = [_convert_row(row, convert) for row in batch]
                with transaction.atomic():
                    connection.ensure_connection()
                    raw = connection.connection.cursor()
                    raw.executemany(sql, batch)
                count += len(batch)
        self.rows_written += count
        return count

    def update_rows(
        self, model: type[models.Model], names: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """UPDATE `names` by id; each row is (id, *values)."""
        table = connection.ops.quote_name(model._meta.db_table)
        cols = self.columns(model, names)
        if self.vendor == "postgresql":
            temp = "seed_update_tmp"
            with transaction.atomic(), connection.cursor() as cursor:
                # Inside an outer transaction the table of an earlier call may still exist.
                cursor.execute(f"DROP TABLE IF EXISTS {temp}")
                cursor.execute(
                    f"CREATE TEMP TABLE {temp} ON COMMIT DROP AS "  # noqa: S608
                    f"SELECT id, {', '.join(cols)} FROM {table} LIMIT 0"
                )
                with cursor.cursor.copy(f"COPY {temp} (id, {', '.join(cols)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                assignments = ", ".join(f"{c} = t.{c}" for c in cols)
                cursor.execute(
                    f"UPDATE {table} AS o SET {assignments} FROM {temp} AS t "  # noqa: S608
                    "WHERE o.id = t.id"
                )
        else:
            assignments = ", ".join(f"{c} = ?" for c in cols)
            sql = f"UPDATE {table} SET {assignments} WHERE id = ?"  # noqa: S608
            for batch in _batches(rows, BATCH):
                with transaction.atomic():
                    connection.ensure_connection()
                    raw = connection.connection.cursor()
                    raw.executemany(sql, [(*row[1:], row[0]) for row in batch])

    @contextlib.contextmanager
    def deferred_indexes(self, *tables: type[models.Model]) -> Iterator[None]:
        """Drop the tables' secondary indexes for the load and build them again afterwards.

        Building an index once over sorted rows is several times faster than updating it row by
        row. Indexes backing constraints stay on PostgreSQL; on SQLite a unique index that comes
        back proves the rows unique. They are rebuilt even if the load fails.
        """
        saved: list[str] = []
        if connection.in_atomic_block:
            # Inside an outer transaction (tests) PostgreSQL refuses CREATE INDEX while foreign
            # key checks are pending; small loads do not need the trick anyway.
            yield
            return
        with connection.cursor() as cursor:
            for model in tables:
                table = model._meta.db_table
                if self.vendor == "sqlite":
                    cursor.execute(
                        "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                        "AND tbl_name = %s AND sql IS NOT NULL",
                        [table],
                    )
                elif self.vendor == "postgresql":
                    cursor.execute(
                        "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                        "JOIN pg_class i ON i.oid = x.indexrelid "
                        "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary "
                        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)",
                        [table],
                    )
                else:
                    continue
                for name, sql in cursor.fetchall():
                    cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
                    saved.append(sql)
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                for sql in saved:
                    cursor.execute(sql)

    def finish(self) -> None:
        """Move PostgreSQL's id sequences past the ids assigned here; refresh statistics."""
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), self._models):
                cursor.execute(statement)
            if self.vendor == "postgresql" and not connection.in_atomic_block:
                # VACUUM sets the visibility map, so counts and pages can be answered from the
                # covering indexes alone (index-only scans); it also analyses.
                cursor.execute("VACUUM ANALYZE")
            else:
                cursor.execute("ANALYZE")


def _convert_row(row: Sequence[Any], columns: list[int]) -> tuple[Any, ...]:
    out = list(row)
    for index in columns:
        value = out[index]
        if value is not None and value.tzinfo is dt.UTC:
            out[index] = str(value.replace(tzinfo=None))  # the common case, without astimezone
        else:
            out[index] = _adapt_datetime_sqlite(value)
    return tuple(out)


def _batches(rows: Iterable[Sequence[Any]], size: int) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- Municipalities ----------------------------------------------------------------------


@dataclass
class DistrictShape:
    pk: int
    name: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]


@dataclass
class Town:
    """One municipality being seeded, with the ids its rows refer to."""

    municipality: Municipality
    fields: list[tuple[int, str]]
    clusters: list[int]
    districts: list[DistrictShape]
    staff: dict[str, int]
    users: list[int] = field(default_factory=list)

    @property
    def mode(self) -> str:
        return self.municipality.reaction_mode

    def district_at(self, lat: float, lon: float) -> int | None:
        # The first by name, like geo.selectors.district_for_point, so map and filter agree.
        for d in self.districts:
            inside_box = d.bbox[0] <= lon <= d.bbox[2] and d.bbox[1] <= lat <= d.bbox[3]
            if inside_box and point_in_geometry(lon, lat, d.geometry):
                return d.pk
        return None


def hex_districts(
    lat: float, lon: float, *, rings: int = 2, size_km: float = 1.3
) -> list[dict[str, Any]]:
    """A honeycomb of GeoJSON polygons around a centre: 1 + 3r(r+1) districts."""
    km_lat = 1 / 110.574
    km_lon = 1 / (111.320 * math.cos(math.radians(lat)))
    cells = [
        (q, r)
        for q in range(-rings, rings + 1)
        for r in range(max(-rings, -q - rings), min(rings, -q + rings) + 1)
    ]
    cells.sort(key=lambda c: (max(abs(c[0]), abs(c[1]), abs(c[0] + c[1])), c))
    polygons = []
    for q, r in cells:
        cx = size_km * math.sqrt(3) * (q + r / 2)
        cy = size_km * 1.5 * r
        ring = []
        for k in range(6):
            angle = math.radians(60 * k + 30)
            x, y = cx + size_km * math.cos(angle), cy + size_km * math.sin(angle)
            ring.append([round(lon + x * km_lon, 6), round(lat + y * km_lat, 6)])
        ring.append(ring[0])
        polygons.append({"type": "Polygon", "coordinates": [ring]})
    return polygons


def create_town(index: int, *, reaction_mode: str, hosts: list[str] | None = None) -> Town:
    """A synthetic municipality with fields, clusters, hexagonal districts and staff accounts."""
    slug = SCALE_SLUG.format(n=index)
    name = TOWN_NAMES[(index - 1) % len(TOWN_NAMES)]
    if index > len(TOWN_NAMES):
        name = f"{name} {index}"
    lat = 51.0 + 0.35 * ((index - 1) % 8)
    lon = 7.5 + 0.5 * ((index - 1) // 8)
    municipality = municipality_create(
        slug=slug,
        name=name,
        hosts=hosts or [f"{slug}.localhost"],
        tagline="Synthetische Lasttest-Daten",
        intro="Eine erfundene Stadt mit erfundenen Ideen, für Last- und Skalierungstests.",
        map_center_lat=lat,
        map_center_lon=lon,
        map_zoom=12,
        reaction_mode=reaction_mode,
        languages=["de", "en"],
        is_demo=True,
    )
    fields = [
        field_of_action_create(municipality=municipality, slug=s, name=n, position=p, is_demo=True)
        for p, (s, n) in enumerate(FIELDS)
    ]
    clusters = [
        cluster_create(municipality=municipality, slug=s, name=n, position=p, is_demo=True)
        for p, (s, n) in enumerate(CLUSTERS)
    ]
    for position, geometry in enumerate(hex_districts(lat, lon)):
        district_create(
            municipality=municipality,
            slug=f"bezirk-{position + 1}",
            name=DISTRICT_NAMES[position % len(DISTRICT_NAMES)],
            geometry=geometry,
            is_demo=True,
        )
    return Town(
        municipality=municipality,
        fields=[(f.pk, f.name) for f in fields],
        clusters=[c.pk for c in clusters],
        districts=load_districts(municipality),
        staff={},
    )


def load_districts(municipality: Municipality) -> list[DistrictShape]:
    return [
        DistrictShape(d.pk, d.name, d.geometry, (d.min_lon, d.min_lat, d.max_lon, d.max_lat))
        for d in District.objects.filter(municipality=municipality).order_by("name", "pk")
    ]


# --- Accounts -------------------------------------------------------------------------------


def create_accounts(
    writer: BulkWriter,
    towns: list[Town],
    total: int,
    *,
    name_for: Callable[[int], tuple[str, str]] | None = None,
    staff: bool = True,
) -> None:
    """`total` participant accounts spread over the towns, plus staff per town (bulk)."""
    from allauth.account.models import EmailAddress

    now = timezone.now()
    password = make_password(demo_accounts.DEMO_PASSWORD)
    next_user = writer.next_id(User)
    users: list[tuple[Any, ...]] = []
    emails: list[tuple[Any, ...]] = []
    members: list[tuple[Any, ...]] = []
    next_member = writer.next_id(Membership)
    next_email = writer.next_id(EmailAddress)

    def add(email: str, display: str, town: Town, roles: Sequence[str]) -> int:
        nonlocal next_user, next_member, next_email
        pk = next_user
        next_user += 1
        users.append((pk, password, email, display, "de", True, False, False, False, True, now))
        emails.append((next_email, pk, email, True, True))
        next_email += 1
        for role in roles:
            members.append((next_member, pk, town.municipality.pk, role, now))
            next_member += 1
        return pk

    slug_base = next_user
    for n in range(total):
        town = towns[n % len(towns)]
        if name_for is not None:
            email, display = name_for(n)
        else:
            first = FIRST_NAMES[n % len(FIRST_NAMES)]
            email = f"person{slug_base + n}@{town.municipality.slug}.example.org"
            display = f"{first} {slug_base + n}"
        town.users.append(add(email, display, town, [Role.PARTICIPANT]))
    if staff:
        for town in towns:
            for role in STAFF_ROLES:
                slug = town.municipality.slug
                town.staff[role] = add(
                    f"{role.replace('_', '-')}@{slug}.example.org",
                    f"{STAFF_NAMES[role]} {slug}",
                    town,
                    [Role.PARTICIPANT, role],
                )
    writer.insert(
        User,
        [
            "id",
            "password",
            "email",
            "display_name",
            "language",
            "is_active",
            "is_staff",
            "is_operator",
            "is_superuser",
            "is_demo",
            "date_joined",
        ],
        users,
        datetime_columns=[10],
    )
    writer.insert(EmailAddress, ["id", "user", "email", "verified", "primary"], emails)
    writer.insert(
        Membership, ["id", "user", "municipality", "role", "created"], members, datetime_columns=[4]
    )


# --- Ideas and everything around them -------------------------------------------------------


@dataclass
class IdeaPlan:
    """What is known about one generated idea while its rows are written."""

    pk: int
    town: Town
    state: str
    author: int
    created: dt.datetime
    submitted: dt.datetime | None
    weight: float
    is_hidden: bool = False
    comments: int = 0
    reactions: int = 0
    up: int = 0
    down: int = 0
    star_sum: int = 0
    star_count: int = 0
    comment_count: int = 0
    followers: int = 1
    showcase: bool = False

    @property
    def open_for_discussion(self) -> bool:
        return self.state in PUBLIC_STATES and not self.is_hidden


IDEA_COLUMNS = [
    "id",
    "municipality",
    "title",
    "text",
    "text_html",
    "state",
    "cluster",
    "district",
    "lat",
    "lon",
    "citywide",
    "created_by",
    "anonymous",
    "is_hidden",
    "hidden_reason",
    "merged_into",
    "version",
    "created",
    "updated",
    "submitted_at",
    "first_answer_at",
    "up_count",
    "down_count",
    "star_count",
    "star_sum",
    "comment_count",
    "follower_count",
    "rated_score",
    "controversy",
    "trending",
    "exposure",
    "search_document",
    "is_demo",
]
IDEA_DATETIMES = [IDEA_COLUMNS.index(c) for c in ("created", "updated", "submitted_at")] + [
    IDEA_COLUMNS.index("first_answer_at")
]


def _pick_state(rng: random.Random) -> str:
    """A state drawn by STATE_SHARES."""
    u = rng.random()
    for state, share in STATE_SHARES.items():
        if u < share:
            return state
        u -= share
    return State.SUBMITTED


def _skewed(rng: random.Random, items: Sequence[int]) -> int:
    # A few accounts write a lot, most write little (u² puts the mass on the first items).
    return items[int(len(items) * rng.random() ** 2)]


@dataclass
class IdeaRows:
    ideas: list[tuple[Any, ...]] = field(default_factory=list)
    fields: list[tuple[Any, ...]] = field(default_factory=list)
    authors: list[tuple[Any, ...]] = field(default_factory=list)
    versions: list[tuple[Any, ...]] = field(default_factory=list)
    transitions: list[tuple[Any, ...]] = field(default_factory=list)
    answers: list[tuple[Any, ...]] = field(default_factory=list)


def generate_ideas(
    writer: BulkWriter, town: Town, count: int, rng: random.Random, now: dt.datetime
) -> list[IdeaPlan]:
    """Write `count` ideas of `town` with authors, versions, transitions and answers."""
    texts = TextGenerator(rng, [d.name for d in town.districts], [n for _, n in town.fields])
    field_names = dict(town.fields)
    field_ids = [pk for pk, _ in town.fields]
    next_idea = writer.next_id(Idea)
    ids = {
        "author": writer.next_id(IdeaAuthor),
        "version": writer.next_id(IdeaVersion),
        "transition": writer.next_id(Transition),
        "answer": writer.next_id(OfficialAnswer),
        "fields": writer.next_id(Idea.fields.through),
    }
    plans: list[IdeaPlan] = []
    rows = IdeaRows()
    public_ids: list[int] = []
    span = dt.timedelta(days=HISTORY_DAYS)

    def take(key: str) -> int:
        value = ids[key]
        ids[key] += 1
        return value

    for n in range(count):
        pk = next_idea + n
        state = _pick_state(rng)
        author = _skewed(rng, town.users)
        # More ideas recently than three years ago: the platform grows.
        created = now - span * (1 - math.sqrt((n + rng.random()) / count)) - dt.timedelta(hours=3)
        submitted = None
        if state != State.DRAFT:
            submitted = min(created + dt.timedelta(hours=rng.uniform(0.1, 48)), now)
        plan = IdeaPlan(
            pk=pk,
            town=town,
            state=state,
            author=author,
            created=created,
            submitted=submitted,
            weight=rng.lognormvariate(0, 1.3),
            is_hidden=state in PUBLIC_STATES and rng.random() < HIDDEN_SHARE,
        )
        plans.append(plan)
        title, text = texts.title(), texts.idea_text()
        chosen = rng.sample(field_ids, k=1 if rng.random() < 0.7 else 2)
        for field_id in chosen:
            rows.fields.append((take("fields"), pk, field_id))
        lat = lon = None
        district = None
        citywide = False
        where = rng.random()
        if where < 0.6 and town.districts:
            shape = rng.choice(town.districts)
            min_lon, min_lat, max_lon, max_lat = shape.bbox
            for _attempt in range(20):
                lon = round(rng.uniform(min_lon, max_lon), 6)
                lat = round(rng.uniform(min_lat, max_lat), 6)
                if point_in_geometry(lon, lat, shape.geometry):
                    break
            district = town.district_at(lat, lon)  # type: ignore[arg-type]
        elif where < 0.75 and town.districts:
            district = rng.choice(town.districts).pk
        elif where < 0.9:
            citywide = True
        cluster = rng.choice(town.clusters) if state in _PROJECTISH and town.clusters else None
        merged_into = None
        if state == State.MERGED and public_ids:
            merged_into = rng.choice(public_ids[-500:])
        elif state == State.MERGED:
            state = plan.state = State.SUBMITTED
        if state in PUBLIC_STATES and state != State.MERGED and not plan.is_hidden:
            public_ids.append(pk)
        updated = _transitions(rows, take, plan, town, rng, now)
        first_answer = None
        if submitted is not None and state != State.WITHDRAWN and rng.random() < ANSWER_SHARE:
            # Most answers come within the promised 14 days, some are late.
            first_answer = min(submitted + dt.timedelta(days=rng.expovariate(1 / 8)), now)
            answer = rng.choice(ANSWERS)
            rows.answers.append(
                (
                    take("answer"),
                    pk,
                    town.staff.get("reviewer"),
                    answer,
                    paragraphs_html(answer),
                    first_answer,
                )
            )
        rows.ideas.append(
            (
                pk,
                town.municipality.pk,
                title,
                text,
                paragraphs_html(text),
                state,
                cluster,
                district,
                lat,
                lon,
                citywide,
                author,
                rng.random() < 0.05,
                plan.is_hidden,
                "Verstößt gegen die Netiquette." if plan.is_hidden else "",
                merged_into,
                1,
                created,
                updated,
                submitted,
                first_answer,
                0,
                0,
                0,
                0,
                0,
                1,
                0.0,
                0.0,
                0.0,
                0,
                "",
                True,
            )
        )
        rows.authors.append((take("author"), pk, author, True, created))
        names = sorted(field_names[f] for f in chosen)
        rows.versions.append(
            (
                take("version"),
                pk,
                1,
                title,
                text,
                json.dumps(names),
                author,
                "Erste Fassung",
                created,
            )
        )
    _write_idea_rows(writer, rows)
    return plans


_PROJECTISH = {
    State.CANDIDATE,
    State.IN_DEVELOPMENT,
    State.IN_IMPLEMENTATION,
    State.COMPLETED,
    State.SCALED_CITYWIDE,
    State.DISCONTINUED,
}


def _transitions(
    rows: IdeaRows,
    take: Callable[[str], int],
    plan: IdeaPlan,
    town: Town,
    rng: random.Random,
    now: dt.datetime,
) -> dt.datetime:
    """Transition rows along the real path to the idea's state; returns the last change."""
    path = list(PATHS[plan.state])
    if plan.state == State.MERGED:
        path.append("merge")
    when = plan.submitted or plan.created
    previous: str = State.DRAFT
    last = plan.created
    for step, name in enumerate(path):
        if step:
            when = min(when + dt.timedelta(days=rng.uniform(1, 40)), now)
        role = ACTOR_ROLE.get(name)
        actor = town.staff.get(role) if role else plan.author
        target = TRANSITIONS[name].target
        document = "Drucksache 123/2024" if name.startswith("committee_") else ""
        rows.transitions.append(
            (
                take("transition"),
                plan.pk,
                name,
                previous,
                target,
                actor,
                DEFAULT_REASONS.get(name, "") if name != "submit" else "",
                document,
                when,
            )
        )
        previous = target
        last = when
    return last


def _write_idea_rows(writer: BulkWriter, rows: IdeaRows) -> None:
    writer.insert(Idea, IDEA_COLUMNS, rows.ideas, datetime_columns=IDEA_DATETIMES)
    through = Idea.fields.through
    writer.insert(through, ["id", "idea", "fieldofaction"], rows.fields)
    writer.insert(
        IdeaAuthor,
        ["id", "idea", "user", "is_owner", "created"],
        rows.authors,
        datetime_columns=[4],
    )
    writer.insert(
        IdeaVersion,
        ["id", "idea", "number", "title", "text", "field_names", "author", "note", "created"],
        rows.versions,
        datetime_columns=[8],
    )
    writer.insert(
        Transition,
        [
            "id",
            "idea",
            "name",
            "from_state",
            "to_state",
            "actor",
            "reason",
            "document_reference",
            "created",
        ],
        rows.transitions,
        datetime_columns=[8],
    )
    writer.insert(
        OfficialAnswer,
        ["id", "idea", "author", "text", "text_html", "created"],
        rows.answers,
        datetime_columns=[5],
    )


def allocate(
    total: int,
    weights: Sequence[float],
    rng: random.Random,
    *,
    cap: int | None = None,
) -> list[int]:
    """Spread `total` items over len(weights) slots proportionally to the weights, capped."""
    counts = [0] * len(weights)
    if not weights or total <= 0 or sum(weights) <= 0:
        return counts
    cumulative: list[float] = []
    running = 0.0
    for w in weights:
        running += w
        cumulative.append(running)
    population = range(len(weights))
    remaining = total
    while remaining > 0:
        chunk = min(remaining, 500_000)
        for index in rng.choices(population, cum_weights=cumulative, k=chunk):
            counts[index] += 1
        remaining -= chunk
    if cap is not None:
        overflow = 0
        for index, value in enumerate(counts):
            if value > cap:
                overflow += value - cap
                counts[index] = cap
        room = [i for i, value in enumerate(counts) if value < cap and weights[i] > 0]
        while overflow > 0 and room:
            still = []
            for index in room:
                if overflow == 0:
                    break
                counts[index] += 1
                overflow -= 1
                if counts[index] < cap:
                    still.append(index)
            room = still
    return counts


def _showcase(counts: list[int], target: int) -> int | None:
    """Make one idea have exactly `target` comments, keeping the total (for the benchmark)."""
    if not counts or sum(counts) < 2 * target:
        return None
    nearest = min(range(len(counts)), key=lambda i: (abs(counts[i] - target), i))
    delta = target - counts[nearest]
    counts[nearest] = target
    others = sorted((i for i in range(len(counts)) if i != nearest), key=lambda i: -counts[i])
    if delta < 0:
        counts[others[0]] -= delta  # the surplus goes to the most discussed other idea
        return nearest
    for index in others:  # taken from the most discussed ones first
        taken = min(delta, counts[index])
        counts[index] -= taken
        delta -= taken
        if not delta:
            break
    return nearest


def generate_comments(
    writer: BulkWriter, plans: list[IdeaPlan], total: int, rng: random.Random, now: dt.datetime
) -> None:
    """Threaded comments, skewed towards popular ideas; commenters follow the idea."""
    eligible = [p for p in plans if p.open_for_discussion]
    counts = allocate(total, [p.weight for p in eligible], rng)
    showcase = _showcase(counts, SHOWCASE_COMMENTS)
    for plan, count in zip(eligible, counts, strict=True):
        plan.comments = count
    if showcase is not None:
        eligible[showcase].showcase = True
    next_comment = writer.next_id(Comment)
    next_follow = writer.next_id(Follow)
    follows: list[tuple[Any, ...]] = []
    # Comments draw from a pool per town: repeated sentences are common in real discussions,
    # and the pool saves generating and rendering a million texts one by one.
    pools: dict[int, list[tuple[str, str]]] = {}
    random_ = rng.random

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal next_comment, next_follow
        for plan in plans:
            town = plan.town
            followers = {plan.author}
            follows.append((next_follow, plan.pk, plan.author, plan.created))
            next_follow += 1
            if plan.comments:
                pool = pools.get(town.municipality.pk)
                if pool is None:
                    gen = TextGenerator(rng, [d.name for d in town.districts])
                    texts = [gen.comment_text() for _ in range(min(COMMENT_POOL, total))]
                    pool = pools[town.municipality.pk] = [(t, paragraphs_html(t)) for t in texts]
                users = town.users
                n_users = len(users)
                start = plan.submitted or plan.created
                window = max((now - start).total_seconds() - 60, 60)
                offsets = sorted(rng.random() ** 1.5 * window for _ in range(plan.comments))
                ids: list[int] = []
                visible = 0
                for offset in offsets:
                    pk = next_comment
                    next_comment += 1
                    author = users[int(n_users * random_() ** 2)]  # as _skewed
                    created = start + dt.timedelta(seconds=offset + 30)
                    parent = ids[int(len(ids) * random_())] if ids and random_() < 0.35 else None
                    ids.append(pk)
                    u = random_()
                    deleted = created if u < 0.005 and not plan.showcase else None
                    hidden = 0.005 <= u < 0.007 and not plan.showcase
                    text, text_html = ("", "") if deleted else pool[int(len(pool) * random_())]
                    if not deleted:
                        visible += 1
                    if author not in followers:
                        followers.add(author)
                        follows.append((next_follow, plan.pk, author, created))
                        next_follow += 1
                    yield (
                        pk,
                        plan.pk,
                        parent,
                        author,
                        random_() < 0.03,
                        text,
                        text_html,
                        created,
                        None,
                        deleted,
                        hidden,
                        "Beleidigend." if hidden else "",
                        True,
                    )
                plan.comment_count = visible
            plan.followers = len(followers)

    writer.insert(
        Comment,
        [
            "id",
            "idea",
            "parent",
            "author",
            "anonymous",
            "text",
            "text_html",
            "created",
            "edited_at",
            "deleted_at",
            "is_hidden",
            "hidden_reason",
            "is_demo",
        ],
        rows(),
        datetime_columns=[7, 8, 9],
    )
    writer.insert(Follow, ["id", "idea", "user", "created"], follows, datetime_columns=[3])


def _coprime_strides(n: int, rng: random.Random, count: int = 16) -> list[int]:
    strides = [
        s for s in (rng.randrange(1, max(n, 2)) for _ in range(count * 8)) if math.gcd(s, n) == 1
    ]
    return strides[:count] or [1]


def generate_reactions(
    writer: BulkWriter, plans: list[IdeaPlan], total: int, rng: random.Random, now: dt.datetime
) -> None:
    """One reaction per account and idea, skewed towards popular ideas, in the town's mode."""
    eligible = [p for p in plans if p.open_for_discussion]
    by_town: dict[int, list[IdeaPlan]] = {}
    for plan in eligible:
        by_town.setdefault(plan.town.municipality.pk, []).append(plan)
    # Every town gets its share of the total by idea count; each idea at most one per account.
    for town_plans in by_town.values():
        share = round(total * len(town_plans) / max(len(eligible), 1))
        cap = len(town_plans[0].town.users)
        counts = allocate(share, [p.weight**1.1 for p in town_plans], rng, cap=cap)
        for plan, count in zip(town_plans, counts, strict=True):
            plan.reactions = count
    next_reaction = writer.next_id(Reaction)
    strides: dict[int, list[int]] = {}

    def rows() -> Iterator[tuple[Any, ...]]:
        nonlocal next_reaction
        for plan in eligible:
            if not plan.reactions:
                continue
            users = plan.town.users
            key = plan.town.municipality.pk
            if key not in strides:
                strides[key] = _coprime_strides(len(users), rng)
            stride = rng.choice(strides[key])
            first = rng.randrange(len(users))
            mode = plan.town.mode
            # An idea's approval decides its mix of up and down (or its star average).
            approval = rng.betavariate(4, 1.5)
            start = plan.submitted or plan.created
            window = max((now - start).total_seconds() - 60, 60)
            n_users = len(users)
            for j in range(plan.reactions):
                user = users[(first + j * stride) % n_users]
                if mode == "stars":
                    value = max(1, min(5, round(1 + 4 * approval + rng.gauss(0, 0.9))))
                    plan.star_count += 1
                    plan.star_sum += value
                    if value >= 4:
                        plan.up += 1
                    elif value <= 2:
                        plan.down += 1
                elif mode == "updown" and random_() > approval:
                    value = -1
                    plan.down += 1
                else:
                    value = 1
                    plan.up += 1
                created = adapt(start + timedelta(seconds=random_() * window + 30))
                yield (next_reaction, plan.pk, user, value, created, created)
                next_reaction += 1

    random_ = rng.random
    timedelta = dt.timedelta
    adapt = writer.adapt_datetime
    writer.insert(Reaction, ["id", "idea", "user", "value", "created", "updated"], rows())


def write_counters(writer: BulkWriter, plans: list[IdeaPlan]) -> None:
    """Store the exact counters and the ranking scores computed from them."""

    def rows() -> Iterator[tuple[Any, ...]]:
        for p in plans:
            mode = p.town.mode
            yield (
                p.pk,
                p.up,
                p.down,
                p.star_count,
                p.star_sum,
                p.comment_count,
                p.followers,
                scoring.rated(mode, p.up, p.down, p.star_sum, p.star_count),
                scoring.controversy(p.up, p.down),
                scoring.trending(p.up - p.down, p.comment_count, p.submitted),
            )

    writer.update_rows(
        Idea,
        [
            "up_count",
            "down_count",
            "star_count",
            "star_sum",
            "comment_count",
            "follower_count",
            "rated_score",
            "controversy",
            "trending",
        ],
        rows(),
    )


# --- Entry point ----------------------------------------------------------------------------


class SearchIndexer:
    """search.reindex for the given municipalities, in a forked process when it is safe."""

    def __init__(self, municipality_ids: list[int], *, parallel: bool = True) -> None:
        import multiprocessing

        self.ids = municipality_ids
        self.process: Any = None
        name = str(connection.settings_dict.get("NAME", ""))
        in_memory = connection.vendor == "sqlite" and (name == ":memory:" or "mode=memory" in name)
        if parallel and not connection.in_atomic_block and not in_memory:
            connection.close()  # a database connection must never be shared across fork
            self.process = multiprocessing.get_context("fork").Process(
                target=self._run, name="seed-search-index"
            )
            self.process.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            if connection.vendor == "sqlite":
                # The other process may hold the write lock while it builds an index.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA busy_timeout = 600000")
            for pk in self.ids:
                search.reindex(pk)
        finally:
            connections.close_all()

    def wait(self) -> None:
        if self.process is None:
            self._run_inline()
            return
        self.process.join()
        if self.process.exitcode != 0:
            raise RuntimeError("building the search index failed (see the error above)")

    def _run_inline(self) -> None:
        for pk in self.ids:
            search.reindex(pk)


@dataclass
class ScaleResult:
    municipalities: list[Municipality]
    counts: dict[str, int]
    seconds: dict[str, float]


def scale_exists() -> bool:
    return Municipality.objects.filter(slug=SCALE_SLUG.format(n=1)).exists()


def seed_scale(
    *,
    ideas: int,
    comments: int,
    reactions: int,
    accounts: int,
    municipalities: int = 1,
    seed: int = 42,
    log: Callable[[str], None] | None = None,
    parallel: bool = True,
) -> ScaleResult:
    """Seed `municipalities` synthetic towns sharing the given totals (see module docstring)."""
    import time

    if municipalities < 1 or ideas < 0 or comments < 0 or reactions < 0 or accounts < 1:
        raise ValueError("counts must not be negative; at least one municipality and account")
    if Municipality.objects.filter(
        slug__in=[SCALE_SLUG.format(n=k) for k in range(1, municipalities + 1)]
    ).exists():
        raise ValueError("synthetic municipalities exist already (scale-1, ...)")
    say = log or (lambda message: None)
    rng = random.Random(seed)
    now = timezone.now().replace(microsecond=0)
    writer = BulkWriter()
    seconds: dict[str, float] = {}
    mark = time.monotonic()
    cpu_mark = time.process_time()

    def lap(name: str) -> None:
        # Wall time and this process's CPU time (the database server's is not included).
        nonlocal mark, cpu_mark
        seconds[name] = round(time.monotonic() - mark, 2)
        cpu = time.process_time() - cpu_mark
        say(f"  {name}: {seconds[name]} s ({cpu:.1f} s CPU)")
        mark, cpu_mark = time.monotonic(), time.process_time()

    modes = ("updown", "stars", "support")
    towns = [
        create_town(k, reaction_mode=modes[(k - 1) % len(modes)])
        for k in range(1, municipalities + 1)
    ]
    lap("municipalities")
    create_accounts(writer, towns, max(accounts, municipalities))
    lap("accounts")
    plans: list[IdeaPlan] = []
    for index, town in enumerate(towns):
        share = ideas // municipalities + (1 if index < ideas % municipalities else 0)
        plans += generate_ideas(writer, town, share, rng, now)
    lap("ideas")
    # The search index needs only the ideas: a second process builds it while this one writes
    # comments and reactions (two cores, half the time).
    indexer = SearchIndexer([t.municipality.pk for t in towns], parallel=parallel)
    with writer.deferred_indexes(Comment, Follow):
        generate_comments(writer, plans, comments, rng, now)
    lap("comments")
    with writer.deferred_indexes(Reaction):
        generate_reactions(writer, plans, reactions, rng, now)
        lap("reactions")
        # Before the reaction indexes are built: on SQLite that holds the write lock for long.
        indexer.wait()
        lap("search index (rest)")
    lap("reaction indexes")
    # After the indexer: both update idea rows, and one big UPDATE against its small
    # transactions could deadlock on PostgreSQL.
    write_counters(writer, plans)
    lap("counters")
    writer.finish()
    lap("statistics")
    counts = {
        "municipalities": len(towns),
        "accounts": sum(len(t.users) + len(t.staff) for t in towns),
        "ideas": len(plans),
        "comments": sum(p.comments for p in plans),
        "reactions": sum(p.reactions for p in plans),
        "rows": writer.rows_written,
    }
    return ScaleResult([t.municipality for t in towns], counts, seconds)
