"""axe-core finds no WCAG 2.1 A/AA violation on any page type: every page of every app, as a
visitor, a participant and each staff role sees it, in German and English, on a desktop and a
mobile screen, including error pages and forms that show their errors. On the mobile screen
no page may scroll sideways (WCAG 1.4.10 Reflow), which axe does not check.

The town is the Gütersloh demo content (ideas in every state, projects, events, calls,
moderation), plus an assembly with its draws and a few things the demo lacks. Each test is one
language at one screen size and visits every page type for every audience; it lists every
violation it finds, not just the first.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mitmachstadt.demo.accounts import DEMO_PASSWORD
from tests.browser.conftest import assert_accessible, new_page

pytestmark = pytest.mark.browser

AUDIENCES = [
    "visitor",
    "participant",
    "newcomer",
    "blocked",
    "moderator",
    "reviewer",
    "clerk",
    "admin",
    "operator",
]
LOCALES = ["de-DE", "en-US"]
VIEWPORTS = ["desktop", "mobile"]

Action = Callable[[Any], None]


@dataclass
class Visit:
    """One page type: where it is, the status it answers with, what to do before checking."""

    name: str
    path: str
    status: int = 200
    action: Action | None = None
    host: str = ""  # another host name than the town's (the unknown-host page)
    lang: str = ""  # a page always in one language (else the browser's)
    # A page the server sends when everything else failed: Django's handler renders this
    # template without a request; the browser gets it for `path` as the server would send it.
    template: str = ""


@dataclass
class World:
    base: str
    port: int
    sessions: dict[str, str]
    pages: dict[str, list[Visit]] = field(default_factory=dict)


# --- Actions that bring a page into another state ------------------------------------------


ERRORS = ".field-errors, .form-errors, .errorlist, [role=alert]"


def submit_empty(form: str = "main form:has(button[type=submit])") -> Action:
    """Send the form as it is (forms here are `novalidate`): the server shows the errors, in
    a new page or, for htmx forms, in place."""

    def act(page: Any) -> None:
        page.locator(form).first.locator("button[type=submit]").last.click()
        page.locator(ERRORS).first.wait_for()

    return act


def fill_and_submit(
    values: dict[str, str], button: str = "main form button[type=submit]"
) -> Action:
    def act(page: Any) -> None:
        for selector, value in values.items():
            page.locator(selector).first.fill(value)
        with page.expect_navigation():
            page.locator(button).first.click()

    return act


def guess_codes(times: int) -> Action:
    """Someone tries code after code: after too many attempts the form refuses."""

    def act(page: Any) -> None:
        for _ in range(times):
            page.locator("input[name=code]").fill("FALSCH-FALSCH")
            with page.expect_navigation():
                page.locator("main form button[type=submit]").first.click()
            if page.locator("input[name=code]").count() == 0:
                return

    return act


def open_details(selector: str) -> Action:
    def act(page: Any) -> None:
        page.locator(selector).first.click()

    return act


def errors_shown(page: Any) -> None:
    assert page.locator(ERRORS).count(), f"{page.url}: no error is shown"


# --- The town -----------------------------------------------------------------------------


def _assembly(municipality: Any, admin: Any, ideas: list[Any]) -> Any:
    """A published assembly: invitations drawn, answers in, a panel drawn, recommendations."""
    from mitmachstadt.assemblies import services
    from mitmachstadt.assemblies.factories import invite, make_assembly, respond
    from mitmachstadt.assemblies.models import Seed, Selection

    assembly = make_assembly(municipality, title="Bürgerrat Digitale Teilhabe")
    services.assembly_publish(assembly=assembly, actor=admin)
    invite(assembly, admin)
    respond(assembly, share=0.6)
    services.responses_close(assembly=assembly, actor=admin)
    seed, _secret = services.seed_announce(
        assembly=assembly,
        actor=admin,
        purpose=Seed.Purpose.SELECTION,
        kind=Seed.Kind.PUBLIC,
        source="Die im Ratssaal gezogene Zahl",
    )
    selection = services.selection_start(assembly=assembly, actor=admin)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.READY, selection.error
    services.seed_reveal(seed=seed, actor=admin, value="7319")
    services.selection_draw(selection=selection, actor=admin)
    selection.refresh_from_db()
    assert selection.status == Selection.Status.DRAWN, selection.error
    services.recommendation_save(
        assembly=assembly,
        actor=admin,
        number=1,
        title="Digitale Sprechstunden in jedem Stadtteil",
        text="Ehrenamtliche helfen monatlich beim Umgang mit Online-Diensten.",
        support="5 von 6 Mitgliedern dafür",
        ideas=ideas[:1],
        decision="adopted",
        decision_reference="Drucksache 101/2026",
        decision_date=dt.date(2026, 10, 1),
        decision_note="Beschluss des Ausschusses.",
    )
    return assembly


def build_town() -> dict[str, Any]:
    """The demo content, deterministic (the demo's own assembly draws at random)."""
    from mitmachstadt.accounts.factories import UserFactory
    from mitmachstadt.accounts.models import Role
    from mitmachstadt.assemblies import services as assemblies
    from mitmachstadt.assemblies.factories import invite, make_assembly
    from mitmachstadt.demo import seed_events as demo_events
    from mitmachstadt.demo.seed_demo import load_data, seed_accounts, seed_municipality
    from mitmachstadt.demo.seed_ideas import seed_ideas
    from mitmachstadt.demo.seed_moderation import seed_moderation
    from mitmachstadt.demo.seed_projects import seed_projects
    from mitmachstadt.events import services as events
    from mitmachstadt.events.models import Application, Event, OpenCall
    from mitmachstadt.ideas import services as ideas
    from mitmachstadt.ideas.models import Comment, Idea
    from mitmachstadt.moderation import services as moderation
    from mitmachstadt.moderation.models import AnswerTemplate, Report
    from mitmachstadt.notifications.tokens import make_token
    from mitmachstadt.pages import services as pages
    from mitmachstadt.tenants.models import Criterion, Domain

    municipality = seed_municipality()
    # Only "localhost" leads to the town; 127.0.0.1 shows the page for unknown hosts.
    Domain.objects.filter(municipality=municipality).exclude(host="localhost").delete()
    people = seed_accounts(municipality)
    data = load_data()
    seed_ideas(municipality=municipality, people=people, data=data)
    seed_projects(municipality=municipality, people=people, data=data)
    admin = people["role:municipality_admin"]
    participants = [
        u
        for name, u in people.items()
        if not name.startswith("role:")
        and not u.is_operator
        and not u.memberships.exclude(role=Role.PARTICIPANT).exists()
    ]
    participants = list(dict.fromkeys(participants))
    formats = demo_events._seed_formats(municipality, data)
    places = demo_events._seed_places(municipality, admin, data)
    demo_events._seed_event_list(municipality, admin, participants, formats, places, data)
    demo_events._seed_calls(municipality, admin, participants, formats)
    public = list(Idea.objects.filter(municipality=municipality).public().order_by("pk"))
    assembly = _assembly(municipality, admin, public)
    seed_moderation(municipality=municipality, people=people, data=data)

    moderator = people["role:moderator"]
    reviewer = people["role:reviewer"]
    me = participants[0]
    # What the demo lacks: a hidden comment, a revised idea, a draft and a comment of "me",
    # an event registration, feedback on barriers.
    discussed = (
        Idea.objects.filter(municipality=municipality, state="candidate").order_by("pk").first()
    )
    assert discussed is not None
    rude = ideas.comment_create(idea=discussed, author=participants[1], text="Unsinn, wie immer.")
    moderation.content_hide(
        target=rude, actor=moderator, reason="insult", public_reason="Beleidigend."
    )
    mine = ideas.comment_create(idea=discussed, author=me, text="Gute Idee, ich helfe mit.")
    revised = Idea.objects.get(pk=discussed.pk)
    author = revised.author_links.first().user
    ideas.idea_update(
        idea=revised,
        actor=author,
        title=revised.title,
        text=revised.text + "\n\nNachtrag: mit Zeitplan.",
        fields=list(revised.fields.all()),
        lat=revised.lat,
        lon=revised.lon,
        district=revised.district,
        citywide=revised.citywide,
        note="Zeitplan ergänzt",
    )
    field_of_action = revised.fields.first()
    draft = ideas.idea_create(
        municipality=municipality,
        author=me,
        title="Trinkbrunnen im Stadtpark",
        text="Im Sommer fehlt Trinkwasser im Stadtpark; zwei Brunnen würden helfen.",
        fields=[field_of_action],
    )
    own_public = ideas.idea_create(
        municipality=municipality,
        author=me,
        title="Bücherschrank am Bahnhof",
        text="Ein offener Bücherschrank am Bahnhof, zum Tauschen und Mitnehmen.",
        fields=[field_of_action],
        submit=True,
    )
    event = (
        Event.objects.filter(municipality=municipality, start__gt=dt.datetime.now(dt.UTC))
        .filter(registration_required=True, status="published")
        .order_by("start")
        .first()
    )
    assert event is not None
    if not event.registrations.filter(user=me).exists():
        events.registration_create(event=event, user=me, note="Mit Rollstuhl.")
    past_event = (
        Event.objects.filter(
            municipality=municipality, start__lt=dt.datetime.now(dt.UTC), status="published"
        )
        .order_by("-start")
        .first()
    )
    pages.accessibility_feedback_submit(
        municipality=municipality,
        message="Die Karte lässt sich mit der Lupe schlecht bedienen.",
        page="/map/",
        name="Erika Muster",
        email="erika@example.org",
    )
    call = OpenCall.objects.filter(municipality=municipality).order_by("pk").first()
    application = Application.objects.filter(call=call).order_by("pk").first()
    assert call is not None and application is not None
    project = (
        Idea.objects.filter(municipality=municipality, state="in_development")
        .exclude(project=None)
        .order_by("pk")
        .first()
    )
    assert project is not None
    milestone = project.project.milestones.order_by("pk").first()
    indicator = project.project.indicators.order_by("pk").first()
    submitted = (
        Idea.objects.filter(municipality=municipality, state="submitted").order_by("pk").first()
    )
    in_review = (
        Idea.objects.filter(municipality=municipality, state="in_review").order_by("pk").first()
    )
    merged = Idea.objects.filter(municipality=municipality, state="merged").order_by("pk").first()
    report = Report.objects.filter(municipality=municipality).order_by("pk").first()
    template = AnswerTemplate.objects.filter(municipality=municipality).order_by("pk").first()
    criterion = Criterion.objects.filter(municipality=municipality).order_by("pk").first()
    selection = assembly.selections.order_by("number").first()
    paper_invitation = assembly.invites.filter(response=None).order_by("number").first()
    hidden = Comment.objects.get(pk=rude.pk)
    newcomer = UserFactory(
        municipality=municipality,
        display_name="Neu in der Moderation",
        roles=(Role.PARTICIPANT, Role.MODERATOR),
    )
    blocked = participants[2]
    moderation.account_block(
        municipality=municipality, user=blocked, actor=moderator, reason="insult"
    )
    # A second assembly that waits for answers (the first one has drawn its panel).
    answering = make_assembly(municipality, title="Bürgerrat Klima")
    assemblies.assembly_publish(assembly=answering, actor=admin)
    invite(answering, admin)
    return {
        "municipality": municipality,
        "people": people,
        "me": me,
        "newcomer": newcomer,
        "blocked": blocked,
        "answering": answering,
        "unsubscribe": make_token(user_id=me.pk, municipality_id=municipality.pk, scope="all"),
        "moderator": moderator,
        "reviewer": reviewer,
        "clerk": people["role:committee_clerk"],
        "admin": admin,
        "operator": people["role:operator"],
        "discussed": discussed,
        "hidden": hidden,
        "mine": mine,
        "draft": draft,
        "own_public": own_public,
        "event": event,
        "past_event": past_event,
        "call": call,
        "application": application,
        "project": project,
        "milestone": milestone,
        "indicator": indicator,
        "submitted": submitted,
        "in_review": in_review,
        "merged": merged,
        "report": report,
        "template": template,
        "criterion": criterion,
        "assembly": assembly,
        "selection": selection,
        "paper_invitation": paper_invitation,
        "format": next(iter(formats.values())),
        "place": next(iter(places.values())),
    }


def _session(user: Any, staff: bool) -> str:
    """A signed-in session (after the second factor for staff), as the login flow leaves it.

    The login itself, with the TOTP code, is tested in test_idea_flow.py; here it only costs
    time."""
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    if staff:
        session = client.session
        now = time.time()
        session["account_authentication_methods"] = [
            {"method": "password", "at": now, "email": user.email},
            {"method": "mfa", "at": now, "type": "totp"},
        ]
        session["account_authentication_methods_user"] = str(user.pk)
        session.save()
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def page_types(town: dict[str, Any]) -> dict[str, list[Visit]]:
    """Every page type, by the audience that sees it."""
    discussed, hidden, mine = town["discussed"], town["hidden"], town["mine"]
    project, assembly, selection = town["project"], town["assembly"], town["selection"]
    event, call = town["event"], town["call"]
    a = f"/staff/assemblies/{assembly.pk}/"
    e = f"/staff/events/{event.pk}/"
    visitor = [
        Visit("home", "/"),
        Visit("idea-list", "/ideas/"),
        Visit("idea-list-search", "/ideas/?q=Digital&order=supported"),
        Visit("idea-list-random", "/ideas/?order=random"),
        Visit("idea-list-empty", "/ideas/?q=Gibtesnichtwort"),
        Visit("idea-detail", discussed.get_absolute_url()),
        Visit("idea-detail-merged", town["merged"].get_absolute_url()),
        Visit("idea-detail-project", project.get_absolute_url()),
        Visit("idea-versions", f"/ideas/{discussed.pk}/versions/"),
        Visit("idea-similar", "/ideas/similar/?title=Digitale+Sprechstunde"),
        Visit("map", "/map/"),
        Visit("projects", "/projects/"),
        Visit("project", f"/projects/{project.pk}/"),
        Visit("assessment", f"/assessments/{discussed.pk}/"),
        Visit("dashboard", "/dashboard"),
        Visit(
            "dashboard-filtered",
            f"/dashboard?district=citywide&field={discussed.fields.first().slug}",
        ),
        Visit("dashboard-agenda", "/dashboard/agenda/"),
        Visit("dashboard-report", "/dashboard/report/"),
        Visit("events", "/events/"),
        Visit("events-past", "/events/?when=past"),
        Visit("event", event.get_absolute_url()),
        Visit("event-past", town["past_event"].get_absolute_url()),
        Visit("formats", "/events/formats/"),
        Visit("format", town["format"].get_absolute_url()),
        Visit("place", town["place"].get_absolute_url()),
        Visit("calls", "/calls/"),
        Visit("call", call.get_absolute_url()),
        Visit("assemblies", "/assemblies/"),
        Visit("assembly", assembly.get_absolute_url()),
        Visit("assembly-respond", f"/assemblies/{assembly.pk}/respond/"),
        Visit("assembly-draw", selection.get_absolute_url()),
        Visit("assembly-open", town["answering"].get_absolute_url()),
        Visit("assembly-code", f"/assemblies/{town['answering'].pk}/respond/"),
        Visit(
            "assembly-code-errors",
            f"/assemblies/{town['answering'].pk}/respond/",
            200,
            fill_and_submit({"input[name=code]": "FALSCH-FALSCH"}),
        ),
        Visit(
            "too-many-attempts",
            f"/assemblies/{town['answering'].pk}/respond/",
            429,
            guess_codes(21),
        ),
        Visit("netiquette", "/netiquette/"),
        Visit("transparency", "/transparency/"),
        Visit("report-form", f"/report/idea/{discussed.pk}/"),
        Visit("report-form-errors", f"/report/comment/{mine.pk}/", 200, submit_empty()),
        Visit("privacy", "/privacy/"),
        Visit("imprint", "/imprint/"),
        Visit("accessibility", "/accessibility/"),
        Visit("accessibility-errors", "/accessibility/", 400, submit_empty("#feedback form")),
        Visit("login", "/accounts/login/"),
        Visit(
            "login-errors",
            "/accounts/login/",
            200,
            fill_and_submit({"#id_login": town["me"].email, "#id_password": "falsch-falsch"}),
        ),
        Visit("signup", "/accounts/signup/"),
        Visit(
            "signup-errors",
            "/accounts/signup/",
            200,
            fill_and_submit(
                {
                    "#id_email": town["me"].email,
                    "#id_display_name": "Doppelt",
                    "#id_password1": "ein-sehr-langes-passwort-7",
                    "#id_password2": "ein-anderes-passwort-8",
                }
            ),
        ),
        Visit("password-reset", "/accounts/password/reset/"),
        Visit(
            "password-reset-errors",
            "/accounts/password/reset/",
            200,
            fill_and_submit({"#id_email": "a@b"}),
        ),
        Visit("password-reset-done", "/accounts/password/reset/done/"),
        Visit("password-reset-bad-key", "/accounts/password/reset/key/1-falsch/"),
        Visit("confirm-email-sent", "/accounts/confirm-email/"),
        Visit("confirm-email-bad-key", "/accounts/confirm-email/falsch/"),
        Visit("unsubscribe", f"/notifications/unsubscribe/{town['unsubscribe']}/"),
        Visit("unsubscribe-bad-token", "/notifications/unsubscribe/falsch/", 404),
        Visit("account-deleted", "/accounts/privacy/deleted/"),
        Visit("not-found", "/gibt-es-nicht/", 404),
        Visit("draft-of-others", f"/ideas/{town['draft'].pk}/", 404),
        # No municipality, so no choice of languages: the installation's default, German.
        Visit("unknown-host", "/", 404, host="127.0.0.1", lang="de"),
        # Bilingual (German first), as it cannot know the visitor's language.
        Visit("server-error", "/ideas/", 500, lang="de", template="500.html"),
        Visit("account-inactive", "/accounts/inactive/"),
        # Staff sign in with a code from their authenticator app (last: it starts a login).
        Visit(
            "second-factor-code",
            "/accounts/login/",
            200,
            fill_and_submit({"#id_login": town["moderator"].email, "#id_password": DEMO_PASSWORD}),
        ),
        Visit(
            "second-factor-code-errors",
            "/accounts/2fa/authenticate/",
            200,
            fill_and_submit({"input[name=code]": "000000"}),
        ),
    ]
    participant = [
        Visit("home-signed-in", "/"),
        Visit("idea-create", "/ideas/new/"),
        Visit("idea-create-errors", "/ideas/new/", 400, submit_empty("#idea-form")),
        Visit(
            "idea-create-preview",
            "/ideas/new/",
            200,
            fill_and_submit(
                {"#id_title": "Trinkbrunnen", "#id_text": "Zwei **Brunnen** im Park."},
                "button[value=preview]",
            ),
        ),
        Visit("my-ideas", "/ideas/mine/"),
        Visit("idea-draft", town["draft"].get_absolute_url()),
        Visit("idea-own", town["own_public"].get_absolute_url()),
        Visit("idea-edit", f"/ideas/{town['draft'].pk}/edit/"),
        Visit(
            "idea-edit-errors",
            f"/ideas/{town['draft'].pk}/edit/",
            400,
            fill_and_submit({"#id_title": ""}, "button[value=save]"),
        ),
        Visit("idea-withdraw", f"/ideas/{town['own_public'].pk}/withdraw/"),
        Visit(
            "idea-participate",
            discussed.get_absolute_url(),
            200,
            open_details(f"#comment-{mine.pk} details.comment-action summary"),
        ),
        Visit(
            "idea-comment-errors",
            discussed.get_absolute_url(),
            400,
            submit_empty("#comment-form"),
        ),
        Visit("comment-edit", f"/ideas/{discussed.pk}/comments/{mine.pk}/edit/"),
        Visit("comment-delete", f"/ideas/{discussed.pk}/comments/{mine.pk}/delete/"),
        Visit("account-settings", "/accounts/settings/"),
        Visit("account-email", "/accounts/email/"),
        Visit("password-change", "/accounts/password/change/"),
        Visit("reauthenticate", "/accounts/reauthenticate/"),
        Visit(
            "password-change-errors",
            "/accounts/password/change/",
            200,
            fill_and_submit(
                {"#id_oldpassword": "falsch-falsch", "#id_password1": "x", "#id_password2": "y"}
            ),
        ),
        Visit("two-factor", "/accounts/2fa/"),
        Visit("two-factor-activate", "/accounts/2fa/totp/activate/"),
        Visit("notification-settings", "/accounts/notifications/"),
        Visit("inbox", "/notifications/"),
        Visit("my-events", "/events/mine/"),
        Visit("event-registered", event.get_absolute_url()),
        Visit("call-apply", call.get_absolute_url()),
        Visit("privacy-overview", "/accounts/privacy/"),
        Visit("privacy-consent", "/accounts/privacy/consent/"),
        Visit("privacy-export", "/accounts/privacy/export/"),
        Visit("privacy-delete", "/accounts/privacy/delete/"),
        Visit("privacy-delete-errors", "/accounts/privacy/delete/", 200, submit_empty()),
        Visit("logout", "/accounts/logout/"),
        Visit("forbidden", "/staff/moderation/", 403),
    ]
    moderator = [
        Visit("staff-index-moderator", "/staff/"),
        Visit("moderation-queue", "/staff/moderation/"),
        Visit("moderation-queue-comments", "/staff/moderation/?kind=comment"),
        Visit("moderation-report", f"/staff/moderation/reports/{town['report'].pk}/"),
        Visit("moderation-idea", f"/staff/moderation/ideas/{discussed.pk}/"),
        Visit("moderation-comment", f"/staff/moderation/comments/{mine.pk}/"),
        Visit(
            "moderation-comment-errors",
            f"/staff/moderation/comments/{mine.pk}/",
            200,
            submit_empty("main form:has(button[value=hide])"),
        ),
        Visit("moderation-comment-hidden", f"/staff/moderation/comments/{hidden.pk}/"),
        Visit("moderation-account", f"/staff/moderation/accounts/{town['me'].pk}/"),
        Visit("moderation-blocks", "/staff/moderation/blocks/"),
        Visit("moderation-log", "/staff/moderation/log/"),
        Visit("moderation-templates", "/staff/moderation/templates/"),
        Visit("moderation-template", f"/staff/moderation/templates/{town['template'].pk}/"),
        Visit("moderation-settings", "/staff/moderation/settings/"),
        Visit("recovery-codes", "/accounts/2fa/recovery-codes/"),
        Visit("recovery-codes-new", "/accounts/2fa/recovery-codes/generate/"),
        Visit("two-factor-deactivate", "/accounts/2fa/totp/deactivate/"),
        Visit("overdue-answers", "/staff/review/overdue/"),
        Visit(
            "idea-moderator",
            discussed.get_absolute_url(),
            200,
            open_details("#answer details.staff-tool summary"),
        ),
    ]
    reviewer = [
        Visit("review-queue", "/staff/review/"),
        Visit("review-submitted", f"/staff/review/{town['submitted'].pk}/"),
        Visit("review-in-review", f"/staff/review/{town['in_review'].pk}/"),
        Visit(
            "review-decision-errors",
            f"/staff/review/{town['in_review'].pk}/",
            400,
            submit_empty("main form:has(input[name=action][value=decide])"),
        ),
        Visit("review-decided", f"/staff/review/{discussed.pk}/"),
        Visit("projects-staff", "/staff/projects/"),
        Visit("project-staff", f"/staff/projects/{project.pk}/"),
        Visit(
            "project-milestone",
            f"/staff/projects/{project.pk}/milestones/{town['milestone'].pk}/",
        ),
        Visit(
            "project-indicator",
            f"/staff/projects/{project.pk}/indicators/{town['indicator'].pk}/",
        ),
    ]
    clerk = [
        Visit("committee-queue", "/staff/committee/"),
        Visit("committee-idea", f"/staff/committee/{discussed.pk}/"),
        Visit("committee-errors", f"/staff/committee/{discussed.pk}/", 400, submit_empty()),
    ]
    admin = [
        Visit("staff-index-admin", "/staff/"),
        Visit("settings", "/staff/settings/"),
        Visit("settings-districts", "/staff/settings/districts/"),
        Visit("settings-criteria", "/staff/settings/criteria/"),
        Visit("settings-criterion", f"/staff/settings/criteria/{town['criterion'].pk}/"),
        Visit("settings-fields", "/staff/settings/fields/"),
        Visit("settings-clusters", "/staff/settings/clusters/"),
        Visit("roles", "/staff/roles/"),
        Visit("roles-errors", "/staff/roles/", 200, submit_empty("main form.card")),
        Visit("accessibility-feedback", "/staff/accessibility-feedback/"),
        Visit("audit-log", "/staff/audit/"),
        Visit("events-staff", "/staff/events/"),
        Visit("event-new", "/staff/events/new/"),
        Visit("event-new-errors", "/staff/events/new/", 200, submit_empty()),
        Visit("event-staff", e),
        Visit("event-registrations", e + "registrations/"),
        Visit("event-outcome", f"/staff/events/{town['past_event'].pk}/outcome/"),
        Visit("place-new", "/staff/events/places/new/"),
        Visit("place-edit", f"/staff/events/places/{town['place'].pk}/"),
        Visit("format-new", "/staff/events/formats/new/"),
        Visit("format-edit", f"/staff/events/formats/{town['format'].pk}/"),
        Visit("call-new", "/staff/events/calls/new/"),
        Visit("call-staff", f"/staff/events/calls/{call.pk}/"),
        Visit(
            "application-staff",
            f"/staff/events/calls/{call.pk}/applications/{town['application'].pk}/",
        ),
        Visit("assemblies-staff", "/staff/assemblies/"),
        Visit("assembly-new", "/staff/assemblies/new/"),
        Visit("assembly-new-errors", "/staff/assemblies/new/", 200, submit_empty()),
        Visit("assembly-staff", a),
        Visit("assembly-edit", a + "edit/"),
        Visit("assembly-quotas", a + "quotas/"),
        Visit("assembly-responses", a + "responses/"),
        Visit("assembly-members", a + "members/"),
        Visit("assembly-recommendations", a + "recommendations/"),
        Visit("assembly-recommendation-new", a + "recommendations/new/"),
        Visit("projects-staff-admin", "/staff/projects/"),
    ]
    if town["paper_invitation"] is not None:
        admin.append(
            Visit("assembly-paper", a + f"responses/paper/{town['paper_invitation'].number}/")
        )
    operator = [Visit("operator", "/staff/operator/")]
    # Staff who have not set up their second factor yet are sent to set it up.
    newcomer = [
        Visit("second-factor-required", "/accounts/second-factor/", 403),
        Visit("second-factor-redirect", "/staff/moderation/", 403),
    ]
    # A blocked account may read, but whatever it sends is refused with an explanation.
    blocked = [
        Visit(
            "blocked",
            "/ideas/new/",
            403,
            fill_and_submit(
                {"#id_title": "Noch eine Idee", "#id_text": "Ein Text."}, "button[value=draft]"
            ),
        )
    ]
    return {
        "visitor": visitor,
        "blocked": blocked,
        "participant": participant,
        "moderator": moderator,
        "reviewer": reviewer,
        "clerk": clerk,
        "admin": admin,
        "operator": operator,
        "newcomer": newcomer,
    }


@pytest.fixture
def world(live_server: Any, transactional_db: Any) -> World:
    """The seeded town on the live server, with a signed-in session per audience."""
    from urllib.parse import urlsplit

    town = build_town()
    staff = {"moderator", "reviewer", "clerk", "admin", "operator"}
    users = {
        "participant": town["me"],
        "newcomer": town["newcomer"],
        "blocked": town["blocked"],
        **{k: town[k] for k in staff},
    }
    return World(
        base=live_server.url,
        port=int(urlsplit(live_server.url).port or 80),
        sessions={name: _session(user, name in staff) for name, user in users.items()},
        pages=page_types(town),
    )


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("locale", LOCALES)
def test_no_wcag_violation_on_any_page_type(
    world: World, browser: Any, locale: str, viewport: str
) -> None:
    # While fixing pages: PAGE_TYPES_AUDIENCES=admin,visitor checks only these audiences.
    only = [a for a in os.environ.get("PAGE_TYPES_AUDIENCES", "").split(",") if a]
    problems: list[str] = []
    for audience in only or AUDIENCES:
        problems += _check_audience(world, browser, audience, locale, viewport)
    assert not problems, f"{len(problems)} page(s) with problems:\n" + "\n".join(problems)


def _serve(template: str, status: int) -> Callable[[Any], None]:
    from django.template.loader import render_to_string

    body = render_to_string(template)

    def fulfil(route: Any) -> None:
        route.fulfill(status=status, body=body, content_type="text/html; charset=utf-8")

    return fulfil


def _check_audience(
    world: World, browser: Any, audience: str, locale: str, viewport: str
) -> list[str]:
    from django.conf import settings

    page = new_page(browser, viewport=viewport, locale=locale)
    if audience in world.sessions:
        cookie = {
            "name": settings.SESSION_COOKIE_NAME,
            "value": world.sessions[audience],
            "url": world.base,
        }
        page.context.add_cookies([cookie])
    language = locale[:2]
    # The status of the last page or htmx answer: what the person now looks at.
    answers: list[Any] = []
    page.on(
        "response",
        lambda r: answers.append(r) if r.request.resource_type in {"document", "xhr"} else None,
    )
    problems: list[str] = []
    try:
        for visit in world.pages[audience]:
            base = f"http://{visit.host}:{world.port}" if visit.host else world.base
            try:
                if visit.template:
                    page.route(base + visit.path, _serve(visit.template, visit.status))
                page.goto(base + visit.path)
                if visit.template:
                    page.unroute(base + visit.path)
                if visit.action:
                    visit.action(page)
                if "errors" in visit.name:
                    errors_shown(page)
                status = answers[-1].status if answers else None
                assert status == visit.status, f"{visit.path} answered {status}"
                if viewport == "mobile":
                    # WCAG 1.4.10 Reflow: no page scrolls sideways (tables scroll inside).
                    widths = page.evaluate("[document.documentElement.scrollWidth, innerWidth]")
                    assert widths[0] <= widths[1], f"the page is {widths[0]} px wide on {widths[1]}"
                lang = page.locator("html").get_attribute("lang")
                assert lang == (visit.lang or language), f"html lang {lang}"
                assert_accessible(page)
            except Exception as error:  # every page is reported, then the test fails
                first = str(error).strip().splitlines()[0] if str(error).strip() else ""
                detail = str(error) if isinstance(error, AssertionError) else first
                problems.append(f"[{audience} {visit.name}] {type(error).__name__}: {detail}")
                page.goto("about:blank")
    finally:
        page.context.close()
    return problems
