"""The honeypot and fill-time check of public forms (core.antispam), and the signup form."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django import forms
from django.test import Client

from mitmachstadt.accounts.models import User
from mitmachstadt.core import antispam


class ContactForm(antispam.AntiSpamMixin, forms.Form):
    message = forms.CharField()


def test_fill_time_is_checked_against_a_signed_start(settings: Any) -> None:
    settings.ANTISPAM_MIN_FILL_SECONDS = 3
    fresh = antispam.form_start_token()
    assert not ContactForm({"message": "Hallo", "form_started": fresh}).is_valid()
    earlier = antispam.form_start_token(now=time.time() - 10)
    assert ContactForm({"message": "Hallo", "form_started": earlier}).is_valid()
    forged = earlier[:-3] + "abc"
    assert not ContactForm({"message": "Hallo", "form_started": forged}).is_valid()
    assert not ContactForm({"message": "Hallo"}).is_valid()


def test_honeypot_is_refused_and_rendered_hidden_from_people(settings: Any) -> None:
    settings.ANTISPAM_MIN_FILL_SECONDS = 0
    form = ContactForm({"message": "Hallo", "website": "http://spam.example"})
    assert not form.is_valid()
    assert form.non_field_errors()
    html = ContactForm().as_p()
    assert 'class="honeypot-input"' in html and 'tabindex="-1"' in html
    assert 'type="hidden" name="form_started"' in html


def test_a_form_shown_again_keeps_its_start_time(settings: Any) -> None:
    settings.ANTISPAM_MIN_FILL_SECONDS = 3
    earlier = antispam.form_start_token(now=time.time() - 10)
    form = ContactForm({"message": "", "form_started": earlier})
    assert not form.is_valid()
    assert f'value="{earlier}"' in form.as_p()
    # A bad token is replaced, so that the corrected form can be sent a moment later.
    bad = ContactForm({"message": "Hallo", "form_started": "nonsense"})
    assert not bad.is_valid()
    assert antispam.seconds_since(bad.data["form_started"]) is not None


@pytest.mark.django_db
def test_signup_form_has_the_checks(settings: Any, municipality: Any, client_a: Client) -> None:
    page = client_a.get("/accounts/signup/").content.decode()
    assert 'name="form_started"' in page and "honeypot-input" in page
    settings.ANTISPAM_MIN_FILL_SECONDS = 3
    token = page.split('name="form_started" value="')[1].split('"')[0]
    data = {
        "email": "schnell@example.org",
        "display_name": "Schneller Bot",
        "password1": "ein-langes-passwort-42",
        "password2": "ein-langes-passwort-42",
        "form_started": token,
    }
    response = client_a.post("/accounts/signup/", data)
    assert response.status_code == 200
    assert "Das ging sehr schnell" in response.content.decode()
    assert not User.objects.filter(email="schnell@example.org").exists()
    data["form_started"] = antispam.form_start_token(now=time.time() - 20)
    assert client_a.post("/accounts/signup/", data).status_code == 302
    assert User.objects.filter(email="schnell@example.org").exists()


@pytest.mark.django_db
def test_idea_and_comment_forms_carry_the_checks(
    settings: Any, municipality: Any, participant: Any
) -> None:
    from mitmachstadt.ideas.factories import make_idea
    from mitmachstadt.ideas.models import Comment

    idea = make_idea(municipality=municipality, author=participant)
    other = make_idea(municipality=municipality, author=participant, title="Zweite Idee hier")
    from mitmachstadt.ideas import services as idea_services

    idea_services.comment_create(idea=idea, author=participant, text="Erster Kommentar")
    client = Client(HTTP_HOST="alpha.test")
    client.force_login(participant)
    create = client.get("/ideas/new/").content.decode()
    assert 'name="form_started"' in create and "honeypot-input" in create
    detail = client.get(f"/ideas/{idea.pk}/").content.decode()
    # The comment form and every reply form carry their own start time and honeypot.
    assert detail.count('name="form_started"') == 2
    assert 'id="hp"' in detail and 'id="hp-' in detail
    bot = client.post(f"/ideas/{other.pk}/comments/", {"text": "Kauf was", "website": "x"})
    assert bot.status_code in {200, 400}
    assert not Comment.objects.filter(idea=other).exists()
    settings.ANTISPAM_MIN_FILL_SECONDS = 3
    fast = client.post(
        f"/ideas/{other.pk}/comments/",
        {"text": "Schnell!", "form_started": antispam.form_start_token()},
    )
    assert "Das ging sehr schnell" in fast.content.decode()
    assert not Comment.objects.filter(idea=other).exists()
    slow = client.post(
        f"/ideas/{other.pk}/comments/",
        {"text": "Mit Bedacht.", "form_started": antispam.form_start_token(now=time.time() - 30)},
    )
    assert slow.status_code in {200, 302}
    assert Comment.objects.filter(idea=other, text="Mit Bedacht.").exists()
