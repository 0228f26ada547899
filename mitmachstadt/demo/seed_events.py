"""Demo participation: the formats, places and events of data/guetersloh.json, two open calls,
and one citizens' assembly run from a synthetic population register to its recommendations.

The open calls, registrations, outcomes and the whole assembly are demo inventions (is_demo);
the register, its residents and every answer are synthetic (random, seeded, reproducible).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from mitmachstadt.assemblies import services as assemblies
from mitmachstadt.assemblies import tasks as assembly_tasks
from mitmachstadt.assemblies.models import Assembly, Member, Seed, Selection
from mitmachstadt.events import services as events
from mitmachstadt.events.models import Event, Format, OpenCall, Place
from mitmachstadt.ideas.models import Idea
from mitmachstadt.tenants.models import Municipality

# Outcomes of the past demo events, and the ideas and projects each one worked on.
OUTCOMES: dict[str, tuple[str, list[str]]] = {
    "Offenes Format 2025: Update zur Digitalen Agenda": (
        "Rund 180 Gäste. Die Stadtgesellschaft wünschte sich vor allem **verständliche "
        "Informationen, die von selbst kommen** – das Team Digitaler Wandel nimmt das in den "
        "Cluster *Stadt on demand* auf. An der Projekt-Börse fanden drei Vereine Partner.",
        ["Stadt on demand", "WLAN für alle"],
    ),
    "Denklabor „Nachhaltige Lebenswelten“: Daten im Quartier": (
        "Die Stadtexpertinnen und Stadtexperten empfehlen für das Reallabor zuerst drei "
        "Datenquellen: Energieverbrauch öffentlicher Gebäude, Luftqualität und Radverkehr. "
        "Alle Daten sollen offen und ohne Personenbezug bereitgestellt werden.",
        ["Urban Data Plattform", "Open data HUB Gütersloh"],
    ),
    "Gütersloher Hackathon 2025": (
        "Elf Teams, 24 Stunden, sieben Prototypen – darunter eine Abfahrtsanzeige mit "
        "Echtzeitdaten der Stadtbusse. Der Code aller Teams steht unter einer freien Lizenz.",
        ["Gütersloher Hackathon", "Busse in Echtzeit verfolgen"],
    ),
    "Projektwerkstatt Green Lab: Das Gewächshaus im Test": (
        "Ergebnis des Sprints: ein Besucherpfad mit Infotafeln und eine Mitmach-Ecke für "
        "Schulklassen. Die Werkstatt empfiehlt, Ernte und Messwerte live auf der Plattform zu "
        "zeigen.",
        ["Green Lab Gütersloh", "Urban / Vertical Farming"],
    ),
    "Digitaltag 2026 im Digitalen Werkraum": (
        "Über 300 Besuche. Am gefragtesten war die Smartphone-Sprechstunde; sie wird als "
        "monatliches Angebot im Digitalen Werkraum fortgesetzt.",
        ["Online-Sprechstunde der Stadtverwaltung", "Digital „vor Ort“"],
    ),
    "Morgenmacher online: Stadt on demand aus Sicht der jungen Generation": (
        "Die Morgenmacherinnen und Morgenmacher wollen Benachrichtigungen zu Stadtteil, "
        "Schulweg und Freizeit – kurz, abbestellbar und ohne App-Zwang.",
        ["Stadt on demand"],
    ),
}

DISTRICT_WEIGHTS = {
    "Innenstadt": 24,
    "Avenwedde": 12,
    "Blankenhagen": 6,
    "Ebbesloh": 1,
    "Friedrichsdorf": 5,
    "Hollen": 1,
    "Isselhorst": 7,
    "Kattenstroth": 8,
    "Niehorst": 2,
    "Nordhorn": 2,
    "Pavenstädt": 6,
    "Spexard": 13,
    "Sundern": 13,
}


def _aware(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def _ideas(municipality: Municipality, titles: Iterable[str]) -> list[Idea]:
    wanted = list(titles)
    found = {i.title: i for i in Idea.objects.filter(municipality=municipality, title__in=wanted)}
    return [found[t] for t in wanted if t in found and found[t].is_public]


def seed_events(
    *, municipality: Municipality, people: dict[str, Any], data: dict[str, Any]
) -> None:
    """Formats, places, events with registrations and outcomes, open calls, one assembly."""
    admin = people["role:municipality_admin"]
    participants = [
        u for name, u in people.items() if not name.startswith("role:") and not u.is_operator
    ]
    participants = [
        u for u in dict.fromkeys(participants) if not events.is_organiser(municipality, u)
    ]
    formats = _seed_formats(municipality, data)
    places = _seed_places(municipality, admin, data)
    _seed_event_list(municipality, admin, participants, formats, places, data)
    _seed_calls(municipality, admin, participants, formats)
    seed_assembly(municipality=municipality, admin=admin)


def _seed_formats(municipality: Municipality, data: dict[str, Any]) -> dict[str, Format]:
    return {
        spec["slug"]: events.format_create(
            municipality=municipality,
            slug=spec["slug"],
            name=spec["name"],
            description=spec.get("description", ""),
            position=position,
            is_demo=True,
        )
        for position, spec in enumerate(data.get("formats", []))
    }


def _seed_places(municipality: Municipality, admin: Any, data: dict[str, Any]) -> dict[str, Place]:
    places = {}
    for spec in data.get("places", []):
        places[spec["slug"]] = events.place_create(
            municipality=municipality,
            actor=admin,
            slug=spec["slug"],
            name=spec["name"],
            address=spec.get("address", ""),
            lat=spec.get("lat"),
            lon=spec.get("lon"),
            description=spec.get("description", ""),
            is_demo=bool(spec.get("demo", False)),
        )
    return places


def _seed_event_list(
    municipality: Municipality,
    admin: Any,
    participants: list[Any],
    formats: dict[str, Format],
    places: dict[str, Place],
    data: dict[str, Any],
) -> None:
    rng = random.Random(2027)
    now = timezone.now()
    for spec in data.get("events", []):
        online = bool(spec.get("online"))
        place = places.get(spec.get("place") or "")
        mode = (
            Event.Mode.ONLINE
            if online and place is None
            else (Event.Mode.HYBRID if online else Event.Mode.IN_PERSON)
        )
        event = events.event_create(
            municipality=municipality,
            actor=admin,
            title=spec["title"],
            format=formats[spec["format"]],
            description=spec["description"],
            start=_aware(spec["start"]),
            end=_aware(spec["end"]),
            mode=mode,
            place=place,
            online_url="https://meet.demo.mitmachstadt.de/" + spec["format"] if online else "",
            capacity=spec.get("capacity"),
            is_demo=True,
        )
        event = events.event_publish(event=event, actor=admin)
        if event.start > now:
            for user in rng.sample(participants, k=min(len(participants), rng.randint(3, 9))):
                events.registration_create(event=event, user=user)
        elif spec["title"] in OUTCOMES:
            text, titles = OUTCOMES[spec["title"]]
            events.event_record_outcome(
                event=event, actor=admin, outcome=text, ideas=_ideas(municipality, titles)
            )
            events.event_document_add(
                event=event,
                actor=admin,
                title="Ergebnisprotokoll (Demo)",
                kind="minutes",
                file=SimpleUploadedFile(
                    "protokoll.md",
                    f"# {event.title}\n\n{text}\n".encode(),
                    "text/markdown",
                ),
            )


def _seed_calls(
    municipality: Municipality, admin: Any, participants: list[Any], formats: dict[str, Format]
) -> None:
    now = timezone.now()
    denklabor = events.open_call_create(
        municipality=municipality,
        actor=admin,
        format=formats["denklabor"],
        title="Open Call: Stadtexpertinnen und Stadtexperten für die Denklabore 2027",
        description=(
            "Die Denklabore gehen weiter – und sollen allen offenstehen. Gesucht sind Menschen "
            "aus Gütersloh, die ihr **Wissen aus der Stadt für die Stadt** einbringen: in "
            "Bildung und Kultur, Arbeit, Mobilität oder nachhaltigen Lebenswelten.\n\n"
            "- fünf Abendtermine im Jahr im Digitalen Werkraum\n"
            "- keine Vorkenntnisse nötig\n"
            "- Vernetzung mit den Morgenmacherinnen und Morgenmachern"
        ),
        question="Zu welchem Thema möchten Sie beitragen, und was bringen Sie mit?",
        seats=25,
        closes=now + dt.timedelta(days=45),
        is_demo=True,
    )
    events.open_call_set_status(call=denklabor, actor=admin, status=OpenCall.Status.OPEN)
    morgenmacher = events.open_call_create(
        municipality=municipality,
        actor=admin,
        format=formats["morgenmacher"],
        title="Open Call: Morgenmacher-Beirat – junge Stimmen gesucht",
        description=(
            "Der Morgenmacher-Beirat gibt der jungen Generation eine Stimme in der Digitalen "
            "Agenda. Wenn du zwischen 14 und 27 bist und mitreden willst, bewirb dich!"
        ),
        question="Was soll Gütersloh für junge Menschen digital besser machen?",
        seats=20,
        closes=now + dt.timedelta(days=30),
        is_demo=True,
    )
    events.open_call_set_status(call=morgenmacher, actor=admin, status=OpenCall.Status.OPEN)
    answers = [
        "Ich arbeite in der Stadtbibliothek und möchte Bildungsangebote im NETZ.werk mitgestalten.",
        "Als Pendlerin aus Avenwedde interessiert mich vernetzte Mobilität ohne Auto sehr.",
        "Ich programmiere in meiner Freizeit und würde gern offene Daten nutzbar machen.",
    ]
    for user, text in zip(participants, answers, strict=False):
        application = events.application_submit(call=denklabor, user=user, motivation=text)
        if text.startswith("Ich arbeite"):
            events.application_decide(
                application=application,
                actor=admin,
                accept=True,
                message=(
                    "Herzlich willkommen! Das erste Treffen ist im Februar im Digitalen Werkraum."
                ),
            )


# --------------------------------------------------------------------------- the assembly


def _quotas(panel: int) -> str:
    lines = ["feature,value,min,max,label,question"]
    lines += [
        "geschlecht,weiblich,9,11,weiblich,Welches Geschlecht haben Sie?",
        "geschlecht,maennlich,9,11,männlich,",
        "geschlecht,divers,0,1,divers,",
        "alter,16-29,3,5,16 bis 29 Jahre,Wie alt sind Sie?",
        "alter,30-49,5,7,30 bis 49 Jahre,",
        "alter,50-64,4,6,50 bis 64 Jahre,",
        "alter,65+,4,6,65 Jahre und älter,",
        "bildung,niedrig,5,7,kein Abschluss oder Hauptschule,"
        "Welchen höchsten Schulabschluss haben Sie?",
        "bildung,mittel,6,8,Realschule oder Ausbildung,",
        "bildung,hoch,5,8,Abitur oder Hochschule,",
    ]
    total = sum(DISTRICT_WEIGHTS.values())
    first = True
    for district, weight in DISTRICT_WEIGHTS.items():
        share = panel * weight / total
        low, high = max(0, int(share) - 1), int(share) + 2
        question = "In welchem Stadtteil wohnen Sie?" if first else ""
        lines.append(f"stadtteil,{district},{low},{high},{district},{question}")
        first = False
    return "\n".join(lines) + "\n"


def _register(size: int, seed: int) -> bytes:
    from faker import Faker

    fake = Faker("de_DE")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    rows = ["ordnungsmerkmal;vorname;nachname;strasse;hausnummer;plz;ort;stadtteil;geburtsjahr"]
    districts, weights = list(DISTRICT_WEIGHTS), list(DISTRICT_WEIGHTS.values())
    index = 0
    while index < size:
        street, number = fake.street_name(), str(rng.randint(1, 120))
        district = rng.choices(districts, weights)[0]
        family = fake.last_name()
        for _person in range(rng.choice([1, 1, 2, 2, 3])):
            year = rng.randint(1930, 2009)
            rows.append(
                f"GT{index + 1:07d};{fake.first_name()};{family};{street};{number};33330;"
                f"Gütersloh;{district};{year}"
            )
            index += 1
    return ("\n".join(rows) + "\n").encode("utf-8")


def _answer(rng: random.Random, birth_decade_old: bool) -> dict[str, str]:
    gender = rng.choices(["weiblich", "maennlich", "divers"], [50, 49, 1])[0]
    age = rng.choices(
        ["16-29", "30-49", "50-64", "65+"],
        [12, 24, 32, 32] if birth_decade_old else [22, 30, 28, 20],
    )[0]
    education = rng.choices(["niedrig", "mittel", "hoch"], [18, 34, 48])[0]
    return {"geschlecht": gender, "alter": age, "bildung": education}


def _run(selection: Selection, task: Any) -> Selection:
    # The demo has no worker running while it is seeded: do the background work right here.
    task.func(selection_id=selection.pk)
    selection.refresh_from_db()
    if selection.status not in {Selection.Status.READY, Selection.Status.DRAWN}:
        raise RuntimeError(f"demo lottery failed: {selection.error}")
    return selection


def _replaceable_member(assembly: Assembly) -> Member:
    # Pseudonyms are random, so the panel's make-up varies between seeds: the demo drop-out is
    # the member with the most willing look-alikes left in the pool, so a replacement that
    # keeps every quota always exists (ties go to the lowest letter number).
    members = list(Member.objects.filter(assembly=assembly).select_related("response__invitation"))
    seated = {member.response_id for member in members}
    twins: dict[str, int] = {}
    for response in assembly.responses.filter(willing=True, consent=True).exclude(pk__in=seated):
        key = repr(sorted(response.answers.items()))
        twins[key] = twins.get(key, 0) + 1
    return max(
        members,
        key=lambda m: (
            twins.get(repr(sorted(m.response.answers.items())), 0),
            -m.response.invitation.number,
        ),
    )


def seed_assembly(*, municipality: Municipality, admin: Any) -> Assembly:
    """'Bürgerrat Digitale Teilhabe': drawn, one seat replaced, recommendations decided."""
    rng = random.Random(1970)
    now = timezone.now()
    assembly = assemblies.assembly_create(
        municipality=municipality,
        actor=admin,
        title="Bürgerrat Digitale Teilhabe",
        guiding_question=(
            "Was muss Gütersloh tun, damit alle Menschen an der digitalen Stadt teilhaben "
            "können – unabhängig von Alter, Einkommen und Vorwissen?"
        ),
        description=(
            "Zwanzig per Los bestimmte Gütersloherinnen und Gütersloher beraten an vier "
            "Samstagen im Digitalen Werkraum und geben dem Ausschuss für Digitalisierung, "
            "Wirtschaftsförderung und Stadtmarketing (ADWS) ihre Empfehlungen.\n\n"
            "*Demo: Der Bürgerrat, das Melderegister und alle Antworten sind erfunden.*"
        ),
        panel_size=20,
        invitations=450,
        response_deadline=now + dt.timedelta(days=1),
        stratify_by_district=True,
        one_per_household=True,
        selection_date=(now - dt.timedelta(days=100)).date(),
        first_meeting=(now - dt.timedelta(days=90)).date(),
        last_meeting=(now - dt.timedelta(days=40)).date(),
        recommendations_due=(now - dt.timedelta(days=30)).date(),
        is_demo=True,
    )
    assemblies.quotas_set(assembly=assembly, actor=admin, text=_quotas(20))
    invitation_seed, _secret = assemblies.seed_announce(
        assembly=assembly,
        actor=admin,
        purpose=Seed.Purpose.INVITATIONS,
        kind=Seed.Kind.PUBLIC,
        source=(
            "Lotto 6 aus 49, Ziehung am Samstag vor dem Versand (Demo): die sechs Gewinnzahlen "
            "aufsteigend, durch Leerzeichen getrennt"
        ),
    )
    assemblies.register_import(
        assembly=assembly, actor=admin, data=_register(4000, 1970), filename="melderegister.csv"
    )
    assemblies.seed_reveal(seed=invitation_seed, actor=admin, value="4 15 23 31 38 47")
    invites = assemblies.invitations_draw(assembly=assembly, actor=admin)
    for invitation in invites:
        # Older residents answer more often, as in real lotteries; about one in four says yes.
        if rng.random() < 0.27:
            assemblies.response_submit(
                invitation=invitation,
                willing=True,
                consent=True,
                answers={**_answer(rng, rng.random() < 0.6), "stadtteil": invitation.district},
                contact_email=f"teilnahme{invitation.number}@demo.mitmachstadt.de",
            )
        elif rng.random() < 0.1:
            assemblies.response_submit(invitation=invitation, willing=False)
    assemblies.responses_close(assembly=assembly, actor=admin)
    selection_seed, _secret = assemblies.seed_announce(
        assembly=assembly,
        actor=admin,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.PUBLIC,
        source=(
            "Die Zahl, die in der öffentlichen Ratssitzung mit der Lostrommel gezogen wird (Demo), "
            "als Ziffern geschrieben"
        ),
    )
    selection = _run(
        assemblies.selection_start(assembly=assembly, actor=admin), assembly_tasks.solve_selection
    )
    assemblies.seed_reveal(seed=selection_seed, actor=admin, value="7319")
    assemblies.selection_draw(selection=selection, actor=admin)
    selection = _run(selection, assembly_tasks.draw_selection)
    leaving = _replaceable_member(assembly)
    assemblies.member_drop(member=leaving, actor=admin, reason="aus beruflichen Gründen")
    replacement_seed, secret = assemblies.seed_announce(
        assembly=assembly,
        actor=admin,
        purpose=Seed.Purpose.REPLACEMENT,
        kind=Seed.Kind.COMMIT,
        source="Geheimnis der Geschäftsstelle, vor der Nachziehung versiegelt hinterlegt (Demo)",
    )
    replacement = _run(
        assemblies.replacement_start(assembly=assembly, actor=admin),
        assembly_tasks.solve_selection,
    )
    assemblies.seed_reveal(seed=replacement_seed, actor=admin, value=secret)
    assemblies.selection_draw(selection=replacement, actor=admin)
    _run(replacement, assembly_tasks.draw_selection)
    recommendations = [
        (
            "Digitale Sprechstunden in jedem Stadtteil",
            "Die Stadt richtet in jedem Stadtteil eine monatliche Sprechstunde ein, in der "
            "Ehrenamtliche beim Umgang mit Smartphone, Online-Diensten und der Mitmachstadt "
            "helfen.",
            "19 von 20 Mitgliedern dafür",
            "adopted",
            ["Online-Sprechstunde der Stadtverwaltung", "Digital „vor Ort“"],
        ),
        (
            "Jeder Online-Dienst auch analog",
            "Kein Angebot der Stadt darf nur digital erreichbar sein: Wer Papier oder ein "
            "Gespräch braucht, bekommt es – ohne Nachteil bei Fristen und Gebühren.",
            "20 von 20 Mitgliedern dafür",
            "partly",
            ["Digitale Bürgerakte"],
        ),
        (
            "Freies WLAN an allen Treffpunkten",
            "Bibliothek, Bürgerhäuser, Bahnhof und Stadtteilzentren bekommen freies WLAN; "
            "die Stadt prüft dafür die Straßenlaternen-Standorte erneut.",
            "16 von 20 Mitgliedern dafür",
            "referred",
            ["WLAN für alle"],
        ),
    ]
    for number, (title, text, support, decision, titles) in enumerate(recommendations, start=1):
        assemblies.recommendation_save(
            assembly=assembly,
            actor=admin,
            number=number,
            title=title,
            text=text,
            support=support,
            ideas=_ideas(municipality, titles),
            decision=decision,
            decision_reference=f"Drucksache {100 + number}/2026 (Demo)",
            decision_date=(now - dt.timedelta(days=14)).date(),
            decision_note="Demo: Beschluss des ADWS." if decision != "pending" else "",
        )
    assemblies.assembly_conclude(assembly=assembly, actor=admin)
    assemblies.assembly_publish(assembly=assembly, actor=admin)
    # Put the steps back to plausible dates (seeding runs them all within seconds).
    Assembly.objects.filter(pk=assembly.pk).update(response_deadline=now - dt.timedelta(days=110))
    Seed.objects.filter(pk=invitation_seed.pk).update(
        announced_at=now - dt.timedelta(days=150), revealed_at=now - dt.timedelta(days=146)
    )
    Seed.objects.filter(pk=selection_seed.pk).update(
        announced_at=now - dt.timedelta(days=108), revealed_at=now - dt.timedelta(days=100)
    )
    Seed.objects.filter(pk=replacement_seed.pk).update(
        announced_at=now - dt.timedelta(days=80), revealed_at=now - dt.timedelta(days=76)
    )
    Selection.objects.filter(pk=selection.pk).update(
        solved_at=now - dt.timedelta(days=104), drawn_at=now - dt.timedelta(days=100)
    )
    Selection.objects.filter(pk=replacement.pk).update(
        solved_at=now - dt.timedelta(days=78), drawn_at=now - dt.timedelta(days=76)
    )
    assembly.refresh_from_db()
    record = {**assembly.invitation_record, "drawn_at": (now - dt.timedelta(days=146)).isoformat()}
    Assembly.objects.filter(pk=assembly.pk).update(invitation_record=record)
    return assembly
