"""The staff pages of moderation: queue, filters, bulk actions, tools; never across towns."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.moderation import services
from mitmachstadt.moderation.models import AnswerTemplate, ModerationAction, Reason, Report
from mitmachstadt.moderation.selectors import moderation_settings

from .helpers import login, login_staff, make_moderator


def _report(target: Any, reporter: Any, reason: str = Reason.SPAM) -> Report:
    municipality = reporter.memberships.get().municipality
    return services.report_create(
        municipality=municipality, target=target, reporter=reporter, reason=reason
    )


def _staff_urls(idea: Any, comment: Any, account: Any, report: Report, template: Any) -> list[str]:
    return [
        "/staff/moderation/",
        f"/staff/moderation/reports/{report.pk}/",
        f"/staff/moderation/ideas/{idea.pk}/",
        f"/staff/moderation/comments/{comment.pk}/",
        f"/staff/moderation/accounts/{account.pk}/",
        "/staff/moderation/blocks/",
        "/staff/moderation/log/",
        "/staff/moderation/templates/",
        f"/staff/moderation/templates/{template.pk}/",
        "/staff/moderation/settings/",
    ]


@pytest.mark.django_db
def test_every_staff_page_works_for_moderators_only_and_only_in_their_town(
    municipality: Any,
    idea: Any,
    comment: Any,
    author: Any,
    participant: Any,
    moderator: Any,
    mod_client: Client,
    other_municipality: Any,
) -> None:
    report = _report(idea, participant)
    template = services.answer_template_save(
        municipality=municipality, actor=moderator, title="Danke", text="Danke für Ihre Idee."
    )
    urls = _staff_urls(idea, comment, author, report, template)
    for url in urls:
        assert mod_client.get(url).status_code == 200, url
    # A participant gets 403, a visitor is sent to sign in.
    for url in urls:
        assert login("alpha.test", participant).get(url).status_code == 403, url
        assert Client(HTTP_HOST="alpha.test").get(url).status_code == 302, url
    # A moderator of Betadorf sees Betadorf's (empty) queue, and none of Alphastadt's objects.
    foreign = login_staff("beta.test", make_moderator(other_municipality))
    assert foreign.get("/staff/moderation/").status_code == 200
    assert idea.title not in foreign.get("/staff/moderation/?status=").content.decode()
    for url in urls[1:5] + urls[8:9]:
        assert foreign.get(url).status_code == 404, url
    for url, data in [
        (f"/staff/moderation/ideas/{idea.pk}/", {"action": "hide", "hide-public_reason": "x"}),
        (
            f"/staff/moderation/comments/{comment.pk}/",
            {"action": "hide", "hide-public_reason": "x"},
        ),
        (f"/staff/moderation/accounts/{author.pk}/", {"action": "block", "block-reason": "x"}),
        (f"/staff/moderation/reports/{report.pk}/", {"action": "dismiss"}),
        (f"/staff/moderation/templates/{template.pk}/delete/", {}),
    ]:
        assert foreign.post(url, data).status_code == 404, url
    assert (
        foreign.post(
            "/staff/moderation/", {"reports": [report.pk], "bulk_action": "dismiss"}
        ).status_code
        == 302
    )
    report.refresh_from_db()
    idea.refresh_from_db()
    assert report.status == Report.Status.OPEN and not idea.is_hidden
    assert AnswerTemplate.objects.filter(pk=template.pk).exists()
    assert not ModerationAction.objects.exclude(action="hold").exists()


@pytest.mark.django_db
def test_queue_filters_and_counts(
    municipality: Any, idea: Any, comment: Any, author: Any, mod_client: Client
) -> None:
    reporters = [UserFactory(municipality=municipality) for _ in range(3)]
    _report(idea, reporters[0])
    _report(idea, reporters[1], Reason.INSULT)
    _report(comment, reporters[2], Reason.HATE)
    _report(author, reporters[2], Reason.NAME)
    page = mod_client.get("/staff/moderation/").content.decode()
    assert "4 offene Meldungen" in page
    assert page.count('name="reports"') == 4
    only_comments = mod_client.get("/staff/moderation/?kind=comment").content.decode()
    assert only_comments.count('name="reports"') == 1
    only_hate = mod_client.get("/staff/moderation/?reason=hate").content.decode()
    assert only_hate.count('name="reports"') == 1
    mine = mod_client.get("/staff/moderation/?assigned=me").content.decode()
    assert mine.count('name="reports"') == 0
    nothing = mod_client.get("/staff/moderation/?status=dismissed").content.decode()
    assert "Keine Meldungen passen zu diesem Filter." in nothing


@pytest.mark.django_db
def test_bulk_assign_dismiss_and_hide(
    municipality: Any, idea: Any, comment: Any, moderator: Any, mod_client: Client
) -> None:
    reporters = [UserFactory(municipality=municipality) for _ in range(3)]
    first = _report(idea, reporters[0])
    second = _report(comment, reporters[1])
    third = _report(comment, reporters[2])
    response = mod_client.post(
        "/staff/moderation/", {"reports": [first.pk, second.pk], "bulk_action": "assign_me"}
    )
    assert response.status_code == 302
    assert set(Report.objects.filter(assigned_to=moderator).values_list("pk", flat=True)) == {
        first.pk,
        second.pk,
    }
    mod_client.post("/staff/moderation/", {"reports": [first.pk], "bulk_action": "dismiss"})
    # Hiding without a public reason is refused and changes nothing.
    mod_client.post("/staff/moderation/", {"reports": [second.pk], "bulk_action": "hide"})
    comment.refresh_from_db()
    assert not comment.is_hidden
    mod_client.post(
        "/staff/moderation/",
        {
            "reports": [second.pk],
            "bulk_action": "hide",
            "reason": "hate",
            "public_reason": "Verstößt gegen die Netiquette.",
        },
    )
    comment.refresh_from_db()
    assert comment.is_hidden and comment.hidden_reason == "Verstößt gegen die Netiquette."
    statuses = dict(Report.objects.values_list("pk", "status"))
    # Hiding closes every open report on the comment, also the unselected third one.
    assert statuses == {first.pk: "dismissed", second.pk: "resolved", third.pk: "resolved"}


@pytest.mark.django_db
def test_report_detail_assign_and_resolve(
    idea: Any, participant: Any, moderator: Any, mod_client: Client
) -> None:
    report = _report(idea, participant)
    url = f"/staff/moderation/reports/{report.pk}/"
    page = mod_client.get(url).content.decode()
    assert participant.display_name in page  # moderators see who reported
    mod_client.post(url, {"action": "assign_me"})
    mod_client.post(url, {"action": "resolve", "note": "Ausgeblendet"})
    report.refresh_from_db()
    assert (report.assigned_to, report.status, report.note) == (
        moderator,
        "resolved",
        "Ausgeblendet",
    )


@pytest.mark.django_db
def test_moderate_an_idea_through_its_page(
    municipality: Any, idea: Any, author: Any, moderator: Any, mod_client: Client
) -> None:
    url = f"/staff/moderation/ideas/{idea.pk}/"
    response = mod_client.post(
        url, {"action": "hide", "hide-reason": "spam", "hide-public_reason": "Werbung."}
    )
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.is_hidden and idea.hidden_reason == "Werbung."
    mod_client.post(url, {"action": "restore", "restore-note": "Doch keine Werbung"})
    idea.refresh_from_db()
    assert not idea.is_hidden
    response = mod_client.post(
        url,
        {
            "action": "edit",
            "edit-title": "Mehr Sitzbänke in der Innenstadt",
            "edit-text": "Auf dem Weg zum Markt fehlen Bänke zum Ausruhen für ältere Menschen.",
            "edit-note": "Grammatik",
        },
    )
    assert response.status_code == 302
    # Errors stay on the form, with the input.
    bad = mod_client.post(
        url, {"action": "edit", "edit-title": "Kurz", "edit-text": "zu kurz", "edit-note": "x"}
    )
    assert bad.status_code == 200 and "zu kurz" in bad.content.decode()
    template = services.answer_template_save(
        municipality=municipality, actor=moderator, title="Prüfung", text="Wir prüfen „{title}“."
    )
    filled = mod_client.post(url, {"action": "use_template", "answer-template": template.pk})
    assert f"Wir prüfen „{idea.title}“." in filled.content.decode()
    mod_client.post(
        url,
        {"action": "answer", "answer-template": template.pk, "answer-text": "Wir prüfen das gern."},
    )
    assert idea.answers.get().text == "Wir prüfen das gern."
    target = make_idea(municipality=municipality, author=author, title="Bänke am Marktplatz")
    mod_client.post(url, {"action": "merge", "merge-into": target.pk, "merge-reason": "Doppelt"})
    idea.refresh_from_db()
    assert idea.merged_into == target
    actions = list(ModerationAction.objects.filter(idea=idea).values_list("action", flat=True))
    assert sorted(actions) == ["answer", "edit", "hide", "merge", "restore"]


@pytest.mark.django_db
def test_moderate_a_comment_and_rename_an_account(
    comment: Any, author: Any, mod_client: Client
) -> None:
    url = f"/staff/moderation/comments/{comment.pk}/"
    mod_client.post(url, {"action": "edit", "edit-text": "Gute Idee.", "edit-note": "gekürzt"})
    comment.refresh_from_db()
    assert comment.text == "Gute Idee." and "gekürzt" in comment.text_html
    mod_client.post(
        f"/staff/moderation/accounts/{author.pk}/", {"action": "rename", "rename-note": ""}
    )
    author.refresh_from_db()
    assert author.display_name.startswith("Teilnehmende ")


@pytest.mark.django_db
def test_templates_settings_log_and_find_account(
    municipality: Any, author: Any, moderator: Any, mod_client: Client
) -> None:
    mod_client.post(
        "/staff/moderation/templates/",
        {"title": "Eingang", "text": "Danke, {municipality} hat Ihre Idee erhalten."},
    )
    template = AnswerTemplate.objects.get()
    mod_client.post(
        f"/staff/moderation/templates/{template.pk}/",
        {"title": "Eingang", "text": "Neuer Text hier."},
    )
    template.refresh_from_db()
    assert template.text == "Neuer Text hier."
    mod_client.post(f"/staff/moderation/templates/{template.pk}/delete/")
    assert not AnswerTemplate.objects.exists()
    mod_client.post(
        "/staff/moderation/settings/",
        {"spam_threshold": "0.8", "blocked_terms": " Wundermittel \n\n", "hold_first_posts": "on"},
    )
    config = moderation_settings(municipality)
    assert (config.spam_threshold, config.terms, config.hold_first_posts) == (
        0.8,
        ["Wundermittel"],
        True,
    )
    response = mod_client.get("/staff/moderation/blocks/", {"name": author.display_name.upper()})
    assert response["Location"] == f"/staff/moderation/accounts/{author.pk}/"
    log = mod_client.get("/staff/moderation/log/").content.decode()
    assert "Noch nichts." in log  # templates and settings are audited, not moderation actions
