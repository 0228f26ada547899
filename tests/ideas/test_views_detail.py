"""The idea page and everything done on it: reactions, following, discussion, answer, links."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.ideas import services, workflow
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Follow, Idea, IdeaLink, OfficialAnswer, Reaction

from .test_views_common import (  # noqa: F401
    author_fixture,
    draft_fixture,
    error_text,
    field_fixture,
    html,
    htmx,
    idea_fixture,
    logged_in,
    moderator_fixture,
    reviewer_fixture,
    staff_client,
)

pytestmark = pytest.mark.django_db


def test_anyone_sees_a_public_idea_with_state_meaning_and_progress(
    client_a: Client, idea: Any
) -> None:
    response = client_a.get(f"/ideas/{idea.pk}/")
    assert response.status_code == 200
    page = html(response)
    assert f'<h1 id="idea-title">{idea.title}</h1>' in page
    assert "Projektvorschlag" in page
    assert "Die Idee ist öffentlich" in page
    assert 'aria-current="step"' in page
    assert "Ada Autorin" in page
    assert "Melden Sie sich an" in page  # visitors are invited to sign in to take part
    assert f'action="/ideas/{idea.pk}/react/"' not in page


def test_drafts_are_visible_to_their_authors_only(
    client_a: Client, municipality: Any, draft: Any, author: Any, moderator: Any
) -> None:
    assert client_a.get(f"/ideas/{draft.pk}/").status_code == 404
    stranger = logged_in(UserFactory(municipality=municipality))
    assert stranger.get(f"/ideas/{draft.pk}/").status_code == 404
    assert staff_client(moderator).get(f"/ideas/{draft.pk}/").status_code == 404
    page = logged_in(author).get(f"/ideas/{draft.pk}/")
    assert page.status_code == 200
    assert "Entwurf." in html(page)
    assert f'action="/ideas/{draft.pk}/submit/"' in html(page)


def test_the_author_submits_a_draft_from_its_page(
    client_a: Client, draft: Any, author: Any
) -> None:
    response = logged_in(author).post(f"/ideas/{draft.pk}/submit/")
    assert response.status_code == 302 and response["Location"] == f"/ideas/{draft.pk}/"
    draft.refresh_from_db()
    assert draft.state == "submitted"
    assert client_a.get(f"/ideas/{draft.pk}/").status_code == 200


def test_others_cannot_submit_or_withdraw(municipality: Any, draft: Any, idea: Any) -> None:
    stranger = logged_in(UserFactory(municipality=municipality))
    assert stranger.post(f"/ideas/{draft.pk}/submit/").status_code == 404  # a draft: invisible
    assert stranger.post(f"/ideas/{idea.pk}/withdraw/").status_code == 403
    assert stranger.get(f"/ideas/{idea.pk}/withdraw/").status_code == 403
    idea.refresh_from_db()
    assert idea.state == "submitted"


def test_the_author_withdraws_after_confirming(client_a: Client, idea: Any, author: Any) -> None:
    client = logged_in(author)
    confirm = client.get(f"/ideas/{idea.pk}/withdraw/")
    assert confirm.status_code == 200
    assert "Idee zurückziehen?" in html(confirm)
    response = client.post(f"/ideas/{idea.pk}/withdraw/", {"reason": "Hat sich erledigt."})
    assert response.status_code == 302 and response["Location"] == "/ideas/mine/"
    idea.refresh_from_db()
    assert idea.state == "withdrawn"
    assert idea.transitions.last().reason == "Hat sich erledigt."
    assert client_a.get(f"/ideas/{idea.pk}/").status_code == 404
    assert "nicht mehr öffentlich" in html(client.get(f"/ideas/{idea.pk}/"))


def test_a_returned_idea_can_be_resubmitted_by_its_author(
    idea: Any, author: Any, reviewer: Any
) -> None:
    workflow.start_review(idea=idea, actor=reviewer)
    workflow.return_to_pool(idea=idea, actor=reviewer, reason="Passt nicht zu den Zielen.")
    client = logged_in(author)
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert "Idee erneut einreichen" in page
    assert "Passt nicht zu den Zielen." in page  # the public reason in the history
    client.post(f"/ideas/{idea.pk}/submit/")
    idea.refresh_from_db()
    assert idea.state == "submitted"


def test_history_shows_transitions_with_reason_and_committee_document(
    client_a: Client, municipality: Any, idea: Any, reviewer: Any
) -> None:
    clerk = UserFactory(municipality=municipality, roles=(Role.COMMITTEE_CLERK,))
    workflow.start_review(idea=idea, actor=reviewer)
    Idea.objects.filter(pk=idea.pk).update(state="candidate")
    idea.refresh_from_db()
    workflow.committee_approve(
        idea=idea,
        actor=clerk,
        reason="Einstimmig beschlossen.",
        document_reference="https://ratsinfo.example/vorlage/395",
    )
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    history = page[page.index('id="history"') :]
    assert "Jetzt: In Prüfung" in history
    assert "Jetzt: Projekt in Entwicklung" in history
    assert "Einstimmig beschlossen." in history
    assert 'href="https://ratsinfo.example/vorlage/395"' in history
    assert clerk.display_name not in page  # staff act for the administration, not in person


# --- Official answer ----------------------------------------------------------------------


def test_answer_is_shown_prominently_and_due_date_before(
    client_a: Client, municipality: Any, idea: Any, reviewer: Any
) -> None:
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Noch nicht beantwortet" in page
    services.answer_create(idea=idea, actor=reviewer, text="Wir prüfen das gern bis zum Sommer.")
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    box = re.search(r'<section id="answer".*?</section>', page, re.S)
    assert box is not None and "answer-given" in box.group(0)
    assert "Wir prüfen das gern bis zum Sommer." in box.group(0)
    assert page.index('id="answer"') < page.index('class="idea-text"')


def test_staff_with_second_factor_publish_an_answer(idea: Any, reviewer: Any) -> None:
    client = staff_client(reviewer)
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert f'action="/ideas/{idea.pk}/answer/#answer"' in page
    response = client.post(f"/ideas/{idea.pk}/answer/", {"text": "Danke, das nehmen wir auf."})
    assert response.status_code == 302
    assert OfficialAnswer.objects.get(idea=idea).text == "Danke, das nehmen wir auf."


def test_answer_errors_keep_the_text(idea: Any, reviewer: Any) -> None:
    response = staff_client(reviewer).post(f"/ideas/{idea.pk}/answer/", {"text": "Zu kurz"})
    assert response.status_code == 400
    page = html(response)
    assert "mindestens 10 Zeichen" in error_text(page)
    assert "Zu kurz</textarea>" in page
    assert not OfficialAnswer.objects.exists()


def test_answers_need_a_staff_role_and_a_second_factor(
    municipality: Any, idea: Any, author: Any, reviewer: Any
) -> None:
    assert (
        logged_in(author).post(f"/ideas/{idea.pk}/answer/", {"text": "x" * 20}).status_code == 403
    )
    no_2fa = logged_in(reviewer).post(f"/ideas/{idea.pk}/answer/", {"text": "x" * 20})
    assert no_2fa.status_code == 302 and no_2fa["Location"] == "/accounts/second-factor/"
    assert "Offizielle Antwort schreiben" not in html(logged_in(author).get(f"/ideas/{idea.pk}/"))
    assert not OfficialAnswer.objects.exists()


# --- Reactions and following --------------------------------------------------------------


def test_support_mode_button_toggles(municipality: Any, idea: Any) -> None:
    municipality.reaction_mode = "support"
    municipality.save()
    client = logged_in(UserFactory(municipality=municipality))
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert "Idee unterstützen" in page
    response = client.post(f"/ideas/{idea.pk}/react/", {"value": "1"})
    assert response.status_code == 302 and response["Location"].endswith("#participation")
    idea.refresh_from_db()
    assert idea.up_count == 1
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert "Sie unterstützen diese Idee." in page and 'aria-pressed="true"' in page
    client.post(f"/ideas/{idea.pk}/react/", {"value": "none"})
    idea.refresh_from_db()
    assert idea.up_count == 0 and not Reaction.objects.exists()


def test_updown_mode_with_htmx_swaps_the_participation_box(municipality: Any, idea: Any) -> None:
    client = logged_in(UserFactory(municipality=municipality))
    response = htmx(client, f"/ideas/{idea.pk}/react/", {"value": "-1"})
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="participation"')
    assert "<html" not in fragment
    assert "1 dagegen" in fragment and "Sie sind dagegen" in fragment
    assert re.search(r'id="react-down"[^>]*aria-pressed="true"', fragment, re.S)
    assert "Ihre Reaktion ist gespeichert." in fragment
    htmx(client, f"/ideas/{idea.pk}/react/", {"value": "1"})
    idea.refresh_from_db()
    assert (idea.up_count, idea.down_count) == (1, 0)


def test_stars_mode_radio_group_and_removal(municipality: Any, idea: Any) -> None:
    municipality.reaction_mode = "stars"
    municipality.save()
    client = logged_in(UserFactory(municipality=municipality))
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert page.count('type="radio"') == 5 and "<legend>Ihre Bewertung</legend>" in page
    client.post(f"/ideas/{idea.pk}/react/", {"value": "4"})
    idea.refresh_from_db()
    assert (idea.star_count, idea.star_sum) == (1, 4)
    page = html(client.get(f"/ideas/{idea.pk}/"))
    assert re.search(r'value="4"\s+id="star-4"\s+checked', page)
    assert "4,0 von 5 (1 Bewertung)" in page
    client.post(f"/ideas/{idea.pk}/react/", {"value": "none"})
    idea.refresh_from_db()
    assert idea.star_count == 0


def test_impossible_reaction_is_refused_with_a_message(municipality: Any, idea: Any) -> None:
    client = logged_in(UserFactory(municipality=municipality))
    for value in ("7", "viel"):
        response = client.post(f"/ideas/{idea.pk}/react/", {"value": value})
        assert response.status_code == 400
        assert "Diese Reaktion ist hier nicht möglich." in html(response)
    assert not Reaction.objects.exists()


def test_reactions_need_an_account(client_a: Client, idea: Any) -> None:
    response = client_a.post(f"/ideas/{idea.pk}/react/", {"value": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Reaction.objects.exists()


def test_reactions_over_the_rate_limit_get_429(settings: Any, municipality: Any, idea: Any) -> None:
    settings.RATE_LIMITS = {"reaction": "2/60"}
    client = logged_in(UserFactory(municipality=municipality))
    client.post(f"/ideas/{idea.pk}/react/", {"value": "1"})
    client.post(f"/ideas/{idea.pk}/react/", {"value": "none"})
    response = client.post(f"/ideas/{idea.pk}/react/", {"value": "1"})
    assert response.status_code == 429
    assert "Zu viele Reaktionen" in html(response)
    assert htmx(client, f"/ideas/{idea.pk}/react/", {"value": "1"}).status_code == 429
    assert not Reaction.objects.exists()


def test_follow_and_unfollow(municipality: Any, idea: Any) -> None:
    person = UserFactory(municipality=municipality)
    client = logged_in(person)
    response = client.post(f"/ideas/{idea.pk}/follow/", {"follow": "1"})
    assert response.status_code == 302
    assert Follow.objects.filter(idea=idea, user=person).exists()
    fragment = html(htmx(client, f"/ideas/{idea.pk}/follow/", {"follow": "0"}))
    assert "Sie folgen dieser Idee nicht mehr." in fragment
    assert "Dieser Idee folgen" in fragment
    assert not Follow.objects.filter(idea=idea, user=person).exists()


def test_merged_idea_points_to_its_target_and_takes_no_reactions(
    client_a: Client, municipality: Any, author: Any, field: Any, idea: Any, moderator: Any
) -> None:
    twin = make_idea(
        municipality=municipality, author=author, fields=[field], title="Bänke am Markt"
    )
    workflow.merge(idea=twin, into=idea, actor=moderator, reason="Gleiche Idee.")
    page = html(client_a.get(f"/ideas/{twin.pk}/"))
    assert "Zusammengeführt." in page and f'href="/ideas/{idea.pk}/"' in page
    person = logged_in(UserFactory(municipality=municipality))
    assert "Dieser Idee folgen" not in html(person.get(f"/ideas/{twin.pk}/"))
    target = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "In diese Idee zusammengeführt:" in target and "Bänke am Markt" in target


# --- Discussion ---------------------------------------------------------------------------


def test_comment_reply_edit_delete(client_a: Client, municipality: Any, idea: Any) -> None:
    person = UserFactory(municipality=municipality, display_name="Kim Kommentar")
    client = logged_in(person)
    response = client.post(f"/ideas/{idea.pk}/comments/", {"text": "Sehr gute **Idee**!"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ideas/{idea.pk}/#comment-{comment.pk}"
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Sehr gute <strong>Idee</strong>!" in page and "Kim Kommentar" in page
    client.post(
        f"/ideas/{idea.pk}/comments/", {"text": "Und noch ein Gedanke.", "parent": comment.pk}
    )
    reply = Comment.objects.get(parent=comment)
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    nested = re.search(r'<ol class="comments comments-nested".*?</ol>', page, re.S)
    assert nested is not None and "Und noch ein Gedanke." in nested.group(0)
    client.post(f"/ideas/{idea.pk}/comments/{comment.pk}/edit/", {"text": "Sehr gute Idee, ja!"})
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Sehr gute Idee, ja!" in page and ">bearbeitet</span>" in page
    client.post(f"/ideas/{idea.pk}/comments/{comment.pk}/delete/")
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Kommentar gelöscht." in page and "Sehr gute Idee, ja!" not in page
    assert "Und noch ein Gedanke." in page  # the reply stays
    assert reply.pk


def test_only_authors_edit_or_delete_their_comments(municipality: Any, idea: Any) -> None:
    comment = services.comment_create(
        idea=idea, author=UserFactory(municipality=municipality), text="Meins"
    )
    other = logged_in(UserFactory(municipality=municipality))
    assert (
        other.post(f"/ideas/{idea.pk}/comments/{comment.pk}/edit/", {"text": "X"}).status_code
        == 403
    )
    assert other.post(f"/ideas/{idea.pk}/comments/{comment.pk}/delete/").status_code == 403
    comment.refresh_from_db()
    assert comment.text == "Meins" and not comment.is_deleted


def test_comment_edit_and_delete_pages_work_without_javascript(
    municipality: Any, idea: Any
) -> None:
    person = UserFactory(municipality=municipality)
    comment = services.comment_create(idea=idea, author=person, text="Ursprünglicher Text")
    client = logged_in(person)
    edit = client.get(f"/ideas/{idea.pk}/comments/{comment.pk}/edit/")
    assert edit.status_code == 200 and "Ursprünglicher Text</textarea>" in html(edit)
    empty = client.post(f"/ideas/{idea.pk}/comments/{comment.pk}/edit/", {"text": "  "})
    assert empty.status_code == 400 and "Bitte schreiben Sie einen Kommentar." in html(empty)
    confirm = client.get(f"/ideas/{idea.pk}/comments/{comment.pk}/delete/")
    assert confirm.status_code == 200 and "Ja, löschen" in html(confirm)


def test_hidden_comment_shows_the_public_reason(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    comment = services.comment_create(
        idea=idea, author=UserFactory(municipality=municipality), text="Beleidigung"
    )
    Comment.objects.filter(pk=comment.pk).update(
        is_hidden=True, hidden_reason="Verstoß gegen die Netiquette"
    )
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Von der Moderation ausgeblendet:" in page
    assert "Verstoß gegen die Netiquette" in page
    assert "Beleidigung" not in page


def test_anonymous_comment_hides_the_name_except_for_moderators(
    client_a: Client, municipality: Any, idea: Any, moderator: Any
) -> None:
    person = UserFactory(municipality=municipality, display_name="Geheime Gerda")
    services.comment_create(idea=idea, author=person, text="Lieber anonym.", anonymous=True)
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Lieber anonym." in page and "Geheime Gerda" not in page
    assert "Geheime Gerda" in html(logged_in(moderator).get(f"/ideas/{idea.pk}/"))


def test_empty_comment_is_refused_next_to_the_field(municipality: Any, idea: Any) -> None:
    client = logged_in(UserFactory(municipality=municipality))
    response = client.post(f"/ideas/{idea.pk}/comments/", {"text": "   ", "anonymous": "on"})
    assert response.status_code == 400
    page = html(response)
    assert "Bitte schreiben Sie einen Kommentar." in error_text(page)
    assert re.search(
        r'id="id_comment_anonymous"[^>]*checked|checked[^>]*id="id_comment_anonymous"', page
    )
    assert not Comment.objects.exists()


def test_comments_over_the_rate_limit_keep_the_text(
    settings: Any, municipality: Any, idea: Any
) -> None:
    settings.RATE_LIMITS = {"comment": "1/600"}
    client = logged_in(UserFactory(municipality=municipality))
    client.post(f"/ideas/{idea.pk}/comments/", {"text": "Erster Kommentar"})
    response = client.post(f"/ideas/{idea.pk}/comments/", {"text": "Mein langer zweiter Text"})
    assert response.status_code == 429
    page = html(response)
    assert "viele Kommentare" in page
    assert "Mein langer zweiter Text</textarea>" in page
    reply = client.post(
        f"/ideas/{idea.pk}/comments/",
        {"text": "Meine Antwort bleibt", "parent": Comment.objects.get().pk},
    )
    assert reply.status_code == 429
    assert "Meine Antwort bleibt</textarea>" in html(reply)
    assert re.search(r'<details class="comment-action" open>', html(reply))
    assert Comment.objects.count() == 1


def test_comment_with_htmx_returns_the_discussion(municipality: Any, idea: Any) -> None:
    client = logged_in(UserFactory(municipality=municipality))
    response = htmx(client, f"/ideas/{idea.pk}/comments/", {"text": "Per htmx geschrieben"})
    assert response.status_code == 200
    fragment = html(response)
    assert fragment.lstrip().startswith('<section id="discussion"')
    assert "Per htmx geschrieben" in fragment and "Ihr Kommentar ist veröffentlicht." in fragment
    bad = htmx(client, f"/ideas/{idea.pk}/comments/", {"text": ""})
    assert bad.status_code == 400 and "Bitte schreiben Sie einen Kommentar." in html(bad)


def test_visitors_are_sent_to_sign_in_before_commenting(client_a: Client, idea: Any) -> None:
    response = client_a.post(f"/ideas/{idea.pk}/comments/", {"text": "Hallo"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Comment.objects.exists()


def test_deep_threads_are_lined_up_with_in_reply_to(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    person = UserFactory(municipality=municipality)
    parent = None
    for depth in range(7):
        parent = services.comment_create(
            idea=idea, author=person, text=f"Ebene {depth}", parent=parent
        )
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    for depth in range(7):
        assert f"Ebene {depth}" in page
    assert page.count('<ol class="comments comments-nested"') == 4
    assert "als Antwort auf" in page


# --- Links --------------------------------------------------------------------------------


def test_author_links_ideas_shown_on_both_ends(
    client_a: Client, municipality: Any, author: Any, field: Any, idea: Any
) -> None:
    other = make_idea(
        municipality=municipality,
        author=UserFactory(municipality=municipality),
        fields=[field],
        title="Sitzgelegenheiten im Park",
    )
    client = logged_in(author)
    response = client.post(
        f"/ideas/{idea.pk}/links/", {"kind": "related", "target": f"https://x/ideas/{other.pk}/"}
    )
    assert response.status_code == 302
    assert IdeaLink.objects.filter(source=idea, target=other, kind="related").exists()
    source_page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Sitzgelegenheiten im Park" in source_page
    target_page = html(client_a.get(f"/ideas/{other.pk}/"))
    assert idea.title in target_page and "Verwandt mit:" in target_page
    link = IdeaLink.objects.get()
    client.post(f"/ideas/{idea.pk}/links/{link.pk}/delete/")
    assert not IdeaLink.objects.exists()


def test_link_form_errors_and_permissions(
    municipality: Any, other_municipality: Any, author: Any, idea: Any, draft: Any, moderator: Any
) -> None:
    client = logged_in(author)
    for target in ("keine Zahl", str(draft.pk), str(idea.pk)):
        response = client.post(f"/ideas/{idea.pk}/links/", {"kind": "related", "target": target})
        assert response.status_code == 400
        assert 'class="field-errors"' in html(response) or "form-errors" in html(response)
    foreign = make_idea(
        municipality=other_municipality,
        author=UserFactory(municipality=other_municipality),
        fields=None,
        title="Fremde Idee im Nachbarort",
    )
    response = client.post(
        f"/ideas/{idea.pk}/links/", {"kind": "related", "target": str(foreign.pk)}
    )
    assert response.status_code == 400
    assert "keine öffentliche Idee" in error_text(html(response))
    stranger = logged_in(UserFactory(municipality=municipality))
    assert (
        stranger.post(f"/ideas/{idea.pk}/links/", {"kind": "related", "target": "1"}).status_code
        == 403
    )
    no_2fa = logged_in(moderator).post(
        f"/ideas/{idea.pk}/links/", {"kind": "related", "target": "1"}
    )
    assert no_2fa["Location"] == "/accounts/second-factor/"
    assert not IdeaLink.objects.exists()


def test_moderators_with_second_factor_link_ideas(
    municipality: Any, author: Any, field: Any, idea: Any, moderator: Any
) -> None:
    other = make_idea(
        municipality=municipality, author=author, fields=[field], title="Die andere Idee"
    )
    response = staff_client(moderator).post(
        f"/ideas/{idea.pk}/links/", {"kind": "duplicate_of", "target": str(other.pk)}
    )
    assert response.status_code == 302
    assert IdeaLink.objects.filter(source=idea, target=other, kind="duplicate_of").exists()


def test_idea_page_lists_answers_newest_first_and_the_history_in_order(
    client_a: Client, municipality: Any, idea: Any, reviewer: Any
) -> None:
    # The page reads answers, history and fields with SQL of its own (no ORM query compiled per
    # view): the same rows, in the models' order, with their dates, as the ORM gives.
    from mitmachstadt.ideas import selectors
    from mitmachstadt.tenants.factories import FieldOfActionFactory

    later = FieldOfActionFactory(municipality=municipality, name="Zweites Feld", position=9)
    first = FieldOfActionFactory(municipality=municipality, name="Erstes Feld", position=1)
    idea.fields.set([later, first])
    services.answer_create(idea=idea, actor=reviewer, text="Die erste Antwort der Verwaltung.")
    services.answer_create(idea=idea, actor=reviewer, text="Die zweite Antwort der Verwaltung.")
    detail = selectors.idea_detail(municipality, Idea.objects.get(pk=idea.pk), UserFactory())
    assert [a.pk for a in detail.answers] == [a.pk for a in idea.answers.all()]
    assert detail.answers[0].text == "Die zweite Antwort der Verwaltung."
    assert [t.pk for t in detail.transitions] == [t.pk for t in idea.transitions.all()]
    assert detail.transitions and all(t.created.tzinfo for t in detail.transitions)
    assert [f.name for f in detail.idea.fields.all()] == [
        f.name for f in Idea.objects.get(pk=idea.pk).fields.all()
    ]
    assert [f.name for f in detail.idea.fields.all()][:2] == ["Erstes Feld", "Zweites Feld"]
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert page.index("Die zweite Antwort") < page.index("Die erste Antwort")
    assert page.index("Erstes Feld") < page.index("Zweites Feld")


def test_idea_page_reads_comments_with_their_authors_in_order(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    # Comments and their authors come from SQL of the page's own (one query, no ORM compiled
    # per view): the same comments, order, dates and authors as the ORM's select_related.
    from mitmachstadt.ideas import selectors

    writer, other = UserFactory(display_name="Erika Schreiber"), UserFactory()
    first = services.comment_create(idea=idea, author=writer, text="Der erste Kommentar hier.")
    second = services.comment_create(idea=idea, author=other, text="Der zweite Kommentar hier.")
    Comment.objects.filter(pk=second.pk).update(author=None)  # the account was erased
    detail = selectors.idea_detail(municipality, Idea.objects.get(pk=idea.pk), UserFactory())
    expected = list(Comment.objects.filter(idea=idea).select_related("author"))
    assert [c.pk for c in detail.comments] == [c.pk for c in expected] == [first.pk, second.pk]
    assert [c.created for c in detail.comments] == [c.created for c in expected]
    assert detail.comments[0].created.tzinfo is not None
    assert detail.comments[0].author.display_name == "Erika Schreiber"
    assert detail.comments[1].author is None
    assert [a.pk for a in detail.authors] == [link.user_id for link in idea.author_links.all()]
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert page.index("Erika Schreiber") < page.index("Der zweite Kommentar hier.")
