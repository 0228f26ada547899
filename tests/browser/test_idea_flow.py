"""The whole way of an idea, as people use the platform, in one real browser run each:

a newcomer signs up (the confirmation link comes by e-mail), writes a draft, revises it with a
note on what changed and submits it; a neighbour signs in, supports and follows the idea and
comments; the author replies; a moderator (with a second factor) hides the neighbour's comment
with a public reason; a reviewer takes the idea into review, assesses it against the criteria,
accepts it as a candidate and writes the official answer; at last a visitor reads the idea,
the dashboard and the map, and the neighbour finds the news in the inbox.

The same steps run three times: with the mouse, with the keyboard alone (Tab until the control
has a visible focus, type, Enter or Space), and without JavaScript. axe checks every distinct
page on the way for WCAG 2.1 A/AA violations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

from mitmachstadt.accounts.factories import TEST_PASSWORD, UserFactory, enable_totp
from mitmachstadt.accounts.models import Role, User
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas.models import Comment, Idea
from mitmachstadt.tenants.factories import CriterionFactory
from mitmachstadt.tenants.models import FieldOfAction
from tests.browser.person import MODES, Person
from tests.conftest import SmtpSink, message_text

pytestmark = pytest.mark.browser

TITLE = "Sichere Fahrradbügel am Bahnhof Nord"
TEXT = "Am Bahnhof Nord fehlen sichere Abstellplätze. Zwanzig Fahrradbügel würden helfen."
ADDED = " Am besten überdacht, damit die Räder trocken bleiben."
NOTE = "Überdachung ergänzt"
PASSWORD = "ein-sehr-langes-passwort-7"
RUDE = "Ruft mich an: 0171 2345678, Max Muster, Lindenstraße 5."
REPLY = "Danke! Bitte schreiben Sie hier, nicht per Telefon."
HIDE_REASON = "Enthielt Telefonnummer und Adresse einer Person."
ANSWER = "Die Verwaltung prüft den Standort mit der Bahn und meldet sich bis Ende März."
DECISION = "Erfüllt alle Kriterien; der Ausschuss berät im nächsten Quartal."

NORTH = {
    "type": "Polygon",
    "coordinates": [[[8.35, 51.89], [8.41, 51.89], [8.41, 51.93], [8.35, 51.93], [8.35, 51.89]]],
}


@dataclass
class Flow:
    """What the steps share: the site, the mode, the people's accounts, the idea."""

    town: Any
    mode: str
    browser: Any
    smtp: SmtpSink
    neighbour: User
    moderator: User
    moderator_secret: str
    reviewer: User
    reviewer_secret: str
    criteria: list[Any]
    checked: set[str] = field(default_factory=set)
    email: str = ""
    idea_path: str = ""

    def person(self) -> Person:
        return Person(self.browser, self.town.live_url, self.mode, checked=self.checked)

    @property
    def idea(self) -> Idea:
        return Idea.objects.get(title=TITLE)


def _setup(town: Any, mode: str, browser: Any, smtp: SmtpSink) -> Flow:
    # What the issue does not name as a step exists beforehand: the district, the criteria
    # checklist, and the accounts of the neighbour and the staff.
    district_create(municipality=town, slug="nord", name="Nord", geometry=NORTH)
    criteria = [
        CriterionFactory(municipality=town, slug="umsetzbar", name="Umsetzbar", position=1),
        CriterionFactory(municipality=town, slug="mehrwert", name="Mehrwert", position=2),
    ]
    moderator = UserFactory(municipality=town, roles=(Role.PARTICIPANT, Role.MODERATOR))
    reviewer = UserFactory(municipality=town, roles=(Role.PARTICIPANT, Role.REVIEWER))
    return Flow(
        town=town,
        mode=mode,
        browser=browser,
        smtp=smtp,
        neighbour=UserFactory(municipality=town, display_name="Nachbarin Nora"),
        moderator=moderator,
        moderator_secret=enable_totp(moderator),
        reviewer=reviewer,
        reviewer_secret=enable_totp(reviewer),
        criteria=criteria,
        email=f"neu-{mode}@example.org",
    )


# --- The author ---------------------------------------------------------------------------


