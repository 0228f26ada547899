"""Writing and revising ideas through the HTML forms: drafts, submit, preview, similar ideas,
uploads, errors that keep the input, rate limits, versions and their differences."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Organisation
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Idea, IdeaAttachment, IdeaAuthor, IdeaImage

from .test_views_common import (  # noqa: F401
    author_fixture,
    district_fixture,
    draft_fixture,
    error_text,
    field_fixture,
    html,
    idea_fixture,
    logged_in,
    pdf_upload,
    png_upload,
)

pytestmark = pytest.mark.django_db


def form_data(field: Any, **extra: Any) -> dict[str, Any]:
    data = {
        "title": "Trinkbrunnen in der Fußgängerzone",
        "text": "Im Sommer fehlt in der Innenstadt kostenloses Trinkwasser für alle.",
        "fields_of_action": [field.pk],
        "action": "draft",
    }
    data.update(extra)
    return data


def test_the_form_needs_an_account(client_a: Client) -> None:
    response = client_a.get("/ideas/new/")
    assert (
        response.status_code == 302 and "/accounts/login/?next=/ideas/new/" in response["Location"]
    )


def test_the_form_has_labels_help_location_uploads_and_two_buttons(
    author: Any, field: Any, district: Any
) -> None:
    page = html(logged_in(author).get("/ideas/new/"))
    for name in ("title", "text", "lat", "lon", "district", "citywide", "anonymous"):
        assert f'<label for="id_{name}"' in page
    assert "Markdown" in page
    assert 'name="fields_of_action"' in page and "<legend>" in page
    assert 'name="image_1"' in page and 'name="alt_1"' in page and 'name="attachment_1"' in page
    assert 'value="submit"' in page and 'value="draft"' in page and 'value="preview"' in page
    assert 'hx-get="/ideas/similar/"' in page and 'value="similar"' in page
    assert 'id="location-map"' in page and "ideas/location.js" in page
    assert 'enctype="multipart/form-data"' in page


def test_saving_a_draft_keeps_it_private(client_a: Client, author: Any, field: Any) -> None:
    response = logged_in(author).post("/ideas/new/", form_data(field))
    idea = Idea.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
    assert idea.state == "draft" and idea.created_by == author
    assert client_a.get(f"/ideas/{idea.pk}/").status_code == 404
    mine = html(logged_in(author).get("/ideas/mine/"))
    assert idea.title in mine and "Entwürfe" in mine


def test_submitting_makes_it_public_with_location(
    client_a: Client, author: Any, field: Any, district: Any
) -> None:
    data = form_data(field, action="submit", lat="51,05", lon="8.05", anonymous="on")
    response = logged_in(author).post("/ideas/new/", data)
    assert response.status_code == 302
    idea = Idea.objects.get()
    assert idea.state == "submitted" and idea.anonymous
    assert (idea.lat, idea.lon) == (51.05, 8.05)
    assert idea.district == district  # the point decides the district
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Trinkbrunnen in der Fußgängerzone" in page and "Ada Autorin" not in page


def test_preview_renders_markdown_and_saves_nothing(author: Any, field: Any) -> None:
    data = form_data(
        field, action="preview", text="Ein **fetter** Vorschlag mit einer Liste:\n\n- eins\n- zwei"
    )
    response = logged_in(author).post("/ideas/new/", data)
    assert response.status_code == 200
    page = html(response)
    assert '<section id="preview"' in page
    assert "<strong>fetter</strong>" in page and "<li>eins</li>" in page
    assert "Ein **fetter** Vorschlag" in page  # the textarea still holds the Markdown
    assert 'value="Trinkbrunnen in der Fußgängerzone"' in page
    assert re.search(rf'value="{field.pk}"[^>]*checked|checked[^>]*value="{field.pk}"', page)
    assert not Idea.objects.exists()


def test_similar_ideas_without_javascript_keep_the_input(
    author: Any, field: Any, municipality: Any
) -> None:
    existing = make_idea(
        municipality=municipality,
        author=UserFactory(municipality=municipality),
        fields=[field],
        title="Trinkwasserbrunnen in der Innenstadt",
        text="Öffentliche Trinkbrunnen in der Fußgängerzone für heiße Sommertage.",
    )
    response = logged_in(author).post("/ideas/new/", form_data(field, action="similar"))
    assert response.status_code == 200
    page = html(response)
    assert existing.title in page and f'href="/ideas/{existing.pk}/"' in page
    assert "Übereinstimmung" in page
    assert "Im Sommer fehlt in der Innenstadt kostenloses Trinkwasser" in page
    assert Idea.objects.count() == 1


def test_similar_ideas_as_htmx_partial_and_as_page(
    author: Any, field: Any, municipality: Any, draft: Any
) -> None:
    make_idea(
        municipality=municipality,
        author=author,
        fields=[field],
        title="Parkplätze für Lastenräder",
        text="Mehr Parkplätze für Lastenräder vor Supermärkten und Schulen.",
    )
    client = logged_in(author)
    partial = client.get("/ideas/similar/?title=Lastenrad-Parkplatzfinder", HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    fragment = html(partial)
    assert "<html" not in fragment and "Parkplätze für Lastenräder" in fragment
    assert draft.title not in fragment
    nothing = html(client.get("/ideas/similar/?title=Quantenchromodynamik", HTTP_HX_REQUEST="true"))
    assert "Keine ähnliche Idee gefunden" in nothing
    page = client.get("/ideas/similar/?title=Lastenrad")
    assert "<html" in html(page) and "Parkplätze für Lastenräder" in html(page)


def test_similar_over_the_rate_limit_answers_429(settings: Any, author: Any) -> None:
    settings.RATE_LIMITS = {"similar": "1/60"}
    client = logged_in(author)
    client.get("/ideas/similar/?title=eins", HTTP_HX_REQUEST="true")
    response = client.get("/ideas/similar/?title=zwei", HTTP_HX_REQUEST="true")
    assert response.status_code == 429 and "Zu viele Anfragen" in html(response)


def test_errors_are_shown_next_to_the_fields_and_keep_everything(author: Any, field: Any) -> None:
    data = form_data(field, title="Kurz", text="zu knapp", lat="51,9", lon="", action="submit")
    data["fields_of_action"] = []
    response = logged_in(author).post("/ideas/new/", data)
    assert response.status_code == 400
    page = html(response)
    errors = error_text(page)
    assert "mindestens 5 Zeichen" in errors
    assert "mindestens 20 Zeichen" in errors
    assert "mindestens ein Handlungsfeld" in errors
    assert "Breiten- und Längengrad" in errors
    assert re.search(
        r'aria-invalid="true" aria-describedby="id_title_helptext id_title_error"', page
    )
    assert 'value="Kurz"' in page and "zu knapp</textarea>" in page and 'value="51,9"' in page
    assert 'role="alert"' in page
    assert not Idea.objects.exists()


def test_over_the_rate_limit_answers_429_and_keeps_the_input(
    settings: Any, author: Any, field: Any
) -> None:
    settings.RATE_LIMITS = {"idea": "1/3600"}
    client = logged_in(author)
    client.post("/ideas/new/", form_data(field))
    response = client.post("/ideas/new/", form_data(field, title="Noch eine gute Idee hier"))
    assert response.status_code == 429
    page = html(response)
    assert "viele Ideen" in page
    assert 'value="Noch eine gute Idee hier"' in page
    assert "kostenloses Trinkwasser für alle.</textarea>" in page
    assert Idea.objects.count() == 1


def test_images_need_a_description_and_are_stored_cleaned(
    client_a: Client, author: Any, field: Any
) -> None:
    client = logged_in(author)
    response = client.post("/ideas/new/", form_data(field, image_1=png_upload()))
    assert response.status_code == 400
    page = html(response)
    assert "beschreiben Sie das Bild" in error_text(page)
    assert "Bitte wählen Sie Ihre Bilder und Anhänge noch einmal aus" in page
    assert not Idea.objects.exists()
    data = form_data(
        field,
        action="submit",
        image_1=png_upload(),
        alt_1="Skizze des Brunnens am Markt",
        attachment_1=pdf_upload(),
    )
    assert client.post("/ideas/new/", data).status_code == 302
    idea = Idea.objects.get()
    image = IdeaImage.objects.get(idea=idea)
    assert image.alt_text == "Skizze des Brunnens am Markt" and image.width == 40
    assert IdeaAttachment.objects.get(idea=idea).name == "plan.pdf"
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert 'alt="Skizze des Brunnens am Markt"' in page and ">plan.pdf</a>" in page


def test_wrong_files_are_refused_next_to_their_field(author: Any, field: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = form_data(
        field,
        image_1=SimpleUploadedFile("bild.png", b"not an image", "image/png"),
        alt_1="Ein Bild",
        attachment_1=SimpleUploadedFile("virus.exe", b"MZ\x90\x00", "application/octet-stream"),
    )
    response = logged_in(author).post("/ideas/new/", data)
    assert response.status_code == 400
    errors = error_text(html(response))
    assert "Erlaubte Anhänge" in errors
    assert "Bild" in errors
    assert not Idea.objects.exists()


# --- Revise, versions ---------------------------------------------------------------------


def test_only_authors_reach_the_edit_page(
    client_a: Client, municipality: Any, idea: Any, author: Any
) -> None:
    assert client_a.get(f"/ideas/{idea.pk}/edit/").status_code == 302
    stranger = logged_in(UserFactory(municipality=municipality))
    assert stranger.get(f"/ideas/{idea.pk}/edit/").status_code == 403
    assert stranger.post(f"/ideas/{idea.pk}/edit/", {"title": "Gekapert!!"}).status_code == 403
    page = html(logged_in(author).get(f"/ideas/{idea.pk}/edit/"))
    assert f'value="{idea.title}"' in page and "Was haben Sie geändert?" in page


def test_revising_keeps_versions_and_shows_a_readable_diff(
    client_a: Client, idea: Any, author: Any, field: Any
) -> None:
    client = logged_in(author)
    data = {
        "title": "Mehr Bänke am Marktplatz und im Park",
        "text": "Am Marktplatz fehlen Bänke zum Ausruhen, besonders für Familien.\n\nNeuer Absatz.",
        "fields_of_action": [field.pk],
        "note": "Park ergänzt",
        "action": "save",
    }
    response = client.post(f"/ideas/{idea.pk}/edit/", data)
    assert response.status_code == 302
    idea.refresh_from_db()
    assert idea.version == 2 and idea.title == "Mehr Bänke am Marktplatz und im Park"
    page = html(client_a.get(f"/ideas/{idea.pk}/versions/"))
    assert "Park ergänzt" in page and "Erste Fassung" in page
    diff = page[page.index('class="diff"') :]
    assert re.search(
        r"<ins><span class=\"visually-hidden\">\[hinzugefügt: </span>\s*und im Park", diff
    )
    assert re.search(
        r"<del><span class=\"visually-hidden\">\[entfernt: </span>ältere Menschen", diff
    )
    assert '<ins><span class="visually-hidden">[hinzugefügt: </span>Familien' in diff
    assert "Neuer Absatz." in diff
    assert "+" in diff and "−" in diff  # signs beside the lines, not only colour
    detail = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Fassung 2: Änderungen ansehen" in detail


def test_any_two_versions_can_be_compared(
    client_a: Client, idea: Any, author: Any, field: Any
) -> None:
    for n in range(2, 5):
        services.idea_update(
            idea=idea,
            actor=author,
            title=f"Mehr Bänke, Fassung {n}",
            text=idea.text,
            fields=[field],
            note=f"Schritt {n}",
        )
    page = html(client_a.get(f"/ideas/{idea.pk}/versions/?old=1&new=3"))
    assert "Änderungen von Fassung 1 zu Fassung 3" in page
    assert "Fassung 3" in page and "Fassung 4</ins>" not in page
    swapped = html(client_a.get(f"/ideas/{idea.pk}/versions/?old=4&new=2"))
    assert "Änderungen von Fassung 2 zu Fassung 4" in swapped
    same = html(client_a.get(f"/ideas/{idea.pk}/versions/?old=2&new=2"))
    assert 'class="diff"' not in same
    assert client_a.get(f"/ideas/{idea.pk}/versions/?old=x&new=99").status_code == 200


def test_versions_of_a_draft_are_private(client_a: Client, draft: Any, author: Any) -> None:
    assert client_a.get(f"/ideas/{draft.pk}/versions/").status_code == 404
    assert logged_in(author).get(f"/ideas/{draft.pk}/versions/").status_code == 200


def test_edit_errors_keep_the_input(idea: Any, author: Any, field: Any) -> None:
    data = {
        "title": "Neu",
        "text": "Ein ganz neuer Text, lang genug.",
        "fields_of_action": [field.pk],
    }
    response = logged_in(author).post(f"/ideas/{idea.pk}/edit/", data)
    assert response.status_code == 400
    assert 'value="Neu"' in html(
        response
    ) and "Ein ganz neuer Text, lang genug.</textarea>" in html(response)
    idea.refresh_from_db()
    assert idea.version == 1


def test_edit_preview_saves_nothing(idea: Any, author: Any, field: Any) -> None:
    data = {
        "title": idea.title,
        "text": "Jetzt mit *Betonung* und mehr Text.",
        "fields_of_action": [field.pk],
        "action": "preview",
    }
    response = logged_in(author).post(f"/ideas/{idea.pk}/edit/", data)
    assert response.status_code == 200 and "<em>Betonung</em>" in html(response)
    idea.refresh_from_db()
    assert idea.version == 1


def test_authors_add_files_later(client_a: Client, idea: Any, author: Any) -> None:
    client = logged_in(author)
    nothing = client.post(f"/ideas/{idea.pk}/files/", {})
    assert nothing.status_code == 400 and "Bitte wählen Sie ein Bild oder eine Datei." in html(
        nothing
    )
    response = client.post(
        f"/ideas/{idea.pk}/files/", {"image_1": png_upload(), "alt_1": "Foto vom Marktplatz"}
    )
    assert response.status_code == 302 and response["Location"].endswith("#files")
    assert 'alt="Foto vom Marktplatz"' in html(client_a.get(f"/ideas/{idea.pk}/"))


def test_authors_invite_coauthors_and_partners(
    client_a: Client, municipality: Any, other_municipality: Any, idea: Any, author: Any
) -> None:
    UserFactory(municipality=municipality, display_name="Bea Beteiligt")
    UserFactory(municipality=other_municipality, display_name="Fremde Frieda")
    Organisation.objects.create(municipality=municipality, name="Heimatverein")
    foreign_org = Organisation.objects.create(municipality=other_municipality, name="Fremdverein")
    client = logged_in(author)
    assert (
        client.post(
            f"/ideas/{idea.pk}/people/", {"which": "coauthor", "display_name": "bea beteiligt"}
        ).status_code
        == 302
    )
    assert IdeaAuthor.objects.filter(idea=idea).count() == 2
    refused = client.post(
        f"/ideas/{idea.pk}/people/", {"which": "coauthor", "display_name": "Fremde Frieda"}
    )
    assert refused.status_code == 400 and "Nur Teilnehmende dieser Kommune" in error_text(
        html(refused)
    )
    unknown = client.post(
        f"/ideas/{idea.pk}/people/", {"which": "coauthor", "display_name": "Niemand"}
    )
    assert unknown.status_code == 400
    org = Organisation.objects.get(name="Heimatverein")
    assert (
        client.post(
            f"/ideas/{idea.pk}/people/", {"which": "partner", "organisation": org.pk}
        ).status_code
        == 302
    )
    foreign = client.post(
        f"/ideas/{idea.pk}/people/", {"which": "partner", "organisation": foreign_org.pk}
    )
    assert foreign.status_code == 400
    page = html(client_a.get(f"/ideas/{idea.pk}/"))
    assert "Bea Beteiligt" in page and "Heimatverein" in page and "Fremdverein" not in page


def test_my_ideas_lists_drafts_and_submitted_ideas(
    client_a: Client, municipality: Any, author: Any, idea: Any, draft: Any
) -> None:
    assert client_a.get("/ideas/mine/").status_code == 302
    page = html(logged_in(author).get("/ideas/mine/"))
    assert page.index("Entwürfe") < page.index(draft.title) < page.index("Eingereichte Ideen")
    assert page.index("Eingereichte Ideen") < page.index(idea.title)
    other = html(logged_in(UserFactory(municipality=municipality)).get("/ideas/mine/"))
    assert idea.title not in other and draft.title not in other
