from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from mitmachstadt.accounts.factories import UserFactory
from mitmachstadt.accounts.models import Role
from mitmachstadt.audit.models import AuditEntry
from mitmachstadt.core import bus
from mitmachstadt.geo.services import district_create
from mitmachstadt.ideas import scoring, selectors, services
from mitmachstadt.ideas.factories import make_idea
from mitmachstadt.ideas.models import Comment, Follow, Idea, IdeaVersion, Reaction
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.factories import FieldOfActionFactory
from tests.core.test_markup import assert_inert

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[8.0, 51.0], [8.1, 51.0], [8.1, 51.1], [8.0, 51.1], [8.0, 51.0]]],
}


def test_draft_is_private_until_submitted(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant, submit=False)
    assert idea.state == State.DRAFT
    assert not selectors.public_ideas(municipality).filter(pk=idea.pk).exists()
    other = UserFactory(municipality=municipality)
    assert selectors.idea_for_view(municipality, idea.pk, other) is None
    assert selectors.idea_for_view(municipality, idea.pk, participant) == idea
    services.idea_submit(idea=idea, actor=participant)
    assert idea.state == State.SUBMITTED and idea.submitted_at is not None
    assert selectors.public_ideas(municipality).filter(pk=idea.pk).exists()
    assert AuditEntry.objects.filter(action="idea.submit", target_id=str(idea.pk)).exists()


def test_only_authors_submit_and_revise(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant, submit=False)
    stranger = UserFactory(municipality=municipality)
    with pytest.raises(ValidationError):
        services.idea_submit(idea=idea, actor=stranger)
    with pytest.raises(PermissionDenied):
        services.idea_update(
            idea=idea,
            actor=stranger,
            title="Fremde Änderung am Titel",
            text="x" * 30,
            fields=list(idea.fields.all()),
        )
    assert Idea.objects.get(pk=idea.pk).state == State.DRAFT