def sign_up(flow: Flow, author: Person) -> None:
    author.open("/")
    author.axe("home")
    author.press("header a[href^='/accounts/signup/']")
    author.axe("signup")
    author.type("#id_email", flow.email)
    author.type("#id_display_name", "Rita Rad")
    author.type("#id_password1", PASSWORD)
    author.type("#id_password2", PASSWORD)
    author.press("main form button[type=submit]")
    assert author.path() == "/accounts/confirm-email/"
    assert "E-Mail-Adresse" in author.text_of("main h1")
    author.axe("confirm-email-sent")
    # Not signed in before the address is confirmed.
    assert author.page.locator("header .account-link").count() == 0

    flow.smtp.wait_for(1)
    [mail] = [m for m in flow.smtp.messages if m["To"] == flow.email]
    link = re.search(r"https?://localhost:\d+(/accounts/confirm-email/\S+)", message_text(mail))
    assert link is not None, message_text(mail)
    author.open(link.group(1))  # the link in the e-mail
    author.sees(flow.email)
    author.axe("confirm-email")
    author.press("main form button[type=submit]")
    assert author.text_of("header .account-link") == "Rita Rad"


def write_draft(flow: Flow, author: Person) -> None:
    author.open("/")
    author.press("main a[href='/ideas/new/']")
    author.axe("idea-create")
    author.type("#id_title", TITLE)
    author.type("#id_text", TEXT)
    mobility = FieldOfAction.objects.get(municipality=flow.town, slug="mobilitaet")
    author.tick(f"input[name=fields_of_action][value='{mobility.pk}']")
    author.type("#id_lat", "51,9061")
    author.type("#id_lon", "8,3785")
    author.press("button[value=draft]")
    author.message("Ihr Entwurf ist gespeichert.")
    assert author.text_of(".idea-kicker .state-badge") == "Entwurf"
    author.sees("Nur Sie und Ihre Mitautor:innen sehen ihn.")
    author.axe("idea-draft")
    flow.idea_path = author.path()
    assert flow.idea_path == f"/ideas/{flow.idea.pk}/"
    # Drafts are private: the idea list of a visitor does not show it.
    assert flow.idea.state == "draft"


def revise(flow: Flow, author: Person) -> None:
    author.press(f"a[href='{flow.idea_path}edit/']")
    author.axe("idea-edit")
    author.append("#id_text", ADDED)
    author.type("#id_note", NOTE)
    author.press("button[value=save]")
    author.message("Ihre Änderungen sind als Fassung 2 gespeichert.")
    author.sees("überdacht, damit die Räder trocken bleiben")
    # Everybody can see what changed.
    author.press(f".idea-byline a[href='{flow.idea_path}versions/']")
    author.axe("idea-versions")
    assert NOTE in author.text_of(".versions-table")
    assert "damit die Räder trocken bleiben" in author.text_of(".diff ins")
    author.press(f".breadcrumb a[href='{flow.idea_path}']")


def submit(flow: Flow, author: Person) -> None:
    author.press(f".banner-draft form[action='{flow.idea_path}submit/'] button")
    author.message("Vielen Dank! Ihre Idee ist jetzt öffentlich.")
    assert author.text_of(".idea-kicker .state-badge") == "Projektvorschlag"
    assert "Noch nicht beantwortet" in author.text_of("#answer")
    author.axe("idea-submitted")


def reply(flow: Flow, author: Person) -> None:
    author.open(flow.idea_path)
    comment = Comment.objects.get(text=RUDE)
    box = f"#comment-{comment.pk}"
    author.press(f"{box} details.comment-action summary", navigates=False)
    author.type(f"#reply-{comment.pk}", REPLY)
    author.press_htmx(f"{box} details.comment-action[open] button[type=submit]")
    author.sees(REPLY)
    assert "2 Kommentare" in author.text_of("#discussion-heading")


# --- The neighbour ------------------------------------------------------------------------


def take_part(flow: Flow, neighbour: Person) -> None:
    neighbour.sign_in(flow.neighbour.email, TEST_PASSWORD)
    neighbour.press("nav.main-nav a[href='/ideas/']")
    neighbour.axe("idea-list")
    neighbour.press(f"main a[href='{flow.idea_path}']")
    neighbour.axe("idea-public")
    # In favour (the municipality counts votes up and down).
    neighbour.press_htmx("#react-up")
    neighbour.message("Ihre Reaktion ist gespeichert.")
    assert neighbour.page.locator("#react-up").get_attribute("aria-pressed") == "true"
    assert "1" in neighbour.text_of("#participation .big-figures")
    if neighbour.keyboard:
        # htmx swapped the box; the focus stays on the button that was pressed.
        assert neighbour.page.evaluate("document.activeElement.id") == "react-up"
    # Follow: the author follows already, so two people now.
    neighbour.press_htmx("#follow-toggle")
    neighbour.message("Sie folgen dieser Idee jetzt.")
    neighbour.sees("2 Personen folgen dieser Idee.", within="#participation")
    # A comment, with more personal data than the netiquette allows.
    neighbour.type("#id_comment_text", RUDE)
    neighbour.press_htmx("#comment-submit")
    neighbour.message("Ihr Kommentar ist veröffentlicht.")
    neighbour.sees(RUDE)
    assert "1 Kommentar" in neighbour.text_of("#discussion-heading")


