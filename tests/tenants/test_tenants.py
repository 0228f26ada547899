from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.tenants.factories import FieldOfActionFactory
from mitmachstadt.tenants.models import Municipality
from mitmachstadt.tenants.selectors import municipality_for_host
from mitmachstadt.tenants.services import municipality_create, municipality_update


@pytest.mark.django_db
def test_host_resolves_to_its_municipality(municipality: Any, other_municipality: Any) -> None:
    assert municipality_for_host("alpha.test") == municipality
    assert municipality_for_host("ALPHA.test:8000") == municipality
    assert municipality_for_host("beta.test") == other_municipality
    assert municipality_for_host("gamma.test") is None


@pytest.mark.django_db
def test_unknown_host_gets_a_friendly_404(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    response = Client(HTTP_HOST="nowhere.test").get("/")
    assert response.status_code == 404
    assert (
        "keine Kommune" in response.content.decode()
        or "No municipality" in response.content.decode()
    )


@pytest.mark.django_db
def test_inactive_municipality_does_not_answer(municipality: Any, client_a: Client) -> None:
    municipality_update(municipality=municipality, actor=None, signup_open=False)
    Municipality.objects.filter(pk=municipality.pk).update(is_active=False)
    from django.core.cache import cache

    cache.clear()
    assert client_a.get("/").status_code == 404


@pytest.mark.django_db
def test_home_shows_only_its_own_fields(
    municipality: Any, other_municipality: Any, client_a: Client, client_b: Client
) -> None:
    FieldOfActionFactory(municipality=municipality, name="Smarte Verwaltung Alpha")
    FieldOfActionFactory(municipality=other_municipality, name="Bildung Beta")
    page_a = client_a.get("/").content.decode()
    page_b = client_b.get("/").content.decode()
    assert "Smarte Verwaltung Alpha" in page_a and "Bildung Beta" not in page_a
    assert "Bildung Beta" in page_b and "Smarte Verwaltung Alpha" not in page_b


@pytest.mark.django_db
def test_create_municipality_is_audited_and_refuses_taken_hosts(municipality: Any) -> None:
    created = municipality_create(slug="gamma", name="Gammaheim", hosts=["gamma.test"])
    assert AuditEntry.objects.filter(action="municipality.create", municipality=created).exists()
    with pytest.raises(ValidationError):
        municipality_create(slug="delta", name="Delta", hosts=["alpha.test"])
    with pytest.raises(ValidationError):
        municipality_create(slug="gamma", name="Gamma 2", hosts=["gamma2.test"])
    assert not Municipality.objects.filter(slug="delta").exists()


@pytest.mark.django_db
def test_createtenant_command(capsys: Any) -> None:
    call_command(
        "createtenant",
        "epsilon",
        "Epsilonstadt",
        "--host",
        "epsilon.test",
        "--host",
        "www.epsilon.test",
    )
    municipality = Municipality.objects.get(slug="epsilon")
    assert sorted(municipality.domains.values_list("host", flat=True)) == [
        "epsilon.test",
        "www.epsilon.test",
    ]
    assert municipality_for_host("www.epsilon.test") == municipality
    with pytest.raises(CommandError, match=r"epsilon\.test"):
        call_command("createtenant", "zeta", "Zeta", "--host", "epsilon.test")


@pytest.mark.django_db
def test_settings_validation_gives_clear_errors(municipality: Any) -> None:
    with pytest.raises(ValidationError) as error:
        municipality_update(municipality=municipality, actor=None, primary_color="red")
    assert "primary_color" in error.value.message_dict
    municipality.refresh_from_db()
    assert municipality.primary_color == "#0b5394"


@pytest.mark.django_db
def test_theme_css_carries_the_brand_colour(municipality: Any, client_a: Client) -> None:
    municipality_update(municipality=municipality, actor=None, primary_color="#123456")
    response = client_a.get("/theme.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--brand: #123456" in response.content.decode()
