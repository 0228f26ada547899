"""The anonymous page cache (core/pagecache.py): what is stored, what is served, and that a
write makes the next anonymous request see it, through HTTP on the real database."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.test import Client
from django.urls import path

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.core import pagecache
from mitmachstadt.ideas import services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.tenants.services import municipality_update

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return response.content.decode()


def cache_state(response: Any) -> str:
    return str(response.headers.get("X-Page-Cache", ""))


@pytest.fixture
def idea(municipality: Any, participant: Any) -> Any:
    return make_idea(municipality=municipality, author=participant, title="Bänke am Markt")


# --- Generations ----------------------------------------------------------------------------


def test_bump_starts_a_new_generation_every_time(municipality: Any) -> None:
    first = pagecache.generation(municipality.pk)
    assert pagecache.generation(municipality.pk) == first  # stable until bumped
    seen = {first}
    for _ in range(20):
        pagecache.bump(municipality.pk)
        token = pagecache.generation(municipality.pk)
        assert token not in seen  # tokens never come back, unlike counters after a race
        seen.add(token)
    assert pagecache.generation_age(token) < 5


def test_generations_are_per_municipality(municipality: Any, other_municipality: Any) -> None:
    b_before = pagecache.generation(other_municipality.pk)
    pagecache.bump(municipality.pk)
    assert pagecache.generation(other_municipality.pk) == b_before


def test_a_lost_generation_file_never_falls_back_to_an_old_token(
    municipality: Any, settings: Any, tmp_path: Any
) -> None:
    settings.PAGECACHE_DIR = tmp_path
    token = pagecache.generation(municipality.pk)
    (tmp_path / str(municipality.pk)).unlink()
    assert pagecache.generation(municipality.pk) != token


def test_generations_in_a_shared_cache(municipality: Any, settings: Any, tmp_path: Any) -> None:
    # Redis in production; any cache shared between processes takes the same path.
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "shared"),
        },
    }
    settings.PAGECACHE_DIR = tmp_path / "files"
    assert pagecache._shared_cache() is not None
    token = pagecache.generation(municipality.pk)
    assert pagecache.generation(municipality.pk) == token
    pagecache.bump(municipality.pk)
    assert pagecache.generation(municipality.pk) != token
    assert not (tmp_path / "files").exists()


@pytest.mark.django_db(transaction=True)
def test_bump_on_commit_waits_for_the_commit_and_skips_rollbacks(municipality: Any) -> None:
    before = pagecache.generation(municipality.pk)
    with transaction.atomic():
        pagecache.bump_on_commit(municipality.pk)
        pagecache.bump_on_commit(municipality.pk)
        # A page rendered now (old data) must be stored under a generation that ends here.
        assert pagecache.generation(municipality.pk) == before
    after = pagecache.generation(municipality.pk)
    assert after != before
    with pytest.raises(RuntimeError), transaction.atomic():
        pagecache.bump_on_commit(municipality.pk)
        raise RuntimeError
    assert pagecache.generation(municipality.pk) == after


@pytest.mark.django_db(transaction=True)
def test_one_transaction_bumps_a_municipality_once(municipality: Any) -> None:
    with transaction.atomic():
        for _ in range(5):
            pagecache.bump_on_commit(municipality.pk)
        callbacks = transaction.get_connection().run_on_commit
        assert len([c for c in callbacks if hasattr(c[1], "pagecache_municipality")]) == 1


# --- Pages: hits, and what is never shared ------------------------------------------------


def test_anonymous_pages_are_served_from_the_cache(client_a: Client, idea: Any) -> None:
    for url in ("/", "/ideas/", f"/ideas/{idea.pk}/"):
        first = client_a.get(url)
        second = client_a.get(url)
        assert (cache_state(first), cache_state(second)) == ("miss", "hit"), url
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]
        assert "Cookie" in second["Vary"]  # shared caches must not give it to signed-in people
        assert second["X-Frame-Options"] == first["X-Frame-Options"]
        assert "Content-Security-Policy" in second


def test_workers_share_pages_through_the_shared_store(
    client_a: Client, idea: Any, settings: Any, tmp_path: Any
) -> None:
    # Each worker keeps pages in its memory; the shared store (files, or Redis) lets the next
    # worker serve a page another one rendered.
    settings.CACHES = {
        **settings.CACHES,
        "pages-shared": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "pages"),
        },
    }
    from django.core.cache import caches

    url = f"/ideas/{idea.pk}/"
    first = client_a.get(url)
    assert cache_state(first) == "miss" and list((tmp_path / "pages").iterdir())
    caches["pages"].clear()  # another worker: nothing in its memory
    second = client_a.get(url)
    assert cache_state(second) == "hit" and second.content == first.content
    caches["pages-shared"].clear()
    assert cache_state(client_a.get(url)) == "hit"  # now from the worker's memory
    services.comment_create(idea=idea, author=idea.created_by, text="Neu in beiden")
    after = client_a.get(url)
    assert cache_state(after) == "miss" and "Neu in beiden" in html(after)


def test_head_is_served_from_the_cache(client_a: Client, idea: Any) -> None:
    client_a.get("/ideas/")
    assert cache_state(client_a.head("/ideas/")) == "hit"


def test_the_query_string_is_part_of_the_key(client_a: Client, municipality: Any) -> None:
    author = UserFactory(municipality=municipality)
    for n in range(16):
        make_idea(municipality=municipality, author=author, title=f"Idee Nummer {n:02d}")
    first, second = client_a.get("/ideas/"), client_a.get("/ideas/?page=2")
    assert cache_state(second) == "miss"
    assert "Idee Nummer 15" in html(first) and "Idee Nummer 15" not in html(second)
    assert "Idee Nummer 00" in html(second)


def test_never_a_page_of_another_municipality(
    client_a: Client, client_b: Client, municipality: Any, other_municipality: Any
) -> None:
    make_idea(municipality=municipality, author=UserFactory(municipality=municipality))
    make_idea(
        municipality=other_municipality,
        author=UserFactory(municipality=other_municipality),
        title="Fähre über den Fluss",
    )
    for url in ("/", "/ideas/"):
        a, b = client_a.get(url), client_b.get(url)
        a_again, b_again = client_a.get(url), client_b.get(url)
        assert "Alphastadt" in html(a_again) and "Betadorf" not in html(a_again)
        assert "Betadorf" in html(b_again) and "Alphastadt" not in html(b_again)
        assert "Fähre über den Fluss" in html(b) and "Fähre über den Fluss" not in html(a)
        assert cache_state(a_again) == cache_state(b_again) == "hit"


def test_an_idea_of_another_municipality_stays_a_404(
    client_a: Client, client_b: Client, idea: Any
) -> None:
    client_a.get(f"/ideas/{idea.pk}/")
    response = client_b.get(f"/ideas/{idea.pk}/")
    assert response.status_code == 404 and "Bänke am Markt" not in html(response)


def test_never_a_signed_in_page_to_anyone(client_a: Client, municipality: Any, idea: Any) -> None:
    person = UserFactory(municipality=municipality, display_name="Roberta Reiter")
    member = Client(HTTP_HOST="alpha.test")
    member.force_login(person)
    for url in ("/", "/ideas/", f"/ideas/{idea.pk}/"):
        signed_in = member.get(url)
        assert "Roberta Reiter" in html(signed_in)
        assert cache_state(signed_in) == ""  # neither served nor stored
        anonymous = client_a.get(url)
        assert "Roberta Reiter" not in html(anonymous)
        assert cache_state(anonymous) == "miss"
        # A cached anonymous page is not served to the signed-in person either.
        assert "Roberta Reiter" in html(member.get(url))


def test_a_visitor_with_a_session_gets_a_fresh_page(client_a: Client, idea: Any) -> None:
    client_a.get("/ideas/")
    visitor = Client(HTTP_HOST="alpha.test")
    visitor.cookies["sessionid"] = "whatever"
    assert cache_state(visitor.get("/ideas/")) == ""


def test_someone_who_has_just_written_reads_fresh_pages(client_a: Client, idea: Any) -> None:
    client_a.get("/ideas/")
    writer = Client(HTTP_HOST="alpha.test")
    writer.cookies["mms_primary"] = "9999999999"
    assert cache_state(writer.get("/ideas/")) == ""


def test_htmx_and_authorised_requests_are_not_cached(client_a: Client, idea: Any) -> None:
    client_a.get("/ideas/")
    assert cache_state(client_a.get("/ideas/", HTTP_HX_REQUEST="true")) == ""
    assert cache_state(client_a.get("/ideas/", HTTP_AUTHORIZATION="Bearer x")) == ""


def test_languages_get_their_own_pages(client_a: Client, idea: Any) -> None:
    german = client_a.get("/ideas/", HTTP_ACCEPT_LANGUAGE="de")
    english = client_a.get("/ideas/", HTTP_ACCEPT_LANGUAGE="en")
    assert cache_state(english) == "miss"
    assert "Ideen für unsere Stadt" in html(german) and 'lang="de"' in html(german)
    assert "Ideas for our city" in html(english) and 'lang="en"' in html(english)
    by_cookie = Client(HTTP_HOST="alpha.test")
    by_cookie.cookies["django_language"] = "en"
    response = by_cookie.get("/ideas/", HTTP_ACCEPT_LANGUAGE="de")
    assert cache_state(response) == "hit" and "Ideas for our city" in html(response)
    again = client_a.get("/ideas/", HTTP_ACCEPT_LANGUAGE="de")
    assert cache_state(again) == "hit" and "Ideen für unsere Stadt" in html(again)


def test_the_random_order_page_that_counts_exposure_is_not_cached(
    client_a: Client, idea: Any
) -> None:
    first_page = client_a.get("/ideas/?order=random&seed=abcd1234")
    assert first_page.status_code == 200 and cache_state(first_page) == ""
    assert "sessionid" in first_page.cookies  # the exposure is counted per visitor
    visitor = Client(HTTP_HOST="alpha.test")
    assert cache_state(visitor.get("/ideas/?order=random&seed=abcd1234")) == ""
    # Without a seed the visitor is sent to an address with one: never cached either.
    assert client_a.get("/ideas/?order=random").status_code == 302


def test_exposure_counting_does_not_empty_the_cache(client_a: Client, idea: Any) -> None:
    client_a.get("/ideas/")
    services.record_exposure([idea.pk])
    assert cache_state(client_a.get("/ideas/")) == "hit"


def test_bench_bypass_only_when_the_bench_allows_it(
    client_a: Client, idea: Any, settings: Any
) -> None:
    client_a.get("/ideas/")
    assert cache_state(client_a.get("/ideas/", HTTP_X_BENCH_CACHE="bypass")) == "hit"
    settings.PAGECACHE_BENCH_BYPASS = True
    assert cache_state(client_a.get("/ideas/", HTTP_X_BENCH_CACHE="bypass")) == ""


def test_pages_are_not_stored_while_a_replica_may_lag(
    municipality: Any, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = pagecache.generation(municipality.pk)
    assert pagecache.may_store(token)
    monkeypatch.setitem(settings.DATABASES, "replica", settings.DATABASES["default"])
    settings.DATABASE_REPLICA_PIN_SECONDS = 5
    pagecache.bump(municipality.pk)
    assert not pagecache.may_store(pagecache.generation(municipality.pk))
    old = f"{1_000_000:012x}-000000000000"  # made in 1970
    assert pagecache.may_store(old)


def test_the_language_switch_needs_no_token_but_the_same_origin(client_a: Client) -> None:
    csrf_client = Client(HTTP_HOST="alpha.test", enforce_csrf_checks=True)
    page = html(csrf_client.get("/ideas/"))
    assert "csrfmiddlewaretoken" not in page
    form = re.search(r'<form action="([^"]+)" method="post" class="language-switch">', page)
    assert form is not None
    ok = csrf_client.post(
        form.group(1),
        {"language": "en", "next": "/ideas/"},
        HTTP_ORIGIN="http://alpha.test",
    )
    assert ok.status_code == 302 and ok["Location"] == "/ideas/"
    assert ok.cookies["django_language"].value == "en"
    refused = csrf_client.post(
        form.group(1), {"language": "en", "next": "/ideas/"}, HTTP_ORIGIN="https://evil.example"
    )
    assert refused.status_code == 403 and "django_language" not in refused.cookies
    by_referer = csrf_client.post(
        form.group(1),
        {"language": "en", "next": "/ideas/"},
        HTTP_REFERER="https://evil.example/page",
    )
    assert by_referer.status_code == 403


# --- What a response must not contain to be stored (views of this module) ------------------

renders = itertools.count()


@pagecache.cacheable
def plain(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"render {next(renders)}")


@pagecache.cacheable
def with_csrf_token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"token {get_token(request)} {next(renders)}")


@pagecache.cacheable
def with_csp_nonce(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"nonce {request.csp_nonce} {next(renders)}")  # type: ignore[attr-defined]


@pagecache.cacheable
def with_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(f"cookie {next(renders)}")
    response.set_cookie("flavour", "oat")
    return response


@pagecache.cacheable
def with_session(request: HttpRequest) -> HttpResponse:
    request.session["seen"] = True
    return HttpResponse(f"session {next(renders)}")


@pagecache.cacheable
def private(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(f"private {next(renders)}")
    response["Cache-Control"] = "private"
    return response


@pagecache.cacheable
def varies_by_agent(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(f"agent {next(renders)}")
    response["Vary"] = "User-Agent"
    return response


@pagecache.cacheable
def not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"gone {next(renders)}", status=404)


def unmarked(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"unmarked {next(renders)}")


urlpatterns = [
    path("plain/", plain),
    path("csrf/", with_csrf_token),
    path("nonce/", with_csp_nonce),
    path("cookie/", with_cookie),
    path("session/", with_session),
    path("private/", private),
    path("agent/", varies_by_agent),
    path("gone/", not_found),
    path("unmarked/", unmarked),
]


@pytest.mark.urls(__name__)
def test_only_shareable_responses_are_stored(client_a: Client) -> None:
    first, second = client_a.get("/plain/"), client_a.get("/plain/")
    assert second.content == first.content and cache_state(second) == "hit"
    assert client_a.post("/plain/").content != first.content  # POST never from the cache
    for url in (
        "/csrf/",
        "/nonce/",
        "/cookie/",
        "/session/",
        "/private/",
        "/agent/",
        "/gone/",
        "/unmarked/",
    ):
        visitor = Client(HTTP_HOST="alpha.test")
        first, second = visitor.get(url), Client(HTTP_HOST="alpha.test").get(url)
        assert second.content != first.content, url
        assert cache_state(second) != "hit", url


# --- No stale page after a write ----------------------------------------------------------


def test_a_comment_posted_over_http_shows_at_once(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    url = f"/ideas/{idea.pk}/"
    client_a.get(url)
    assert cache_state(client_a.get(url)) == "hit"
    member = Client(HTTP_HOST="alpha.test")
    member.force_login(UserFactory(municipality=municipality))
    member.post(f"/ideas/{idea.pk}/comments/", {"text": "Frisch geschrieben"})
    response = client_a.get(url)
    assert cache_state(response) == "miss" and "Frisch geschrieben" in html(response)


def test_a_reaction_over_the_api_shows_at_once(
    client_a: Client, municipality: Any, idea: Any
) -> None:
    client_a.get("/ideas/")
    before = html(client_a.get("/ideas/"))
    member = Client(HTTP_HOST="alpha.test")
    member.force_login(UserFactory(municipality=municipality))
    response = member.put(
        f"/api/v1/ideas/{idea.pk}/reaction", {"value": 1}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    after = client_a.get("/ideas/")
    assert cache_state(after) == "miss" and html(after) != before


@pytest.mark.parametrize(
    ("write", "expected"),
    [
        (lambda m, i, u: services.follow_create(idea=i, user=u), "2 Personen folgen"),
        (lambda m, i, u: services.follow_delete(idea=i, user=i.created_by), "0 Personen folgen"),
        (lambda m, i, u: services.reaction_set(idea=i, user=u, value=1), "1 dafür"),
        (
            lambda m, i, u: services.comment_create(idea=i, author=u, text="Mein Senf dazu"),
            "Mein Senf dazu",
        ),
        (
            lambda m, i, u: municipality_update(
                municipality=m, actor=None, short_name="Neustadt am Fluss"
            ),
            "Neustadt am Fluss",
        ),
    ],
    ids=["follow", "unfollow", "reaction", "comment", "settings"],
)
def test_writes_show_on_the_next_anonymous_request(
    client_a: Client, municipality: Any, idea: Any, write: Any, expected: str
) -> None:
    municipality.reaction_mode = "updown"
    municipality.save()
    url = f"/ideas/{idea.pk}/"
    client_a.get(url)
    assert cache_state(client_a.get(url)) == "hit"
    write(municipality, idea, UserFactory(municipality=municipality))
    response = client_a.get(url)
    assert expected in html(response), expected


def test_a_direct_save_outside_the_services_shows_at_once(client_a: Client, idea: Any) -> None:
    # Django admin, shell or data migrations save models directly: the save hook catches them.
    client_a.get(f"/ideas/{idea.pk}/")
    idea.title = "Neue Bänke am Markt"
    idea.save(update_fields=["title"])
    assert "Neue Bänke am Markt" in html(client_a.get(f"/ideas/{idea.pk}/"))


def test_a_renamed_account_shows_at_once_in_every_municipality(
    client_a: Client, client_b: Client, municipality: Any, other_municipality: Any
) -> None:
    person = UserFactory(municipality=municipality, display_name="Alte Anna")
    make_idea(municipality=municipality, author=person, title="Idee in Alpha")
    make_idea(municipality=other_municipality, author=person, title="Idee in Beta")
    assert "Alte Anna" in html(client_a.get("/ideas/")) and "Alte Anna" in html(client_b.get("/"))
    person.display_name = "Neue Anna"
    person.save()
    assert "Neue Anna" in html(client_a.get("/ideas/")) and "Neue Anna" in html(client_b.get("/"))


def test_a_deletion_in_the_technical_admin_outdates_every_municipality(
    municipality: Any, other_municipality: Any, idea: Any
) -> None:
    from django.contrib.admin.models import DELETION, LogEntry
    from django.contrib.contenttypes.models import ContentType

    operator = UserFactory(municipality=municipality, is_staff=True, is_superuser=True)
    before = (pagecache.generation(municipality.pk), pagecache.generation(other_municipality.pk))
    # What the admin writes when it deletes a row (the row itself is gone: no save to hook).
    LogEntry.objects.create(
        user=operator,
        content_type=ContentType.objects.get_for_model(idea),
        object_id=str(idea.pk),
        object_repr=idea.title,
        action_flag=DELETION,
    )
    after = (pagecache.generation(municipality.pk), pagecache.generation(other_municipality.pk))
    assert after[0] != before[0] and after[1] != before[1]


@pytest.mark.django_db(transaction=True)
def test_committed_writes_show_at_once(municipality: Any) -> None:
    # Real commits (no test transaction around them): the bump after the commit does the work.
    client = Client(HTTP_HOST="alpha.test")
    author = UserFactory(municipality=municipality)
    idea = make_idea(municipality=municipality, author=author, title="Erste Fassung")
    client.get("/ideas/")
    assert cache_state(client.get("/ideas/")) == "hit"
    services.comment_create(idea=idea, author=author, text="Ein Kommentar")
    services.idea_update(
        idea=idea,
        actor=author,
        title="Zweite Fassung",
        text=idea.text,
        fields=list(idea.fields.all()),
    )
    page = client.get("/ideas/")
    assert cache_state(page) == "miss" and "Zweite Fassung" in html(page)
    assert "Ein Kommentar" in html(client.get(f"/ideas/{idea.pk}/"))