def read_news(flow: Flow, neighbour: Person) -> None:
    """The neighbour follows the idea: the news of its acceptance waits in the inbox."""
    neighbour.open("/")
    assert neighbour.text_of("header .inbox-link .inbox-count") == "4 ungelesen"
    neighbour.press("header .inbox-link")
    neighbour.axe("inbox")
    titles = [" ".join(t.split()) for t in neighbour.page.locator(".inbox-title").all_inner_texts()]
    assert titles == [
        f"Neu Offizielle Antwort auf „{TITLE}“",
        f"Neu „{TITLE}“ ist jetzt: Projektkandidat",
        f"Neu „{TITLE}“ ist jetzt: In Prüfung",
        f"Neu Rita Rad hat auf Ihren Kommentar zu „{TITLE}“ geantwortet",
    ], titles
    # Opening a notification leads to the idea and marks it read.
    neighbour.press(".inbox-item:nth-child(2) a.inbox-title")
    assert neighbour.path() == flow.idea_path
    assert neighbour.text_of("header .inbox-link .inbox-count") == "3 ungelesen"


# --- Staff --------------------------------------------------------------------------------


def hide_comment(flow: Flow, moderator: Person) -> None:
    moderator.sign_in(flow.moderator.email, TEST_PASSWORD, flow.moderator_secret)
    moderator.open(flow.idea_path)
    comment = Comment.objects.get(text=RUDE)
    moderator.press(f"#comment-{comment.pk} a[href='/staff/moderation/comments/{comment.pk}/']")
    moderator.axe("moderation-comment")
    moderator.choose("#id_hide-reason", "Persönliche Daten anderer Menschen")
    moderator.type("#id_hide-public_reason", HIDE_REASON)
    moderator.press("button[name=action][value=hide]")
    moderator.message("Der Kommentar ist ausgeblendet.")
    assert "ausgeblendet" in moderator.text_of("dl.facts")


def review(flow: Flow, reviewer: Person) -> None:
    reviewer.sign_in(flow.reviewer.email, TEST_PASSWORD, flow.reviewer_secret)
    reviewer.press("nav.main-nav a[href='/staff/']")
    reviewer.axe("staff-index")
    reviewer.press("main a[href='/staff/review/']")
    reviewer.axe("review-queue")
    review_path = f"/staff/review/{flow.idea.pk}/"
    reviewer.press(f"section[aria-labelledby=q-submitted] a[href='{review_path}']")
    reviewer.axe("review-idea-submitted")
    reviewer.type("#id_start-reason", "Wir prüfen den Vorschlag jetzt.")
    reviewer.press("form:has(input[name=action][value=start]) button[type=submit]")
    reviewer.message("Die Prüfung hat begonnen.")
    assert reviewer.text_of("main .badge") == "In Prüfung"
    reviewer.axe("review-idea-in-review")
    for criterion in flow.criteria:
        reviewer.pick(f"verdict_{criterion.slug}", "met")
        reviewer.type(
            f"#id_justification_{criterion.slug}", f"{criterion.name}: gut begründet und machbar."
        )
    reviewer.press("form.assessment-form button[type=submit]")
    reviewer.message("Die Bewertung wurde gespeichert.")
    reviewer.pick("decision", "accept")
    reviewer.type("#id_reason", DECISION)
    reviewer.press("form:has(input[name=action][value=decide]) button[type=submit]")
    reviewer.message("Die Entscheidung wurde erfasst und die Bewertung veröffentlicht.")
    assert reviewer.text_of("main .badge") == "Projektkandidat"
    reviewer.axe("review-idea-decided")
    # The official answer, on the idea's public page.
    reviewer.press(f"main a[href='{flow.idea_path}']")
    reviewer.press("#answer details.staff-tool summary", navigates=False)
    reviewer.axe("idea-staff")
    reviewer.type("#answer textarea[name=text]", ANSWER)
    reviewer.press("#answer form button[type=submit]")
    reviewer.message("Die offizielle Antwort ist veröffentlicht.")


