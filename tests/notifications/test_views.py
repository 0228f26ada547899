"""The pages: settings (channels, subscriptions, follows), inbox with unread count in the header,
the subscribe button, the unsubscribe page; every one of them stays within its municipality."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.ideas.models import Follow
from mitmachstadt.notifications.kinds import Frequency, Kind
from mitmachstadt.notifications.models import Notification, NotificationSettings, Subscription
from mitmachstadt.notifications.tokens import make_token

pytestmark = pytest.mark.django_db


def channels_post(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for kind in Kind.values:
        data[f"{kind}__email"] = Frequency.DAILY
        data[f"{kind}__inbox"] = "on"
    data.update(overrides)
    return data


def test_settings_page_needs_sign_in_and_renders(client_a: Any, participant: Any) -> None:
    response = client_a.get("/accounts/notifications/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client_a.force_login(participant)
    page = client_a.get("/accounts/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>Notifications and subscriptions</h1>" in html
    assert "<caption>How you hear about each kind of news</caption>" in html
    # Every control has a label (the table's cells have visually hidden ones).
    assert 'for="id_reply__email"' in html and 'id="id_reply__email"' in html
    assert 'for="id_radiussub-lat"' in html
    german = client_a.get("/accounts/notifications/").content.decode()
    assert "Benachrichtigungen und Abonnements" in german


def test_channels_are_saved(client_a: Any, participant: Any, municipality: Any) -> None:
    client_a.force_login(participant)
    response = client_a.post(
        "/accounts/notifications/",
        channels_post(reply__email=Frequency.NEVER, reply__push="on", email_paused="on"),
    )
    assert response.status_code == 302
    row = NotificationSettings.objects.get(user=participant, municipality=municipality)
    assert row.prefs[Kind.REPLY] == {"email": "never", "push": True, "inbox": True}
    assert row.prefs[Kind.ANSWER] == {"email": "daily", "push": False, "inbox": True}
    assert row.email_paused
    bad = client_a.post("/accounts/notifications/", channels_post(reply__email="hourly"))
    assert bad.status_code == 400


def test_subscriptions_are_added_and_ended(
    client_a: Any, client_b: Any, participant: Any, municipality: Any, field: Any, district: Any
) -> None:
    client_a.force_login(participant)
    base = "/accounts/notifications/subscriptions"
    assert client_a.post(f"{base}/field/", {"fieldsub-field": field.slug}).status_code == 302
    assert (
        client_a.post(f"{base}/district/", {"districtsub-district": district.slug}).status_code
        == 302
    )
    radius = {
        "radiussub-lat": "51.9",
        "radiussub-lon": "8.38",
        "radiussub-radius_m": "800",
        "radiussub-label": "Home",
    }
    assert client_a.post(f"{base}/radius/", radius).status_code == 302
    assert client_a.post(f"{base}/search/", {"searchsub-q": "Radweg"}).status_code == 302
    assert client_a.post(f"{base}/events/").status_code == 302
    subs = {s.type: s for s in Subscription.objects.filter(user=participant)}
    assert set(subs) == {"field", "district", "radius", "search", "events"}
    assert subs["radius"].label == "Home" and subs["radius"].radius_m == 800
    assert subs["search"].search == {"q": "Radweg"}

    # Invalid input comes back with the errors tied to the fields.
    too_wide = {**radius, "radiussub-radius_m": "90000"}
    page = client_a.post(f"{base}/radius/", too_wide)
    assert page.status_code == 400
    assert 'id="id_radiussub-radius_m_error' in page.content.decode()  # tied to the field
    assert client_a.post(f"{base}/search/", {}).status_code == 400
    assert client_a.post(f"{base}/field/", {"fieldsub-field": field.slug}).status_code == 400

    # Not from another municipality's host, not someone else's.
    client_b.force_login(participant)
    sub = subs["field"]
    assert client_b.post(f"{base}/{sub.pk}/delete/").status_code == 404
    stranger = UserFactory(municipality=municipality)
    client_a.force_login(stranger)
    assert client_a.post(f"{base}/{sub.pk}/delete/").status_code == 404
    client_a.force_login(participant)
    assert client_a.post(f"{base}/{sub.pk}/delete/").status_code == 302
    assert not Subscription.objects.filter(pk=sub.pk).exists()


def test_saved_search_prefilled_from_the_idea_list(
    client_a: Any, participant: Any, field: Any
) -> None:
    client_a.force_login(participant)
    html = client_a.get(
        f"/accounts/notifications/?q=Spielplatz&field={field.slug}", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert 'value="Spielplatz"' in html
    assert "The filter of your idea list is filled in below." in html


def test_inbox_unread_count_and_reading(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    client_a: Any,
    client_b: Any,
    mailbox: list[Any],
) -> None:
    idea = make_idea(participant)
    start_review(idea, reason="First look.")
    client_a.force_login(participant)
    home = client_a.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'class="inbox-count">1<span class="visually-hidden"> unread</span>' in home
    assert "is now: In review" in home and "First look." in home
    note = Notification.objects.get(user=participant)
    opened = client_a.get(f"/notifications/{note.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/ideas/{idea.pk}/"
    note.refresh_from_db()
    assert note.read_at is not None
    assert 'class="inbox-count"' not in client_a.get("/notifications/").content.decode()

    # The same account on B's host sees nothing of A.
    client_b.force_login(participant)
    assert "First look." not in client_b.get("/notifications/").content.decode()
    assert client_b.get(f"/notifications/{note.pk}/").status_code == 404
    # Nor does another account on A.
    client_a.force_login(UserFactory(municipality=municipality))
    assert client_a.get(f"/notifications/{note.pk}/").status_code == 404


def test_mark_all_read(
    participant: Any,
    make_idea: Callable[..., Any],
    start_review: Callable[..., Any],
    client_a: Any,
) -> None:
    start_review(make_idea(participant))
    start_review(make_idea(participant, title="Another idea for the town"))
    client_a.force_login(participant)
    assert Notification.objects.filter(read_at__isnull=True).count() == 2
    assert client_a.post("/notifications/read-all/").status_code == 302
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_subscribe_button(
    municipality: Any,
    participant: Any,
    make_idea: Callable[..., Any],
    client_a: Any,
    client_b: Any,
) -> None:
    from django.template import Context, Template
    from django.test import RequestFactory

    idea = make_idea(participant)
    reader = UserFactory(municipality=municipality)
    client_a.force_login(reader)
    url = f"/notifications/follow/{idea.pk}/"
    response = client_a.post(url, {"action": "follow", "next": f"/ideas/{idea.pk}/"})
    assert response.status_code == 302 and response["Location"] == f"/ideas/{idea.pk}/"
    assert Follow.objects.filter(idea=idea, user=reader).exists()
    # With htmx the button replaces itself.
    swapped = client_a.post(url, {"action": "unfollow"}, HTTP_HX_REQUEST="true").content.decode()
    assert not Follow.objects.filter(idea=idea, user=reader).exists()
    assert 'name="action" value="follow"' in swapped and 'role="status"' in swapped
    # An open redirect is refused.
    evil = client_a.post(url, {"action": "follow", "next": "https://evil.example/"})
    assert evil["Location"] == f"/ideas/{idea.pk}/"
    # Not across municipalities.
    client_b.force_login(reader)
    assert client_b.post(url, {"action": "follow"}).status_code == 404

    # The include renders for the ideas UI.
    request = RequestFactory().get(f"/ideas/{idea.pk}/", HTTP_HOST="alpha.test")
    request.municipality = municipality  # type: ignore[attr-defined]
    request.user = reader
    html = Template('{% include "notifications/subscribe_button.html" with idea=idea %}').render(
        Context({"idea": idea, "request": request, "user": reader, "csrf_token": "x"})
    )
    assert f'action="/notifications/follow/{idea.pk}/"' in html
    assert f'href="/feeds/ideas/{idea.pk}.atom"' in html


def test_unsubscribe_page_without_sign_in(
    municipality: Any, participant: Any, client_a: Any, field: Any
) -> None:
    from mitmachstadt.notifications import services

    sub = services.subscription_create(
        user=participant, municipality=municipality, type="field", field=field
    )
    token = make_token(
        user_id=participant.pk, municipality_id=municipality.pk, scope=f"sub:{sub.pk}"
    )
    page = client_a.get(f"/notifications/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Yes, unsubscribe" in page.content.decode()
    done = client_a.post(f"/notifications/unsubscribe/{token}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "has ended" in done.content.decode()
    assert not Subscription.objects.filter(pk=sub.pk).exists()
    everything = make_token(user_id=participant.pk, municipality_id=municipality.pk, scope="all")
    client_a.post(f"/notifications/unsubscribe/{everything}/", {"List-Unsubscribe": "One-Click"})
    assert NotificationSettings.objects.get(user=participant).email_paused
    digest = make_token(
        user_id=participant.pk, municipality_id=municipality.pk, scope="digest:daily"
    )
    client_a.post(f"/notifications/unsubscribe/{digest}/", {"List-Unsubscribe": "One-Click"})
    prefs = NotificationSettings.objects.get(user=participant).prefs
    assert prefs[Kind.NEW_IDEA]["email"] == Frequency.NEVER  # was daily
    assert prefs[Kind.REPLY]["email"] == Frequency.IMMEDIATELY  # untouched


def test_header_shows_inbox_link_only_when_signed_in(client_a: Any, participant: Any) -> None:
    assert 'class="inbox-link"' not in client_a.get("/accounts/login/").content.decode()
    client_a.force_login(participant)
    html = client_a.get("/accounts/settings/").content.decode()
    assert 'class="inbox-link"' in html
    assert 'href="/accounts/notifications/"' in html


def test_opening_an_item_never_leaves_the_site(
    municipality: Any, participant: Any, client_a: Any
) -> None:
    from mitmachstadt.notifications.models import Activity

    activity = Activity.objects.create(
        municipality=municipality,
        kind=Kind.EVENT,
        source="event.scheduled",
        data={"title": "Odd event", "url": "https://evil.example/"},
    )
    note = Notification.objects.create(
        municipality=municipality,
        user=participant,
        activity=activity,
        kind=Kind.EVENT,
        reason=Notification.Reason.SUBSCRIPTION,
    )
    client_a.force_login(participant)
    assert client_a.get(f"/notifications/{note.pk}/")["Location"] == "/"
