"""The privacy page is generated from the register; consent is recorded with its history."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.privacy import registry, services
from mitmachstadt.privacy.models import ConsentRecord
from mitmachstadt.privacy.selectors import consent_states, has_consent
from tests.moderation.helpers import login


def test_registry_discovers_the_apps_personal_data_modules() -> None:
    labels = {c.label for c in registry.exporters()}
    assert {"accounts", "audit", "ideas", "api", "moderation", "privacy"} <= labels
    erasers = [c.label for c in registry.erasers()]
    # Dependants erase before what they depend on; the account goes last (privacy deletes it).
    assert erasers.index("moderation") < erasers.index("ideas") < erasers.index("accounts")
    keys = {a["key"] for a in registry.processing_activities()}
    assert {"account", "session", "contributions", "moderation", "spam_filter", "audit"} <= keys
    assert {"consent", "rights", "api_tokens", "unverified"} <= keys
    for activity in registry.processing_activities():
        assert {"name", "purpose", "data", "legal_basis", "retention", "recipients"} <= set(
            activity
        )


@pytest.mark.django_db
def test_privacy_page_lists_the_actual_processing(settings: Any, client_a: Client) -> None:
    settings.RETENTION_IP_DAYS = 5
    settings.MAP_TILE_URL = "https://tiles.example.net/{z}/{x}/{y}.png"
    page = client_a.get("/privacy/")
    assert page.status_code == 200
    text = page.content.decode()
    for activity in registry.processing_activities():
        assert str(activity["name"]) in text
    assert "Spamfilter und Missbrauchsabwehr" in text
    assert "IP-Adressen werden nach 5 Tagen gelöscht." in text
    assert "tiles.example.net" in text
    assert "Die Verwaltung darf mich kontaktieren" in text
    english = Client(HTTP_HOST="alpha.test")
    english.cookies["django_language"] = "en"
    assert "Spam filter and abuse defence" in english.get("/privacy/").content.decode()


@pytest.mark.django_db
def test_consent_is_given_and_withdrawn_with_a_record(
    municipality: Any, other_municipality: Any, participant: Any, client_a: Client
) -> None:
    assert client_a.get("/accounts/privacy/consent/").status_code == 302  # sign in first
    client = login("alpha.test", participant)
    page = client.get("/accounts/privacy/consent/").content.decode()
    assert "Die Verwaltung darf mich kontaktieren" in page
    client.post("/accounts/privacy/consent/", {"contact": "on"})
    client.post("/accounts/privacy/consent/", {"contact": "on"})  # unchanged: no new record
    assert has_consent(municipality, participant, "contact")
    assert not has_consent(other_municipality, participant, "contact")
    client.post("/accounts/privacy/consent/", {})
    assert not has_consent(municipality, participant, "contact")
    records = list(ConsentRecord.objects.order_by("id").values_list("granted", flat=True))
    assert records == [True, False]
    record = ConsentRecord.objects.first()
    assert record is not None and "Werkstatt" in record.wording
    history = client.get("/accounts/privacy/consent/").content.decode()
    assert "zugestimmt" in history and "widerrufen" in history
    [state] = consent_states(municipality, participant)
    assert state.purpose == "contact" and not state.granted


@pytest.mark.django_db
def test_unknown_purposes_are_refused(municipality: Any, participant: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.consent_set(
            user=participant, municipality=municipality, purpose="newsletter", granted=True
        )


@pytest.mark.django_db
def test_overview_and_account_settings_link(participant: Any) -> None:
    client = login("alpha.test", participant)
    assert 'href="/accounts/privacy/"' in client.get("/accounts/settings/").content.decode()
    page = client.get("/accounts/privacy/").content.decode()
    assert "/accounts/privacy/export/" in page and "/accounts/privacy/delete/" in page
