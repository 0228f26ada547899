"""The fixed comparison data set `mitmachstadt seed --profile compare-2000`.

Specified so that other participation platforms can load the same content (issue #4): Faker
(en_US, seed 42), accounts user000..user199, one municipality with five fields, 2,000 ideas with
i % 7 comments and i % 13 up/down reactions each. Faker is called in this order, idea by idea:
the title sentence, the three paragraphs, then the idea's comments. Rows are written in bulk
like the scale seed (seed_scale.BulkWriter), with the counters and scores the services keep.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from mitmachstadt.core.markup import render_markdown
from mitmachstadt.ideas import scoring, search
from mitmachstadt.ideas.models import (
    Comment,
    Follow,
    Idea,
    IdeaAuthor,
    IdeaVersion,
    Reaction,
    Transition,
)
from mitmachstadt.ideas.states import State
from mitmachstadt.tenants.models import Municipality
from mitmachstadt.tenants.services import field_of_action_create, municipality_create

from .seed_scale import IDEA_COLUMNS, IDEA_DATETIMES, BulkWriter, Town, create_accounts

SLUG = "compare-2000"
HOSTS = ["compare.localhost"]
IDEAS = 2000
ACCOUNTS = 200
FIELDS = 5
FAKER_SEED = 42


def compare_exists() -> bool:
    return Municipality.objects.filter(slug=SLUG).exists()


def seed_compare(*, hosts: list[str] | None = None, now: dt.datetime | None = None) -> Municipality:
    """Seed the compare-2000 data set exactly as issue #4 specifies it."""
    from faker import Faker

    if compare_exists():
        raise ValueError("the compare-2000 municipality exists already")
    fake = Faker("en_US")
    fake.seed_instance(FAKER_SEED)
    now = (now or timezone.now()).replace(microsecond=0)
    municipality = municipality_create(
        slug=SLUG,
        name="Compare 2000",
        hosts=hosts or HOSTS,
        tagline="Fixed data set for comparisons with other platforms",
        reaction_mode="updown",
        languages=["de", "en"],
        is_demo=True,
    )
    fields = [
        field_of_action_create(
            municipality=municipality,
            slug=f"category-{n}",
            name=f"Category {n}",
            position=n,
            is_demo=True,
        )
        for n in range(FIELDS)
    ]
    town = Town(
        municipality=municipality,
        fields=[(f.pk, f.name) for f in fields],
        clusters=[],
        districts=[],
        staff={},
    )
    writer = BulkWriter()
    create_accounts(
        writer,
        [town],
        ACCOUNTS,
        name_for=lambda n: (f"user{n:03d}@compare.example.org", f"user{n:03d}"),
        staff=False,
    )
    users = town.users
    ids = {
        model: writer.next_id(model)
        for model in (
            Idea,
            Idea.fields.through,
            IdeaAuthor,
            IdeaVersion,
            Transition,
            Comment,
            Reaction,
            Follow,
        )
    }

    def take(model: Any) -> int:
        value = ids[model]
        ids[model] += 1
        return value

    rows: dict[Any, list[tuple[Any, ...]]] = {model: [] for model in ids}
    start = now - dt.timedelta(days=59)
    step = dt.timedelta(days=58) / IDEAS
    for i in range(IDEAS):
        pk = take(Idea)
        title = f"Idea {i}: " + fake.sentence(nb_words=6, variable_nb_words=False)
        text = "\n\n".join(
            fake.paragraph(nb_sentences=5, variable_nb_sentences=False) for _ in range(3)
        )
        created = start + step * i
        author = users[i % ACCOUNTS]
        field_id, field_name = town.fields[i % FIELDS]
        followers = {author}
        rows[Follow].append((take(Follow), pk, author, created))
        comment_count = i % 7
        for j in range(comment_count):
            commenter = users[(i + j + 1) % ACCOUNTS]
            body = fake.paragraph(nb_sentences=3, variable_nb_sentences=False)
            when = created + dt.timedelta(hours=j + 1)
            rows[Comment].append(
                (
                    take(Comment),
                    pk,
                    None,
                    commenter,
                    False,
                    body,
                    render_markdown(body),
                    when,
                    False,
                    "",
                    True,
                )
            )
            if commenter not in followers:
                followers.add(commenter)
                rows[Follow].append((take(Follow), pk, commenter, when))
        up = down = 0
        for k in range(i % 13):
            value = 1 if (i + k) % 3 else -1
            up, down = (up + 1, down) if value > 0 else (up, down + 1)
            when = created + dt.timedelta(minutes=10 * (k + 1))
            rows[Reaction].append(
                (take(Reaction), pk, users[(i + 7 * k + 3) % ACCOUNTS], value, when, when)
            )
        rows[Idea].append(
            (
                pk,
                municipality.pk,
                title,
                text,
                render_markdown(text),
                State.SUBMITTED,
                None,
                None,
                None,
                None,
                False,
                author,
                False,
                False,
                "",
                None,
                1,
                created,
                created,
                created,
                None,
                up,
                down,
                0,
                0,
                comment_count,
                len(followers),
                scoring.rated("updown", up, down, 0, 0),
                scoring.controversy(up, down),
                scoring.trending(up - down, comment_count, created),
                0,
                "",
                True,
            )
        )
        rows[Idea.fields.through].append((take(Idea.fields.through), pk, field_id))
        rows[IdeaAuthor].append((take(IdeaAuthor), pk, author, True, created))
        rows[IdeaVersion].append(
            (
                take(IdeaVersion),
                pk,
                1,
                title,
                text,
                json.dumps([field_name]),
                author,
                "First version",
                created,
            )
        )
        rows[Transition].append(
            (take(Transition), pk, "submit", State.DRAFT, State.SUBMITTED, author, "", "", created)
        )
    writer.insert(Idea, IDEA_COLUMNS, rows[Idea], datetime_columns=IDEA_DATETIMES)
    writer.insert(Idea.fields.through, ["id", "idea", "fieldofaction"], rows[Idea.fields.through])
    writer.insert(
        IdeaAuthor,
        ["id", "idea", "user", "is_owner", "created"],
        rows[IdeaAuthor],
        datetime_columns=[4],
    )
    writer.insert(
        IdeaVersion,
        ["id", "idea", "number", "title", "text", "field_names", "author", "note", "created"],
        rows[IdeaVersion],
        datetime_columns=[8],
    )
    writer.insert(
        Transition,
        [
            "id",
            "idea",
            "name",
            "from_state",
            "to_state",
            "actor",
            "reason",
            "document_reference",
            "created",
        ],
        rows[Transition],
        datetime_columns=[8],
    )
    writer.insert(
        Comment,
        [
            "id",
            "idea",
            "parent",
            "author",
            "anonymous",
            "text",
            "text_html",
            "created",
            "is_hidden",
            "hidden_reason",
            "is_demo",
        ],
        rows[Comment],
        datetime_columns=[7],
    )
    writer.insert(
        Reaction,
        ["id", "idea", "user", "value", "created", "updated"],
        rows[Reaction],
        datetime_columns=[4, 5],
    )
    writer.insert(Follow, ["id", "idea", "user", "created"], rows[Follow], datetime_columns=[3])
    search.reindex(municipality.pk)
    writer.finish()
    return municipality