# --- A visitor ----------------------------------------------------------------------------


def visit(flow: Flow, visitor: Person) -> None:
    visitor.open("/")
    visitor.press("nav.main-nav a[href='/ideas/']")
    assert "1 Idee" in visitor.text_of("main")
    visitor.press(f"main a[href='{flow.idea_path}']")
    assert visitor.text_of(".idea-kicker .state-badge") == "Projektkandidat"
    assert visitor.text_of("#answer .prose") == ANSWER
    comment = Comment.objects.get(text=RUDE)
    placeholder = visitor.text_of(f"#comment-{comment.pk} .comment-placeholder")
    assert placeholder == f"Von der Moderation ausgeblendet: {HIDE_REASON}"
    assert RUDE not in visitor.text_of("main")
    visitor.sees(REPLY)  # the reply stays readable under the placeholder
    assert "Jetzt: Projektkandidat" in visitor.text_of("#history")
    assert DECISION in visitor.text_of("#history")
    visitor.sees("2 Personen folgen dieser Idee.", within="#participation")
    visitor.sees("Melden Sie sich an", within="#participation")  # to take part, sign in
    visitor.axe("idea-visitor")

    visitor.press("nav.main-nav a[href='/dashboard']")
    visitor.axe("dashboard")
    key_figures = visitor.text_of("#key-title + .key-figures")
    assert "1 öffentliche Ideen" in key_figures, key_figures
    # The table by state is folded away under the chart; open it.
    visitor.press(
        "section[aria-labelledby=stage-title] details.data-table summary", navigates=False
    )
    rows = visitor.page.locator("details.data-table[open] tbody tr").all_inner_texts()
    rows = [" ".join(row.split()) for row in rows]
    assert "Projektkandidaten 1" in rows, rows
    assert "Projektvorschläge 0" in rows, rows

    visitor.press("nav.main-nav a[href='/map/']")
    visitor.axe("map")
    visitor.sees("1 Idee hat einen Ort auf der Karte.")
    if visitor.javascript:
        marker = visitor.page.locator(f"#idea-map .leaflet-marker-icon[title='{TITLE}']")
        marker.wait_for()
        if visitor.keyboard:
            # Leaflet markers take the focus; Enter opens the popup with the link.
            visitor.focus(f"#idea-map .leaflet-marker-icon[title='{TITLE}']")
            visitor.page.keyboard.press("Enter")
        else:
            marker.click()
        popup = visitor.page.locator(".leaflet-popup .map-popup")
        popup.wait_for()
        assert TITLE in popup.inner_text()
        visitor.press(f".leaflet-popup a[href$='{flow.idea_path}']")
        assert visitor.path() == flow.idea_path
    else:
        assert visitor.page.locator("#idea-map").is_hidden()  # no empty box without JS
        # The located ideas with state and district, and the count per district.
        located = visitor.page.locator(".located-ideas li", has_text=TITLE).inner_text()
        assert "Projektkandidat" in located and "Nord" in located, located
        nord = visitor.page.locator(".located-districts tbody tr", has_text="Nord")
        assert nord.locator("td.num").inner_text().strip() == "1"
        visitor.press(f".located-ideas a[href='{flow.idea_path}']")
        assert visitor.path() == flow.idea_path


@pytest.mark.parametrize("mode", MODES)
def test_from_sign_up_to_project_candidate(
    browser: Any,
    site: Any,
    smtp_server: SmtpSink,
    mode: str,
) -> None:
    flow = _setup(site, mode, browser, smtp_server)
    people: list[Person] = []

    def person() -> Person:
        people.append(flow.person())
        return people[-1]

    try:
        author = person()
        sign_up(flow, author)
        write_draft(flow, author)
        revise(flow, author)
        submit(flow, author)

        neighbour = person()
        take_part(flow, neighbour)
        reply(flow, author)

        hide_comment(flow, person())
        review(flow, person())

        visit(flow, person())
        read_news(flow, neighbour)
    finally:
        for someone in people:
            someone.close()

    # What no page shows: the account, the version record, the hidden comment's audit trail.
    idea = flow.idea
    assert idea.state == "candidate" and idea.version == 2
    assert User.objects.get(email=flow.email).display_name == "Rita Rad"
    hidden = Comment.objects.get(text=RUDE)
    assert hidden.is_hidden and hidden.hidden_reason == HIDE_REASON
