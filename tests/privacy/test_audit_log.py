"""The audit-log page: administrators read their municipality's entries; nobody changes them."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.audit.services import audit_record
from tests.moderation.helpers import login, login_staff, make_moderator


@pytest.mark.django_db
def test_admin_reads_and_filters_own_municipality_only(
    municipality: Any, other_municipality: Any, participant: Any
) -> None:
    admin = UserFactory(municipality=municipality, roles=(Role.ADMIN,), display_name="Amtsleitung")
    audit_record(action="idea.hide", municipality=municipality, actor=admin, data={"why": "Test"})
    audit_record(action="event.register", municipality=municipality, actor=participant)
    audit_record(action="idea.secret_beta", municipality=other_municipality)
    client = login_staff("alpha.test", admin)
    page = client.get("/staff/audit/")
    assert page.status_code == 200
    text = page.content.decode()
    hide, register = "<code>idea.hide</code>", "<code>event.register</code>"
    assert hide in text and register in text and "Amtsleitung" in text
    assert "idea.secret_beta" not in text
    filtered = client.get("/staff/audit/", {"action": "idea."}).content.decode()
    assert hide in filtered and register not in filtered
    by_actor = client.get("/staff/audit/", {"actor": "amtsleitung"}).content.decode()
    assert hide in by_actor and register not in by_actor
    # The page offers no way to change anything, and the model refuses it.
    assert client.post("/staff/audit/").status_code == 405
    entry = AuditEntry.objects.filter(action="idea.hide").get()
    with pytest.raises(ValueError):
        entry.delete()


@pytest.mark.django_db
def test_only_admins_with_second_factor(
    municipality: Any, other_municipality: Any, participant: Any
) -> None:
    assert login("alpha.test", participant).get("/staff/audit/").status_code == 403
    moderator = login_staff("alpha.test", make_moderator(municipality))
    assert moderator.get("/staff/audit/").status_code == 403
    foreign_admin = UserFactory(municipality=other_municipality, roles=(Role.ADMIN,))
    foreign = Client(HTTP_HOST="alpha.test")
    foreign.force_login(foreign_admin)
    assert foreign.get("/staff/audit/").status_code == 403
    client = Client(HTTP_HOST="alpha.test")
    client.force_login(UserFactory(municipality=municipality, roles=(Role.ADMIN,)))
    assert client.get("/staff/audit/")["Location"] == "/accounts/second-factor/"


@pytest.mark.django_db
def test_staff_area_links_the_audit_log_and_the_queue(municipality: Any) -> None:
    admin = login_staff("alpha.test", UserFactory(municipality=municipality, roles=(Role.ADMIN,)))
    page = admin.get("/staff/").content.decode()
    assert 'href="/staff/audit/"' in page and 'href="/staff/moderation/"' in page
