"""Bench helper run inside the app's environment (same DATABASE_URL): pick the targets.

`python -m bench.prepare targets HOST OUT.json --tokens N` writes idea ids, the idea with 200
comments, search words, similar-idea texts and API tokens for the load generator;
`python -m bench.prepare verify-counts HOST` checks that every idea's counters equal its rows.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path
from typing import Any

SEARCH_WORDS = [
    "Radweg",
    "Spielplatz",
    "Bushaltestelle Bahnhof",
    "Ladesäulen",
    "barrierefrei",
    "Trinkbrunnen Stadtpark",
    "Jugendtreff",
    "Bücherschrank",
    "Carsharing",
    "Fahrradstraße Innenstadt",
    "WLAN",
    "Straßenbeleuchtung",
    "Parkplätze",
    "Hundewiese",
    "Bürgerbüro Termin",
]
SIMILAR_TEXTS = [
    "Mehr sichere Radwege in der Innenstadt, besonders für Kinder auf dem Schulweg",
    "Ein neuer Spielplatz im Stadtpark mit Wasserspielplatz für Familien",
    "Überdachte Fahrradständer am Bahnhof für Pendlerinnen und Pendler",
    "Kostenlose WLAN-Hotspots rund um den Marktplatz",
    "Mehr Ladesäulen für Elektroautos an der Berliner Straße",
    "Trinkbrunnen in der Fußgängerzone, weil es im Sommer heiß wird",
    "Online-Terminbuchung im Bürgerbüro ohne Wartezeit",
    "Ein Repair-Café im Jugendtreff, wo man Fahrräder reparieren kann",
    "Bessere Beleuchtung am Schulweg an der Grundschule",
    "Mitfahrbänke für Seniorinnen und Senioren in den Ortsteilen",
]


def distinct_queries(n: int, seed: int = 2) -> tuple[list[str], list[str]]:
    """`n` different search queries and `n` different similar-idea texts, built from the words
    the scale seed writes with, so that they match like real ones but hardly ever repeat."""
    from mitmachstadt.demo.seed_scale import ADJECTIVES, GROUPS, NOUNS, PLACES

    rng = random.Random(seed)
    searches: set[str] = set()
    texts: set[str] = set()
    while len(searches) < n:
        noun = rng.choice(NOUNS)
        extra = rng.choice([rng.choice(PLACES).split()[-1], rng.choice(GROUPS).split()[0], ""])
        word = rng.choice([noun[0], noun[1]])
        searches.add(
            f"{word} {extra}".strip() if rng.random() < 0.7 else f"{rng.choice(ADJECTIVES)} {word}"
        )
    while len(texts) < n:
        noun, other = rng.choice(NOUNS), rng.choice(NOUNS)
        texts.add(
            f"{rng.choice(ADJECTIVES).title()}e {noun[1]} {rng.choice(PLACES)}, "
            f"damit {rng.choice(GROUPS)} {rng.choice(['besser', 'sicherer', 'öfter', 'gern'])} "
            f"{rng.choice(['hinkommen', 'mitmachen', 'unterwegs sind', 'sich treffen'])}; "
            f"auch {other[1]} wären gut"
        )
    return sorted(searches), sorted(texts)


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mitmachstadt.settings")
    import django

    django.setup()


def targets(host: str, out: Path, tokens: int, seed: int = 1) -> dict[str, Any]:
    _setup()
    from django.db.models import Count

    from mitmachstadt.accounts.models import Membership, Role
    from mitmachstadt.api.models import ApiToken
    from mitmachstadt.ideas.models import Comment, Idea
    from mitmachstadt.ideas.states import State
    from mitmachstadt.tenants.selectors import municipality_for_host

    rng = random.Random(seed)
    municipality = municipality_for_host(host)
    if municipality is None:
        raise SystemExit(f"no municipality answers for {host}")
    public = Idea.objects.filter(municipality=municipality).public()
    public_ids = list(public.values_list("pk", flat=True))
    sample = sorted(rng.sample(public_ids, min(len(public_ids), 500)))
    # The idea with 200 comments (the scale seed makes one), else the most discussed one.
    showcase = (
        Comment.objects.filter(idea__municipality=municipality, idea__in=public)
        .values("idea")
        .annotate(n=Count("pk"))
        .order_by("-n")
    )
    with_200 = list(showcase.filter(n=200)[:1]) or list(showcase[:1])
    open_ids = list(
        public.exclude(state=State.MERGED).values_list("pk", flat=True).order_by("?")[:2000]
    )
    users = list(
        Membership.objects.filter(municipality=municipality, role=Role.PARTICIPANT)
        .values_list("user_id", flat=True)
        .order_by("user_id")[:tokens]
    )
    keys = []
    rows = []
    for user_id in users:
        key = ApiToken.new_key()
        keys.append(key)
        rows.append(
            ApiToken(
                user_id=user_id,
                municipality=municipality,
                name="bench",
                key_hash=ApiToken.hash_key(key),
                prefix=key[4:12],
            )
        )
    ApiToken.objects.bulk_create(rows, batch_size=1000)
    pages = max(1, (len(public_ids) + 14) // 15)
    search_distinct, similar_distinct = distinct_queries(3000)
    data = {
        "host": host,
        "municipality": municipality.slug,
        "public_ideas": len(public_ids),
        "located_ideas": public.filter(lat__isnull=False).count(),
        "pages": pages,
        "idea_ids": sample,
        "showcase_id": with_200[0]["idea"] if with_200 else (sample[0] if sample else None),
        "showcase_comments": with_200[0]["n"] if with_200 else 0,
        "reaction_ids": open_ids,
        "reaction_mode": municipality.reaction_mode,
        "tokens": keys,
        "search_words": SEARCH_WORDS,
        "similar_texts": SIMILAR_TEXTS,
        "search_distinct": search_distinct,
        "similar_distinct": similar_distinct,
    }
    out.write_text(json.dumps(data), "utf-8")
    return data


def verify_counts(host: str) -> dict[str, int]:
    """Ideas whose stored reaction counters differ from their reaction rows (must be 0)."""
    _setup()
    from django.db.models import Count, Q, Sum

    from mitmachstadt.ideas.models import Idea, Reaction
    from mitmachstadt.tenants.selectors import municipality_for_host

    municipality = municipality_for_host(host)
    assert municipality is not None
    stars = municipality.reaction_mode == "stars"
    up_filter = Q(value__gte=4) if stars else Q(value__gt=0)
    down_filter = Q(value__lte=2) if stars else Q(value__lt=0)
    actual = {
        row["idea"]: row
        for row in Reaction.objects.filter(idea__municipality=municipality)
        .values("idea")
        .annotate(
            up=Count("pk", filter=up_filter),
            down=Count("pk", filter=down_filter),
            total=Count("pk"),
            value_sum=Sum("value"),
        )
    }
    mismatched = 0
    checked = 0
    for pk, up, down, star_count, star_sum in (
        Idea.objects.filter(municipality=municipality)
        .values_list("pk", "up_count", "down_count", "star_count", "star_sum")
        .iterator(chunk_size=5000)
    ):
        row = actual.get(pk, {"up": 0, "down": 0, "total": 0, "value_sum": 0})
        expected = (row["up"], row["down"])
        if stars:
            ok = (up, down, star_count, star_sum) == (*expected, row["total"], row["value_sum"])
        else:
            ok = (up, down) == expected
        mismatched += 0 if ok else 1
        checked += 1
    return {"ideas_checked": checked, "mismatched": mismatched, "ideas_with_reactions": len(actual)}


def discussed(host: str, limit: int = 100) -> list[int]:
    """Public ideas with the most comments (compare-2000: six each), for the idea page."""
    _setup()
    from mitmachstadt.ideas.models import Idea
    from mitmachstadt.tenants.selectors import municipality_for_host

    municipality = municipality_for_host(host)
    assert municipality is not None
    return list(
        Idea.objects.filter(municipality=municipality)
        .public()
        .order_by("-comment_count", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def main(argv: list[str]) -> int:
    if argv[:1] == ["targets"]:
        tokens = int(argv[argv.index("--tokens") + 1]) if "--tokens" in argv else 500
        data = targets(argv[1], Path(argv[2]), tokens)
        print(json.dumps({k: v for k, v in data.items() if k != "tokens"})[:400])
        return 0
    if argv[:1] == ["discussed"]:
        print(" ".join(str(pk) for pk in discussed(argv[1])))
        return 0
    if argv[:1] == ["verify-counts"]:
        print(json.dumps(verify_counts(argv[1])))
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