def test_every_revision_is_kept(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    fields = list(idea.fields.all())
    services.idea_update(
        idea=idea,
        actor=participant,
        title="Mehr Bänke in der Innenstadt und im Park",
        text="Neue Fassung: auch im Stadtpark fehlen Bänke.",
        fields=fields,
        note="Park ergänzt",
    )
    services.idea_update(
        idea=idea,
        actor=participant,
        title="Mehr Bänke für alle",
        text="Dritte Fassung des Textes.",
        fields=fields,
    )
    versions = list(IdeaVersion.objects.filter(idea=idea).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].title == "Mehr Sitzbänke in der Innenstadt"
    assert versions[1].note == "Park ergänzt"
    assert Idea.objects.get(pk=idea.pk).title == "Mehr Bänke für alle"


@pytest.mark.parametrize(
    ("title", "text", "field"),
    [
        ("Kurz", "Ein ausreichend langer Beschreibungstext.", "title"),
        ("Ein guter Titel", "zu kurz", "text"),
        ("x" * 161, "Ein ausreichend langer Beschreibungstext.", "title"),
    ],
)
def test_bad_input_is_refused_with_field_errors(
    municipality: Any, participant: Any, title: str, text: str, field: str
) -> None:
    with pytest.raises(ValidationError) as error:
        make_idea(municipality=municipality, author=participant, title=title, text=text)
    assert field in error.value.message_dict
    assert not Idea.objects.exists()


def test_fields_and_districts_of_another_municipality_are_refused(
    municipality: Any, other_municipality: Any, participant: Any
) -> None:
    foreign_field = FieldOfActionFactory(municipality=other_municipality)
    with pytest.raises(ValidationError):
        make_idea(municipality=municipality, author=participant, fields=[foreign_field])
    foreign_district = district_create(
        municipality=other_municipality, slug="x", name="X", geometry=SQUARE
    )
    with pytest.raises(ValidationError):
        make_idea(municipality=municipality, author=participant, district=foreign_district)


def test_point_decides_the_district(municipality: Any, participant: Any) -> None:
    district = district_create(
        municipality=municipality, slug="mitte", name="Mitte", geometry=SQUARE
    )
    inside = make_idea(municipality=municipality, author=participant, lat=51.05, lon=8.05)
    outside = make_idea(municipality=municipality, author=participant, lat=52.0, lon=8.05)
    assert inside.district == district
    assert outside.district is None
    with pytest.raises(ValidationError):
        make_idea(municipality=municipality, author=participant, lat=51.05)


def test_markdown_is_sanitised_on_save(municipality: Any, participant: Any) -> None:
    idea = make_idea(
        municipality=municipality,
        author=participant,
        text="Hallo <script>alert(1)</script> [x](javascript:alert(1)) **fett** genug Text",
    )
    assert_inert(idea.text_html)
    assert "<strong>fett</strong>" in idea.text_html


def test_threaded_comments_edit_and_delete(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    other = UserFactory(municipality=municipality)
    root = services.comment_create(idea=idea, author=other, text="Gute Idee!")
    reply = services.comment_create(idea=idea, author=participant, text="Danke!", parent=root)
    assert reply.parent == root
    assert Idea.objects.get(pk=idea.pk).comment_count == 2
    assert Follow.objects.filter(idea=idea, user=other).exists()  # commenters follow
    with pytest.raises(PermissionDenied):
        services.comment_edit(comment=root, actor=participant, text="gekapert")
    services.comment_edit(comment=root, actor=other, text="Sehr gute Idee!")
    root.refresh_from_db()
    assert root.edited_at is not None and root.text == "Sehr gute Idee!"
    services.comment_delete(comment=root, actor=other)
    root.refresh_from_db()
    assert root.is_deleted and root.text == ""
    assert Comment.objects.filter(pk=reply.pk).exists()  # the thread stays readable
    assert Idea.objects.get(pk=idea.pk).comment_count == 1


def test_comments_need_a_public_idea(municipality: Any, participant: Any) -> None:
    draft = make_idea(municipality=municipality, author=participant, submit=False)
    with pytest.raises(ValidationError):
        services.comment_create(idea=draft, author=participant, text="Hallo")


def test_reply_must_be_on_the_same_idea(municipality: Any, participant: Any) -> None:
    a = make_idea(municipality=municipality, author=participant)
    b = make_idea(municipality=municipality, author=participant, title="Andere Idee hier")
    root = services.comment_create(idea=a, author=participant, text="Kommentar")
    with pytest.raises(ValidationError):
        services.comment_create(idea=b, author=participant, text="Antwort", parent=root)


def test_official_answer_needs_staff_and_keeps_the_promise_date(
    municipality: Any, participant: Any
) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    with pytest.raises(PermissionDenied):
        services.answer_create(idea=idea, actor=participant, text="Ich antworte mir selbst.")
    reviewer = UserFactory(municipality=municipality, roles=(Role.REVIEWER,))
    answer = services.answer_create(idea=idea, actor=reviewer, text="Wir prüfen Ihre Idee.")
    services.answer_create(idea=idea, actor=reviewer, text="Zweite Antwort mit Ergebnis.")
    assert Idea.objects.get(pk=idea.pk).first_answer_at == answer.created


@pytest.mark.parametrize(
    ("mode", "values", "expected"),
    [
        ("support", [1, 1, 1], {"up_count": 3, "down_count": 0}),
        ("updown", [1, 1, -1], {"up_count": 2, "down_count": 1}),
        ("stars", [5, 4, 1, 3], {"star_count": 4, "star_sum": 13, "up_count": 2, "down_count": 1}),
    ],
)
def test_reactions_in_each_mode(
    municipality: Any, participant: Any, mode: str, values: list[int], expected: dict[str, int]
) -> None:
    municipality.reaction_mode = mode
    municipality.save()
    idea = make_idea(municipality=municipality, author=participant)
    for value in values:
        services.reaction_set(idea=idea, user=UserFactory(municipality=municipality), value=value)
    idea.refresh_from_db()
    for key, value in expected.items():
        assert getattr(idea, key) == value, key
    assert idea.rated_score == pytest.approx(
        scoring.rated(mode, idea.up_count, idea.down_count, idea.star_sum, idea.star_count)
    )


def test_one_reaction_per_account_changeable_and_removable(
    municipality: Any, participant: Any
) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    voter = UserFactory(municipality=municipality)
    services.reaction_set(idea=idea, user=voter, value=1)
    services.reaction_set(idea=idea, user=voter, value=1)
    idea.refresh_from_db()
    assert (idea.up_count, idea.down_count) == (1, 0)
    services.reaction_set(idea=idea, user=voter, value=-1)
    idea.refresh_from_db()
    assert (idea.up_count, idea.down_count) == (0, 1)
    services.reaction_set(idea=idea, user=voter, value=None)
    idea.refresh_from_db()
    assert (idea.up_count, idea.down_count) == (0, 0)
    assert not Reaction.objects.filter(idea=idea).exists()


def test_invalid_reaction_values_are_refused(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    for value in (0, 2, -2, 6):
        with pytest.raises(ValidationError):
            services.reaction_set(idea=idea, user=participant, value=value)
    municipality.reaction_mode = "support"
    municipality.save()
    idea = Idea.objects.get(pk=idea.pk)
    with pytest.raises(ValidationError):
        services.reaction_set(idea=idea, user=participant, value=-1)


def test_links_are_typed_shown_on_both_ends_and_stay_in_the_municipality(
    municipality: Any, other_municipality: Any, participant: Any
) -> None:
    a = make_idea(municipality=municipality, author=participant, title="Radweg am Kanal")
    b = make_idea(municipality=municipality, author=participant, title="Radwegenetz ausbauen")
    services.link_create(source=a, target=b, kind="builds_on", actor=participant)
    detail_a = selectors.idea_detail(municipality, a, participant)
    detail_b = selectors.idea_detail(municipality, b, participant)
    assert [(other.pk, link.kind) for _l, other, link in detail_a.links] == [(b.pk, "builds_on")]
    assert [(other.pk, link.kind) for _l, other, link in detail_b.links] == [(a.pk, "builds_on")]
    foreign = make_idea(
        municipality=other_municipality, author=UserFactory(municipality=other_municipality)
    )
    with pytest.raises(ValidationError):
        services.link_create(source=a, target=foreign, kind="related", actor=participant)
    stranger = UserFactory(municipality=municipality)
    with pytest.raises(PermissionDenied):
        services.link_create(source=a, target=b, kind="related", actor=stranger)


def test_anonymous_idea_hides_the_author_from_the_public(
    municipality: Any, participant: Any
) -> None:
    idea = make_idea(municipality=municipality, author=participant, anonymous=True)
    assert idea.anonymous
    # Moderators still see the account: it is stored.
    assert idea.created_by == participant


def test_events_are_published_after_commit(municipality: Any, participant: Any) -> None:
    seen: list[str] = []

    def handler(event: bus.Event) -> None:
        seen.append(event.name)

    bus.subscribe("*", handler)
    try:
        from django.test import TestCase

        with TestCase.captureOnCommitCallbacks(execute=True):
            make_idea(municipality=municipality, author=participant)
    finally:
        bus.unsubscribe("*", handler)
    assert "idea.created" in seen and "idea.transition" in seen


def test_follow_and_unfollow_keep_the_counter(municipality: Any, participant: Any) -> None:
    idea = make_idea(municipality=municipality, author=participant)
    other = UserFactory(municipality=municipality)
    services.follow_create(idea=idea, user=other)
    services.follow_create(idea=idea, user=other)
    assert Idea.objects.get(pk=idea.pk).follower_count == 2
    services.follow_delete(idea=idea, user=other)
    assert Idea.objects.get(pk=idea.pk).follower_count == 1
